"""Benchmark: the bare engine as the reference, then the real service through Nginx.

One run measures, on this machine:
  1. the bare engine (bench/bare.py: front-end → FastSpeech2 → MB-MelGAN, no service): the
     reference every ratio is against — saturated throughput with OS threads that each own
     their models, and a short sentence with 1 and 2 intra-op threads. Each comparison is
     made in alternating turns (a bare call of each kind, then one request; a bare
     saturated run, then a saturated service run, on the same texts): whatever else the
     machine is doing weighs on both alike;
  2. the service through Nginx at concurrency 1, 4, 16, 64: requests/s, audio-seconds/s,
     p50/p95/p99 latency, 503s and other errors; /healthz latency while saturated;
  3. time to first audio byte of a 1,000-character text, streamed;
  4. RSS per worker after warm-up, and after 2,000 more requests.
It prints a table with the goals and writes bench/results/latest.json. Run it with ``make bench``.

The timed requests (1 and 2) come from a minimal client, ``http.client`` on a kept-alive
connection: ``requests`` spends ~1.5 ms of its own Python on each call on a 2-vCPU machine (a
short sentence's service time is ~30 ms), and under load its CPU is taken from the service.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import available_cpus  # noqa: E402
from bench.bare import BareEngine, throughput  # noqa: E402
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


class Client:
    """One kept-alive HTTP/1.1 connection (one thread's); reconnects after a failure."""

    def __init__(self, url: str, timeout: float = 300) -> None:
        self._host, port = url.removeprefix("http://").split(":")
        self._port, self._timeout = int(port), timeout
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body); OSError or http.client.HTTPException when the server did not answer."""
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        data = None if body is None else json.dumps(body).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        try:
            self._conn.request(method, path, data, headers)
            response = self._conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except (OSError, http.client.HTTPException):
            self._conn.close()
            self._conn = None
            raise


# -- 1. the engine without HTTP ----------------------------------------------------------


def load_texts() -> list[str]:
    """The texts of every saturated run, bare or service: two sentences of CORPUS each."""
    return [f"{a}{b}" for a in CORPUS for b in CORPUS if a != b]


def bench_engine(workers: int, seconds: float) -> dict:
    """The bare engine's saturated throughput with 1, N and 2N OS threads (the best is the reference)."""
    runs = [throughput(n, seconds, load_texts()) for n in sorted({1, workers, 2 * workers})]
    best = max(runs, key=lambda r: r["audio_s_per_s"])
    return {
        "throughput_audio_s_per_s": round(best["audio_s_per_s"], 2),
        "throughput_os_threads": best["workers"],
        "throughput_runs": {r["workers"]: round(r["audio_s_per_s"], 2) for r in runs},
    }


def bench_saturated(url: str, threads: int, rounds: int, seconds: float, concurrency: int = 16) -> dict:
    """Saturated throughput, bare (``threads`` OS threads) and service, in alternating turns."""
    bare, service = [], []
    for _ in range(rounds):
        bare.append(throughput(threads, seconds, load_texts())["audio_s_per_s"])
        service.append(_load(url, concurrency, seconds, load_texts())["audio_s_per_s"])
    return {
        "rounds": rounds,
        "concurrency": concurrency,
        "bare_os_threads": threads,
        "bare_audio_s_per_s": [round(b, 2) for b in bare],
        "service_audio_s_per_s": [round(x, 2) for x in service],
        "ratio": round(sum(service) / sum(bare), 3),
    }


def bench_short(url: str, rounds: int) -> dict:
    """The short sentence at concurrency 1: the bare engine with 1 and 2 intra-op threads and the
    service (through Nginx), in interleaved rounds."""
    bare = {threads: BareEngine(threads) for threads in (1, 2)}
    client = Client(url, timeout=60)

    def request() -> float:
        status, headers, _ = client.request("POST", "/tts", {"text": SHORT})
        if status != 200:
            raise RuntimeError(f"the short sentence got {status}")
        return float(headers["X-Audio-Duration"])

    for _ in range(3):  # warm every path
        request()
        for engine in bare.values():
            engine.synthesize(SHORT)
    times: dict[str, list[float]] = {"bare_1_thread": [], "bare_2_threads": [], "service": []}
    for _ in range(rounds):
        for threads, engine in bare.items():
            started = time.perf_counter()
            engine.synthesize(SHORT)
            times["bare_1_thread" if threads == 1 else "bare_2_threads"].append(time.perf_counter() - started)
        started = time.perf_counter()
        audio_s = request()
        times["service"].append(time.perf_counter() - started)
    out: dict = {"rounds": rounds, "audio_s": audio_s}
    for name, values in times.items():
        out[f"{name}_p50_s"] = round(statistics.median(values), 4)
    out["service_p99_s"] = round(percentile(times["service"], 99), 4)
    return out


# -- 2. the service under load ---------------------------------------------------------------


def _load(url: str, concurrency: int, seconds: float, texts: list[str]) -> dict:
    latencies: list[float] = []
    audio = 0.0
    refused = 0
    errors: Counter[int] = Counter()  # status (-1: no answer) → count
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    counter = iter(range(10**9))

    def client() -> None:
        nonlocal audio, refused
        connection = Client(url)
        while time.monotonic() < stop_at:
            text = texts[next(counter) % len(texts)]
            started = time.perf_counter()
            try:
                status, headers, _ = connection.request("POST", "/tts", {"text": text})
            except (OSError, http.client.HTTPException):
                status, headers = -1, {}
            elapsed = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                    audio += float(headers["X-Audio-Duration"])
                elif status == 503:
                    refused += 1
                else:
                    errors[status] += 1
            if status == 503:
                # As a well-behaved client does: wait as long as the server asks (capped).
                time.sleep(min(5.0, float(headers.get("Retry-After", 1))))

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
        "errors": sum(errors.values()),
        "error_statuses": {str(k): v for k, v in sorted(errors.items())},
    }


def _healthz_while(url: str, busy: threading.Event) -> list[float]:
    samples: list[float] = []
    client = Client(url, timeout=10)
    while not busy.is_set():
        time.sleep(0.01)
    time.sleep(2.0)  # let the load reach saturation
    while busy.is_set():
        started = time.perf_counter()
        status, _, _ = client.request("GET", "/healthz")
        if status != 200:
            raise RuntimeError(f"/healthz answered {status}")
        samples.append(time.perf_counter() - started)
        time.sleep(0.05)
    return samples


def bench_service(url: str, seconds: float) -> tuple[list[dict], dict]:
    texts = load_texts()
    levels = []
    health: list[float] = []
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


def machine() -> dict:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), platform.processor())
    return {
        "cpus": available_cpus(),
        "cpu_model": model,
        "load_1min_at_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def goals(r: dict) -> dict[str, dict]:
    """Every goal of the service, measured against the bare engine of the same run where it is a ratio."""
    short, memory = r["short"], r["memory"]
    rss = max(memory["rss_after_warmup_mb"] + memory["rss_after_requests_mb"])
    table = {
        "short p50 / bare 2-thread": (short["service_p50_s"] / short["bare_2_threads_p50_s"], "<=", 1.15),
        "saturated throughput / bare": (r["saturated"]["ratio"], ">=", 0.95),
        "first audio of 1,000 chars, s": (r["streaming"]["first_audio_max_s"], "<", 0.3),
        "/healthz p99 while saturated, ms": (r["healthz_while_saturated"]["p99_ms"], "<", 50),
        "RSS per worker at rest, MB": (rss, "<", 300),
    }
    ops = {"<=": float.__le__, ">=": float.__ge__, "<": float.__lt__}
    return {
        name: {"value": round(value, 3), "goal": f"{op} {limit}", "met": ops[op](float(value), float(limit))}
        for name, (value, op, limit) in table.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="duration of each load level")
    parser.add_argument("--rounds", type=int, default=40, help="interleaved rounds of the short sentence")
    parser.add_argument("--saturated-rounds", type=int, default=3, help="alternating saturated runs, bare and service")
    parser.add_argument("--memory-requests", type=int, default=2000)
    args = parser.parse_args()
    host = machine()

    print("1/4 bare engine (bench/bare.py) …", flush=True)
    engine = bench_engine(host["cpus"], args.seconds)

    # The audio cache is off here: these numbers are about synthesis, not about cache hits.
    server = Gunicorn(cache_mb=0).wait_ready()
    proxy = Nginx(server.port)
    try:
        print("2/4 service through Nginx, and the bare engine in the same rounds …", flush=True)
        short = bench_short(proxy.url, args.rounds)
        saturated = bench_saturated(proxy.url, engine["throughput_os_threads"], args.saturated_rounds, args.seconds)
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

    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": host,
        "engine": engine,
        "short": short,
        "saturated": saturated,
        "service": levels,
        "healthz_while_saturated": healthz,
        "streaming": first_byte,
        "memory": memory,
    }
    result["goals"] = goals(result)
    _print(result)
    out = ROOT / "bench" / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


def _print(r: dict) -> None:
    m, e, sh = r["machine"], r["engine"], r["short"]
    print(f"\nmachine: {m['cpus']} CPUs ({m['cpu_model']}), load {m['load_1min_at_start']} at start")
    print(
        f"short sentence ({sh['audio_s']} s of audio), {sh['rounds']} interleaved rounds: p50 bare 1 intra-op "
        f"thread {sh['bare_1_thread_p50_s']} s, bare 2 threads {sh['bare_2_threads_p50_s']} s, service "
        f"{sh['service_p50_s']} s (p99 {sh['service_p99_s']} s)"
    )
    print(
        f"bare engine saturated: {e['throughput_audio_s_per_s']} audio-s/s with {e['throughput_os_threads']} OS "
        f"threads {e['throughput_runs']}"
    )
    sat = r["saturated"]
    print(
        f"saturated, {sat['rounds']} alternating turns: bare ({sat['bare_os_threads']} OS threads) "
        f"{sat['bare_audio_s_per_s']} audio-s/s, service (concurrency {sat['concurrency']}) "
        f"{sat['service_audio_s_per_s']} audio-s/s: {sat['ratio']}"
    )
    print(f"{'conc':>5}{'req/s':>8}{'audio-s/s':>11}{'p50 s':>8}{'p95 s':>8}{'p99 s':>8}{'503':>6}{'errors':>8}")
    for row in r["service"]:
        print(
            f"{row['concurrency']:>5}{row['requests_per_s']:>8}{row['audio_s_per_s']:>11}{row['p50_s']:>8}"
            f"{row['p95_s']:>8}{row['p99_s']:>8}{row['refused_503']:>6}{row['errors']:>8} {row['error_statuses'] or ''}"
        )
    h, s, mem = r["healthz_while_saturated"], r["streaming"], r["memory"]
    print(
        f"/healthz while saturated: p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms, max {h['max_ms']} ms "
        f"({h['samples']} samples)"
    )
    print(
        f"streaming {s['chars']} chars: first audio p50 {s['first_audio_p50_s']} s (max {s['first_audio_max_s']} s),"
        f" whole stream {s['whole_stream_p50_s']} s"
    )
    print(
        f"RSS per worker: {mem['rss_after_warmup_mb']} MB after warm-up, peak {mem['rss_peak_under_load_mb']} MB, "
        f"{mem['rss_after_requests_mb']} MB after {mem['requests']} requests ({mem['ok']} ok), growth "
        f"{mem['growth_pct']} %"
    )
    print(f"\n{'goal':<36}{'value':>10}  {'target':<10}met")
    for name, g in r["goals"].items():
        print(f"{name:<36}{g['value']:>10}  {g['goal']:<10}{'yes' if g['met'] else 'NO'}")


if __name__ == "__main__":
    main()
