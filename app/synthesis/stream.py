"""A streaming response body: encoded bytes as each piece of audio is rendered.

With timings, the body is NDJSON instead: one JSON object a line, each with the
next chunk of the encoded stream (base64; the chunks are continuations of one
stream, as MP3 and Opus frames do not line up with pieces: concatenate them) and
the timings of the piece just rendered, in seconds from the start of the audio.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from typing import Any

from app.audio.encode import StreamEncoder
from app.errors import ApiError
from app.synthesis.render import RenderedPiece
from app.synthesis.timings import TimingWriter

log = logging.getLogger(__name__)


class AudioStream:
    """Iterate to get the bytes. ``close()`` releases what the stream holds (its admission
    slot …); the WSGI server calls it when the response ends, however it ends (finished,
    client gone, error), and iterating to the end calls it too.
    """

    def __init__(
        self,
        pieces: Generator[RenderedPiece, None, None],
        encoder: StreamEncoder,
        sample_rate: int,
        on_thread: Callable[..., Any],
        resources: ExitStack,
        timings: TimingWriter | None = None,
    ) -> None:
        self._pieces = pieces
        self._encoder = encoder
        self._sample_rate = sample_rate
        self._on_thread = on_thread  # runs CPU work (encoding) off the event loop
        self._resources = resources
        self._timings = timings
        self.produced = 0.0  # seconds of audio sent so far

    def __iter__(self) -> Iterator[bytes]:
        try:
            head = self._encoder.start()
            if self._timings is None:
                yield head
            for piece in self._pieces:
                self.produced += len(piece.audio) / self._sample_rate
                chunk = self._on_thread(self._encoder.write, piece.audio)
                if self._timings is not None:
                    yield self._line(head + chunk, self._timings.add(piece.timeline, len(piece.audio)))
                    head = b""
                elif chunk:
                    yield chunk
            tail = self._on_thread(self._encoder.finish)
            yield (
                tail
                if self._timings is None
                else self._line(head + tail, {"done": True, "duration": round(self.produced, 4)})
            )
        except ApiError as exc:
            # Headers are gone: the stream can only stop. The log says why.
            log.warning("stream stopped: %s (%s)", exc.code, exc.message)
        finally:
            self.close()

    @staticmethod
    def _line(audio: bytes, fields: dict[str, Any]) -> bytes:
        body = {"audio": base64.b64encode(audio).decode(), **fields}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"

    def close(self) -> None:
        self._pieces.close()
        self._resources.close()  # an ExitStack closes once, however often it is asked

    def log_fields(self) -> dict[str, object]:
        return {"audio_seconds": round(self.produced, 3)}
