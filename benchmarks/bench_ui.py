"""Benchmark the chat server: start-up time, and answer latency through the UI API vs direct.

Run: ``.venv/bin/python benchmarks/bench_ui.py`` (needs the index already built in indexes/).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
GOLDEN = ROOT / "evals" / "dev.jsonl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_server(port: int, data_dir: Path) -> tuple[subprocess.Popen, float]:
    """Start ``app.py`` and wait until the page and its Gradio config answer 200."""
    env = {**os.environ, "GUIDE_DATA_DIR": str(data_dir)}
    began = time.perf_counter()
    proc = subprocess.Popen(
        [str(PYTHON), "app.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    while not (_ok(base + "/") and _ok(base + "/config")):
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}")
        if time.perf_counter() - began > 180:
            proc.kill()
            raise RuntimeError("server did not come up in 180 s")
        time.sleep(0.05)
    return proc, time.perf_counter() - began


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def questions(n: int = 20) -> list[str]:
    """The first ``n`` stand-alone questions of the golden set (no history needed)."""
    rows = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line]
    return [r["question"] for r in rows if not r["history"]][:n]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    from guide_assistant.settings import Settings, offline_environment

    offline_environment()
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / "guide-bench-ui"
    tmp.mkdir(parents=True, exist_ok=True)

    startups = []
    for _ in range(3):
        proc, seconds = start_server(free_port(), tmp)
        stop(proc)
        startups.append(seconds)
    print(
        f"(a) start-up to page + config 200: median {statistics.median(startups):.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in startups)})"
    )

    from gradio_client import Client

    from guide_assistant.assistant import Assistant

    qs = questions()
    port = free_port()
    proc, _ = start_server(port, tmp)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        client.predict(qs[0], [], "all", api_name="/ask")  # warm-up: queue and session
        via_ui = []
        for q in qs:
            t0 = time.perf_counter()
            client.predict(q, [], "all", api_name="/ask")
            via_ui.append((time.perf_counter() - t0) * 1000)
    finally:
        stop(proc)

    assistant = Assistant.load(Settings(data_dir=tmp), build_if_missing=False)

    def timed_direct() -> list[float]:
        assistant.ask(qs[0])
        out = []
        for q in qs:
            t0 = time.perf_counter()
            assistant.ask(q)
            out.append((time.perf_counter() - t0) * 1000)
        return out

    # Gradio runs handlers in worker threads: time the direct path both there and on the main
    # thread (they once differed 20x, through OpenMP thread contention), so the ratio is fair.
    on_main = timed_direct()
    with ThreadPoolExecutor(max_workers=1) as pool:
        in_thread = pool.submit(timed_direct).result()

    ui_med = statistics.median(via_ui)
    print(
        f"(b) answer latency over {len(qs)} golden questions: "
        f"UI API median {ui_med:.0f} ms, p95 {p95(via_ui):.0f} ms"
    )
    for name, values in (("worker thread", in_thread), ("main thread", on_main)):
        med = statistics.median(values)
        print(
            f"    direct assistant.ask ({name}): median {med:.0f} ms, p95 {p95(values):.0f} ms;"
            f" ratio UI/direct {ui_med / med:.2f}x"
        )


if __name__ == "__main__":
    sys.exit(main())
