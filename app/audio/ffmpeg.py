"""Encoders from FFmpeg's libraries (through PyAV, whose wheels bundle them) for the formats
our other encoders cannot stream: AAC in ADTS frames, and FLAC written as a stream.

A streamed FLAC file cannot have its header rewritten at the end, so it says "length
unknown"; players and decoders accept that (the FLAC format allows it for streams).
"""

from __future__ import annotations

import io

import av
import numpy as np

# Our format name → FFmpeg muxer and codec.
CONTAINERS = {"aac": ("adts", "aac"), "flac": ("flac", "flac")}
AAC_BITRATE = 64_000  # ample for mono speech


class _Unseekable(io.RawIOBase):
    """Collects what the muxer writes; not seekable, so nothing already sent is rewritten."""

    def __init__(self) -> None:
        self._data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self._data += b
        return len(b)

    def take(self) -> bytes:
        out = bytes(self._data)
        self._data.clear()
        return out


class FFmpegStream:
    """``write(float32 chunk) → bytes`` … ``finish() → bytes`` for one mono stream at ``rate``."""

    def __init__(self, fmt: str, rate: int) -> None:
        muxer, codec = CONTAINERS[fmt]
        self._sink = _Unseekable()
        self._container = av.open(self._sink, "w", format=muxer)
        self._stream = self._container.add_stream(codec, rate=rate, layout="mono")
        if codec == "aac":
            self._stream.bit_rate = AAC_BITRATE
        # The encoder wants frames of its own size and sample format: a FIFO regroups them.
        self._fifo = av.AudioFifo()
        self._pts = 0
        self.rate = rate

    def write(self, audio: np.ndarray) -> bytes:
        if audio.size:
            sample_format = self._stream.codec_context.format.name  # fltp for AAC, s16 for FLAC
            samples = np.clip(audio, -1.0, 1.0).astype(np.float32)
            if sample_format == "s16":
                samples = (samples * 32767.0).round().astype(np.int16)
            frame = av.AudioFrame.from_ndarray(samples[None, :], format=sample_format, layout="mono")
            frame.sample_rate = self.rate
            self._fifo.write(frame)
        size = self._stream.codec_context.frame_size or 4096
        while self._fifo.samples >= size:
            self._encode(self._fifo.read(size))
        return self._sink.take()

    def finish(self) -> bytes:
        if self._fifo.samples:
            self._encode(self._fifo.read())
        self._encode(None)
        self._container.close()
        return self._sink.take()

    def _encode(self, frame: av.AudioFrame | None) -> None:
        if frame is not None:
            frame.pts = self._pts
            self._pts += frame.samples
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
