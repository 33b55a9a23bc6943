"""Raise the ceiling (issue 13, point 3): what each idea for the MB-MelGAN vocoder gives, in one run.

Run it from the repository root, alone, on a machine others may be using:

    nice -n 10 .venv/bin/python bench/ceiling.py

``--rounds``, ``--seconds`` and ``--quick`` shorten it (default ≈ 8 min on 2 cores);
``--groups 1,6`` runs some groups only. It prints one markdown table and writes
bench/results/ceiling.json. "Today" below is the LiteRT path these ideas were measured
against; the engine now runs row 6a (ONNX Runtime), which this comparison chose.

Rows (every variant vocodes with the engine's windows — at most 256 frames per call, balanced,
19 frames of context each side — unless the row says otherwise; 1 intra-op thread):

1. the graph: as shipped (PQMF synthesis inside the graph) → sub-band synthesis cut off and
   done in numpy by upsampling and filtering → the same as one polyphase matrix product →
   + ``xnnpack_friendly`` (mirror padding and dilated convolutions rewritten): today;
2. windows and context on today's graph: one call per mel vs windows of 128…320 frames
   (context included) with 16, 19 or 21 frames of context (an output sample depends on the
   input from 21.5 frames before it to 20.1 frames after it, so 21 frames are exact even in
   float; with 19 the int8 sub-band rounding hides the difference almost always);
3. batching: B windows of 200 frames in one call with batch dimension B vs B calls;
4. LiteRT ``Interpreter`` options: 2 intra-op threads, the op resolvers, the experimental
   delegate flags 2.3.0 accepts;
5. weight precision: float16 weights, dynamic-range int8 weights (per output channel) for the
   convolutions only or for the transposed convolutions too (bench/quantize.py), and, as a
   diagnostic, the weights rounded to int8 but computed in float32 (the loss of the weights
   alone, without the hybrid kernels' int8 activations);
6. ONNX Runtime running the engine's conversion of today's graph (app/engines/onnx_vocoder.py),
   1 or 2 intra-op threads (not spinning), with and without its memory arena.

Columns: process CPU ms (``time.process_time``, all threads) and wall ms per vocoding of the
SHORT sentence of bench/bare.py (≈ 258 frames) and of one long sentence (≈ 900 frames), medians
of interleaved rounds; the ratio of CPU to the row named (its predecessor; for windows, one
call per mel; for batching, the same windows in separate calls); the whole engine (front-end +
FastSpeech2 + this vocoder) CPU ms for the same two sentences, where it matters; saturated
throughput of the vocoder alone over the quality set with 2 OS threads (each with its own
interpreter; one shared session for ONNX Runtime; rows with 2 intra-op threads use 1 OS
thread), and of the whole engine on bench/bare.py's TEXTS: short runs of every case in turn,
repeated, the best audio-s per wall-s and the median CPU-s per audio-s; VmHWM of a fresh
process that loads the variant and vocodes the long and the short mel (and how much of it the
vocoding added over what loading left); quality against today's output on 20 fixed sentences
(bench/quality.py: max abs deviation, log-spectral distance, F0 error, voicing disagreement;
"exact" = bit-identical, "pass" = under the stated thresholds).

The machine's other load inflates CPU ms and, much more, wall time and saturated throughput:
compare rows within one run only. Rows that should cost the same show a run's noise: the short
sentence in rows 2a, 2m and 2n (one call each), and rows 4b, 4d–4f against 1d (same output).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # as gunicorn.conf.py: one BLAS thread, or the PQMF matmul spins a core

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ai_edge_litert import schema_py_generated as schema  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

from app.engines import onnx_vocoder  # noqa: E402
from app.engines.embedded import SAMPLE_RATE, locate_assets  # noqa: E402
from app.engines.tflite_graph import SubbandSynthesis, split_subband_synthesis  # noqa: E402
from app.engines.vocoder import SAMPLES_PER_FRAME, VOCODER_MODEL, load_vocoder  # noqa: E402
from bench import quality  # noqa: E402
from bench.quantize import CONVOLUTIONS, fp16_weights, int8_rounded_weights, int8_weights  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ceiling.json"
MIN_FRAMES = 16  # the vocoder's reflection padding needs a few frames (as the engine pads)
BATCH_WINDOW = 200
# The long mel: one sentence of ≈ 900 frames (11 s), fed to FastSpeech2 whole (no sentence cap).
LONG = (
    "语音合成技术让计算机能够把任意的文字转换成自然流畅的语音，"
    "它已经广泛地应用在汽车导航、电话客服、有声读物和无障碍阅读等许多场景中。"
)
# The quality set: 20 sentences of 3 to 38 characters (≈ 60 to 590 frames), each one sentence.
SENTENCES = (
    "你好。",
    "好的，没问题！",
    "谢谢您的耐心等待。",
    "明天早上八点出发。",
    "请问附近有地铁站吗？",
    "春天来了，河边的柳树都发芽了。",
    "今天天气很好，我们去公园散步吧。",
    "小明的妈妈是一名医生，每天都很忙。",
    "他一边听着音乐，一边认真地写着作业。",
    "这家餐厅的菜品非常好吃，价格也很实惠。",
    "人工智能技术正在深刻地改变我们的生活方式。",
    "请您在听到提示音后留言，我们会尽快回复您。",
    "长江是中国最长的河流，全长约六千三百公里。",
    "本次列车即将到达终点站，请携带好您的随身物品。",
    "图书馆里非常安静，同学们都在专心致志地看书学习。",
    "为了保护环境，我们应该节约用水，减少使用塑料袋。",
    "会议定于明天上午九点在三楼会议室召开，请准时参加。",
    "欢迎致电客户服务中心，普通话服务请按一，英语服务请按二。",
    "周末的时候，我们经常带着孩子一起去郊外爬山，呼吸新鲜空气。",
    "您的快递已经放在小区门口的快递柜里了，取件码已经通过短信发给您，请及时领取。",
)


@dataclass(frozen=True)
class Spec:
    """One variant of the vocoder (a row)."""

    key: str
    row: str
    label: str
    runtime: str = "litert"  # or "ort"
    graph: str = "today"  # shipped | split | today | fp16 | int8-conv | int8-all (a file in the work dir)
    synthesis: str = "polyphase"  # polyphase | direct (numpy upsample + filter) | graph (inside the graph)
    window: int | None = 256  # frames per call, context included; None: the whole mel in one call
    context: int = 19
    threads: int = 1
    options: tuple[tuple[str, Any], ...] = ()  # Interpreter keyword arguments
    batch: int = 0  # > 0: the workload is `batch` windows of BATCH_WINDOW frames
    batched: bool = False  # ... in one call with batch dimension `batch` (else one call each)
    arena: bool = True  # ONNX Runtime's CPU memory arena
    baseline: str | None = "today"  # the row whose CPU this one is compared with
    saturate: int = 0  # OS threads for the saturated vocoder run (0: not measured)
    engine: bool = False  # also measure the whole engine


ALIASES: list[Spec] = []  # rows that show another row's measurements again (key = the measured row)


def _specs() -> list[Spec]:
    specs = [
        Spec("shipped", "1a", "graph as shipped (PQMF in the graph)", graph="shipped", synthesis="graph",
             baseline=None, saturate=2, engine=True),
        Spec("split-direct", "1b", "PQMF cut off: numpy upsample + filter", graph="split", synthesis="direct",
             baseline="shipped", saturate=2),
        Spec("split", "1c", "PQMF as one polyphase matmul", graph="split", baseline="split-direct", saturate=2),
        Spec("today", "1d", "+ xnnpack_friendly rewrite = today (256/19)", baseline="split", saturate=2,
             engine=True),
        Spec("full", "2a", "one call per mel (no windows)", window=None, baseline=None),
    ]  # fmt: skip
    letters = iter("bcdefghijklmnop")
    for window in (128, 160, 200, 256, 320):
        for context in (16, 19, 21) if window in (128, 200, 256) else (16, 19):
            row, label = f"2{next(letters)}", f"windows of {window} = {window - 2 * context} + 2×{context}"
            if (window, context) == (256, 19):  # today (row 1d), shown again here by the table
                ALIASES.append(Spec("today", row, label + " (today, = 1d)", baseline="full"))
                continue
            specs.append(Spec(f"w{window}c{context}", row, label, window=window, context=context, baseline="full"))
    for letter, b in zip("ac", (2, 4), strict=True):
        specs.append(Spec(f"b{b}-sep", f"3{letter}", f"{b}×{BATCH_WINDOW} frames, {b} calls", batch=b, baseline=None))
        specs.append(Spec(f"b{b}", f"3{chr(ord(letter) + 1)}", f"{b}×{BATCH_WINDOW} frames, 1 call (batch {b})",
                          batch=b, batched=True, baseline=f"b{b}-sep"))  # fmt: skip
    specs += [
        Spec("threads2", "4a", "num_threads=2 (saturated: 1 OS thread)", threads=2, saturate=1),
        Spec("builtin", "4b", "op resolver BUILTIN", options=(("experimental_op_resolver_type", "BUILTIN"),)),
        Spec("no-xnnpack", "4c", "op resolver BUILTIN_WITHOUT_DEFAULT_DELEGATES (no XNNPACK)",
             options=(("experimental_op_resolver_type", "BUILTIN_WITHOUT_DEFAULT_DELEGATES"),)),
        Spec("latest", "4d", "experimental_default_delegate_latest_features",
             options=(("experimental_default_delegate_latest_features", True),)),
        Spec("no-clustering", "4e", "experimental_disable_delegate_clustering",
             options=(("experimental_disable_delegate_clustering", True),)),
        Spec("no-fusion", "4f", "experimental_disable_delegate_node_fusion",
             options=(("experimental_disable_delegate_node_fusion", True),)),
        Spec("fp16", "5a", "float16 weights (DEQUANTIZE at load)", graph="fp16", saturate=2),
        Spec("int8-conv", "5b", "int8 dynamic-range weights, CONV_2D", graph="int8-conv", saturate=2),
        Spec("int8-all", "5c", "int8 dynamic-range weights, CONV_2D + TRANSPOSE_CONV", graph="int8-all"),
        Spec("int8-rounded", "5d", "diagnostic: weights rounded to int8, kept float32", graph="int8-rounded"),
        Spec("ort", "6a", "ONNX Runtime, 1 intra-op thread (saturated: 2 threads, 1 shared session)",
             runtime="ort", saturate=2, engine=True),
        Spec("ort-2t", "6b", "ONNX Runtime, 2 intra-op threads (saturated: 1 OS thread)", runtime="ort",
             threads=2, saturate=1),
        Spec("ort-noarena", "6c", "ONNX Runtime, 1 thread, CPU memory arena off", runtime="ort", arena=False),
    ]  # fmt: skip
    return specs


SPECS = {s.key: s for s in _specs()}


def layout(specs: Sequence[Spec]) -> list[Spec]:
    """The table's rows in order (today also appears among the windows, compared with one call)."""
    keys = {s.key for s in specs}
    return sorted([*specs, *(a for a in ALIASES if a.key in keys)], key=lambda s: (s.row[0], len(s.row), s.row))


# -- the models, prepared once into a work directory ---------------------------------------


def prepare(work: Path, ort: bool) -> dict[str, Any]:
    """Every graph a variant needs, as files (children load them without rewriting anything)."""
    assets = locate_assets()
    shipped = (assets / VOCODER_MODEL).read_bytes()
    split, synthesis = split_subband_synthesis(shipped)
    today, _ = load_vocoder(assets)  # the engine's graph: split + xnnpack_friendly
    graphs = {
        "shipped": shipped,
        "split": split,
        "today": today,
        "fp16": fp16_weights(today),
        "int8-conv": int8_weights(today),
        "int8-all": int8_weights(today, CONVOLUTIONS),
        "int8-rounded": int8_rounded_weights(today),
    }
    for name, data in graphs.items():
        (work / f"{name}.tflite").write_bytes(data)
    (work / "synthesis.pkl").write_bytes(pickle.dumps(synthesis))
    info: dict[str, Any] = {"model_bytes": {name: len(data) for name, data in graphs.items()}}
    if ort:
        started = time.perf_counter()
        data = onnx_vocoder.to_onnx(today)
        converter = [Path(onnx_vocoder.__file__), Path(onnx_vocoder.__file__).with_name("onnx_proto.py")]
        info["onnx"] = {
            "convert_s": time.perf_counter() - started,
            "litert_ops": mapped_ops(today),
            "converter_lines": sum(len(f.read_text().splitlines()) for f in converter),
        }
        try:
            import onnx  # a test tool (requirements-dev.txt): the engine writes the bytes itself

            nodes = onnx.load_model_from_string(data).graph.node
            info["onnx"] |= {"nodes": len(nodes), "node_types": sorted({n.op_type for n in nodes})}
        except ImportError:
            pass
        (work / "today.onnx").write_bytes(data)
        info["model_bytes"]["onnx"] = len(data)
    return info


def mapped_ops(model_bytes: bytes) -> dict[str, int]:
    """How many ops of each LiteRT kind the graph has (what the ONNX converter maps)."""
    model = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    counts: dict[str, int] = {}
    for op in model.subgraphs[0].operators:
        c = model.operatorCodes[op.opcodeIndex]
        name = names[max(c.builtinCode, c.deprecatedBuiltinCode)]
        counts[name] = counts.get(name, 0) + 1
    return counts


_SESSIONS: dict[tuple[Path, int, bool], Any] = {}


def ort_session(work: Path, threads: int, arena: bool) -> Any:
    """One onnxruntime session per configuration, shared by every Vocoder (``run`` is thread-safe):
    the engine's session, or the same with the CPU memory arena off."""
    key = (work, threads, arena)
    if key not in _SESSIONS:
        data = (work / "today.onnx").read_bytes()
        if arena:
            _SESSIONS[key] = onnx_vocoder.session(data, threads)
        else:
            import onnxruntime as rt

            options = rt.SessionOptions()
            options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
            options.enable_cpu_mem_arena = False
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            _SESSIONS[key] = rt.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    return _SESSIONS[key]


# -- one variant's vocoder -------------------------------------------------------------------


def windows(frames: int, window: int | None, context: int) -> list[tuple[int, int, int, int]]:
    """(lo, start, stop, hi) of every call: frames [start, stop) are kept, [lo, hi) are vocoded.
    The engine's policy: one call up to ``window`` frames, else balanced hops of at most
    ``window - 2·context`` frames."""
    if window is None or frames <= window:
        return [(0, 0, frames, frames)]
    hop = math.ceil(frames / math.ceil(frames / (window - 2 * context)))
    return [
        (max(0, s - context), s, min(frames, s + hop), min(frames, s + hop + context)) for s in range(0, frames, hop)
    ]


class Vocoder:
    """Mel [1, T, 80] → 24 kHz float32 audio, the way one variant computes it (one per OS thread)."""

    def __init__(self, spec: Spec, work: Path) -> None:
        self.spec = spec
        self.synthesis: SubbandSynthesis = pickle.loads((work / "synthesis.pkl").read_bytes())
        self._session = None
        if spec.runtime == "ort":
            self._session = ort_session(work, spec.threads, spec.arena)
            return
        options = dict(spec.options)
        if "experimental_op_resolver_type" in options:
            options["experimental_op_resolver_type"] = OpResolverType[options["experimental_op_resolver_type"]]
        model = (work / f"{spec.graph}.tflite").read_bytes()
        self._interp = Interpreter(model_content=model, num_threads=spec.threads, **options)
        self._input = self._interp.get_input_details()[0]["index"]
        self._output = self._interp.get_output_details()[0]["index"]

    def raw(self, mel: np.ndarray) -> np.ndarray:
        """One model call: [B, T, 80] → [B, samples, bands] (int8 sub-bands, or audio as shipped)."""
        mel = np.ascontiguousarray(mel, dtype=np.float32)
        if self._session is not None:
            return self._session.run(None, {"mel": mel})[0]
        interp = self._interp
        interp.resize_tensor_input(self._input, list(mel.shape))
        interp.allocate_tensors()
        interp.set_tensor(self._input, mel)
        interp.invoke()
        return interp.get_tensor(self._output)

    def audio(self, raw: np.ndarray) -> np.ndarray:
        """One batch row of ``raw`` → audio."""
        kind, synthesis = self.spec.synthesis, self.synthesis
        if kind == "graph":
            return raw[:, 0]
        if kind == "direct":
            return (synthesis.direct(synthesis.dequantised(raw)) + np.float32(synthesis.bias)).astype(np.float32)
        return synthesis(raw)

    def window(self, mel: np.ndarray) -> np.ndarray:
        frames = mel.shape[1]
        if frames < MIN_FRAMES:
            mel = np.concatenate([mel, np.repeat(mel[:, -1:], MIN_FRAMES - frames, axis=1)], axis=1)
        return self.audio(self.raw(mel)[0])[: frames * SAMPLES_PER_FRAME]

    def vocode(self, mel: np.ndarray) -> np.ndarray:
        frames = mel.shape[1]
        out = np.empty(frames * SAMPLES_PER_FRAME, dtype=np.float32)
        for lo, start, stop, hi in windows(frames, self.spec.window, self.spec.context):
            audio = self.window(mel[:, lo:hi])
            offset = (start - lo) * SAMPLES_PER_FRAME
            out[start * SAMPLES_PER_FRAME : stop * SAMPLES_PER_FRAME] = audio[
                offset : offset + (stop - start) * SAMPLES_PER_FRAME
            ]
        return out

    def batch(self, parts: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Equal-length windows [1, W, 80]: one call with batch dimension len(parts), or one call each."""
        if not self.spec.batched:
            return [self.window(p) for p in parts]
        raw = self.raw(np.concatenate(parts, axis=0))
        return [self.audio(row) for row in raw]

    def work(self, mel: np.ndarray) -> np.ndarray:
        """What a row measures: the mel in the variant's windows, or its batching workload."""
        if self.spec.batch:
            return np.concatenate(self.batch(batch_parts(mel, self.spec.batch)))
        return self.vocode(mel)


def batch_parts(mel: np.ndarray, count: int) -> list[np.ndarray]:
    if mel.shape[1] < count * BATCH_WINDOW:
        raise ValueError(f"the long mel has fewer than {count}×{BATCH_WINDOW} frames")
    return [mel[:, i * BATCH_WINDOW : (i + 1) * BATCH_WINDOW] for i in range(count)]


# -- measurements ----------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> tuple[float, float]:
    """(process CPU ms, wall ms) of one call."""
    c0, w0 = time.process_time(), time.perf_counter()
    call()
    return 1000 * (time.process_time() - c0), 1000 * (time.perf_counter() - w0)


def rounds(tasks: dict[str, Callable[[], object]], count: int) -> dict[str, dict[str, float]]:
    """Every task once per round, in a rotated (and every other round reversed) order: medians."""
    names = list(tasks)
    cpu: dict[str, list[float]] = {n: [] for n in names}
    wall: dict[str, list[float]] = {n: [] for n in names}
    for r in range(count):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order[::-1] if r % 2 else order:
            c, w = timed(tasks[name])
            cpu[name].append(c)
            wall[name].append(w)
    return {
        n: {"cpu_ms": statistics.median(cpu[n]), "wall_ms": statistics.median(wall[n]), "cpu_ms_min": min(cpu[n])}
        for n in names
    }


def saturate(workers: Sequence[Callable[[int], float]], seconds: float) -> dict[str, float]:
    """Each worker on its own OS thread, back to back: worker(n) does item n, returns audio seconds."""
    start = threading.Barrier(len(workers) + 1)
    deadline: list[float] = []
    produced = [0.0] * len(workers)

    def loop(i: int) -> None:
        start.wait()
        n = i
        while time.perf_counter() < deadline[0]:
            produced[i] += workers[i](n)
            n += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    deadline.append(time.perf_counter() + seconds)
    c0, w0 = time.process_time(), time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    wall, audio = time.perf_counter() - w0, sum(produced)
    return {"audio_s_per_s": audio / wall, "cpu_s_per_audio_s": (time.process_time() - c0) / max(audio, 1e-9)}


def memory_status() -> dict[str, float]:
    """VmRSS and VmHWM of this process, MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}


def child(key: str, work: Path) -> dict[str, float]:
    """In a fresh process: load the variant, vocode the long and the short mel (twice), report memory."""
    mels = np.load(work / "mels.npz")
    spec = SPECS[key]
    vocoder = Vocoder(spec, work)
    loaded = memory_status()
    for _ in range(2):
        vocoder.work(mels["long"])
        if not spec.batch:
            vocoder.work(mels["short"])
    done = memory_status()
    return {"hwm_mb": done["VmHWM"], "rss_mb": done["VmRSS"], "loaded_rss_mb": loaded["VmRSS"]}


def measure_memory(key: str, work: Path) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", key, "--work", str(work)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"memory child {key} failed: {done.stderr[-2000:]}")
    return json.loads(lines[-1])


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Row:
    spec: Spec
    short: dict[str, float] = field(default_factory=dict)
    long: dict[str, float] = field(default_factory=dict)
    engine_short: dict[str, float] = field(default_factory=dict)
    engine_long: dict[str, float] = field(default_factory=dict)
    saturated: dict[str, Any] = field(default_factory=dict)
    engine_saturated: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    quality: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor())
    return {"cpus": os.cpu_count(), "processor": model, "python": platform.python_version()}


def versions(ort: bool) -> dict[str, str]:
    from importlib.metadata import version

    names = ["ai-edge-litert", "numpy", "pyworld"] + (["onnxruntime"] if ort else [])
    return {n: version(n) for n in names}


@dataclass(frozen=True)
class Workload:
    short: np.ndarray  # mel of bench/bare.py's SHORT sentence
    long: np.ndarray  # mel of LONG
    sentences: list[np.ndarray]  # mels of SENTENCES

    def seconds(self, mel: np.ndarray) -> float:
        return mel.shape[1] * SAMPLES_PER_FRAME / SAMPLE_RATE


def measure_quality(vocoders: dict[str, Vocoder], rows: dict[str, Row], load: Workload) -> None:
    """Every variant against today's output (this also warms up every interpreter)."""
    today = vocoders["today"]
    reference = [today.vocode(m) for m in load.sentences]
    reference_f0 = [quality.f0(a, SAMPLE_RATE) for a in reference]
    for key, v in vocoders.items():
        if v.spec.batch:  # against the same windows, one call each
            parts = batch_parts(load.long, v.spec.batch)
            q = quality.compare([today.window(p) for p in parts], v.batch(parts), SAMPLE_RATE)
        else:
            q = quality.compare(reference, [v.vocode(m) for m in load.sentences], SAMPLE_RATE, reference_f0)
        rows[key].quality = asdict(q) | {"verdict": q.verdict}
        v.work(load.long)
        if not v.spec.batch:
            v.work(load.short)


def ort_exactness(litert: Vocoder, ort: Vocoder, load: Workload) -> dict[str, Any]:
    """ONNX Runtime's int8 sub-bands against LiteRT's (one call each): at several lengths, and over
    the quality set in today's windows. Counts of values that differ, and the largest difference."""

    def differ(mel: np.ndarray) -> tuple[int, int, int]:
        a, b = litert.raw(mel).astype(np.int16), ort.raw(mel).astype(np.int16)
        return int(np.count_nonzero(a != b)), a.size, int(np.abs(a - b).max())

    lengths = {}
    for frames in (16, 17, 33, 64, 100, 128, 200, 256, load.short.shape[1], load.long.shape[1]):
        mel = load.short if frames == load.short.shape[1] else load.long[:, :frames]
        lengths[frames] = dict(zip(("differ", "values", "max"), differ(mel), strict=True))
    total = [0, 0, 0]
    for mel in load.sentences:
        for lo, _, _, hi in windows(mel.shape[1], 256, 19):
            d, n, m = differ(mel[:, lo:hi])
            total = [total[0] + d, total[1] + n, max(total[2], m)]
    return {"lengths": lengths, "quality_set": dict(zip(("differ", "values", "max"), total, strict=True))}


def measure_calls(vocoders: dict[str, Vocoder], rows: dict[str, Row], load: Workload, front: Any, count: int) -> None:
    """CPU and wall ms per vocoding of the short and the long mel (and per engine call), interleaved."""
    from bench.bare import SHORT

    tasks: dict[str, Callable[[], object]] = {}
    for key, v in vocoders.items():
        if not v.spec.batch:
            tasks[f"{key}/short"] = lambda v=v: v.work(load.short)
        tasks[f"{key}/long"] = lambda v=v: v.work(load.long)
        if v.spec.engine:
            for name, text in (("short", SHORT), ("long", LONG)):
                tasks[f"{key}/engine_{name}"] = lambda v=v, text=text: v.vocode(front.mel(front.ids(text)))
    for task in tasks.values():
        task()
    for name, value in rounds(tasks, count).items():
        key, what = name.split("/")
        setattr(rows[key], what, value)


def measure_saturated(specs: Sequence[Spec], rows: dict[str, Row], load: Workload, work: Path, args: Any) -> None:
    """The vocoder alone over the quality mels, then the whole engine over TEXTS, on ``spec.saturate``
    OS threads with a vocoder each (sharing one ONNX Runtime session)."""
    from bench.bare import TEXTS, BareEngine, sentences

    texts = [s for t in TEXTS for s in sentences(t)]
    longest = max(load.sentences, key=lambda m: m.shape[1])

    def vocoder_only(v: Vocoder) -> Callable[[int], float]:
        def step(n: int) -> float:
            mel = load.sentences[n % len(load.sentences)]
            v.vocode(mel)
            return load.seconds(mel)

        return step

    def engine(v: Vocoder) -> Callable[[int], float]:
        front = BareEngine(1)

        def step(n: int) -> float:
            return len(v.vocode(front.mel(front.ids(texts[n % len(texts)])))) / SAMPLE_RATE

        step(0)
        return step

    # Built once; then short runs of every case in turn, the order reversed every other repeat,
    # so that each case meets the machine's other load at many moments.
    cases: list[tuple[dict[str, Any], list[Callable[[int], float]]]] = []
    for spec in (s for s in specs if s.saturate):
        own = [Vocoder(spec, work) for _ in range(spec.saturate)]
        for v in own:
            v.vocode(longest)
        cases.append((rows[spec.key].saturated, [vocoder_only(v) for v in own]))
        if spec.engine:
            cases.append((rows[spec.key].engine_saturated, [engine(v) for v in own]))
    for repeat in range(args.repeats):
        for kept, workers in cases if repeat % 2 == 0 else cases[::-1]:
            _keep(kept, saturate(workers, args.seconds))


def run(args: argparse.Namespace, work: Path, ort: bool, log: Callable[[str], None]) -> dict[str, Any]:
    from bench.bare import SHORT, BareEngine

    groups = {g.strip() for g in args.groups.split(",")} if args.groups else None
    specs = [s for s in SPECS.values() if groups is None or s.row[0] in groups or s.key in ("today", "full")]
    rows = {s.key: Row(s, note="not installed" if s.runtime == "ort" and not ort else "") for s in specs}
    live = [s for s in specs if not rows[s.key].note]

    started = time.perf_counter()
    info = prepare(work, ort)
    front = BareEngine(1)  # the app's front-end and FastSpeech2 (1 thread): the mels every variant gets
    load = Workload(
        front.mel(front.ids(SHORT)), front.mel(front.ids(LONG)), [front.mel(front.ids(s)) for s in SENTENCES]
    )
    np.savez(work / "mels.npz", short=load.short, long=load.long)
    log(f"prepared in {time.perf_counter() - started:.0f} s: {load.short.shape[1]} and {load.long.shape[1]} frames")

    vocoders = {s.key: Vocoder(s, work) for s in live}
    if "ort" in vocoders:
        info["onnx"]["exactness"] = ort_exactness(Vocoder(SPECS["full"], work), vocoders["ort"], load)
    measure_quality(vocoders, rows, load)
    log(f"quality done at {time.perf_counter() - started:.0f} s")
    measure_calls(vocoders, rows, load, front, args.rounds)
    log(f"calls timed at {time.perf_counter() - started:.0f} s")
    del vocoders
    measure_saturated(live, rows, load, work, args)
    log(f"saturated runs done at {time.perf_counter() - started:.0f} s")
    for spec in live:
        rows[spec.key].memory = measure_memory(spec.key, work)
    log(f"memory done at {time.perf_counter() - started:.0f} s")
    return {
        "info": info,
        "frames": {"short": load.short.shape[1], "long": load.long.shape[1]},
        "quality_frames": [m.shape[1] for m in load.sentences],
        "rows": rows,
        "elapsed_s": time.perf_counter() - started,
    }


def _keep(kept: dict[str, Any], result: dict[str, float]) -> None:
    """Of repeated saturated runs keep the highest throughput (others' load only ever lowers it)
    and the median CPU per audio second."""
    runs = kept.setdefault("runs", [])
    runs.append(result)
    kept["audio_s_per_s"] = max(r["audio_s_per_s"] for r in runs)
    kept["cpu_s_per_audio_s"] = statistics.median(r["cpu_s_per_audio_s"] for r in runs)


# -- the table -------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def table(result: dict[str, Any]) -> str:
    rows: dict[str, Row] = result["rows"]
    heads = [
        "row", "variant", "short CPU ms", "short wall", "long CPU ms", "long wall", "CPU ×", "engine CPU ms s/l",
        "sat. audio-s/s best (CPU-s/audio-s p50)", "engine sat.", "HWM MB (+work)", "max dev", "LSD dB", "F0 cents",
        "voicing %", "quality",
    ]  # fmt: skip
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for s in layout([r.spec for r in rows.values()]):
        row = rows[s.key]
        if row.note:
            lines.append(f"| {s.row} | {s.label} | " + " | ".join([row.note] + ["—"] * (len(heads) - 3)) + " |")
            continue
        ratio = "—"
        base = rows.get(s.baseline) if s.baseline else None
        if base is not None and base.long and not base.note:
            parts = [
                f"{getattr(row, k)['cpu_ms'] / getattr(base, k)['cpu_ms']:.2f}"
                for k in ("short", "long")
                if getattr(row, k) and getattr(base, k)
            ]
            ratio = "/".join(parts) + f" vs {base.spec.row}"
        q, m = row.quality, row.memory
        sat, esat = row.saturated, row.engine_saturated
        cells = [
            s.row,
            s.label,
            _num(row.short.get("cpu_ms"), 1),
            _num(row.short.get("wall_ms"), 1),
            _num(row.long.get("cpu_ms"), 1),
            _num(row.long.get("wall_ms"), 1),
            ratio,
            f"{row.engine_short['cpu_ms']:.1f} / {row.engine_long['cpu_ms']:.1f}" if row.engine_short else "—",
            f"{sat['audio_s_per_s']:.1f} ({sat['cpu_s_per_audio_s']:.4f})" if sat else "—",
            f"{esat['audio_s_per_s']:.1f} ({esat['cpu_s_per_audio_s']:.4f})" if esat else "—",
            f"{m['hwm_mb']:.0f} (+{m['hwm_mb'] - m['loaded_rss_mb']:.0f})" if m else "—",
            f"{q['max_dev']:.2g}" if q else "—",
            _num(q.get("lsd_db"), 3),
            _num(q.get("f0_cents"), 2),
            _num(100 * q["voicing"], 2) if q else "—",
            q.get("verdict", "—"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def onnx_summary(o: dict[str, Any]) -> str:
    ops = ", ".join(f"{name} {count}" for name, count in o["litert_ops"].items())
    exact = o.get("exactness")
    lines = [
        f"ONNX converter (app/engines/onnx_vocoder.py + onnx_proto.py): {o['converter_lines']} lines, "
        f"{o['convert_s']:.1f} s; LiteRT ops mapped: {ops}; ONNX graph: {o.get('nodes', '?')} nodes"
        f" ({', '.join(o.get('node_types', []))}).",
    ]
    if exact:
        per = "; ".join(f"{t}: {e['differ']}/{e['values']}" for t, e in exact["lengths"].items())
        q = exact["quality_set"]
        lines.append(
            f"ONNX Runtime vs LiteRT int8 sub-bands, values that differ (frames: differ/values): {per}; "
            f"quality set in today's windows: {q['differ']} of {q['values']} (largest difference {q['max']} step)."
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6, help="interleaved timing rounds")
    parser.add_argument("--seconds", type=float, default=1.5, help="timed span of each saturated run")
    parser.add_argument("--repeats", type=int, default=4, help="saturated runs per case (best throughput kept)")
    parser.add_argument("--groups", help="comma-separated row groups to run (1-6); default all")
    parser.add_argument("--quick", action="store_true", help="3 rounds, 2 saturated runs of 1 s")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.work)))
        return
    if args.quick:
        args.rounds, args.seconds, args.repeats = 3, 1.0, 2
    try:
        import onnxruntime  # noqa: F401

        ort = True
    except ImportError:
        ort = False
    load_start = os.getloadavg()
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "nice -n 10 python bench/ceiling.py " + " ".join(sys.argv[1:] if argv is None else argv)

    def log(message: str) -> None:
        print(f"[ceiling] {message}", file=sys.stderr, flush=True)

    log(f"{when}, load average {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}, onnxruntime: {ort}")
    with tempfile.TemporaryDirectory(prefix="ceiling-") as tmp:
        result = run(args, Path(tmp), ort, log)
    load_end = os.getloadavg()
    header = (
        f"{command}\n{when}; {machine()['cpus']} CPUs ({machine()['processor']}); load average at start "
        f"{load_start[0]:.2f} / {load_start[1]:.2f} / {load_start[2]:.2f}, at end {load_end[0]:.2f}; "
        f"short = {result['frames']['short']} frames, long = {result['frames']['long']} frames; "
        f"{args.rounds} rounds; {result['elapsed_s']:.0f} s. Quality thresholds: LSD < {quality.LSD_DB} dB, "
        f"F0 < {quality.F0_CENTS} cents, voicing < {100 * quality.VOICING:g} %."
    )
    text = table(result)
    if "onnx" in result["info"]:
        text += "\n\n" + onnx_summary(result["info"]["onnx"])
    print(header + "\n\n" + text)
    document = {
        "command": command,
        "date": when,
        "machine": machine() | {"load_start": load_start, "load_end": load_end},
        "versions": versions(ort),
        "args": {k: str(v) for k, v in vars(args).items()},
        "thresholds": {"lsd_db": quality.LSD_DB, "f0_cents": quality.F0_CENTS, "voicing": quality.VOICING},
        "sentences": SENTENCES,
        "long": LONG,
        "info": result["info"],
        "frames": result["frames"],
        "quality_frames": result["quality_frames"],
        "elapsed_s": result["elapsed_s"],
        "rows": [asdict(r) for r in result["rows"].values()],
        "printed": header + "\n\n" + text,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=1, ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    main()
