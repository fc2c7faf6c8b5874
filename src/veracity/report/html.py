"""A self-contained HTML page: verdict first, then evidence cards with their pictures, then media and timings.

No external fonts, scripts or images: pictures are inlined as data URIs, so the file can be mailed or archived.
"""

from __future__ import annotations

import base64
import html
from importlib import resources

from veracity.evidence import AnalyzerResult, Direction, Finding, Report, VerdictLabel

_LABELS = {
    VerdictLabel.AI_GENERATED: "AI-generated or manipulated",
    VerdictLabel.AUTHENTIC: "No sign of manipulation",
    VerdictLabel.INCONCLUSIVE: "Inconclusive",
}
_DIRECTION_WORDS = {
    Direction.SYNTHETIC: "points to AI / manipulation",
    Direction.AUTHENTIC: "points to a real capture",
    Direction.NEUTRAL: "context",
}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _css() -> str:
    return resources.files("veracity.report").joinpath("report.css").read_text(encoding="utf-8")


def render_html(reports: list[Report], title: str = "Veracity report") -> str:
    body = "\n".join(_render_one(r, i) for i, r in enumerate(reports))
    if len(reports) > 1:
        body = _index(reports) + body
    if not reports:
        body = "<p>No file could be analyzed.</p>"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{_css()}</style></head><body><main>"
        f"<h1>{_e(title)}</h1>{body}</main></body></html>\n"
    )


def _render_one(report: Report, index: int) -> str:
    verdict = report.verdict
    low, high = verdict.inconclusive_band
    banner = (
        f"<section class='verdict verdict-{verdict.label.value}' aria-label='verdict'>"
        f"<div class='label'>{_e(_LABELS[verdict.label])}</div>"
        f"<div class='prob'>Probability AI-made or manipulated: <strong>{verdict.p_synthetic:.0%}</strong>"
        f" <span class='muted'>(between {low:.0%} and {high:.0%} is called inconclusive)</span></div>"
        f"<p>{_e(verdict.explanation)}</p>{_contributions(report)}</section>"
    )
    findings = sorted(
        ((r, f) for r in report.results for f in r.findings),
        key=lambda rf: (rf[1].decisive, rf[1].direction is not Direction.NEUTRAL, rf[1].strength),
        reverse=True,
    )
    shown = [(r, f) for r, f in findings if not f.code.endswith(".summary")]
    weighed = "".join(_card(report, r, f) for r, f in shown if f.direction is not Direction.NEUTRAL)
    context = "".join(_card(report, r, f) for r, f in shown if f.direction is Direction.NEUTRAL)
    return (
        f"<article id='file-{index}'><h2 class='path'>{_e(report.media.path)}</h2>{banner}"
        f"<h3>Evidence</h3><div class='cards'>{weighed or '<p>No finding points either way.</p>'}</div>"
        f"{f'<h3>Context</h3><div class=cards>{context}</div>' if context else ''}"
        f"{_robustness(report)}{_analyzer_table(report.results)}{_media_table(report)}{_metadata(report)}</article>"
    )


def _index(reports: list[Report]) -> str:
    rows = "".join(
        f"<tr><td><a href='#file-{i}'>{_e(r.media.path)}</a></td><td class='verdict-text-{r.verdict.label.value}'>"
        f"{_e(_LABELS[r.verdict.label])}</td><td>{r.verdict.p_synthetic:.0%}</td></tr>"
        for i, r in enumerate(reports)
    )
    return (
        "<table class='index'><thead><tr><th>file</th><th>verdict</th><th>p_synthetic</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _contributions(report: Report) -> str:
    rows = "".join(
        f"<tr><td>{_e(c.analyzer_id)}</td><td>{'' if c.p_synthetic is None else f'{c.p_synthetic:.2f}'}</td>"
        f"<td>{c.weight:g}</td><td>{c.log_odds:+.2f}{' (decisive)' if c.decisive else ''}</td></tr>"
        for c in report.verdict.contributions
    )
    if not rows:
        return ""
    return (
        "<details><summary>How the probability was formed</summary><table><thead><tr><th>analyzer</th>"
        f"<th>p_synthetic</th><th>weight</th><th>log-odds added</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<p class='muted'>method: {_e(report.verdict.method)}</p></details>"
    )


def _card(report: Report, result: AnalyzerResult, finding: Finding) -> str:
    picture = ""
    locus = finding.locus
    if locus and locus.artifact:
        artifact = report.artifact(locus.artifact)
        if artifact and artifact.content:
            data = base64.b64encode(artifact.content).decode("ascii")
            picture = (
                f"<figure><img src='data:{_e(artifact.mime_type)};base64,{data}' alt='{_e(artifact.description)}'>"
                f"<figcaption>{_e(artifact.description)}</figcaption></figure>"
            )
    where = []
    if locus:
        if locus.start_s is not None:
            end = f"–{locus.end_s:.2f}" if locus.end_s is not None else ""
            where.append(f"at {locus.start_s:.2f}{end} s")
        if locus.frame_idx is not None:
            where.append(f"frame {locus.frame_idx}")
        if locus.box_xyxy_px is not None:
            where.append(
                "region "
                + "×".join(str(v) for v in locus.box_xyxy_px[:2])
                + " to "
                + "×".join(str(v) for v in locus.box_xyxy_px[2:])
            )
        if locus.face_track is not None:
            where.append(f"face #{locus.face_track}")
    data = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in list(finding.data.items())[:12])
    weight = "decisive" if finding.decisive else f"weight {finding.strength:.2f}" if finding.strength else ""
    return (
        f"<section class='card dir-{finding.direction.value}' tabindex='0'>"
        f"<header><span class='tag'>{_e(_DIRECTION_WORDS[finding.direction])}</span>"
        f"<span class='weight'>{_e(weight)}</span></header>"
        f"<p class='message'>{_e(finding.message)}</p>"
        f"<p class='muted'>{_e(result.analyzer_id)} · <code>{_e(finding.code)}</code>"
        f"{' · ' + _e(', '.join(where)) if where else ''}</p>{picture}"
        f"{f'<details><summary>Details</summary><table>{data}</table></details>' if data else ''}</section>"
    )


def _analyzer_table(results: tuple[AnalyzerResult, ...]) -> str:
    rows = "".join(
        f"<tr class='status-{r.status.value}'><td>{_e(r.analyzer_id)} "
        f"<span class='muted'>{_e(r.analyzer_version)}</span></td>"
        f"<td>{_e(r.status.value)}</td><td>{'' if r.p_synthetic is None else f'{r.p_synthetic:.2f}'}</td>"
        f"<td>{r.seconds:.2f} s</td><td>{_e(r.reason or '')}{' — ' + _e(r.hint) if r.hint else ''}</td></tr>"
        for r in results
    )
    return (
        "<h3>Analyzers</h3><table class='analyzers'><thead><tr><th>analyzer</th><th>status</th><th>p_synthetic</th>"
        f"<th>time</th><th>note</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _media_table(report: Report) -> str:
    media = report.media
    fields = {
        "kind": media.kind.value,
        "format": media.container,
        "size": f"{media.size_bytes:,} bytes",
        "dimensions": f"{media.width}×{media.height}" if media.width else None,
        "duration": f"{media.duration_s:.2f} s" if media.duration_s else None,
        "frame rate": f"{media.fps:g} fps" if media.fps else None,
        "audio": "yes" if media.has_audio else None,
        "sha256": media.sha256,
        "analysed in": f"{report.seconds:.2f} s ({report.profile} profile)",
        "tool": f"Veracity {report.tool_version}, report schema {report.schema_version}, {report.created_at}",
    }
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in fields.items() if v)
    streams = "".join(
        f"<tr><th>stream {s.index}</th><td>{_e(s.type)} {_e(s.codec or '')}"
        f"{f' {s.width}×{s.height}' if s.width else ''}"
        f"{f' {s.sample_rate_hz} Hz' if s.sample_rate_hz else ''}</td></tr>"
        for s in media.streams
    )
    return f"<h3>Media</h3><table class='media'>{rows}{streams}</table>"


def _metadata(report: Report) -> str:
    summary = next((f for f in report.findings if f.code == "provenance.metadata.summary"), None)
    if summary is None or not summary.data:
        return ""
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in summary.data.items())
    return (
        f"<details class='metadata'><summary>Metadata ({len(summary.data)} fields)</summary>"
        f"<table>{rows}</table></details>"
    )


def _robustness(report: Report) -> str:
    check = report.robustness
    if check is None:
        return ""
    rows = []
    for v in check.variants:
        if v.error is not None:
            rows.append(
                f"<tr><td>{_e(v.name)}</td><td>{_e(v.description)}</td><td colspan='4'>could not be checked: "
                f"{_e(v.error)}</td></tr>"
            )
            continue
        label = _LABELS[v.label] if v.label else "?"
        rows.append(
            f"<tr><td>{_e(v.name)}</td><td>{_e(v.description)}</td><td>{'holds' if v.verdict_holds else 'changes'}: "
            f"{_e(label)}</td><td>{(v.p_synthetic or 0):.0%} ({(v.p_shift or 0):+.2f})</td>"
            f"<td>{_e(', '.join(v.lost_findings)) or '–'}</td><td>{_e(', '.join(v.new_findings)) or '–'}</td></tr>"
        )
    return (
        "<section class='robustness' aria-label='robustness'><h3>Robustness self-check</h3>"
        f"<p>{_e(check.summary)}</p><table><thead><tr><th>copy</th><th>damage</th><th>verdict</th>"
        "<th>p_synthetic (change)</th><th>findings lost</th><th>findings new</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )
