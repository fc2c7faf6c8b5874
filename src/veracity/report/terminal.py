"""Terminal summary with rich: one line per file, then the findings that weigh most."""

from __future__ import annotations

import math

from rich.console import Console
from rich.markup import escape as _escape_markup
from rich.table import Table

from veracity._printable import printable
from veracity.evidence import Report, Status, VerdictLabel
from veracity.fusion._explain import ZERO, one_line, shown_rounded


def escape(text: object) -> str:
    """Terminal-safe: control characters shown as escapes (``printable``), then rich markup escaped."""
    return _escape_markup(printable(text))

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
    table.add_column("inconclusive", justify="right")
    table.add_column("why")
    for report in reports:
        text, style = LABEL_STYLE[report.verdict.label]
        low, high = report.verdict.inconclusive_band
        table.add_row(
            escape(report.media.path), report.media.kind.value, f"[{style}]{text}[/]",
            f"{report.verdict.p_synthetic:.2f}", f"{low:.2f}–{high:.2f}", escape(one_line(report.verdict)),
        )
    for path, reason in failures.items():
        table.add_row(escape(path), "-", "[bold magenta]error[/]", "-", "-", escape(reason))
    return table


def print_details(console: Console, report: Report, top: int = 5) -> None:
    """The verdict's sum: the largest contributions first, the rest folded into one line, the starting point,
    the total and its probability; then what was missing and what would settle it."""
    verdict = report.verdict
    text, style = LABEL_STYLE[verdict.label]
    low, high = verdict.inconclusive_band
    console.print(f"[bold]{escape(report.media.path)}[/]")
    band = f"; {low:.0%}–{high:.0%} is inconclusive" + (f" for {verdict.judged_as}" if verdict.judged_as else "")
    console.print(f"  [{style}]{text}[/] — {verdict.p_synthetic:.0%} likely AI-made{escape(band)}")
    title = "Why inconclusive" if verdict.label is VerdictLabel.INCONCLUSIVE else "Why this verdict"
    console.print(f"  [bold]{title}:[/] {escape(verdict.explanation)}")
    if verdict.contributions:
        console.print("  What weighed (log-odds; + towards AI, − towards a real capture):")
        weighed = [c for c in verdict.contributions if abs(c.log_odds) >= ZERO or c.decisive]
        shown = weighed[:top]
        rest = [c for c in verdict.contributions if c not in shown]
        decisive = any(c.decisive for c in verdict.contributions)
        rows = [c.log_odds for c in shown] + ([math.fsum(c.log_odds for c in rest)] if rest else [])
        printed = iter(shown_rounded([*rows, *([] if decisive else [verdict.prior_log_odds])], verdict.log_odds))
        for c in shown:
            arrow = "[red]▲[/]" if c.log_odds > 0 else "[green]▼[/]" if c.log_odds < 0 else " "
            reason = f": {c.reason}" if c.reason else ""
            console.print(f"    {_signed(next(printed))} {arrow} {escape(c.name or c.analyzer_id)}{escape(reason)}")
        if rest:
            most = max(abs(c.log_odds) for c in rest)
            what = f", each adding {most:.2f} or less" if most >= ZERO else " that carry no weight here"
            console.print(f"    {_signed(next(printed))}   {len(rest)} {'more ' if shown else ''}check(s){what}")
        if not decisive:
            console.print(f"    {_signed(next(printed))}   starting point of the model"
                          + escape(f" for {verdict.judged_as}" if verdict.judged_as else ""))
        console.print(f"    {_signed(verdict.log_odds)}   total → {verdict.p_synthetic:.0%} likely AI-made")
    for line in () if verdict.method.startswith("decisive:") else verdict.missing:
        console.print(f"  [yellow]missing:[/] {escape(line)}")
    if verdict.label is VerdictLabel.INCONCLUSIVE:
        for line in verdict.would_settle:
            console.print(f"  [cyan]would settle it:[/] {escape(line)}")
    if report.robustness is not None:
        print_robustness(console, report)
    skipped = [r for r in report.results if r.status in (Status.ERROR, Status.TIMEOUT, Status.MISSING_DEPENDENCY)]
    for result in skipped:
        note = (result.reason or "") + (f" — {result.hint}" if result.hint else "")
        console.print(f"  [magenta]{result.analyzer_id}: {result.status.value}[/] {escape(note)}")


def _signed(value: float) -> str:
    return f"{value:+6.2f}".replace("-", "−")


def print_robustness(console: Console, report: Report) -> None:
    """The robustness self-check: one line per damaged copy."""
    check = report.robustness
    if check is None:
        return
    style = "green" if check.verdict_stable else "yellow"
    console.print(f"  [{style}]robustness:[/] {check.summary}")
    for variant in check.variants:
        if variant.error is not None:
            console.print(f"    {variant.name}: could not be checked ({printable(variant.error)})", markup=False)
            continue
        mark = "holds" if variant.verdict_holds else "CHANGES"
        lost = f"; lost: {', '.join(variant.lost_findings)}" if variant.lost_findings else ""
        gained = f"; new: {', '.join(variant.new_findings)}" if variant.new_findings else ""
        label = variant.label.value if variant.label else "?"
        console.print(f"    {variant.name} ({variant.description}): {mark} — {label}, p_synthetic "
                      f"{variant.p_synthetic:.2f} ({variant.p_shift:+.2f}){lost}{gained}", markup=False)
