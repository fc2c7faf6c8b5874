"""Terminal summary with rich: one line per file, then the findings that weigh most."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from veracity.evidence import Direction, Report, Status, VerdictLabel

LABEL_STYLE = {
    VerdictLabel.AI_GENERATED: ("AI-generated / manipulated", "bold red"),
    VerdictLabel.AUTHENTIC: ("no sign of manipulation", "bold green"),
    VerdictLabel.INCONCLUSIVE: ("inconclusive", "bold yellow"),
}


def summary_table(reports: list[Report], failures: dict[str, str]) -> Table:
    table = Table(title="Veracity", show_lines=False)
    table.add_column("file", overflow="fold")
    table.add_column("kind")
    table.add_column("verdict")
    table.add_column("p_synthetic", justify="right")
    table.add_column("why")
    for report in reports:
        text, style = LABEL_STYLE[report.verdict.label]
        table.add_row(
            escape(report.media.path), report.media.kind.value, f"[{style}]{text}[/]",
            f"{report.verdict.p_synthetic:.2f}", escape(report.verdict.explanation),
        )
    for path, reason in failures.items():
        table.add_row(escape(path), "-", "[bold magenta]error[/]", "-", escape(reason))
    return table


def print_details(console: Console, report: Report, top: int = 5) -> None:
    weighed = sorted(
        (f for f in report.findings if f.direction is not Direction.NEUTRAL),
        key=lambda f: (f.decisive, f.strength), reverse=True,
    )
    console.print(f"[bold]{escape(report.media.path)}[/]")
    for finding in weighed[:top]:
        arrow = "[red]▲ synthetic[/]" if finding.direction is Direction.SYNTHETIC else "[green]▼ authentic[/]"
        console.print(f"  {arrow} ({finding.strength:.2f}) {escape(finding.message)}")
    if report.robustness is not None:
        print_robustness(console, report)
    skipped = [r for r in report.results if r.status in (Status.ERROR, Status.TIMEOUT, Status.MISSING_DEPENDENCY)]
    for result in skipped:
        note = (result.reason or "") + (f" — {result.hint}" if result.hint else "")
        console.print(f"  [magenta]{result.analyzer_id}: {result.status.value}[/] {escape(note)}")


def print_robustness(console: Console, report: Report) -> None:
    """The robustness self-check: one line per damaged copy."""
    check = report.robustness
    if check is None:
        return
    style = "green" if check.verdict_stable else "yellow"
    console.print(f"  [{style}]robustness:[/] {check.summary}")
    for variant in check.variants:
        if variant.error is not None:
            console.print(f"    {variant.name}: could not be checked ({variant.error})", markup=False)
            continue
        mark = "holds" if variant.verdict_holds else "CHANGES"
        lost = f"; lost: {', '.join(variant.lost_findings)}" if variant.lost_findings else ""
        gained = f"; new: {', '.join(variant.new_findings)}" if variant.new_findings else ""
        label = variant.label.value if variant.label else "?"
        console.print(f"    {variant.name} ({variant.description}): {mark} — {label}, p_synthetic "
                      f"{variant.p_synthetic:.2f} ({variant.p_shift:+.2f}){lost}{gained}", markup=False)
