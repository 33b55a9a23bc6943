"""A streaming response body: encoded bytes as each piece of audio is rendered."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from typing import Any

import numpy as np

from app.audio.encode import StreamEncoder
from app.errors import ApiError

log = logging.getLogger(__name__)


class AudioStream:
    """Iterate to get the bytes. ``close()`` releases what the stream holds (its admission
    slot …); the WSGI server calls it when the response ends, however it ends (finished,
    client gone, error), and iterating to the end calls it too.
    """

    def __init__(
        self,
        pieces: Generator[np.ndarray, None, None],
        encoder: StreamEncoder,
        sample_rate: int,
        on_thread: Callable[..., Any],
        resources: ExitStack,
    ) -> None:
        self._pieces = pieces
        self._encoder = encoder
        self._sample_rate = sample_rate
        self._on_thread = on_thread  # runs CPU work (encoding) off the event loop
        self._resources = resources
        self.produced = 0.0  # seconds of audio sent so far

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield self._encoder.start()
            for audio in self._pieces:
                self.produced += len(audio) / self._sample_rate
                chunk = self._on_thread(self._encoder.write, audio)
                if chunk:
                    yield chunk
            yield self._on_thread(self._encoder.finish)
        except ApiError as exc:
            # Headers are gone: the stream can only stop. The log says why.
            log.warning("stream stopped: %s (%s)", exc.code, exc.message)
        finally:
            self.close()

    def close(self) -> None:
        self._pieces.close()
        self._resources.close()  # an ExitStack closes once, however often it is asked

    def log_fields(self) -> dict[str, object]:
        return {"audio_seconds": round(self.produced, 3)}
