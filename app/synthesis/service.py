"""The synthesis service: text in, encoded audio out, one sentence at a time.

prepare (validate, build the job) → cache → admission slot → plan (normalise and
split) → per sentence: engine → prosody effects → encode. CPU work runs on the
engine host's OS threads; this code runs on the request's greenlet and checks
the deadline and the client between sentences.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from app import metrics
from app.audio import effects
from app.audio.encode import FORMATS, StreamEncoder, encode
from app.audio.prosody import Prosody, emotion_prosody, user_prosody
from app.config import Settings
from app.engines import Engine, EngineUnavailable, Style, engine_class
from app.errors import ApiError, ClientDisconnected, EngineNotReady, InvalidParameter, TextTooLong
from app.memory import release_free_memory
from app.synthesis.admission import Admission, Deadline
from app.synthesis.cache import AudioCache, Clip
from app.synthesis.host import EngineHost
from app.text.normalize import normalize
from app.text.split import Sentence, split_sentences

log = logging.getLogger(__name__)

# Sentences are capped in characters so the model's memory stays bounded; slow
# speech makes more frames per character, so the cap shrinks with the tempo.
MIN_SENTENCE_CHARS = 8
# A worker idle this long hands freed memory back to the system (~30 ms of its thread).
IDLE_RELEASE_DELAY_S = 1.0
# When streaming, the first piece is kept short so the first audio leaves quickly.
STREAM_LEAD_CHARS = 10


@dataclass(frozen=True)
class Request:
    text: str
    voice: str | None = None
    emotion: str = "neutral"
    intensity: float = 1.0
    speed: float = 1.0
    pitch: float = 0.0
    volume: float = 1.0
    format: str = "wav"
    sample_rate: int | None = None


@dataclass(frozen=True)
class Result:
    """Raw audio of a request (used by ``synthesize``: benchmarks and tests)."""

    audio: np.ndarray  # float32 mono
    sample_rate: int
    synthesis_seconds: float

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


@dataclass(frozen=True)
class Job:
    """A validated request: what to say, how, and in which format."""

    request: Request
    style: Style
    format: str
    sample_rate: int
    cache_key: str


class SynthesisService:
    def __init__(self, settings: Settings, host: EngineHost) -> None:
        self.settings = settings
        self.host = host
        self.engine_info: type[Engine] = engine_class(settings)
        self.admission = Admission(settings.concurrency, settings.queue)
        self.cache = AudioCache(settings.cache_mb * 1024 * 1024)
        self._release_pending = False

    @property
    def sample_rate(self) -> int:
        return self.engine_info.sample_rate

    # -- validation ------------------------------------------------------------
    def prepare(self, request: Request) -> Job:
        """Validate what the schema cannot know (limits, voices, format/rate pairs)."""
        if not request.text.strip():
            raise InvalidParameter("'text' is empty", code="empty_text", param="text")
        if len(request.text) > self.settings.max_text_chars:
            raise TextTooLong(
                f"'text' has {len(request.text)} characters; the limit is {self.settings.max_text_chars}",
                param="text",
                limit=self.settings.max_text_chars,
            )
        voices = [v.id for v in self.engine_info.voices]
        voice = request.voice or voices[0]
        if voice not in voices:
            raise InvalidParameter(f"unknown voice '{voice}'; available: {', '.join(voices)}", param="voice")
        fmt = FORMATS[request.format]
        rate = request.sample_rate or self.sample_rate
        if rate not in fmt.rates:
            rates = ", ".join(map(str, fmt.rates))
            raise InvalidParameter(f"{fmt.name} supports sample rates {rates}", param="sample_rate")
        prosody = user_prosody(request.speed, request.pitch, request.volume)
        if not self.engine_info.native_emotions:
            prosody = prosody.then(emotion_prosody(request.emotion, request.intensity))
        style = Style(voice=voice, emotion=request.emotion, intensity=request.intensity, prosody=prosody)
        key = AudioCache.key(engine=self.engine_info.name, request=request.__dict__, voice=voice, rate=rate)
        return Job(request, style, fmt.name, rate, key)

    # -- work done on synthesis threads ----------------------------------------
    def plan(self, text: str, prosody: Prosody, lead_chars: int | None = None) -> list[Sentence]:
        max_chars = max(MIN_SENTENCE_CHARS, round(self.settings.max_sentence_chars * min(1.0, prosody.tempo)))
        sentences = split_sentences(normalize(text), max_chars, first_max_chars=lead_chars)
        if not sentences:
            raise InvalidParameter("'text' contains nothing that can be spoken", code="nothing_to_say", param="text")
        return sentences

    def render(self, sentence: Sentence, style: Style, pause: bool) -> np.ndarray:
        """One sentence of audio, followed by its pause when ``pause`` is set."""
        try:
            engine = self.host.engine()
        except EngineUnavailable as exc:
            raise EngineNotReady(str(exc)) from exc
        rendered = engine.synthesize(sentence.text, style)
        audio = effects.apply(rendered.audio, engine.sample_rate, rendered.residual)
        if pause:
            silence = np.zeros(round(sentence.pause_after / style.prosody.tempo * engine.sample_rate), np.float32)
            audio = np.concatenate([audio, silence])
        return audio

    # -- the request path ---------------------------------------------------------
    def _on_thread(self, deadline: Deadline, fn: Callable, *args):
        try:
            return self.host.run(fn, *args, timeout=deadline.check())
        except TimeoutError:
            raise deadline.expired() from None

    def _sentences_audio(
        self, job: Job, deadline: Deadline, cancelled: Callable[[], bool], lead_chars: int | None = None
    ) -> Iterator[np.ndarray]:
        sentences = self._on_thread(deadline, self.plan, job.request.text, job.style.prosody, lead_chars)
        for i, sentence in enumerate(sentences):
            if cancelled():
                raise ClientDisconnected("the client closed the connection")
            yield self._on_thread(deadline, self.render, sentence, job.style, i < len(sentences) - 1)

    def clip(self, job: Job, cancelled: Callable[[], bool] = lambda: False) -> Clip:
        """The whole clip, from the cache when possible."""
        cached = self.cache.get(job.cache_key)
        if cached is not None:
            return cached
        deadline = Deadline(self.settings.request_timeout)
        with self.admission.slot(deadline):
            started = time.perf_counter()
            pieces = list(self._sentences_audio(job, deadline, cancelled))
            audio = np.concatenate(pieces)
            body = self._on_thread(deadline, encode, audio, self.sample_rate, job.format, job.sample_rate)
            elapsed = time.perf_counter() - started
        clip = Clip(body, len(audio) / self.sample_rate, job.sample_rate, elapsed)
        self._release_memory_when_idle()
        self._count(job, clip.duration, elapsed)
        self.cache.put(job.cache_key, clip)
        return clip

    def stream(self, job: Job, cancelled: Callable[[], bool] = lambda: False) -> AudioStream:
        """Encoded audio sentence by sentence. Admission happens now, so a 503 can still be sent."""
        deadline = Deadline(self.settings.request_timeout)
        slot = self.admission.slot(deadline)
        slot.__enter__()
        return AudioStream(self, job, deadline, cancelled, slot)

    def _count(self, job: Job, audio_seconds: float, elapsed: float) -> None:
        metrics.SYNTHESIS_SECONDS.observe(elapsed)
        metrics.AUDIO_SECONDS.inc(audio_seconds)
        metrics.CHARACTERS.inc(len(job.request.text))

    # -- without HTTP ---------------------------------------------------------------
    def synthesize(self, request: Request) -> Result:
        """Raw float32 audio of a request, no cache, encoding or admission (benchmarks, tests)."""
        job = self.prepare(request)
        started = time.perf_counter()
        deadline = Deadline(self.settings.request_timeout)
        audio = np.concatenate(list(self._sentences_audio(job, deadline, lambda: False)))
        return Result(audio, self.sample_rate, time.perf_counter() - started)

    def warm_up(self) -> None:
        """Load the engine and exercise every path once, on a synthesis thread.

        The models' working memory grows to fit the longest input seen and stays
        there, and the effects and encoders allocate on first use: going through
        all of them at start-up means the first users wait for nothing and memory
        starts at its working size instead of creeping up under traffic.
        """
        text = ("今天天气很好我们一起去公园散步吧" * 10)[: self.settings.max_sentence_chars] + "。"
        jobs = [self.prepare(Request(text=text)), self.prepare(Request(text=text, emotion="happy"))]

        def run() -> None:
            for job in jobs:
                audio = np.concatenate([self.render(s, job.style, False) for s in self.plan(text, job.style.prosody)])
            for fmt in FORMATS:
                encode(audio, self.sample_rate, fmt)
            release_free_memory()

        self.host.submit(run)

    def _release_memory_when_idle(self) -> None:
        """Once the worker has been idle a moment, hand freed memory back (glibc keeps it otherwise)."""
        if self.admission.idle and not self._release_pending:
            self._release_pending = True
            self.host.later(IDLE_RELEASE_DELAY_S, self._release_if_still_idle)

    def _release_if_still_idle(self) -> None:
        self._release_pending = False
        if self.admission.idle:
            self.host.submit(release_free_memory)


class AudioStream:
    """The body of a streaming response: encoded bytes as sentences are synthesised.

    The WSGI server calls ``close()`` when the response ends, however it ends
    (finished, client gone, error), which frees the admission slot.
    """

    def __init__(self, service: SynthesisService, job: Job, deadline: Deadline, cancelled, slot) -> None:
        self._service = service
        self._job = job
        self._deadline = deadline
        self._cancelled = cancelled
        self._slot = slot
        self._closed = False
        self.produced = 0.0  # seconds of audio sent so far

    def __iter__(self) -> Iterator[bytes]:
        service, job = self._service, self._job
        encoder = StreamEncoder(job.format, service.sample_rate, job.sample_rate)
        started = time.perf_counter()
        try:
            yield encoder.start()
            for audio in service._sentences_audio(job, self._deadline, self._cancelled, STREAM_LEAD_CHARS):
                self.produced += len(audio) / service.sample_rate
                chunk = service._on_thread(self._deadline, encoder.write, audio)
                if chunk:
                    yield chunk
            yield encoder.finish()
        except ApiError as exc:
            # Headers are gone: the stream can only stop. The log says why.
            log.warning("stream stopped: %s (%s)", exc.code, exc.message)
        finally:
            service._count(job, self.produced, time.perf_counter() - started)
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._slot.__exit__(None, None, None)
            self._service._release_memory_when_idle()
