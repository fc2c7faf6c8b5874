"""Hostile-input benchmark (issue 17): crafted files through ``veracity check`` and hostile clients against
``veracity serve``, with peak memory and time for each.

    .venv/bin/python bench/hostile.py files [--cases a,b] [--as-limit-mb 4096] [--json out.json]
    .venv/bin/python bench/hostile.py server [--slow 1000] [--body-mib 512] [--json out.json]
    .venv/bin/python bench/hostile.py scan-kill [--trials 10] [--json out.json]

``files``: each crafted case (veracity.testing.hostile) is built in a temporary folder and checked alone
(``process_tree.run_watched``): exit code, the one-line reason, peak RSS (the largest of any process under the
command, the engine worker included), wall and CPU seconds. The
target is exit 0 with a verdict or exit 3 with one line, peak RSS <= 1.5 GB and wall <= 60 s. ``--as-limit-mb`` runs
each case under ``prlimit --as`` so a regression cannot take the machine down.

``server``: a real ``veracity serve`` on a free loopback port, no token: a foreign Host header; a link body of
``--body-mib`` MiB sent without Content-Length (server RSS before and after); ``--slow`` connections that never finish
their headers while ``/healthz`` is timed; uploads that fail the media check and the files they leave. Everything
stays on 127.0.0.1, is bounded, and stops itself (connections closed, server stopped).

``scan-kill``: ``veracity scan`` of the bundled samples (real analyzers, two workers) SIGKILLed ``--trials`` times
at a random moment of its work; counts the processes that were under it (fork server, workers, resource tracker)
and are still alive 15 s later. The target is none, every time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from process_tree import run_watched  # noqa: E402  (bench/, the script's folder)

from veracity.testing import hostile as _hostile  # noqa: E402

VERACITY = [sys.executable, "-m", "veracity"]


def run_files(cases: list[str], as_limit_mb: int | None) -> list[dict[str, object]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="veracity-hostile-") as tmp:
        for case in cases:
            name, build = _hostile.CASES[case]
            started = time.monotonic()
            path = build(Path(tmp) / name)
            built_s = time.monotonic() - started
            size = path.stat().st_size if path.is_file() else 0
            out = Path(tmp) / f"{case}.json"
            command = [*VERACITY, "check", str(path), "-q", "--json", str(out)]
            if as_limit_mb:
                command = ["prlimit", f"--as={as_limit_mb * 1024**2}", *command]
            run = run_watched(command)
            errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
            verdict = None
            if run.returncode == 0 and out.exists():
                report = json.loads(out.read_text())
                verdict = f"{report['verdict']['label']} ({report['verdict']['p_synthetic']:.2f})"
            timed = {"peak_rss_mb": run.peak_rss_mb, "wall_s": run.wall_s, "cpu_s": run.cpu_s}
            row = {"case": case, "bytes": size, "build_s": round(built_s, 1), "exit": run.returncode,
                   "verdict": verdict, "reason": errors[0].replace(str(path), name) if errors else None,
                   **{k: round(v, 1) for k, v in timed.items()}, "load_1min": round(os.getloadavg()[0], 1)}
            rows.append(row)
            print(json.dumps(row), flush=True)
            if path.is_file():
                path.unlink()
    return rows


# --- server -----------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process now (``VmRSS``) or at its peak since ``_reset_peak`` (``VmHWM``), MiB."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0  # gone
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak(pid: int) -> None:
    """Linux: start the process's ``VmHWM`` again from its current resident size."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _request(port: int, raw: bytes, timeout: float = 30.0) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


def _healthz_s(port: int) -> tuple[int, float]:
    started = time.monotonic()
    status, _ = _request(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 10.0)
    return status, time.monotonic() - started


def run_server(slow: int, body_mib: int) -> dict[str, object]:
    data_dir = Path(tempfile.mkdtemp(prefix="veracity-hostile-server-"))
    port = _free_port()
    env = {**os.environ, "VERACITY_DATA_DIR": str(data_dir), "VERACITY_WORKERS": "0"}
    env.pop("VERACITY_API_TOKEN", None)
    server = subprocess.Popen([*VERACITY, "serve", "--port", str(port), "--log-level", "warning"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    results: dict[str, object] = {}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _healthz_s(port)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.3)

        status, _ = _request(port, b"GET /v1/analyses HTTP/1.1\r\nHost: evil.example:%d\r\nConnection: close\r\n\r\n"
                             % port)
        results["foreign_host_status"] = status

        idle = _rss_mb(server.pid)
        _reset_peak(server.pid)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"POST /v1/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            block = b" " * (1 << 20)
            frame = b"%x\r\n" % len(block) + block + b"\r\n"
            sent = 0
            try:
                for _ in range(body_mib):
                    sock.sendall(frame)
                    sent += 1
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server answered and closed: the point
            sock.settimeout(10)
            try:
                answer = sock.recv(4096)
            except OSError:
                answer = b""
        time.sleep(0.5)
        results.update(body_status=int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0,
                       body_mib_sent_before_close=sent, rss_idle_mb=round(idle, 1),
                       rss_after_body_mb=round(_rss_mb(server.pid), 1),
                       rss_peak_during_body_mb=round(_rss_mb(server.pid, "VmHWM"), 1))

        sockets = []
        opened_s = time.monotonic()
        for _ in range(slow):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            sockets.append(sock)
        opened_s = time.monotonic() - opened_s
        timings = [_healthz_s(port) for _ in range(5)]
        results.update(slow_connections=len(sockets), slow_open_s=round(opened_s, 2),
                       healthz_status=[t[0] for t in timings], healthz_max_s=round(max(t[1] for t in timings), 3))
        time.sleep(12)  # past the 10 s header deadline
        closed = 0
        for sock in sockets:
            sock.settimeout(2)
            try:
                closed += sock.recv(64) == b""
            except (ConnectionResetError, TimeoutError):
                closed += 1
            sock.close()
        results["slow_closed_by_server"] = closed

        uploads = data_dir / "uploads"
        with tempfile.TemporaryDirectory() as tmp:
            statuses = {}
            for case in ("canvas_bomb_gif", "screen_bomb_gif", "one_byte_jpg", "html_named_png", "wav_zero_bits",
                         "wav_absurd_rate"):
                name, build = _hostile.CASES[case]
                payload = build(Path(tmp) / name).read_bytes()
                boundary = b"veracityhostile"
                body = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="' +
                        name.encode() + b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + payload +
                        b"\r\n--" + boundary + b"--\r\n")
                head = (b"POST /v1/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        b"Content-Type: multipart/form-data; boundary=" + boundary +
                        b"\r\nContent-Length: %d\r\n\r\n" % len(body))
                statuses[case] = _request(port, head + body)[0]
        results.update(refused_upload_statuses=statuses, files_left_in_uploads=len(list(uploads.iterdir())))
        modes = {oct(p.stat().st_mode & 0o777) for p in [data_dir, *data_dir.rglob("*")]}
        results["data_dir_modes"] = sorted(modes)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(results, indent=2))
    return results


def run_scan_kill(trials: int, seed: int) -> list[dict[str, object]]:
    """``veracity scan`` of the bundled samples (each in several distinct copies), SIGKILLed at a random moment
    once its workers run; every process that was under it must be gone within 15 s."""
    import random

    from veracity.samples import samples_dir
    from veracity.testing.processes import alive, cmdline, descendants

    rng = random.Random(seed)
    rows = []
    for trial in range(trials):
        with tempfile.TemporaryDirectory(prefix="veracity-scan-kill-") as tmp:
            folder = Path(tmp) / "media"
            folder.mkdir()
            for sample in sorted(samples_dir().iterdir()):
                if sample.is_file() and not sample.name.startswith((".", "_")):
                    for copy in range(4):  # distinct bytes: the store must not skip them as already analysed
                        (folder / f"{copy}_{sample.name}").write_bytes(sample.read_bytes() + bytes([copy]))
            scan = subprocess.Popen([*VERACITY, "scan", str(folder), "--store", str(Path(tmp) / "s.sqlite"),
                                     "--workers", "2", "--no-index", "-q"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            tree: set[int] = set()
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and scan.poll() is None and len(tree) < 4:
                tree |= set(descendants(scan.pid))  # fork server, two workers, resource tracker
                time.sleep(0.2)
            delay = rng.uniform(0.5, 8.0)  # somewhere in the analysis of a file
            time.sleep(delay)
            tree |= set(descendants(scan.pid))
            running = scan.poll() is None
            rss = sum(_rss_mb(pid) for pid in tree if alive(pid))
            os.kill(scan.pid, signal.SIGKILL)
            scan.wait(10)
            killed_at = time.monotonic()
            while time.monotonic() - killed_at < 15 and any(alive(pid) for pid in tree):
                time.sleep(0.1)
            left = [pid for pid in tree if alive(pid)]
            row = {"trial": trial, "running_at_kill": running, "processes_under_scan": len(tree),
                   "their_rss_mb": round(rss, 1), "kill_after_workers_s": round(delay, 1),
                   "all_gone_s": round(time.monotonic() - killed_at, 2), "left_behind": len(left),
                   "left": [cmdline(pid)[:120] for pid in left]}
            for pid in left:  # don't leave them to the next trial
                os.kill(pid, signal.SIGKILL)
        print(json.dumps(row), flush=True)
        rows.append(row)
    gone = sum(1 for r in rows if r["running_at_kill"] and not r["left_behind"])
    print(f"scan SIGKILLed {len(rows)} times: nothing left behind {gone} of {len(rows)}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("files", "server", "scan-kill"))
    parser.add_argument("--cases", default=",".join(_hostile.CASES))
    parser.add_argument("--as-limit-mb", type=int, default=None)
    parser.add_argument("--slow", type=int, default=1000)
    parser.add_argument("--body-mib", type=int, default=512)
    parser.add_argument("--trials", type=int, default=10, help="scan-kill: how many times")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `timeout` too: the server is stopped in `finally`
    if args.what == "files":
        result: object = run_files([c.strip() for c in args.cases.split(",") if c.strip()], args.as_limit_mb)
    elif args.what == "server":
        result = run_server(args.slow, args.body_mib)
    else:
        result = run_scan_kill(args.trials, seed=7)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
