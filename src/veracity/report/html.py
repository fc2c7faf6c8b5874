"""A self-contained HTML page: verdict and why first, then the evidence in the order it weighed, then context,
media and timings. Prints on A4 (``report.css``'s print rules hide the interactive parts).

No external fonts, scripts or images: pictures are inlined as data URIs, so the file can be mailed or archived.
Each picture is inlined once and shown small; a click enlarges it (CSS ``:target``, no script). In a batch the
pictures are WebP, so a dozen files stay within a few megabytes.
"""

from __future__ import annotations

import base64
import html
from importlib import resources

from veracity.evidence import AnalyzerResult, Artifact, Direction, Finding, MediaKind, Report, VerdictLabel
from veracity.fusion._explain import ZERO, shown_rounded

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
MAX_DATA_ROWS = 12
_CONTEXT_HEADING = "<h3>Context <span class='muted'>(seen, but did not weigh in the verdict)</span></h3>"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _css() -> str:
    return resources.files("veracity.report").joinpath("report.css").read_text(encoding="utf-8")


def render_html(reports: list[Report], title: str = "Veracity report", *, for_print: bool = False) -> str:
    """The report page; ``for_print`` (the PDF) inlines its pictures as JPEG at print size, which Chromium embeds as
    they are (a lossless PNG is embedded raw and makes a PDF of several megabytes per picture)."""
    pictures = _Pictures(batch=len(reports) > 1, for_print=for_print)
    body = "\n".join(_render_one(r, i, pictures) for i, r in enumerate(reports))
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


class _Pictures:
    """Each evidence picture once, shown small in its card; a click enlarges it to the window (CSS ``:target``, no
    script) and a second click closes it. One file keeps its pictures lossless; a batch re-encodes them as WebP
    (quality 75), which keeps a dozen files within a few megabytes; print (PDF) as JPEG (quality 80, at most
    1200 px, about 150 dpi across A4)."""

    def __init__(self, *, batch: bool, for_print: bool = False) -> None:
        self.lossy: tuple[str, int, int | None] | None = (  # (format, quality, longest side in px)
            ("JPEG", 80, 1200) if for_print else ("WEBP", 75, None) if batch else None)
        self._seen: dict[str, str] = {}  # artifact sha256 -> the id of the figure that shows it

    def figure(self, artifact: Artifact, back: str) -> str:
        from veracity.pictures import reencode

        if artifact.sha256 in self._seen:  # several findings share one picture: show it once
            return (f"<p class='muted'><a href='#{self._seen[artifact.sha256]}'>{_e(artifact.description)}</a> "
                    "(the same picture as above)</p>")
        mime, content = artifact.mime_type, artifact.content
        if self.lossy is not None and mime in ("image/png", "image/jpeg"):
            try:
                fmt, quality, side = self.lossy
                smaller = reencode(content, fmt=fmt, quality=quality, max_side_px=side)
                if len(smaller) < len(content):
                    mime, content = f"image/{fmt.lower()}", smaller
            except OSError:  # not a picture Pillow reads: keep it as it is
                pass
        anchor = self._seen[artifact.sha256] = f"pic-{len(self._seen)}"
        data = base64.b64encode(content).decode("ascii")
        return (
            f"<figure class='pic' id='{anchor}'><a class='zoom' href='#{anchor}' title='Enlarge'>"
            f"<img src='data:{_e(mime)};base64,{data}' alt='{_e(artifact.description)}'></a>"
            f"<a class='unzoom' href='#{_e(back)}' title='Close' aria-label='close the enlarged picture'></a>"
            f"<figcaption>{_e(artifact.description)} <span class='no-print'>(click to enlarge)</span>"
            "</figcaption></figure>"
        )


def _render_one(report: Report, index: int, pictures: _Pictures) -> str:
    verdict = report.verdict
    low, high = verdict.inconclusive_band
    band_for = f" for {verdict.judged_as}" if verdict.judged_as else ""
    banner = (
        f"<section class='verdict verdict-{verdict.label.value}' aria-label='verdict'>"
        f"<div class='label'>{_e(_LABELS[verdict.label])}</div>"
        f"<div class='prob'>Probability AI-made or manipulated: <strong>{verdict.p_synthetic:.0%}</strong>"
        f" <span class='muted'>(between {low:.0%} and {high:.0%} is called inconclusive{_e(band_for)})</span></div>"
        f"<p>{_e(verdict.explanation)}</p></section>"
    )
    by_id = {r.analyzer_id: r for r in report.results}
    evidence: list[tuple[AnalyzerResult, Finding, float]] = []
    context: list[tuple[AnalyzerResult, Finding, float]] = []
    for ref in verdict.evidence:
        result = by_id.get(ref.analyzer_id)
        if result is None or ref.finding_index >= len(result.findings):
            continue
        item = (result, result.findings[ref.finding_index], ref.log_odds)
        (context if ref.context else evidence).append(item)
    n = len(evidence)
    weighed = "".join(_card(report, r, f, lo, f"f{index}-{i}", pictures) for i, (r, f, lo) in enumerate(evidence))
    side = "".join(
        _card(report, r, f, None, f"f{index}-{n + i}", pictures) for i, (r, f, _lo) in enumerate(context)
    )
    return (
        f"<article id='file-{index}'><h2 class='path'>{_e(report.media.path)}</h2>{banner}{_why(report)}"
        f"<h3>Evidence <span class='muted'>(what weighed most first)</span></h3>"
        f"<div class='cards'>{weighed or '<p>No finding weighed either way.</p>'}</div>"
        f"{_CONTEXT_HEADING + f'<div class=cards>{side}</div>' if side else ''}"
        f"{_robustness(report)}{_analyzer_table(report.results)}{_media_table(report)}{_metadata(report)}</article>"
    )


def _index(reports: list[Report]) -> str:
    rows = "".join(
        f"<tr><td><a href='#file-{i}'>{_e(r.media.path)}</a></td><td class='verdict-text-{r.verdict.label.value}'>"
        f"{_e(_LABELS[r.verdict.label])}</td><td>{r.verdict.p_synthetic:.0%}</td></tr>"
        for i, r in enumerate(reports)
    )
    return (
        "<table class='index'><thead><tr><th>file</th><th>verdict</th><th>likely AI-made</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _why(report: Report) -> str:
    """Why this verdict / why inconclusive: what pulled each way, what was missing, what would settle it, and the
    sum the probability rests on (contributions + starting point = total log-odds)."""
    verdict = report.verdict
    weighed = [c for c in verdict.contributions if abs(c.log_odds) >= ZERO or c.decisive]

    def pulls(items: list) -> str:  # type: ignore[type-arg]
        return "".join(
            f"<li><strong>{_e(c.name or c.analyzer_id)}</strong> <span class='num'>{_signed(c.log_odds)}</span>"
            f"{': ' + _e(c.reason) if c.reason else ''}</li>" for c in items
        )

    towards_ai = [c for c in weighed if c.log_odds > 0]
    towards_real = [c for c in weighed if c.log_odds < 0]
    parts = []
    if towards_ai:
        parts.append(f"<h4>Pulled towards AI-made</h4><ul>{pulls(towards_ai)}</ul>")
    if towards_real:
        parts.append(f"<h4>Pulled towards a real capture</h4><ul>{pulls(towards_real)}</ul>")
    decisive = verdict.method.startswith("decisive:")
    if verdict.missing and not decisive:
        parts.append("<h4>What could not be checked</h4><ul>"
                     + "".join(f"<li>{_e(m)}</li>" for m in verdict.missing) + "</ul>")
    if verdict.would_settle and verdict.label is VerdictLabel.INCONCLUSIVE:
        parts.append("<h4>What would settle it</h4><ul>"
                     + "".join(f"<li>{_e(m)}</li>" for m in verdict.would_settle) + "</ul>")
    title = "Why inconclusive" if verdict.label is VerdictLabel.INCONCLUSIVE else "Why this verdict"
    return (f"<section class='why' aria-label='{_e(title.lower())}'><h3>{title}</h3>{''.join(parts)}"
            f"{_contributions(report)}</section>")


def _signed(value: float) -> str:
    return f"{value:+.2f}".replace("-", "−")


def _contributions(report: Report) -> str:
    verdict = report.verdict
    if not verdict.contributions:
        return ""
    decisive = verdict.method.startswith("decisive:")
    printed = shown_rounded([c.log_odds for c in verdict.contributions]
                            + ([] if decisive else [verdict.prior_log_odds]), verdict.log_odds)
    rows = "".join(
        f"<tr><td>{_e(c.name or c.analyzer_id)} <span class='muted'>{_e(c.analyzer_id)}</span></td>"
        f"<td>{'' if c.p_synthetic is None else f'{c.p_synthetic:.2f}'}</td>"
        f"<td>{'decisive' if c.decisive else f'{c.weight + 0.0:g}'}</td><td class='num'>{_signed(shown)}</td></tr>"
        for c, shown in zip(verdict.contributions, printed, strict=False)
    )
    if not decisive:
        judged = f" for {verdict.judged_as}" if verdict.judged_as else ""
        rows += (f"<tr><td>Starting point of the model{_e(judged)}</td><td></td><td></td>"
                 f"<td class='num'>{_signed(printed[-1])}</td></tr>")
    rows += (f"<tr class='total'><td>Total → {verdict.p_synthetic:.1%} likely AI-made</td><td></td><td></td>"
             f"<td class='num'>{_signed(verdict.log_odds)}</td></tr>")
    return (
        "<h4>How the probability was formed</h4><table class='sum'><thead><tr><th>check</th>"
        "<th>its score</th><th>weight</th><th>adds (log&#8209;odds)</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        "<p class='muted'>Each check adds weight × log-odds of its score; the total's probability is "
        f"1 / (1 + e<sup>−total</sup>). Method: {_e(verdict.method)}.</p>"
    )


def _where(report: Report, finding: Finding) -> list[str]:
    locus = finding.locus
    where: list[str] = []
    if locus is None:
        return where
    timed = report.media.kind is not MediaKind.IMAGE
    if timed and locus.start_s is not None:
        same = locus.end_s is None or abs(locus.end_s - locus.start_s) < 0.005
        where.append(f"at {locus.start_s:.2f} s" if same else f"at {locus.start_s:.2f}–{locus.end_s:.2f} s")
    if timed and locus.frame_idx is not None:
        where.append(f"frame {locus.frame_idx}")
    if locus.box_xyxy_px is not None:
        x0, y0, x1, y1 = locus.box_xyxy_px
        where.append(f"region {x0},{y0} to {x1},{y1} px")
    if locus.face_track is not None:
        where.append(f"face #{locus.face_track}")
    return where


def data_value(value: object) -> str:
    """A details-table cell: long lists become a short summary instead of dozens of raw numbers."""
    if isinstance(value, list):
        numbers = [v for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(value) > 6 and len(numbers) == len(value):
            ordered = sorted(numbers)
            return (f"{len(value)} values, {ordered[0]:g} to {ordered[-1]:g} "
                    f"(median {ordered[len(ordered) // 2]:g})")
        if len(value) > 6:
            return ", ".join(str(v) for v in value[:6]) + f", … ({len(value)} in all)"
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _card(report: Report, result: AnalyzerResult, finding: Finding, log_odds: float | None, anchor: str,
          pictures: _Pictures) -> str:
    picture = ""
    locus = finding.locus
    if locus and locus.artifact:
        artifact = report.artifact(locus.artifact)
        if artifact and artifact.content:
            picture = pictures.figure(artifact, anchor)
    where = _where(report, finding)
    items = list(finding.data.items())
    data = "".join(f"<tr><th>{_e(k)}</th><td>{_e(data_value(v))}</td></tr>" for k, v in items[:MAX_DATA_ROWS])
    if len(items) > MAX_DATA_ROWS:
        data += f"<tr><td colspan='2' class='muted'>{len(items) - MAX_DATA_ROWS} more in the JSON report</td></tr>"
    if finding.decisive:
        weight = "decisive"
    elif log_odds is not None and abs(log_odds) >= ZERO:
        weight = f"adds {_signed(log_odds)}"
    else:
        weight = ""
    if log_odds is None:
        kind, tag = "context", "context"
    elif finding.direction is Direction.NEUTRAL:  # a neutral finding quoted as the reason its analyzer leaned
        kind = "synthetic" if log_odds > 0 else "authentic"
        tag = f"weighs towards {'AI / manipulation' if log_odds > 0 else 'a real capture'}"
    else:
        kind, tag = finding.direction.value, _DIRECTION_WORDS[finding.direction]
    return (
        f"<section class='card dir-{kind}' id='{_e(anchor)}' tabindex='0'>"
        f"<header><span class='tag'>{_e(tag)}"
        f"</span>{f'<span class=weight>{_e(weight)}</span>' if weight else ''}</header>"
        f"<p class='message'>{_e(finding.message)}</p>"
        f"<p class='muted'>{_e(_plain(result.analyzer_id))} · <code>{_e(finding.code)}</code>"
        f"{' · ' + _e(', '.join(where)) if where else ''}</p>{picture}"
        f"{f'<details><summary>Details</summary><table>{data}</table></details>' if data else ''}</section>"
    )


def _plain(analyzer_id: str) -> str:
    from veracity.fusion._explain import plain_name

    return plain_name(analyzer_id)


def _analyzer_table(results: tuple[AnalyzerResult, ...]) -> str:
    rows = "".join(
        f"<tr class='status-{r.status.value}'><td>{_e(r.analyzer_id)} "
        f"<span class='muted'>{_e(r.analyzer_version)}</span></td>"
        f"<td>{_e(r.status.value.replace('_', ' '))}</td>"
        f"<td>{'' if r.p_synthetic is None else f'{r.p_synthetic:.2f}'}</td>"
        f"<td>{r.seconds:.2f} s</td><td>{_e(r.reason or '')}{' — ' + _e(r.hint) if r.hint else ''}</td></tr>"
        for r in results
    )
    return (
        "<h3>Analyzers</h3><table class='analyzers'><thead><tr><th>analyzer</th><th>status</th><th>score</th>"
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
        "<th>score (change)</th><th>findings lost</th><th>findings new</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )
