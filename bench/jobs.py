"""Benchmark: long-text job throughput (characters/s) with 1 and 2 job workers.

One run measures, on this machine:
  1. the reference: the smallest loop doing the same work without jobs, in 1 and 2
     processes (the core's prepare → plan → render, encoded into a WAV file);
  2. the real thing: redis-server, gunicorn and 1 or 2 Celery job workers
     (``celery -A app.jobs worker --concurrency=1``, as ``make worker`` starts them);
     all jobs are submitted at once over HTTP and timed until the last one succeeded.
It prints a table and writes bench/results/jobs.json.
Run: ``.venv/bin/python bench/jobs.py [--jobs 4] [--chars 400] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import available_cpus  # noqa: E402
from tests.support import CeleryWorker, Gunicorn, RedisServer  # noqa: E402

CORPUS = (
    "春天来了，公园里的花都开了。小朋友们在草地上放风筝，老人们坐在长椅上聊天。"
    "人工智能技术正在深刻地改变我们的生活方式。会议定于2024年5月1日下午3:30开始，请准时参加。"
    "远处传来一阵阵欢快的笑声，让人感到无比温暖。我们沿着湖边慢慢地走着，看着水面上的小船轻轻摇晃。"
    "图书馆里很安静，同学们都在认真地看书，偶尔能听到翻动书页的声音。"
    "晚上，一家人围坐在桌子旁边，一边吃饭一边聊着今天发生的趣事。\n"
)


def texts(jobs: int, chars: int) -> list[str]:
    """``jobs`` different texts of ``chars`` characters (each starts elsewhere in the corpus)."""
    long = CORPUS * (chars // len(CORPUS) + 2)
    return [long[(i * 37) % len(CORPUS) :][:chars] for i in range(jobs)]


# -- 1. the reference: the core in a plain loop --------------------------------------------


def _core_loop(share: list[str], start: multiprocessing.Event, out: multiprocessing.Queue) -> None:
    from app.audio.encode import StreamEncoder
    from app.config import load_settings
    from app.synthesis import Deadline, SynthesisRequest, Synthesizer

    synthesizer = Synthesizer(load_settings({"warmup": False, "max_text_chars": 1_000_000}))
    synthesizer.synthesize(SynthesisRequest("预热一下。"))  # load the models before the clock starts
    out.put("ready")
    start.wait()
    with tempfile.TemporaryFile() as file:
        for text in share:
            job = synthesizer.prepare(SynthesisRequest(text), max_chars=None)
            encoder = StreamEncoder("wav", synthesizer.sample_rate, job.sample_rate)
            file.write(encoder.start())
            for rendered in synthesizer.render(synthesizer.plan(job), Deadline(None)):
                file.write(encoder.write(rendered.audio))
            file.write(encoder.finish())
    out.put("done")


def bench_core(all_texts: list[str], processes: int) -> dict:
    start = multiprocessing.Event()
    out: multiprocessing.Queue = multiprocessing.Queue()
    shares = [all_texts[i::processes] for i in range(processes)]
    procs = [multiprocessing.Process(target=_core_loop, args=(s, start, out)) for s in shares]
    for p in procs:
        p.start()
    for _ in procs:
        out.get()  # every process has its models loaded
    began = time.perf_counter()
    start.set()
    for _ in procs:
        out.get()
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    chars = sum(map(len, all_texts))
    return {
        "processes": processes,
        "chars": chars,
        "seconds": round(elapsed, 2),
        "chars_per_s": round(chars / elapsed, 1),
    }


# -- 2. jobs: HTTP → Redis → Celery workers → files ----------------------------------------


def _wait_all(url: str, locations: list[str], timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    pending = dict.fromkeys(locations)
    while any(v is None for v in pending.values()):
        for location in [k for k, v in pending.items() if v is None]:
            doc = requests.get(url + location, timeout=10).json()
            if doc["status"] not in ("queued", "running"):
                pending[location] = doc
        if time.monotonic() > deadline:
            raise TimeoutError("jobs did not finish")
        time.sleep(0.1)
    return list(pending.values())  # type: ignore[arg-type]


def _submit(url: str, text: str) -> str:
    response = requests.post(url + "/v1/audio/jobs", json={"text": text}, timeout=30)
    response.raise_for_status()
    return response.headers["Location"]


def bench_jobs(all_texts: list[str], workers: int) -> dict:
    redis = RedisServer()
    job_dir = tempfile.mkdtemp(prefix="huayin-bench-jobs-")
    running: list[CeleryWorker] = []
    web = None
    try:
        running = [CeleryWorker(redis.url, job_dir) for _ in range(workers)]
        web = Gunicorn(workers=1, warmup="false", redis_url=redis.url, job_dir=job_dir, max_job_chars=1_000_000)
        for worker in running:
            worker.wait_ready()
        web.wait_ready()
        # One small job per worker first: models loaded and warm before the clock starts.
        _wait_all(web.url, [_submit(web.url, "预热一下。") for _ in range(workers * 2)], timeout=120)
        began = time.perf_counter()
        locations = [_submit(web.url, text) for text in all_texts]
        docs = _wait_all(web.url, locations, timeout=3600)
        elapsed = time.perf_counter() - began
    finally:
        if web is not None:
            web.stop()
        for worker in running:
            worker.stop()
        redis.stop()
        shutil.rmtree(job_dir, ignore_errors=True)
    failed = [d for d in docs if d["status"] != "succeeded"]
    if failed:
        raise RuntimeError(f"jobs failed: {failed}")
    chars = sum(map(len, all_texts))
    audio = sum(d["progress"]["audio_seconds"] for d in docs)
    return {
        "workers": workers,
        "jobs": len(docs),
        "chars": chars,
        "audio_seconds": round(audio, 1),
        "seconds": round(elapsed, 2),
        "chars_per_s": round(chars / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=4, help="jobs per run (default 4)")
    parser.add_argument("--chars", type=int, default=400, help="characters per job (default 400)")
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds; medians are printed (default 1)")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "jobs.json"))
    args = parser.parse_args()
    all_texts = texts(args.jobs, args.chars)
    results: dict = {
        "machine": {"cpus": available_cpus(), "platform": platform.platform(), "python": platform.python_version()},
        "jobs": args.jobs,
        "chars_per_job": args.chars,
        "rounds": [],
    }
    # Core and jobs alternate, so a change in the machine's load between them shows up in
    # every round rather than in one side of the comparison.
    for _ in range(args.rounds):
        results["rounds"].append(
            {
                f"{kind}_{n}": bench(all_texts, n)
                for n in (1, 2)
                for kind, bench in (("core", bench_core), ("jobs", bench_jobs))
            }
        )
    print(f"{args.jobs} jobs × {args.chars} characters, {available_cpus()} CPUs, {args.rounds} round(s), medians")
    print(f"{'workers':>8} {'core loop chars/s':>18} {'jobs chars/s':>13} {'jobs / core':>12}   jobs chars/s per round")
    for n in (1, 2):
        core = statistics.median(r[f"core_{n}"]["chars_per_s"] for r in results["rounds"])
        jobs = [r[f"jobs_{n}"]["chars_per_s"] for r in results["rounds"]]
        rounds = ", ".join(f"{j:.1f}" for j in jobs)
        print(
            f"{n:>8} {core:>18.1f} {statistics.median(jobs):>13.1f} {statistics.median(jobs) / core:>12.2f}   {rounds}"
        )
    Path(args.output).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
