"""Benchmark: the bare engine as the reference, then the real service over HTTP.

Prints a table and writes bench/results/latest.json. Run with ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.synthesis.service import Request  # noqa: E402
from tests.support import Gunicorn  # noqa: E402

SHORT = "今天天气很好，我们去公园散步吧。"  # 15 characters
MEDIUM = "人工智能技术正在深刻地改变我们的生活方式，语音合成让机器能够像人一样自然地说话。" * 2


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def bench_engine(repeats: int) -> dict:
    """The engine loop in this process, no HTTP: the reference for the service."""
    service = create_app({"warmup": False}).extensions["tts"]
    out = {}
    for name, text in (("short", SHORT), ("medium", MEDIUM)):
        service.synthesize(Request(text))  # load + warm up
        times, audio = [], 0.0
        for _ in range(repeats):
            result = service.synthesize(Request(text))
            times.append(result.synthesis_seconds)
            audio = result.duration
        median = statistics.median(times)
        out[name] = {
            "chars": len(text),
            "audio_s": round(audio, 3),
            "median_s": round(median, 4),
            "rtf": round(median / audio, 4),
        }
    return out


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(p) for p in children]


def bench_service(repeats: int, workers: int) -> dict:
    server = Gunicorn(workers=workers).wait_ready()
    try:
        session = requests.Session()
        latencies = []
        for _ in range(repeats + 2):
            started = time.perf_counter()
            response = session.post(server.url + "/tts", json={"text": SHORT}, timeout=60)
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
        latencies = latencies[2:]
        health = []
        for _ in range(50):
            started = time.perf_counter()
            session.get(server.url + "/healthz", timeout=5).raise_for_status()
            health.append(time.perf_counter() - started)
        rss = [round(rss_mb(pid), 1) for pid in worker_pids(server.process.pid)]
        return {
            "workers": workers,
            "short_p50_s": round(statistics.median(latencies), 4),
            "short_p95_s": round(percentile(latencies, 95), 4),
            "healthz_p50_ms": round(statistics.median(health) * 1000, 2),
            "worker_rss_mb": rss,
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    engine = bench_engine(args.repeats)
    service = bench_service(args.repeats, args.workers)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "cpu": platform.processor()},
        "engine": engine,
        "service": service,
    }
    print(f"{'engine':<10}{'chars':>7}{'audio s':>9}{'synth s':>9}{'RTF':>8}")
    for name, row in engine.items():
        print(f"{name:<10}{row['chars']:>7}{row['audio_s']:>9}{row['median_s']:>9}{row['rtf']:>8}")
    print(
        f"service ({service['workers']} workers): short sentence p50 {service['short_p50_s']} s, "
        f"p95 {service['short_p95_s']} s; /healthz p50 {service['healthz_p50_ms']} ms; "
        f"worker RSS {service['worker_rss_mb']} MB"
    )
    out = ROOT / "bench" / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
