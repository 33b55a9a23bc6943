"""The synthesis core as a library: text (or SSML) in, audio out, one sentence at a time.

prepare (validate → Job) → plan (normalise, split into bounded pieces) → render
(one engine call per piece, then prosody effects and pauses) → encode. ``render``
is the one generator of audio every caller uses: whole clips, streams, warm-up,
the command line and benchmarks. CPU work runs on the engine host's OS threads;
the caller (a request's greenlet, the CLI's main thread) waits, checking the
deadline and the client between pieces. Nothing here knows about HTTP.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from app import metrics
from app.audio.encode import FORMATS, StreamEncoder, encode
from app.config import ConfigError, Settings, available_cpus
from app.cores import CoreClaims
from app.engines import Engine, EngineInfo, EngineUnavailable, Voice, create_engine, engine_class
from app.errors import ClientDisconnected, EngineNotReady, InvalidParameter
from app.memory import release_free_memory
from app.synthesis.admission import Admission, Deadline
from app.synthesis.cache import AudioCache, Clip, SharedCache
from app.synthesis.host import EngineHost
from app.synthesis.lexicons import deployment_lexicon
from app.synthesis.plan import Piece, plan_pieces
from app.synthesis.render import RenderedPiece, render_piece
from app.synthesis.request import Job, SynthesisRequest, build_job
from app.synthesis.stream import AudioStream
from app.synthesis.timings import TimingWriter, merge, timed_body
from app.text import ssml
from app.text.disambiguate import warm_up as warm_up_reading
from app.text.preview import SentenceReading, reading
from app.text.user_lexicon import LexiconError, UserLexicon

log = logging.getLogger(__name__)
T = TypeVar("T")

# A worker idle this long hands freed memory back to the system (~30 ms of its thread).
IDLE_RELEASE_DELAY_S = 1.0
# When streaming, the first piece is kept short so the first audio leaves quickly.
STREAM_LEAD_CHARS = 10
MIB = 1024 * 1024


def never() -> bool:
    return False


def _go_on(deadline: Deadline, cancelled: Callable[[], bool]) -> None:
    """Before each piece: stop if the deadline has passed or the client has gone. The deadline
    first: once it has passed, the waiting caller has answered and may have closed the client."""
    deadline.check()
    if cancelled():
        raise ClientDisconnected("the client closed the connection")


@dataclass(frozen=True)
class Result:
    """Raw float32 mono audio of a request (library use: benchmarks, tests, scripts)."""

    audio: np.ndarray
    sample_rate: int
    synthesis_seconds: float
    # Character, sentence and mark timings, as the API sends them (empty when the engine cannot tell).
    timings: dict[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


@dataclass(frozen=True)
class Readiness:
    status: str  # "ready", "loading" or "unavailable"
    error: str | None = None
    shared_cache: str = "unused"  # "on", "off" (Redis unreachable) or "unused"

    @property
    def ready(self) -> bool:
        return self.status == "ready"


class Synthesizer:
    """One per process. ``engine_factory`` replaces how the configured engine is built (tests
    inject a stand-in); by default the engine named in the settings is loaded on first use."""

    def __init__(self, settings: Settings, engine_factory: Callable[[], Engine] | None = None) -> None:
        self.settings = settings
        self.engine: EngineInfo = engine_class(settings).info
        self._host = EngineHost(
            engine_factory or (lambda: create_engine(settings)),
            threads=settings.synthesis_threads,
            claims=CoreClaims(available_cpus()),  # other processes of the host may spread over cores
        )
        self._admission = Admission(settings.concurrency, settings.queue)
        shared = SharedCache(settings.redis_url, settings.shared_cache_ttl) if settings.redis_url else None
        self._cache = AudioCache(settings.cache_mb * MIB, shared if settings.shared_cache_ttl else None)
        self._release_pending = False
        self._warming = False
        self.lexicon()  # a bad TTS_LEXICON is a start-up error that names the line

    # -- what this service offers -------------------------------------------------------
    @property
    def sample_rate(self) -> int:
        return self.engine.sample_rate

    def voices(self) -> tuple[Voice, ...]:
        return self.engine.voices

    def lexicon(self) -> tuple[UserLexicon | None, str]:
        """The deployment's pronunciation lexicon (TTS_LEXICON) and the digest of its file."""
        try:
            return deployment_lexicon(self.settings.lexicon)
        except LexiconError as exc:
            raise ConfigError(f"TTS_LEXICON: {exc}") from None

    def readiness(self) -> Readiness:
        """Ready once the engine is loaded and warmed up; otherwise loading starts (in the background)."""
        shared = self._cache.shared
        cache = "unused" if shared is None else "on" if shared.available else "off"
        if self._host.ready and not self._warming:
            return Readiness("ready", shared_cache=cache)
        error = self._host.error
        self._host.start_loading()
        return Readiness("loading" if error is None else "unavailable", error, cache)

    # -- the steps -----------------------------------------------------------------------
    def prepare(self, request: SynthesisRequest, *, max_chars: int | None = -1) -> Job:
        """Validate ``request``; ``max_chars`` defaults to the configured text limit (None: no limit)."""
        limit = self.settings.max_text_chars if max_chars == -1 else max_chars
        return build_job(request, self.engine, max_chars=limit, lexicon=self.lexicon())

    def plan(self, job: Job, lead_chars: int | None = None) -> list[Piece]:
        """The engine calls to make; with ``lead_chars`` the first is kept that short (streaming)."""
        pieces = plan_pieces(
            job.document.items,
            job.style,
            self.settings.max_sentence_chars,
            lead_chars,
            job.lexicon,
            self.engine.inline_breaks,
        )
        if not any(p.text or p.pause_after for p in pieces):
            raise InvalidParameter("'text' contains nothing that can be spoken", code="nothing_to_say", param="text")
        return pieces

    def render(
        self, pieces: Iterable[Piece], deadline: Deadline | None = None, cancelled: Callable[[], bool] = never
    ) -> Generator[RenderedPiece, None, None]:
        """Each piece in turn: its audio (float32 at ``sample_rate``) and timeline, rendered on a synthesis thread."""
        deadline = deadline or Deadline(self.settings.request_timeout)
        for piece in pieces:
            _go_on(deadline, cancelled)
            yield self.run(self._render_piece, piece, deadline=deadline)

    def run(self, fn: Callable[..., T], *args: Any, deadline: Deadline) -> T:
        """``fn(*args)`` on a synthesis thread (CPU work never runs on the caller's event loop)."""
        try:
            return self._host.run(fn, *args, timeout=deadline.check())
        except TimeoutError:
            deadline.fail()

    # -- whole requests --------------------------------------------------------------------
    def clip(self, job: Job, cancelled: Callable[[], bool] = never) -> Clip:
        """The whole encoded clip, from the cache when possible."""
        cached = self._cache.get(job.cache_key)
        if cached is not None:
            return cached
        deadline = Deadline(self.settings.request_timeout)
        started = time.perf_counter()
        with self._admitted(deadline):
            body, seconds = self.run(self._encoded, job, deadline, cancelled, deadline=deadline)
        clip = Clip(body, seconds, job.sample_rate, time.perf_counter() - started)
        self._count(job, clip.duration, clip.synthesis_seconds)
        self._cache.put(job.cache_key, clip)
        return clip

    def stream(self, job: Job, cancelled: Callable[[], bool] = never) -> AudioStream:
        """Encoded audio piece by piece. Admission and planning happen now, while an error can
        still be answered as such; the audio is made as the stream is read."""
        deadline = Deadline(self.settings.request_timeout)
        started = time.perf_counter()
        with ExitStack() as resources:  # released here if planning fails
            resources.enter_context(self._admitted(deadline))
            pieces = self.run(self.plan, job, STREAM_LEAD_CHARS, deadline=deadline)
            encoder = StreamEncoder(job.format, self.sample_rate, job.sample_rate)
            held = resources.pop_all()  # from here on, the stream holds them until it closes
        stream = AudioStream(
            self.render(pieces, deadline, cancelled),
            encoder,
            self.sample_rate,
            lambda fn, *args: self.run(fn, *args, deadline=deadline),
            held,
            TimingWriter(job, self.sample_rate) if job.output == "timestamps" else None,
        )
        held.callback(lambda: self._count(job, stream.produced, time.perf_counter() - started))
        return stream

    def preview(self, request: SynthesisRequest) -> list[SentenceReading]:
        """How the request will be read, sentence by sentence, without synthesising it."""
        job = self.prepare(request)

        def read() -> list[SentenceReading]:
            limit = self.settings.max_sentence_chars
            spans = [item for item in job.document.items if isinstance(item, ssml.Span)]
            return [s for span in spans for s in reading(span.text, job.document.readings, job.lexicon, limit)]

        return self.run(read, deadline=Deadline(self.settings.request_timeout))

    def synthesize(self, request: SynthesisRequest) -> Result:
        """Raw audio of a request: no cache, admission or encoding (library use)."""
        started = time.perf_counter()
        job = self.prepare(request, max_chars=None)
        deadline = Deadline(self.settings.request_timeout)
        rendered = list(self.render(self.run(self.plan, job, deadline=deadline), deadline))
        audio = np.concatenate([r.audio for r in rendered])
        writer = TimingWriter(job, self.sample_rate)
        timings = merge(writer.add(r.timeline, len(r.audio)) for r in rendered)
        return Result(audio, self.sample_rate, time.perf_counter() - started, timings)

    def warm_up(self) -> None:
        """Load the engine and exercise every path once, in the background.

        The models' working memory grows to fit the longest input seen and stays
        there, and the effects and encoders allocate on first use: going through
        all of them at start-up means the first users wait for nothing and memory
        starts at its working size instead of creeping up under traffic. The
        service reports ready (``readiness``) once this is done.
        """
        self._warming = True
        self._host.later(0, self._warm_up)

    # -- internals ---------------------------------------------------------------------------
    def _warm_up(self) -> None:
        text = ("今天天气很好我们一起去公园散步吧" * 10)[: self.settings.max_sentence_chars] + "。"
        deadline = Deadline(None)  # however busy the machine, the warm-up is finished, not abandoned
        try:
            warm_up_reading()  # every table of the G2P, also those this text would not touch
            for emotion in ("neutral", "happy"):  # the plain path and the WORLD effects path
                job = self.prepare(SynthesisRequest(text, emotion=emotion), max_chars=None)
                audio = np.concatenate([r.audio for r in self.render(self.plan(job), deadline)])
            for fmt in FORMATS:
                self.run(encode, audio, self.sample_rate, fmt, deadline=deadline)
            self.run(release_free_memory, deadline=deadline)
        except EngineNotReady:
            pass  # logged by the host; /readyz reports it
        finally:
            self._warming = False

    def _encoded(self, job: Job, deadline: Deadline, cancelled: Callable[[], bool]) -> tuple[bytes, float]:
        """A whole clip's body and seconds of audio, made on this synthesis thread from start to
        end: one hand-over from the caller instead of one per step (each costs a thread wake-up,
        ~0.1–0.4 ms on an idle machine). The client and the deadline are checked between pieces."""
        rendered = []
        for piece in self.plan(job):
            _go_on(deadline, cancelled)
            rendered.append(self._render_piece(piece))
        audio = np.concatenate([r.audio for r in rendered])
        body = encode(audio, self.sample_rate, job.format, job.sample_rate)
        if job.output != "audio":
            body = timed_body(job, rendered, body, self.sample_rate)
        return body, len(audio) / self.sample_rate

    def _render_piece(self, piece: Piece) -> RenderedPiece:
        try:
            engine = self._host.engine()
        except EngineUnavailable as exc:
            raise EngineNotReady(str(exc)) from exc
        return render_piece(engine, piece)

    @contextmanager
    def _admitted(self, deadline: Deadline) -> Iterator[None]:
        """A synthesis slot for the block; once the worker falls idle, memory goes back."""
        try:
            with self._admission.slot(deadline):
                yield
        finally:
            self._release_memory_when_idle()

    def _count(self, job: Job, audio_seconds: float, elapsed: float) -> None:
        metrics.SYNTHESIS_SECONDS.observe(elapsed)
        metrics.AUDIO_SECONDS.inc(audio_seconds)
        metrics.CHARACTERS.inc(len(job.request.text))

    def _release_memory_when_idle(self) -> None:
        """Once the worker has been idle a moment, hand freed memory back (glibc keeps it otherwise)."""
        if self._admission.idle and not self._release_pending:
            self._release_pending = True
            self._host.later(IDLE_RELEASE_DELAY_S, self._release_if_still_idle)

    def _release_if_still_idle(self) -> None:
        self._release_pending = False
        if self._admission.idle:
            self._host.submit(release_free_memory)
