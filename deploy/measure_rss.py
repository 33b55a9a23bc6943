"""Memory of the real service, for container requests/limits (deploy/kubernetes/, docker-compose.yml).

Starts gunicorn from this checkout (``gunicorn -c gunicorn.conf.py``, 2 workers unless
``--workers``), waits until every worker has loaded its engine, then reads each process's
``VmRSS`` (resident now) and ``VmHWM`` (the highest resident size it ever had) from
/proc/PID/status: once after warm-up and once after a worst-case mix of requests sent at
the service's full concurrency (2 workers × TTS_CONCURRENCY 2), i.e. the longest text
(TTS_MAX_TEXT_CHARS), long sentences at the splitter's cap, every format, streaming.
With ``--longest-only --workers 1``: the cost of the longest text, alone per format, then two at once.

Run: ``nice -n 10 .venv/bin/python deploy/measure_rss.py``. It prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import Gunicorn  # noqa: E402

SENTENCES = (
    "今天天气很好，我们去公园散步吧。",
    "人工智能技术正在深刻地改变我们的生活方式，也改变了我们与机器交流的方法和习惯。",
    "请您在听到提示音后留言，我们会尽快回复您。",
    "本次列车即将到达终点站，请携带好您的随身物品，下车时请注意列车与站台之间的空隙。",
)


def status_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def snapshot(master: int) -> dict:
    workers = [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    mb = {pid: {k: round(v / 1024, 1) for k, v in status_kb(pid).items()} for pid in [master, *workers]}
    return {
        "master": mb[master],
        "workers": [mb[pid] for pid in workers],
        "total_rss_mb": round(sum(v["VmRSS"] for v in mb.values()), 1),
        "total_hwm_mb": round(sum(v["VmHWM"] for v in mb.values()), 1),
    }


def workload(url: str, rounds: int) -> list[int]:
    """The requests that make a worker's memory largest: long sentences and the longest text."""
    longest = "".join(SENTENCES * 200)[:5000]
    jobs: list[tuple[str, dict]] = []
    for i in range(rounds):
        for fmt in ("wav", "mp3", "ogg", "pcm"):
            jobs.append(("/tts", {"text": SENTENCES[i % len(SENTENCES)] * 2, "format": fmt}))
        jobs.append(("/tts", {"text": SENTENCES[1], "format": "mp3", "stream": True}))
    jobs += [("/tts", {"text": longest, "format": "mp3"}), ("/tts", {"text": longest, "format": "wav"})]

    def send(job: tuple[str, dict]) -> int:
        path, body = job
        response = requests.post(url + path, json=body, timeout=600)
        return response.status_code

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(send, jobs))


def wait_ready(server: Gunicorn, attempts: int = 5) -> None:
    """Every worker loaded; a probe that times out on a busy machine is tried again."""
    for attempt in range(attempts):
        try:
            server.wait_ready(timeout=180)
            return
        except requests.Timeout:
            if attempt == attempts - 1:
                raise


def longest_text_peaks(url: str, master: int) -> list[dict]:
    """The longest text, one request at a time per format, then TTS_CONCURRENCY (2) at once,
    with the worker's peak after each step. Every request has a different text, so none is
    answered from the audio cache.

    VmHWM only grows, so the steps go from the smallest expected peak to the largest."""
    texts = iter(range(100))

    def send(fmt: str) -> tuple[int, int]:
        shift = next(texts)
        text = f"第{shift}篇。" + "".join(SENTENCES[shift % 4 :] + SENTENCES[: shift % 4]) * 200
        response = requests.post(url + "/tts", json={"text": text[:5000], "format": fmt}, timeout=900)
        return response.status_code, len(response.content)

    peaks = []
    for step in (["mp3"], ["wav"], ["mp3", "mp3"]):
        with ThreadPoolExecutor(len(step)) as pool:
            results = list(pool.map(send, step))
        peaks.append({"requests_at_once": step, "results": results, "after": snapshot(master)})
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=10)
    # On a busy machine the longest text can pass the default 120 s deadline; its memory is what counts here.
    parser.add_argument("--request-timeout", type=int, default=600)
    parser.add_argument("--longest-only", action="store_true", help="only the longest text, one request at a time")
    args = parser.parse_args()
    server = Gunicorn(workers=args.workers, request_timeout=args.request_timeout, timeout=args.request_timeout + 30)
    try:
        wait_ready(server)
        time.sleep(1.0)
        after_warmup = snapshot(server.process.pid)
        if args.longest_only:
            report = {
                "workers": args.workers,
                "after_warmup": after_warmup,
                "longest_text": longest_text_peaks(server.url, server.process.pid),
            }
            print(json.dumps(report, indent=2))
            return
        started = time.monotonic()
        statuses = workload(server.url, args.rounds)
        elapsed = time.monotonic() - started
        time.sleep(2.0)  # freed arenas go back to the system after a moment of idleness
        after_load = snapshot(server.process.pid)
    finally:
        server.stop()
    print(
        json.dumps(
            {
                "workers": args.workers,
                "requests": len(statuses),
                "statuses": {str(code): statuses.count(code) for code in sorted(set(statuses))},
                "load_seconds": round(elapsed, 1),
                "after_warmup": after_warmup,
                "after_load": after_load,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
