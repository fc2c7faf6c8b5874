"""Load test of `veracity serve` on loopback, with the server killed (SIGKILL) and restarted in the middle.

Sends N small uploads from C concurrent clients (a few of them not media at all), kills the server with SIGKILL once
half are accepted, restarts it on the same data folder, then waits until every accepted job has ended. A job is
*lost* when it disappears or never ends: the number must be 0.

    .venv/bin/python bench/load_test.py --uploads 200 --clients 20 --analyzers provenance.metadata

Bounded: loopback only, a temporary data folder (unless --data-dir), small files, a deadline for everything.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

JUNK_EVERY = 25  # one upload in JUNK_EVERY is not media: it must be refused (415) at upload


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: dict[str, float] = field(default_factory=dict)  # job id -> time accepted (epoch s)
    upload_latency_s: list[float] = field(default_factory=list)
    too_many: int = 0  # 429 answers (each retried)
    refused_not_media: int = 0  # 415 answers: the content is not media, refused at upload
    refused_down: int = 0  # connection errors while the server was down (each retried)
    gave_up: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def small_files(count: int, seed: int = 7) -> list[tuple[str, bytes]]:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    files = []
    for index in range(count):
        if index % JUNK_EVERY == JUNK_EVERY - 1:
            files.append((f"notes-{index}.jpg", b"not a picture, just text\n" * 40))
            continue
        pixels = rng.integers(0, 256, size=(96, 128, 3), dtype=np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=85)
        files.append((f"photo-{index}.jpg", buffer.getvalue()))
    return files


class Server:
    def __init__(self, port: int, data_dir: Path, analyzers: str, workers: int, queue_max: int) -> None:
        self.port, self.data_dir = port, data_dir
        self.command = [
            sys.executable, "-c", "from veracity.cli import main; main()", "serve", "--host", "127.0.0.1",
            "--port", str(port), "--data-dir", str(data_dir), "--workers", str(workers), "--log-level", "warning",
        ] + (["--analyzers", analyzers] if analyzers else [])
        self.env = {**os.environ, "VERACITY_QUEUE_MAX": str(queue_max)}
        self.env.pop("VERACITY_API_TOKEN", None)
        self.process: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{port}"

    def start(self, timeout_s: float = 60.0) -> None:
        self.process = subprocess.Popen(self.command, env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


def client(server: Server, files: list[tuple[str, bytes]], tally: Tally, deadline: float) -> None:
    with httpx.Client(timeout=30.0) as http:
        for name, content in files:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    response = http.post(f"{server.base}/v1/analyses", files={"file": (name, content)})
                except httpx.HTTPError:
                    with tally.lock:
                        tally.refused_down += 1
                    time.sleep(0.3)
                    continue
                if response.status_code == 202:
                    with tally.lock:
                        tally.accepted[response.json()["id"]] = time.time()
                        tally.upload_latency_s.append(time.perf_counter() - started)
                    break
                if response.status_code == 415 and name.startswith("notes-"):
                    with tally.lock:
                        tally.refused_not_media += 1
                    break
                if response.status_code == 429:
                    with tally.lock:
                        tally.too_many += 1
                    time.sleep(0.5 + random.random() * 0.5)
                    continue
                raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:200]}")
            else:
                with tally.lock:
                    tally.gave_up += 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--analyzers", default="provenance.metadata", help="'' for the server's default profile")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue-max", type=int, default=100)
    parser.add_argument("--kill-at", type=float, default=0.5, help="kill once this share of uploads is accepted")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--deadline-s", type=float, default=1800.0)
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="veracity-load-"))
    server = Server(free_port(), data_dir, args.analyzers, args.workers, args.queue_max)
    files = small_files(args.uploads)
    tally = Tally()
    deadline = time.monotonic() + args.deadline_s
    started = time.perf_counter()
    server.start()
    shares = [files[i::args.clients] for i in range(args.clients)]
    threads = [threading.Thread(target=client, args=(server, share, tally, deadline)) for share in shares]
    for thread in threads:
        thread.start()

    kill_at = int(args.uploads * args.kill_at)
    while len(tally.accepted) < kill_at and any(t.is_alive() for t in threads):
        time.sleep(0.02)
    with tally.lock:
        accepted_before_kill = len(tally.accepted)
    server.kill()
    killed_at = time.perf_counter() - started
    time.sleep(1.0)
    server.start()
    for thread in threads:
        thread.join()

    outcome: dict[str, dict] = {}
    with httpx.Client(timeout=30.0) as http:
        pending = set(tally.accepted)
        while pending and time.monotonic() < deadline:
            for job_id in list(pending):
                response = http.get(f"{server.base}/v1/analyses/{job_id}")
                if response.status_code == 404:
                    outcome[job_id] = {"status": "missing"}
                    pending.discard(job_id)
                elif response.json()["status"] in ("done", "failed"):
                    outcome[job_id] = response.json()
                    pending.discard(job_id)
            if pending:
                time.sleep(0.5)
    server.stop()

    done = [o for o in outcome.values() if o["status"] == "done"]
    failed = [o for o in outcome.values() if o["status"] == "failed"]
    lost = len(tally.accepted) - len(done) - len(failed)
    completion_s = [o["finished_at"] - tally.accepted[o["id"]] for o in done + failed]
    numbers = {
        "uploads": args.uploads, "clients": args.clients, "workers": args.workers, "analyzers": args.analyzers,
        "accepted": len(tally.accepted), "completed": len(done), "failed": len(failed), "lost": lost,
        "http_415_not_media": tally.refused_not_media,
        "http_429": tally.too_many, "refused_while_down": tally.refused_down, "gave_up": tally.gave_up,
        "accepted_before_kill": accepted_before_kill, "killed_at_s": round(killed_at, 2),
        "retried_after_kill": sum(1 for o in done + failed if o.get("attempts", 1) > 1),
        "failure_codes": dict(sorted({c: sum(1 for o in failed if o["error"]["code"] == c)
                                      for c in {o["error"]["code"] for o in failed}}.items())),
        "upload_latency_s": {"p50": round(percentile(tally.upload_latency_s, 0.5), 3),
                             "p95": round(percentile(tally.upload_latency_s, 0.95), 3)},
        "completion_latency_s": {"p50": round(percentile(completion_s, 0.5), 2),
                                 "p95": round(percentile(completion_s, 0.95), 2)},
        "wall_s": round(time.perf_counter() - started, 1),
        "throughput_jobs_per_s": round((len(done) + len(failed)) / max(time.perf_counter() - started, 1e-9), 2),
    }
    print(json.dumps(numbers, indent=2))
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")
    if args.data_dir is None:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"mean upload latency {statistics.fmean(tally.upload_latency_s):.3f} s" if tally.upload_latency_s else "")
    return 0 if lost == 0 and tally.gave_up == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
