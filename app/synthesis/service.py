"""The synthesis service: text (or SSML) in, encoded audio out, one sentence at a time.

prepare (validate, parse SSML, build the job) → cache → admission slot → plan
(normalise, split, one engine call per sentence) → per piece: engine → prosody
effects → silence → encode. CPU work runs on the engine host's OS threads; this
code runs on the request's greenlet and checks the deadline and the client
between pieces.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from app import metrics
from app.audio import effects
from app.audio.encode import FORMATS, StreamEncoder, encode
from app.audio.prosody import emotion_prosody, user_prosody
from app.config import Settings
from app.engines import Engine, EngineUnavailable, Style, SynthesisFailed, engine_class
from app.errors import ApiError, ClientDisconnected, EngineNotReady, InvalidParameter, TextTooLong
from app.memory import release_free_memory
from app.synthesis.admission import Admission, Deadline
from app.synthesis.cache import AudioCache, Clip
from app.synthesis.host import EngineHost
from app.synthesis.plan import Piece, plan_pieces
from app.text import ssml

log = logging.getLogger(__name__)

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
    document: ssml.Document  # plain text is a document of one span
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
        return self._job(request)

    def _job(self, request: Request) -> Job:
        voices = [v.id for v in self.engine_info.voices]
        voice = request.voice or voices[0]
        if voice not in voices:
            raise InvalidParameter(f"unknown voice '{voice}'; available: {', '.join(voices)}", param="voice")
        fmt = FORMATS[request.format]
        rate = request.sample_rate or self.sample_rate
        if rate not in fmt.rates:
            rates = ", ".join(map(str, fmt.rates))
            raise InvalidParameter(f"{fmt.name} supports sample rates {rates}", param="sample_rate")
        document = self._document(request.text)
        style = self._style(request, voice, ssml.Span(request.text), document.readings)
        key = AudioCache.key(engine=self.engine_info.name, request=request.__dict__, voice=voice, rate=rate)
        return Job(request, style, document, fmt.name, rate, key)

    @staticmethod
    def _document(text: str) -> ssml.Document:
        if not ssml.is_ssml(text):
            return ssml.Document([ssml.Span(text)], {})
        try:
            return ssml.parse(text)
        except ssml.SSMLError as exc:
            raise InvalidParameter(str(exc), code="invalid_ssml", param="text") from None

    def _style(self, request: Request, voice: str, span: ssml.Span, readings: Mapping[str, ssml.Reading]) -> Style:
        """The delivery of ``span``: the request's controls, then the span's own SSML changes."""
        emotion = span.emotion or request.emotion
        intensity = span.intensity if span.intensity is not None else (1.0 if span.emotion else request.intensity)
        prosody = user_prosody(request.speed, request.pitch, request.volume).then(span.prosody)
        if not self.engine_info.native_emotions:
            prosody = prosody.then(emotion_prosody(emotion, intensity))
        return Style(voice=voice, emotion=emotion, intensity=intensity, prosody=prosody, readings=readings)

    # -- work done on synthesis threads ----------------------------------------
    def plan(self, job: Job, lead_chars: int | None = None) -> list[Piece]:
        def style_of(span: ssml.Span) -> Style:
            return self._style(job.request, job.style.voice, span, job.document.readings)

        pieces = plan_pieces(job.document.items, style_of, self.settings.max_sentence_chars, lead_chars)
        if not any(p.text or p.pause_after for p in pieces):
            raise InvalidParameter("'text' contains nothing that can be spoken", code="nothing_to_say", param="text")
        return pieces

    def render(self, piece: Piece) -> np.ndarray:
        """One piece of audio, followed by its pause."""
        try:
            engine = self.host.engine()
        except EngineUnavailable as exc:
            raise EngineNotReady(str(exc)) from exc
        rate = engine.sample_rate
        audio = np.zeros(0, np.float32)
        if piece.text:
            try:
                rendered = engine.synthesize(piece.text, piece.style)
            except SynthesisFailed as exc:
                raise ApiError(str(exc), status=500, code="synthesis_failed") from exc
            audio = effects.apply(rendered.audio, rate, rendered.residual)
            audio = effects.trim_silence(audio, rate, start=piece.trim_start, end=piece.trim_end)
        if piece.pause_after:
            audio = np.concatenate([audio, np.zeros(round(piece.pause_after * rate), np.float32)])
        return audio

    # -- the request path ---------------------------------------------------------
    def _on_thread(self, deadline: Deadline, fn: Callable, *args):
        try:
            return self.host.run(fn, *args, timeout=deadline.check())
        except TimeoutError:
            raise deadline.expired() from None

    def _pieces_audio(
        self, pieces: list[Piece], deadline: Deadline, cancelled: Callable[[], bool]
    ) -> Iterator[np.ndarray]:
        for piece in pieces:
            if cancelled():
                raise ClientDisconnected("the client closed the connection")
            yield self._on_thread(deadline, self.render, piece)

    def clip(self, job: Job, cancelled: Callable[[], bool] = lambda: False) -> Clip:
        """The whole clip, from the cache when possible."""
        cached = self.cache.get(job.cache_key)
        if cached is not None:
            return cached
        deadline = Deadline(self.settings.request_timeout)
        with self.admission.slot(deadline):
            started = time.perf_counter()
            pieces = self._on_thread(deadline, self.plan, job)
            audio = np.concatenate(list(self._pieces_audio(pieces, deadline, cancelled)))
            body = self._on_thread(deadline, encode, audio, self.sample_rate, job.format, job.sample_rate)
            elapsed = time.perf_counter() - started
        clip = Clip(body, len(audio) / self.sample_rate, job.sample_rate, elapsed)
        self._release_memory_when_idle()
        self._count(job, clip.duration, elapsed)
        self.cache.put(job.cache_key, clip)
        return clip

    def stream(self, job: Job, cancelled: Callable[[], bool] = lambda: False) -> AudioStream:
        """Encoded audio piece by piece. Admission and planning happen now, while an error
        can still be sent as such; the audio is made as the response is read."""
        deadline = Deadline(self.settings.request_timeout)
        slot = self.admission.slot(deadline)
        slot.__enter__()
        try:
            pieces = self._on_thread(deadline, self.plan, job, STREAM_LEAD_CHARS)
        except BaseException:
            slot.__exit__(None, None, None)
            raise
        return AudioStream(self, job, pieces, deadline, cancelled, slot)

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
        pieces = self._on_thread(deadline, self.plan, job)
        audio = np.concatenate(list(self._pieces_audio(pieces, deadline, lambda: False)))
        return Result(audio, self.sample_rate, time.perf_counter() - started)

    def warm_up(self) -> None:
        """Load the engine and exercise every path once, on a synthesis thread.

        The models' working memory grows to fit the longest input seen and stays
        there, and the effects and encoders allocate on first use: going through
        all of them at start-up means the first users wait for nothing and memory
        starts at its working size instead of creeping up under traffic.
        """
        text = ("今天天气很好我们一起去公园散步吧" * 10)[: self.settings.max_sentence_chars] + "。"
        # Not prepare(): warm-up exercises the longest sentence whatever the text limit.
        jobs = [self._job(Request(text=text)), self._job(Request(text=text, emotion="happy"))]

        def run() -> None:
            try:
                self.host.engine()
            except EngineUnavailable:
                return  # logged by the host; /readyz reports it
            for job in jobs:
                audio = np.concatenate([self.render(piece) for piece in self.plan(job)])
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

    def __init__(
        self, service: SynthesisService, job: Job, pieces: list[Piece], deadline: Deadline, cancelled, slot
    ) -> None:
        self._service = service
        self._job = job
        self._pieces = pieces
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
            for audio in service._pieces_audio(self._pieces, self._deadline, self._cancelled):
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
