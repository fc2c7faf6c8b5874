"""Speed and memory of `veracity check` on real-sized media, new code against old code in the same run.

    .venv/bin/python bench/speed.py [--old 37ce896] [--profile default] [--repeat 1] [--long-video] [--json out.json]

Each file is checked by a fresh `python -m veracity check FILE --json` process (start-up, imports and model
loading included, as a user sees it), once with this checkout's code and once with the ``--old`` commit's code
(checked out into a temporary `git worktree`, run with the same virtual environment through ``PYTHONPATH``);
old and new alternate file by file, so load from other programs falls on both. Reported per file and code:
wall seconds of the process, analysis seconds (the report's own ``seconds``: probe + analyzers + fusion; since
the scanner loads its analyzers before a file's clock starts, the one-time loading is in the wall time only;
the file's decoding, started before the loading, is counted from its start), peak
RSS (the largest of any process under the command, the engine worker that analyses the file included:
``process_tree.run_watched``), CPU seconds summed over them (user + system: on a busy machine a steadier measure
than wall time), the slowest analyzers, and the verdict.

The files are a fixed list from the two corpora (``--corpus``, ``--train-corpus``). Where the corpora have no such
file it is built from real material in a cache folder (never in the repository) and the table says how:

- ``photo_20mp.jpg``: the largest real camera JPEG of the visible corpus (Jolla phone, 3264×2448) scaled ×1.6
  (Lanczos) to 5222×3917 and saved at quality 95 with its EXIF: the corpora hold no camera JPEG of 18 MP or more;
- ``camera_8mp.jpg``: that camera JPEG itself;
- ``heic_8mp.heic``: the corpus' only HEIC (8.5 MP; there is no 12-MP one);
- ``png_1mp.png``: a real 1.03-MP camera JPEG saved as PNG (no real PNG near 1 MP in the corpora);
- ``jpeg_0.3mp.jpg``: a real 640×480 camera JPEG;
- ``face_1080p_10s.mp4``: a real 10-s 1920×1080 face clip with sound;
- ``scene_720p_37s.mp4``: a real 9.2-s 960×720 scene clip looped 4 times by stream copy (no 30-s 720p scene clip);
- ``speech_60s.wav``: the visible corpus' real speech recordings joined to 60 s;
- ``face_1080p_10min.mp4`` (``--long-video``): the 10-s 1080p clip looped 60 times by stream copy.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from process_tree import run_watched  # bench/, the script's folder

REPO = Path(__file__).resolve().parents[1]
OLD_COMMIT = "37ce896"  # the code before issue 14


@dataclass(frozen=True)
class Case:
    name: str
    source: str  # what it is made from, for the table
    target: str  # the target for it


def _row(corpus: Path, contains: str) -> Path:
    with open(corpus / "MANIFEST.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if contains in row["path"]:
                return corpus / row["path"]
    raise SystemExit(f"{contains} is not in {corpus}/MANIFEST.csv")


def _loop_stream_copy(src: Path, dst: Path, times: int, *, audio: bool) -> None:
    """Concatenate ``times`` copies of a clip's packets with shifted time stamps (no re-encoding)."""
    import av

    with av.open(str(src)) as probe_in:
        streams = [probe_in.streams.video[0]] + (list(probe_in.streams.audio[:1]) if audio else [])
        spans = {s.index: (s.duration or 0, s.time_base) for s in streams}
    with av.open(str(dst), "w") as out:
        with av.open(str(src)) as first:
            mapping = {s.index: out.add_stream_from_template(s) for s in
                       [first.streams.video[0]] + (list(first.streams.audio[:1]) if audio else [])}
        offsets = dict.fromkeys(mapping, 0)
        for _loop in range(times):
            ends: dict[int, int] = {}
            first_dts: dict[int, int] = {}
            with av.open(str(src)) as inp:
                for packet in inp.demux([inp.streams[i] for i in mapping]):
                    if packet.dts is None or packet.pts is None:
                        continue
                    index = packet.stream.index
                    first_dts.setdefault(index, packet.dts)
                    packet.pts += offsets[index]
                    packet.dts += offsets[index]
                    ends[index] = max(ends.get(index, 0), packet.pts + (packet.duration or 1),
                                      packet.dts + (packet.duration or 1))
                    packet.stream = mapping[index]
                    out.mux(packet)
            # The next copy starts after this one's last packet (the stream's duration when it is longer), and
            # after its decoding times too (B-frames start decoding before time 0).
            offsets = {i: max(offsets[i] + spans[i][0], ends.get(i, 0) + max(0, -first_dts.get(i, 0)))
                       for i in mapping}


def build_media(corpus: Path, train: Path, folder: Path, long_video: bool) -> list[tuple[Path, Case]]:
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    out: list[tuple[Path, Case]] = []
    camera = _row(corpus, "ianare__exif-samples__jolla.jpg")
    photo = folder / "photo_20mp.jpg"
    if not photo.exists():
        with Image.open(camera) as image:
            exif = image.info.get("exif", b"")
            big = image.convert("RGB").resize((round(image.width * 1.6), round(image.height * 1.6)),
                                               Image.Resampling.LANCZOS)
        big.save(photo, quality=95, exif=exif)
    out.append((photo, Case("photo_20mp.jpg", f"{camera.name} ×1.6 (no ≥18-MP camera JPEG in the corpora)",
                            "≤ 3 s, ≤ 1 GiB")))
    out.append((camera, Case("camera_8mp.jpg", f"{camera.name} (largest real camera JPEG)", "")))
    out.append((_row(corpus, "IMG_5195.HEIC"), Case("heic_8mp.heic", "IMG_5195.HEIC (no 12-MP HEIC)", "")))
    png = folder / "png_1mp.png"
    if not png.exists():
        with Image.open(_row(corpus, "ageitgey__face_recognition__obama.jpg")) as image:
            image.convert("RGB").save(png)
    out.append((png, Case("png_1mp.png", "obama.jpg (1137×910 camera JPEG) saved as PNG", "")))
    out.append((_row(train, "serengil__deepface__img16.jpg"), Case("jpeg_0.3mp.jpg", "img16.jpg (640×480 camera)",
                                                                  "≤ 0.5 s analysis")))
    face = _row(corpus, "polimi-ispl__icpr2020dfdc__lynaeydofd.mp4")
    out.append((face, Case("face_1080p_10s.mp4", f"{face.name} (real, 1920×1080, 10 s)", "≤ 5 s wall")))
    scene = folder / "scene_720p_37s.mp4"
    if not scene.exists():
        _loop_stream_copy(_row(train, "pexels-koolshooters-7322716.mp4"), scene, 4, audio=False)
    out.append((scene, Case("scene_720p_37s.mp4", "pexels-koolshooters-7322716 (960×720, 9.2 s) looped ×4", "")))
    speech = folder / "speech_60s.wav"
    if not speech.exists():
        import wave

        from veracity.media.audio import load_mono

        parts, total = [], 0
        with open(corpus / "MANIFEST.csv", newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r["category"] == "audio" and r["label"] == "real"]
        for row in rows:
            samples = load_mono(corpus / row["path"], 16_000)
            parts.append(samples)
            total += samples.size
            if total >= 60 * 16_000:
                break
        pcm = np.concatenate(parts)[: 60 * 16_000]
        with wave.open(str(speech), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(16_000)
            handle.writeframes((np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes())
    out.append((speech, Case("speech_60s.wav", "real corpus speech joined to 60 s", "RTF ≤ 0.05")))
    if long_video:
        long = folder / "face_1080p_10min.mp4"
        if not long.exists():
            _loop_stream_copy(face, long, 60, audio=True)
        out.append((long, Case("face_1080p_10min.mp4", f"{face.name} looped ×60", "≤ 1.5 GiB")))
    return out


def run_check(path: Path, pythonpath: Path, profile: str, work: Path) -> dict[str, Any]:
    """One `veracity check` in a fresh process: wall seconds, peak RSS (MiB), the report."""
    report_path = work / f"report-{os.getpid()}-{time.monotonic_ns()}.json"
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    command = [sys.executable, "-m", "veracity", "check", str(path), "--json", str(report_path), "--quiet",
               "--profile", profile]
    run = run_watched(command, env=env, cwd=work)
    out: dict[str, Any] = {"wall_s": round(run.wall_s, 2), "cpu_s": round(run.cpu_s, 2),
                           "peak_rss_mb": round(run.peak_rss_mb, 1), "exit": run.returncode}
    if not report_path.exists():
        out["error"] = run.stderr[-400:]
        return out
    report = json.loads(report_path.read_text())
    report_path.unlink()
    if isinstance(report, list):
        if not report:  # the file failed (e.g. its time limit): the reason is on stderr
            out["error"] = run.stderr[-400:]
            return out
        report = report[0]
    out["analysis_s"] = report.get("seconds")
    out["verdict"] = report["verdict"]["label"]
    out["p_synthetic"] = round(report["verdict"]["p_synthetic"], 3)
    out["analyzers_s"] = {r["analyzer_id"]: r.get("seconds", 0.0) for r in report["results"]}
    out["statuses"] = {r["analyzer_id"]: r["status"] for r in report["results"]}
    return out


def _old_tree(commit: str, folder: Path) -> Path:
    tree = folder / f"veracity-{commit}"
    if not tree.exists():
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), commit], check=True,
                       capture_output=True)
    return tree


def _media_seconds(path: Path) -> float | None:
    from veracity.media.probe import probe

    return probe(path).duration_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    parser.add_argument("--train-corpus", type=Path, default=Path("/work/corpus-train"))
    parser.add_argument("--media-cache", type=Path, default=Path(tempfile.gettempdir()) / "veracity-speed-media")
    parser.add_argument("--old", default=OLD_COMMIT, help="commit to compare with ('' to skip)")
    parser.add_argument("--profile", default="default")
    parser.add_argument("--repeat", type=int, default=1, help="runs per file and code; the fastest is kept")
    parser.add_argument("--long-video", action="store_true", help="also a 10-min 1080p clip (slow)")
    parser.add_argument("--only", default="", help="comma-separated case names to run")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    cases = build_media(args.corpus, args.train_corpus, args.media_cache, args.long_video)
    if args.only:
        cases = [c for c in cases if c[1].name in args.only.split(",")]
    work = Path(tempfile.mkdtemp(prefix="veracity-speed-"))
    codes = {"new": REPO / "src"}
    if args.old:
        codes["old"] = _old_tree(args.old, args.media_cache) / "src"
    rows = []
    print(f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; profile {args.profile}")
    for path, case in cases:
        duration = _media_seconds(path)
        row: dict[str, Any] = {"case": case.name, "path": str(path), "source": case.source, "target": case.target,
                               "media_s": duration, "load_before": round(os.getloadavg()[0], 1)}
        for code, pythonpath in codes.items():
            best = None
            for _ in range(args.repeat):
                result = run_check(path, pythonpath, args.profile, work)
                if best is None or result["wall_s"] < best["wall_s"]:
                    best = result
            row[code] = best
        row["load_after"] = round(os.getloadavg()[0], 1)
        rows.append(row)
        _print_row(row)
    if args.json:
        args.json.write_text(json.dumps({"profile": args.profile, "old": args.old, "rows": rows}, indent=1))


def _print_row(row: dict[str, Any]) -> None:
    media = f" ({row['media_s']:.0f} s)" if row["media_s"] else ""
    print(f"\n{row['case']}{media} — {row['source']}; target {row['target'] or '–'}; "
          f"load {row['load_before']}→{row['load_after']}")
    for code in ("old", "new"):
        r = row.get(code)
        if r is None:
            continue
        if "error" in r:
            print(f"  {code}: exit {r['exit']} {r['error']!r}")
            continue
        rtf = f" RTF {r['wall_s'] / row['media_s']:.3f} (analysis {r['analysis_s'] / row['media_s']:.3f})" \
            if row["media_s"] else ""
        slowest = sorted(r["analyzers_s"].items(), key=lambda kv: -kv[1])[:4]
        print(f"  {code}: wall {r['wall_s']:6.2f} s  CPU {r['cpu_s']:6.2f} s  analysis {r['analysis_s']:6.2f} s  "
              f"peak RSS {r['peak_rss_mb']:6.0f} MiB{rtf}  {r['verdict']} p={r['p_synthetic']}  | "
              + ", ".join(f"{k} {v:.2f}" for k, v in slowest))
    if "old" in row and "new" in row and "error" not in row["old"] and "error" not in row["new"]:
        print(f"  new/old: wall ×{row['new']['wall_s'] / row['old']['wall_s']:.2f}, CPU "
              f"×{row['new']['cpu_s'] / max(row['old']['cpu_s'], 1e-3):.2f}, analysis "
              f"×{row['new']['analysis_s'] / max(row['old']['analysis_s'], 1e-3):.2f}, RSS "
              f"×{row['new']['peak_rss_mb'] / row['old']['peak_rss_mb']:.2f}")


if __name__ == "__main__":
    main()
