"""The bare-engine reference: the smallest loop from text to waveform.

Our front-end → FastSpeech2 → MB-MelGAN, one model call per sentence, no
vocoder windows, no service, no effects, no encoding. Every ratio a benchmark
prints should be against these numbers, measured in the same run on the same
machine (machines and their load differ run to run).

It uses the app's front-end and the repaired graphs (the FastSpeech2 graph
without its random dropout; the MB-MelGAN graph with its sub-band synthesis in
numpy, or the graph as shipped with ``vocoder_graph="full"``), because the raw
FastSpeech2 graph cannot run at all, and the service's vocoder runtime (ONNX
Runtime by default; ``vocoder_runtime="litert"`` for LiteRT): the same job as
the service, on the same machinery.

    from bench.bare import latency, throughput
    latency(threads=2)     # one 15-character sentence, 2 intra-op threads
    throughput(workers=2)  # 2 OS threads, each with its own interpreters

``python -m bench.bare`` prints a table (``--json`` for the raw dicts).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ai_edge_litert.interpreter import Interpreter  # noqa: E402

from app.engines.baker import BakerPhones  # noqa: E402
from app.engines.embedded import ACOUSTIC_MODEL, PHONE_MAP, SAMPLE_RATE, locate_assets  # noqa: E402
from app.engines.onnx_vocoder import INPUT, session, to_onnx  # noqa: E402
from app.engines.tflite_graph import SubbandSynthesis, remove_random_dropout  # noqa: E402
from app.engines.vocoder import SAMPLES_PER_FRAME, VOCODER_MODEL, load_vocoder  # noqa: E402
from app.text.g2p import to_phrases  # noqa: E402
from app.text.normalize import normalize  # noqa: E402
from app.text.split import split_sentences  # noqa: E402

SHORT = "今天天气很好，我们去公园散步吧。"  # bench/run.py's "15-character" sentence: 14 hanzi, 2 marks
# ~50-character texts of two or three sentences each, for saturated throughput.
TEXTS = (
    "今天天气很好，我们去公园散步吧。人工智能技术正在深刻地改变我们的生活方式。请您在听到提示音后留言。",
    "本次列车即将到达终点站，请携带好您的随身物品。会议定于明天上午九点在三楼会议室召开，请准时参加。",
    "语音合成让机器能够像人一样自然地说话。欢迎致电客户服务中心，普通话服务请按一，英语服务请按二。",
    "这家餐厅的菜品非常好吃，价格也很实惠。周末的时候，我们经常带着孩子一起去那里吃饭，大家都很开心。",
)
MAX_SENTENCE_CHARS = 40  # the service's default sentence cap (TTS_MAX_SENTENCE_CHARS)
MIN_VOCODER_FRAMES = 16  # the vocoder's reflection padding needs a few frames


@dataclass(frozen=True)
class Models:
    """Model bytes prepared once and shared by every interpreter."""

    phones: BakerPhones
    acoustic: bytes
    vocoder: bytes
    synthesis: SubbandSynthesis | None  # None: the vocoder graph renders audio itself


@cache
def load_models(vocoder_graph: str = "split") -> Models:
    if vocoder_graph not in ("split", "full"):
        raise ValueError("vocoder_graph is 'split' or 'full'")
    assets = locate_assets()
    vocoder = (assets / VOCODER_MODEL).read_bytes()
    synthesis = None
    if vocoder_graph == "split":
        vocoder, synthesis = load_vocoder(assets)  # the same graph as the service
    acoustic = remove_random_dropout((assets / ACOUSTIC_MODEL).read_bytes())
    return Models(BakerPhones(assets / PHONE_MAP), acoustic, vocoder, synthesis)


class BareEngine:
    """Two models and the front-end; one instance per OS thread (not thread-safe)."""

    def __init__(self, threads: int = 1, vocoder_graph: str = "split", vocoder_runtime: str = "onnxruntime") -> None:
        self.models = load_models(vocoder_graph)
        self.acoustic = Interpreter(model_content=self.models.acoustic, num_threads=threads)
        self._inputs = {d["name"]: d["index"] for d in self.acoustic.get_input_details()}
        self._mel_output = self.acoustic.get_output_details()[1]["index"]
        self._session = None
        if vocoder_runtime == "onnxruntime" and vocoder_graph == "split":
            self._session = session(to_onnx(self.models.vocoder), threads)
        else:
            self.vocoder = Interpreter(model_content=self.models.vocoder, num_threads=threads)
            self._vocoder_input = self.vocoder.get_input_details()[0]["index"]
            self._vocoder_output = self.vocoder.get_output_details()[0]["index"]

    def ids(self, sentence: str) -> list[int]:
        return self.models.phones.ids(self.models.phones.symbols(to_phrases(sentence)))

    def mel(self, ids: list[int]) -> np.ndarray:
        interp, inputs = self.acoustic, self._inputs
        interp.resize_tensor_input(inputs["input_ids"], [1, len(ids)])
        interp.allocate_tensors()
        interp.set_tensor(inputs["input_ids"], np.asarray([ids], dtype=np.int32))
        interp.set_tensor(inputs["speaker_ids"], np.zeros(1, dtype=np.int32))
        for name in ("speed_ratios", "f0_ratios", "energy_ratios"):
            interp.set_tensor(inputs[name], np.ones(1, dtype=np.float32))
        interp.invoke()
        return interp.get_tensor(self._mel_output)

    def vocode(self, mel: np.ndarray) -> np.ndarray:
        """The whole mel in one call (padded to the vocoder's minimum length)."""
        frames = mel.shape[1]
        if frames < MIN_VOCODER_FRAMES:
            mel = np.concatenate([mel, np.repeat(mel[:, -1:], MIN_VOCODER_FRAMES - frames, axis=1)], axis=1)
        mel = np.ascontiguousarray(mel, dtype=np.float32)
        if self._session is not None:
            out = self._session.run(None, {INPUT: mel})[0][0]
        else:
            interp = self.vocoder
            interp.resize_tensor_input(self._vocoder_input, list(mel.shape))
            interp.allocate_tensors()
            interp.set_tensor(self._vocoder_input, mel)
            interp.invoke()
            out = interp.get_tensor(self._vocoder_output)[0]
        audio = self.models.synthesis(out) if self.models.synthesis else out[:, 0]
        return audio[: frames * SAMPLES_PER_FRAME]

    def sentence(self, sentence: str) -> tuple[np.ndarray, float, float]:
        """Audio of one sentence, with the acoustic and vocoder wall seconds."""
        t0 = time.perf_counter()
        mel = self.mel(self.ids(sentence))
        t1 = time.perf_counter()
        audio = self.vocode(mel)
        return audio, t1 - t0, time.perf_counter() - t1

    def synthesize(self, text: str) -> np.ndarray:
        """A text of any length: normalised, split into sentences, one call each."""
        return np.concatenate([self.sentence(s)[0] for s in sentences(text)])


def sentences(text: str) -> list[str]:
    return [s.text for s in split_sentences(normalize(text), MAX_SENTENCE_CHARS)]


def _rss_mb() -> float:
    """Resident memory of this process now (Linux), in MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _spread(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": statistics.median(ordered),
        "min": ordered[0],
        "p90": ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }


def latency(
    text: str = SHORT, threads: int = 1, repeats: int = 20, warmup: int = 3, vocoder_graph: str = "split"
) -> dict[str, Any]:
    """``text`` sentence by sentence on one OS thread: wall and process-CPU milliseconds per text."""
    engine = BareEngine(threads, vocoder_graph)
    parts = sentences(text)

    def once() -> tuple[int, float, float]:
        samples = acoustic_s = vocoder_s = 0.0
        for sentence in parts:
            audio, a, v = engine.sentence(sentence)
            samples, acoustic_s, vocoder_s = samples + len(audio), acoustic_s + a, vocoder_s + v
        return int(samples), acoustic_s, vocoder_s

    for _ in range(warmup):
        once()
    wall, cpu, acoustic, vocoder = [], [], [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        samples, a, v = once()
        wall.append(1000 * (time.perf_counter() - w0))
        # CPU of the whole process (LiteRT's intra-op workers included): less sensitive to load than wall time.
        cpu.append(1000 * (time.process_time() - c0))
        acoustic.append(1000 * a)
        vocoder.append(1000 * v)
    return {
        "case": "latency",
        "text_chars": len(text),
        "threads": threads,
        "vocoder_graph": vocoder_graph,
        "sentences": len(parts),
        "audio_s": samples / SAMPLE_RATE,
        "wall_ms": _spread(wall),
        "cpu_ms_p50": statistics.median(cpu),
        "acoustic_ms_p50": statistics.median(acoustic),
        "vocoder_ms_p50": statistics.median(vocoder),
        "rss_mb": _rss_mb(),
    }


def throughput(
    workers: int = 2, seconds: float = 10.0, texts: Sequence[str] = TEXTS, vocoder_graph: str = "split"
) -> dict[str, Any]:
    """Saturated: ``workers`` OS threads, each with its own interpreters (1 intra-op thread each).

    Each thread synthesises texts back to back (``invoke`` releases the GIL);
    the result is audio seconds produced per wall second over the timed span.
    """
    engines = [BareEngine(1, vocoder_graph) for _ in range(workers)]
    for e in engines:  # grow every tensor arena before timing
        e.synthesize(texts[0])
    start = threading.Barrier(workers + 1)
    stop_at: list[float] = []
    produced = [0.0] * workers
    calls = [0] * workers

    def loop(i: int) -> None:
        engine = engines[i]
        start.wait()
        n = i
        while time.perf_counter() < stop_at[0]:
            produced[i] += len(engine.synthesize(texts[n % len(texts)])) / SAMPLE_RATE
            calls[i] += 1
            n += 1

    threads = [threading.Thread(target=loop, args=(i,), name=f"bare-{i}") for i in range(workers)]
    for t in threads:
        t.start()
    stop_at.append(time.perf_counter() + seconds)
    c0, w0 = time.process_time(), time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - w0
    return {
        "case": "throughput",
        "workers": workers,
        "vocoder_graph": vocoder_graph,
        "texts": sum(calls),
        "audio_s": sum(produced),
        "wall_s": wall,
        "audio_s_per_s": sum(produced) / wall,
        "cpu_s_per_audio_s": (time.process_time() - c0) / max(sum(produced), 1e-9),
        "rss_mb": _rss_mb(),
    }


def run(
    repeats: int = 20,
    seconds: float = 10.0,
    workers: Sequence[int] = (1, 2, 4),
    vocoder_graph: str = "split",
    text: str = SHORT,
) -> dict[str, Any]:
    """Every reference number: latency with 1 and 2 intra-op threads, throughput for each N."""
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "load_1min": os.getloadavg()[0],
        },
        "latency": [latency(text, threads=t, repeats=repeats, vocoder_graph=vocoder_graph) for t in (1, 2)],
        "throughput": [throughput(n, seconds, vocoder_graph=vocoder_graph) for n in workers],
    }


def _print_table(result: dict[str, Any]) -> None:
    m = result["machine"]
    print(f"bare engine reference — {m['cpus']} CPUs ({m['processor']}), load {m['load_1min']:.2f} at start")
    heads = ("wall p50", "min", "p90", "CPU p50", "acoustic", "vocoder")
    print(f"{'latency (ms)':<34}" + "".join(f"{h:>10}" for h in heads) + f"{'RSS MB':>9}")
    for r in result["latency"]:
        w = r["wall_ms"]
        cells = (w["p50"], w["min"], w["p90"], r["cpu_ms_p50"], r["acoustic_ms_p50"], r["vocoder_ms_p50"])
        name = f"{r['text_chars']} chars, {r['threads']} intra-op thread(s)"
        print(f"{name:<34}" + "".join(f"{c:>10.1f}" for c in cells) + f"{r['rss_mb']:>9.0f}")
    print(f"{'throughput':<34}{'audio-s/s':>10}{'texts':>10}{'CPU-s/audio-s':>15}{'RSS MB':>9}")
    for r in result["throughput"]:
        name = f"{r['workers']} OS thread(s) x 1 intra-op"
        cells = f"{r['audio_s_per_s']:>10.1f}{r['texts']:>10}{r['cpu_s_per_audio_s']:>15.4f}{r['rss_mb']:>9.0f}"
        print(f"{name:<34}{cells}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per latency case")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed span per throughput case")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="OS threads for throughput")
    parser.add_argument("--vocoder-graph", choices=("split", "full"), default="split")
    parser.add_argument("--text", default=SHORT, help="text for the latency cases")
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = parser.parse_args(argv)
    result = run(args.repeats, args.seconds, args.workers, args.vocoder_graph, args.text)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_table(result)


if __name__ == "__main__":
    main()
