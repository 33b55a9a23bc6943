"""Benchmark: what timestamps cost on top of synthesis (the goal: under 3 %).

Two measurements in one run, on the real code:
  1. component time: every function that exists only for timings (the alignment of
     the model's durations, marks, the map to the document's text, the JSON with the
     base64 audio),
     timed inside real requests, against the thread CPU time of those requests;
  2. end to end: the same request with and without ``timestamps`` (audio bit for
     bit the same), alternating, thread CPU time; the paired difference.
Both run in process through ``Synthesizer.clip`` (cache off), no HTTP. On a
shared 2-core machine end-to-end differences under ~5 % drown in noise, so the
component figure is the one to trust. Run: ``nice -n 10 .venv/bin/python bench/timestamps.py``.

``--checks`` prints instead what the timings are worth, measured on the audio:
monotonic, coverage, punctuation pauses inside measured quiet stretches (±40 ms),
speed scaling, and what a <break> inside a sentence adds (``--texts FILE``: one
sentence a line, instead of the built-in ones).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from app.audio.effects import SILENCE_RELATIVE_RMS, frame_rms  # noqa: E402
from app.config import load_settings  # noqa: E402
from app.engines import embedded  # noqa: E402
from app.synthesis import SynthesisRequest, Synthesizer, render, synthesizer, timings  # noqa: E402

# 58 characters of text, three sentences.
TEXT = (
    "今天天气很好，我们一起去公园散步吧。人工智能技术正在深刻地改变我们的生活方式，"
    "语音合成让机器能够像人一样自然地说话。"
)


SENTENCES = (
    "今天天气很好，我们去公园散步吧。",
    "人工智能技术正在改变我们的生活、工作和学习方式！",
    "请您在听到提示音后留言，我们会尽快回复您。",
    "本次列车即将到达终点站，请携带好您的随身物品。",
    "你觉得这个办法怎么样？我们明天再讨论吧。",
    "春天来了，花开了，小鸟在树上唱歌。",
    "会议定于下午三点召开，地点在三楼会议室；请准时参加。",
    "这家餐厅的菜品非常好吃，价格也很实惠。",
)
PUNCTUATION = set("，。！？、；：")
TOLERANCE_S = 0.040


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
    synthesizer.timed_body = watch.wrap(timings.timed_body)  # the timing JSON and the base64 audio in it


def cpu_of(fn: Callable[[], Any]) -> float:
    """Process CPU seconds of ``fn()`` (the work runs on the synthesis host's threads)."""
    started = time.process_time()
    fn()
    return time.process_time() - started


def quiet_stretches(audio: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """Low-energy stretches (the service's silence rule, one loud 5 ms frame bridged), in seconds."""
    level, frame = frame_rms(audio, rate)
    runs: list[list[int]] = []
    for i in np.flatnonzero(level < SILENCE_RELATIVE_RMS * level.max()):
        if runs and i - runs[-1][1] <= 1:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return [(a * frame / rate, b * frame / rate) for a, b in runs]


def checks(service: Synthesizer, texts: list[str]) -> None:
    def run(text: str, **fields: Any) -> Any:
        return service.synthesize(SynthesisRequest(text, **fields))

    for label, fields in (
        ("speed 1.0", {}),
        ("speed 0.7", {"speed": 0.7}),
        ("speed 1.5", {"speed": 1.5}),
        ("sad (WORLD 0.85)", {"emotion": "sad"}),
        ("happy, speed 2.0 (WORLD)", {"emotion": "happy", "speed": 2.0}),
    ):
        ordered = inside = total = 0
        gaps = []
        for text in texts:
            result = run(text, **fields)
            chars = result.timings["characters"]
            ordered += all(a["end"] <= b["start"] for a, b in itertools.pairwise(chars))
            gaps.append(abs(result.duration - chars[-1]["end"]) * 1000)
            stretches = quiet_stretches(result.audio, result.sample_rate)
            for p in (c for c in chars if c["text"] in PUNCTUATION and c["end"] > c["start"]):
                total += 1
                inside += any(a - TOLERANCE_S <= p["start"] and p["end"] <= b + TOLERANCE_S for a, b in stretches)
        print(
            f"{label:26s} monotonic {ordered}/{len(texts)}, last end − duration ≤ {max(gaps):.1f} ms, "
            f"punctuation pauses in measured quiet ±40 ms {inside}/{total}"
        )

    def span(result: Any) -> float:
        spoken = [c for c in result.timings["characters"] if c["text"] not in PUNCTUATION]
        return spoken[-1]["end"] - spoken[0]["start"]

    for speed in (0.7, 1.5):
        ratios = [span(run(t, speed=speed)) / span(run(t)) for t in texts]
        print(
            f"speech span at speed {speed}: ×{statistics.median(ratios):.3f} (1/speed = {1 / speed:.3f}), "
            f"range {min(ratios):.3f}–{max(ratios):.3f}"
        )

    pairs = [("你好", "世界"), ("今天天气很好", "我们去散步"), ("我们今天", "去公园"), ("春眠不觉晓", "处处闻啼鸟"),
             ("第一步", "打开电源")]  # fmt: skip
    for asked in ('time="800ms"', 'strength="x-strong"', 'strength="medium"', 'strength="weak"'):
        added = [
            run(f"<speak>{a}<break {asked}/>{b}</speak>").duration - run(f"<speak>{a}{b}</speak>").duration
            for a, b in pairs
        ]
        print(f"<break {asked}/> inside a sentence adds " + ", ".join(f"{x:.3f}" for x in added) + " s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--checks", action="store_true", help="measure the timings' accuracy instead of their cost")
    parser.add_argument("--texts", type=Path, help="sentences for --checks, one a line")
    args = parser.parse_args()
    if args.checks:
        texts = args.texts.read_text(encoding="utf-8").split() if args.texts else list(SENTENCES)
        checks(Synthesizer(load_settings({"warmup": False, "log_level": "warning", "cache_mb": 0})), texts)
        return

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
