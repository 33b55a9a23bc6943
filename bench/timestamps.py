"""Benchmark: what timestamps cost on top of synthesis (the goal: under 3 %).

Two measurements in one run, on the real code:
  1. component time: every function that exists only for timings (the alignment of
     the model's durations, marks, the map to the document's text, the timing JSON),
     timed inside real requests, against the thread CPU time of those requests;
  2. end to end: the same request with and without ``timestamps`` (audio bit for
     bit the same), alternating, thread CPU time; the paired difference.
Both run in process through ``Synthesizer.clip`` (cache off), no HTTP. On a
shared 2-core machine end-to-end differences under ~5 % drown in noise, so the
component figure is the one to trust. Run: ``nice -n 10 .venv/bin/python bench/timestamps.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import load_settings  # noqa: E402
from app.engines import embedded  # noqa: E402
from app.synthesis import SynthesisRequest, Synthesizer, render, synthesizer, timings  # noqa: E402

# 58 characters of text, three sentences.
TEXT = (
    "今天天气很好，我们一起去公园散步吧。人工智能技术正在深刻地改变我们的生活方式，"
    "语音合成让机器能够像人一样自然地说话。"
)


class Stopwatch:
    """Thread CPU seconds spent inside wrapped functions."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - started

        return timed


def instrument(watch: Stopwatch) -> None:
    """Route the timings-only functions through the stopwatch (they are looked up by module name)."""
    embedded.piece_timeline = watch.wrap(embedded.piece_timeline)
    embedded.with_marks = watch.wrap(embedded.with_marks)
    render.to_document = watch.wrap(render.to_document)
    synthesizer.TimingWriter.add = watch.wrap(timings.TimingWriter.add)


def cpu_of(fn: Callable[[], Any]) -> float:
    """Process CPU seconds of ``fn()`` (the work runs on the synthesis host's threads)."""
    started = time.process_time()
    fn()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=12)
    args = parser.parse_args()

    service = Synthesizer(load_settings({"warmup": False, "log_level": "warning", "cache_mb": 0}))
    plain = service.prepare(SynthesisRequest(TEXT))
    timed = service.prepare(SynthesisRequest(TEXT, timestamps=True))
    service.clip(plain), service.clip(timed)  # load and warm up

    watch = Stopwatch()
    instrument(watch)
    total = sum(cpu_of(lambda: service.clip(timed)) for _ in range(args.pairs))
    component = watch.seconds / args.pairs
    per_request = total / args.pairs

    differences = []
    for i in range(args.pairs):
        order = (plain, timed) if i % 2 == 0 else (timed, plain)
        cost = {job.output: cpu_of(lambda job=job: service.clip(job)) for job in order}
        differences.append(cost["timestamps"] / cost["audio"] - 1)
    quartiles = statistics.quantiles(differences, n=4)

    audio = service.clip(plain).duration
    print(f"text: {len(TEXT)} characters, {audio:.2f} s of audio; {args.pairs} requests each")
    print(f"synthesis CPU per request (with timestamps): {per_request * 1000:.1f} ms")
    print(f"timings-only work per request: {component * 1000:.2f} ms = {100 * component / per_request:.2f} %")
    print(
        f"end to end, timestamps vs plain (paired CPU): median {100 * statistics.median(differences):+.1f} %, "
        f"quartiles {100 * quartiles[0]:+.1f} % … {100 * quartiles[2]:+.1f} %"
    )


if __name__ == "__main__":
    main()
