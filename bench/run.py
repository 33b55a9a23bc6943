"""Benchmark: the bare engine as the reference, then the real service through Nginx.

One run measures, on this machine:
  1. the bare engine (bench/bare.py: front-end → FastSpeech2 → MB-MelGAN, no service): the
     reference every ratio is against — a short sentence with 1 and 2 intra-op threads, and
     saturated throughput with OS threads that each own their interpreters;
  2. the service through Nginx at concurrency 1, 4, 16, 64: requests/s, audio-seconds/s,
     p50/p95/p99 latency, 503s and other errors; /healthz latency while saturated;
  3. time to first audio byte of a 1,000-character text, streamed;
  4. RSS per worker after warm-up, and after 2,000 more requests.
It prints a table and writes bench/results/latest.json. Run it with ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import available_cpus  # noqa: E402
from bench.bare import latency, throughput  # noqa: E402
from tests.support import Gunicorn, Nginx  # noqa: E402

SHORT = "今天天气很好，我们去公园散步吧。"  # 15 characters of text
CORPUS = (
    "今天天气很好，我们去公园散步吧。",
    "人工智能技术正在深刻地改变我们的生活方式。",
    "请您在听到提示音后留言，我们会尽快回复您。",
    "本次列车即将到达终点站，请携带好您的随身物品。",
    "会议定于明天上午九点在三楼会议室召开。",
    "语音合成让机器能够像人一样自然地说话。",
    "欢迎致电客户服务中心，普通话服务请按一。",
    "这家餐厅的菜品非常好吃，价格也很实惠。",
)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# -- 1. the engine without HTTP ----------------------------------------------------------


def bench_engine(workers: int, seconds: float, repeats: int) -> dict:
    """The bare-engine reference (bench/bare.py), measured in this run: the short sentence with 1
    and 2 intra-op threads, and the best saturated throughput over 1, N and 2N OS threads."""
    one = latency(SHORT, threads=1, repeats=repeats)
    two = latency(SHORT, threads=2, repeats=repeats)
    runs = [throughput(n, seconds) for n in sorted({1, workers, 2 * workers})]
    best = max(runs, key=lambda r: r["audio_s_per_s"])
    return {
        "short_audio_s": round(one["audio_s"], 3),
        "short_p50_s_1_thread": round(one["wall_ms"]["p50"] / 1000, 4),
        "short_p50_s_2_threads": round(two["wall_ms"]["p50"] / 1000, 4),
        "throughput_audio_s_per_s": round(best["audio_s_per_s"], 2),
        "throughput_os_threads": best["workers"],
        "throughput_runs": {r["workers"]: round(r["audio_s_per_s"], 2) for r in runs},
    }


# -- 2. the service under load ---------------------------------------------------------------


def _load(url: str, concurrency: int, seconds: float, texts: list[str]) -> dict:
    latencies: list[float] = []
    audio = 0.0
    refused = errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    counter = iter(range(10**9))

    def client() -> None:
        nonlocal audio, refused, errors
        session = requests.Session()
        while time.monotonic() < stop_at:
            text = texts[next(counter) % len(texts)]
            started = time.perf_counter()
            try:
                response = session.post(url + "/tts", json={"text": text}, timeout=300)
                status = response.status_code
            except requests.RequestException:
                status = -1
            elapsed = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                    audio += float(response.headers["X-Audio-Duration"])
                elif status == 503:
                    refused += 1
                else:
                    errors += 1
            if status == 503:
                # As a well-behaved client does: wait as long as the server asks (capped).
                time.sleep(min(5.0, float(response.headers.get("Retry-After", 1))))

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(client)
    wall = time.monotonic() - started
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / wall, 2),
        "audio_s_per_s": round(audio / wall, 2),
        "p50_s": round(percentile(latencies, 50), 3),
        "p95_s": round(percentile(latencies, 95), 3),
        "p99_s": round(percentile(latencies, 99), 3),
        "refused_503": refused,
        "errors": errors,
    }


def _healthz_while(url: str, busy: threading.Event) -> list[float]:
    samples: list[float] = []
    session = requests.Session()
    while not busy.is_set():
        time.sleep(0.01)
    time.sleep(2.0)  # let the load reach saturation
    while busy.is_set():
        started = time.perf_counter()
        session.get(url + "/healthz", timeout=10).raise_for_status()
        samples.append(time.perf_counter() - started)
        time.sleep(0.05)
    return samples


def bench_service(url: str, seconds: float) -> tuple[list[dict], dict]:
    texts = [f"{a}{b}" for a in CORPUS for b in CORPUS if a != b]
    levels = []
    health: list[float] = []
    levels.append(_load(url, 1, seconds, [SHORT]))
    for concurrency in (4, 16, 64):
        busy = threading.Event()
        with ThreadPoolExecutor(1) as prober:
            probe = prober.submit(_healthz_while, url, busy)
            busy.set()
            levels.append(_load(url, concurrency, seconds, texts))
            busy.clear()
            health += probe.result()
    healthz = {
        "samples": len(health),
        "p50_ms": round(percentile(health, 50) * 1000, 2),
        "p99_ms": round(percentile(health, 99) * 1000, 2),
        "max_ms": round(max(health) * 1000, 2) if health else None,
    }
    return levels, healthz


# -- 3. streaming --------------------------------------------------------------------------


def bench_first_byte(url: str, runs: int = 5) -> dict:
    text = "".join(CORPUS) * 10
    text = text[:1000]
    firsts, totals = [], []
    for _ in range(runs):
        started = time.perf_counter()
        with requests.post(url + "/tts", json={"text": text, "stream": True}, stream=True, timeout=300) as response:
            received, first = 0, None
            for chunk in response.iter_content(chunk_size=None):
                received += len(chunk)
                if first is None and received > 44:  # past the WAV header: audio has arrived
                    first = time.perf_counter() - started
        firsts.append(first)
        totals.append(time.perf_counter() - started)
    return {
        "chars": len(text),
        "first_audio_p50_s": round(statistics.median(firsts), 3),
        "first_audio_max_s": round(max(firsts), 3),
        "whole_stream_p50_s": round(statistics.median(totals), 2),
    }


# -- 4. memory ---------------------------------------------------------------------------------


def worker_rss_mb(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    out = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out.append(round(int(line.split()[1]) / 1024, 1))
    return out


def bench_memory(url: str, master: int, requests_count: int) -> dict:
    texts = [f"{a}{b}" for a in CORPUS for b in CORPUS] + [f"{s}第{i}遍。" for i, s in enumerate(CORPUS * 300)]
    formats = ("wav", "mp3", "ogg", "wav", "pcm")
    emotions = ("neutral", "happy", "sad", "neutral", "angry")
    after_start = worker_rss_mb(master)

    def one(i: int) -> int:
        body = {"text": texts[i % len(texts)], "format": formats[i % 5], "emotion": emotions[(i // 5) % 5]}
        response = requests.post(url + "/tts", json=body, timeout=300)
        if response.status_code != 200:
            print(f"  request {i}: {response.status_code} {response.text[:200]}", flush=True)
        return response.status_code

    peak = list(after_start)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[:] = [max(p, r) for p, r in zip(peak, worker_rss_mb(master), strict=False)]

    sampler = threading.Thread(target=sample)
    sampler.start()
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(one, range(requests_count)))
    done.set()
    sampler.join()
    time.sleep(2.0)  # idle workers return freed memory after a second
    after = worker_rss_mb(master)
    return {
        "requests": requests_count,
        "ok": statuses.count(200),
        "rss_after_warmup_mb": after_start,
        "rss_peak_under_load_mb": peak,
        "rss_after_requests_mb": after,
        "growth_pct": [round(100 * (b - a) / a, 1) for a, b in zip(after_start, after, strict=False)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="duration of each load level")
    parser.add_argument("--memory-requests", type=int, default=2000)
    args = parser.parse_args()
    workers = available_cpus()

    print("1/4 bare engine (bench/bare.py) …", flush=True)
    engine = bench_engine(workers, args.seconds, repeats=20)

    # The audio cache is off here: these numbers are about synthesis, not about cache hits.
    server = Gunicorn(cache_mb=0).wait_ready()
    proxy = Nginx(server.port)
    try:
        print("2/4 service through Nginx …", flush=True)
        levels, healthz = bench_service(proxy.url, args.seconds)
        print("3/4 streaming …", flush=True)
        first_byte = bench_first_byte(proxy.url)
    finally:
        proxy.stop()
        server.stop()

    print("4/4 memory …", flush=True)
    server = Gunicorn().wait_ready()  # defaults, audio cache included
    proxy = Nginx(server.port)
    try:
        memory = bench_memory(proxy.url, server.process.pid, args.memory_requests)
    finally:
        proxy.stop()
        server.stop()

    saturated = max(level["audio_s_per_s"] for level in levels)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": workers, "python": platform.python_version(), "platform": platform.platform()},
        "engine": engine,
        "service": levels,
        "healthz_while_saturated": healthz,
        "streaming": first_byte,
        "memory": memory,
        "checks": {  # every ratio is against the bare engine of this run
            "throughput_vs_bare": round(saturated / engine["throughput_audio_s_per_s"], 3),
            "short_p50_vs_bare_2_threads": round(levels[0]["p50_s"] / engine["short_p50_s_2_threads"], 3),
            "short_p50_vs_bare_1_thread": round(levels[0]["p50_s"] / engine["short_p50_s_1_thread"], 3),
        },
    }
    _print(result)
    out = ROOT / "bench" / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


def _print(r: dict) -> None:
    e = r["engine"]
    print(
        f"\nbare engine: short sentence ({e['short_audio_s']} s of audio) p50 {e['short_p50_s_1_thread']} s with 1 "
        f"intra-op thread, {e['short_p50_s_2_threads']} s with 2; saturated {e['throughput_audio_s_per_s']} "
        f"audio-s/s with {e['throughput_os_threads']} OS threads {e['throughput_runs']}"
    )
    print(f"{'conc':>5}{'req/s':>8}{'audio-s/s':>11}{'p50 s':>8}{'p95 s':>8}{'p99 s':>8}{'503':>6}{'errors':>8}")
    for row in r["service"]:
        print(
            f"{row['concurrency']:>5}{row['requests_per_s']:>8}{row['audio_s_per_s']:>11}{row['p50_s']:>8}"
            f"{row['p95_s']:>8}{row['p99_s']:>8}{row['refused_503']:>6}{row['errors']:>8}"
        )
    h, s, m, c = r["healthz_while_saturated"], r["streaming"], r["memory"], r["checks"]
    print(
        f"/healthz while saturated: p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms, max {h['max_ms']} ms "
        f"({h['samples']} samples)"
    )
    print(
        f"streaming {s['chars']} chars: first audio p50 {s['first_audio_p50_s']} s (max {s['first_audio_max_s']} s),"
        f" whole stream {s['whole_stream_p50_s']} s"
    )
    print(
        f"RSS per worker: {m['rss_after_warmup_mb']} MB after warm-up, {m['rss_after_requests_mb']} MB after "
        f"{m['requests']} requests ({m['ok']} ok), growth {m['growth_pct']} %"
    )
    print(
        f"service / bare engine: saturated throughput {c['throughput_vs_bare']} (goal >= 0.95), short p50 "
        f"{c['short_p50_vs_bare_2_threads']} x bare 2-thread (goal <= 1.15), "
        f"{c['short_p50_vs_bare_1_thread']} x bare 1-thread"
    )


if __name__ == "__main__":
    main()
