"""MB-MelGAN: mel spectrogram → 24 kHz audio, in windows, spread over idle cores.

The vocoder is ~80 % of the embedded engine's work, and one call runs on one
core. So a mel is cut into windows and, when other cores of the host are idle
(``app.cores``), helper threads vocode some of them at the same time: one short
sentence then takes about half as long. Under load no core is idle, nothing is
split beyond the window limit, and the work is that of one call per window.

It runs on ONNX Runtime (``onnx_vocoder.py``: less CPU and memory, one session
shared by every thread) or, if that is not installed or the conversion fails,
on LiteRT with one interpreter per thread.

Windows carry VOCODER_CONTEXT frames of context on each side, cropped
afterwards. MB-MelGAN's output depends on ~21 frames before and ~20 after, but
so faintly beyond 19 that the int8 sub-bands differ from one full-length call
in about 1 of 100,000 values, by one step (inaudible; 21 frames would be exact
and cost 5–10 % more). The vocoder's memory grows with the frames of one call
and stays at its high-water mark, so no window is longer than LONGEST_WINDOW
frames. ONNX Runtime needs about half of LiteRT's memory per frame, so its
windows are longer: a sentence of up to ~5.6 s is one call when not split over
cores, and the context of extra windows costs nothing for most sentences.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from app.cores import CoreClaims
from app.engines.onnx_vocoder import INPUT, session, to_onnx
from app.engines.tflite_graph import SubbandSynthesis, split_subband_synthesis
from app.engines.vocoder_graph import xnnpack_friendly
from app.metrics import VOCODER_CALLS
from app.threads import limit_blas_threads, native_lock, start_native_thread

log = logging.getLogger(__name__)

VOCODER_MODEL = "mb_melgan.tflite"
Runtime = Literal["onnxruntime", "litert"]
SAMPLES_PER_FRAME = 300  # MB-MelGAN hop size
MEL_BANDS = 80
VOCODER_CONTEXT = 19
# Frames of one call, context included. At 448 frames ONNX Runtime's working memory for a worker's
# vocoder (both lanes) is what LiteRT's is at 256 (~60 MB, measured after mixed lengths and spreading).
LONGEST_WINDOW: dict[Runtime, int] = {"onnxruntime": 448, "litert": 256}
# The vocoder's reflection padding needs a few frames of input; shorter mels are
# padded with their quietest frame and the extra audio is cut off.
MIN_VOCODER_FRAMES = 16
# No core takes a part shorter than this: its 2 × 19 frames of context would cost more than it saves.
MIN_PART_FRAMES = 32


def load_vocoder(assets: Path) -> tuple[bytes, SubbandSynthesis]:
    """MB-MelGAN as the engine runs it: the sub-band synthesis cut off (done in numpy) and the
    rest rewritten so XNNPACK runs all of it (bit-identical output, about a third less CPU).
    The synthesis is a matrix product per window: numpy's BLAS is kept to the calling thread."""
    limit_blas_threads()
    vocoder_model, synthesis = split_subband_synthesis((assets / VOCODER_MODEL).read_bytes())
    return xnnpack_friendly(vocoder_model), synthesis


@dataclass(frozen=True)
class Window:
    """Frames [lo, hi) are vocoded; the audio of frames [start, stop) is kept."""

    lo: int
    start: int
    stop: int
    hi: int


def plan_windows(frames: int, parts: int, longest: int) -> list[Window]:
    """Balanced windows over ``frames``: none longer than ``longest`` with its context, and a
    multiple of ``parts`` of them (one share per core taking part), each keeping at least
    MIN_PART_FRAMES when split over cores."""
    parts = max(1, min(parts, frames // MIN_PART_FRAMES))
    if parts == 1 and frames <= longest:
        return [Window(0, 0, frames, frames)]
    count = parts * math.ceil(math.ceil(frames / (longest - 2 * VOCODER_CONTEXT)) / parts)
    bounds = [round(k * frames / count) for k in range(count + 1)]
    return [
        Window(max(0, a - VOCODER_CONTEXT), a, b, min(frames, b + VOCODER_CONTEXT))
        for a, b in itertools.pairwise(bounds)
    ]


class _Lane:
    """Sub-bands of a mel [1, T, 80] → audio; used by one thread at a time."""

    def __init__(self, subbands: Callable[[np.ndarray], np.ndarray], synthesis: SubbandSynthesis) -> None:
        self._subbands = subbands
        self._synthesis = synthesis

    def vocode(self, mel: np.ndarray) -> np.ndarray:
        """Audio of the whole mel in one call."""
        frames = mel.shape[1]
        if frames < MIN_VOCODER_FRAMES:
            quietest = mel[:, [int(np.argmin(mel.mean(axis=2)[0]))], :]
            mel = np.concatenate([mel, np.repeat(quietest, MIN_VOCODER_FRAMES - frames, axis=1)], axis=1)
        subbands = self._subbands(np.ascontiguousarray(mel, dtype=np.float32))
        return self._synthesis(subbands)[: frames * SAMPLES_PER_FRAME]

    def vocode_into(self, mel: np.ndarray, window: Window, out: np.ndarray) -> None:
        audio = self.vocode(mel[:, window.lo : window.hi])
        offset = (window.start - window.lo) * SAMPLES_PER_FRAME
        kept = (window.stop - window.start) * SAMPLES_PER_FRAME
        out[window.start * SAMPLES_PER_FRAME : window.stop * SAMPLES_PER_FRAME] = audio[offset : offset + kept]


class _LiteRtSubbands:
    """A LiteRT interpreter of its own (interpreters are not thread-safe)."""

    def __init__(self, model: bytes, threads: int) -> None:
        self._interp = Interpreter(model_content=model, num_threads=threads)
        self._input = self._interp.get_input_details()[0]["index"]
        self._output = self._interp.get_output_details()[0]["index"]
        self._shape: tuple[int, ...] = ()  # the input shape the tensors are allocated for

    def __call__(self, mel: np.ndarray) -> np.ndarray:
        if mel.shape != self._shape:
            self._shape = ()  # until the new allocation has worked
            self._interp.resize_tensor_input(self._input, list(mel.shape))
            self._interp.allocate_tensors()
            self._shape = mel.shape
        self._interp.set_tensor(self._input, mel)
        self._interp.invoke()
        return self._interp.get_tensor(self._output)[0]


def _onnx_subbands(model: bytes, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    """One ONNX Runtime session, safe to share between threads."""
    runner = session(to_onnx(model), threads)
    return lambda mel: runner.run(None, {INPUT: mel})[0][0]


class _Work:
    """The windows of one mel, taken one at a time by whichever lane is free next."""

    def __init__(self, mel: np.ndarray, windows: list[Window], out: np.ndarray) -> None:
        self._mel, self._windows, self._out = mel, windows, out
        self._next = 0
        self._lock = native_lock()

    def run(self, lane: _Lane) -> None:
        while True:
            with self._lock:
                i, self._next = self._next, self._next + 1
            if i >= len(self._windows):
                return
            lane.vocode_into(self._mel, self._windows[i], self._out)


class _Helper:
    """An OS thread with its own lane, woken for one piece of work at a time."""

    def __init__(self, lane: _Lane) -> None:
        self._lane = lane
        self._work: _Work | None = None
        self._error: BaseException | None = None
        self._stopping = False
        self._wake, self._done = native_lock(), native_lock()
        self._wake.acquire()
        self._done.acquire()
        start_native_thread(self._loop)

    def start(self, work: _Work) -> None:
        self._work = work
        self._wake.release()

    def wait(self) -> None:
        """Until the work started is done; raises what it raised."""
        self._done.acquire()
        error, self._error = self._error, None
        if error is not None:
            raise error

    def stop(self) -> None:
        self._stopping = True
        self._wake.release()

    def _loop(self) -> None:
        while True:
            self._wake.acquire()
            if self._stopping:
                return
            try:
                assert self._work is not None
                self._work.run(self._lane)
            except BaseException as exc:  # handed to the waiting caller, which raises it
                self._error = exc
            finally:
                self._work = None
                self._done.release()


def _stop(helpers: list[_Helper]) -> None:
    for helper in helpers:
        helper.stop()


class Vocoder:
    """``render`` is not thread-safe: one call at a time (the engine serialises them).

    ``lanes`` threads in all, ``lanes - 1`` of them helpers; ``claims`` tells when other
    cores are idle (None: never split over cores). ``threads`` are intra-op threads.
    """

    def __init__(
        self,
        model: bytes,
        synthesis: SubbandSynthesis,
        *,
        lanes: int = 1,
        threads: int = 1,
        claims: CoreClaims | None = None,
        runtime: Runtime = "onnxruntime",
    ) -> None:
        subbands = None
        if runtime == "onnxruntime":
            try:
                subbands = _onnx_subbands(model, threads)
            except Exception as exc:  # not installed, or a graph the converter does not know
                log.warning("MB-MelGAN runs on LiteRT: ONNX Runtime could not run it (%s)", exc)
        self.runtime: Runtime = "onnxruntime" if subbands else "litert"
        self.window = LONGEST_WINDOW[self.runtime]

        def lane() -> _Lane:
            return _Lane(subbands or _LiteRtSubbands(model, threads), synthesis)

        self._own = lane()
        self._helpers = [_Helper(lane()) for _ in range(lanes - 1)]
        self._claims = claims
        self.spread = 0  # renders split over more than one core (diagnostics)
        # Helper threads end with the vocoder (they hold the lanes' memory).
        weakref.finalize(self, _stop, list(self._helpers))
        self._grow_to_working_size()

    @property
    def lanes(self) -> int:
        return 1 + len(self._helpers)

    def render(self, mel: np.ndarray) -> np.ndarray:
        """Audio of the mel [1, T, 80]: T × 300 float32 samples."""
        frames = mel.shape[1]
        out = np.empty(frames * SAMPLES_PER_FRAME, dtype=np.float32)
        wanted = min(len(self._helpers), frames // MIN_PART_FRAMES - 1)
        with self._idle_cores(wanted) as extra:
            windows = plan_windows(frames, 1 + extra, self._longest(1 + extra))
            helpers = self._helpers[: min(extra, len(windows) - 1)]
            work = _Work(mel, windows, out)
            self.spread += bool(helpers)
            VOCODER_CALLS.labels("spread" if helpers else "alone").inc()
            for helper in helpers:
                helper.start(work)
            try:
                work.run(self._own)
            finally:
                errors = []
                for helper in helpers:  # every helper is waited for, even after an error
                    try:
                        helper.wait()
                    except Exception as exc:
                        errors.append(exc)
            if errors:
                raise errors[0]
        return out

    def _longest(self, parts: int) -> int:
        """The longest window when ``parts`` lanes work at once. ONNX Runtime's lanes share one
        arena, so theirs are 1/parts as long: together they never hold more working memory than
        one window-long call. LiteRT's interpreters each have their own memory anyway."""
        return self.window // parts if self.runtime == "onnxruntime" else self.window

    def render_whole(self, mel: np.ndarray) -> np.ndarray:
        """The mel in one call, however long (for comparisons: memory grows with the mel)."""
        return self._own.vocode(mel)

    @contextlib.contextmanager
    def _idle_cores(self, wanted: int) -> Iterator[int]:
        if self._claims is None or wanted <= 0:
            yield 0
        else:
            with self._claims.spare(wanted) as free:
                yield free

    def _grow_to_working_size(self) -> None:
        """Vocode what the busiest moments ask of memory, so that it starts where it stays: the
        longest window alone, and the lanes at once on the parts of a window-long mel (LiteRT's
        tensors per interpreter, or the shared ONNX Runtime session's arena for that many runs)."""
        mel = np.zeros((1, self.window, MEL_BANDS), dtype=np.float32)
        self._own.vocode(mel)
        if self._helpers:
            out = np.empty(self.window * SAMPLES_PER_FRAME, np.float32)
            work = _Work(mel, plan_windows(self.window, self.lanes, self._longest(self.lanes)), out)
            for helper in self._helpers:
                helper.start(work)
            work.run(self._own)
            for helper in self._helpers:
                helper.wait()
