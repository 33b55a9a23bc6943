"""Audio encoding: float32 samples → the container and rate the client asked for.

Whole files (``encode``) and streams (``StreamEncoder``: a header, then bytes per
chunk as the audio is produced) share the same encoders: libsndfile (through
soundfile) for WAV, whole FLAC files and Ogg Opus, LAME (through lameenc) for
MP3, FFmpeg (through PyAV, ``app.audio.ffmpeg``) for AAC and streamed FLAC, and
soxr for resampling. (Measured before choosing: lameenc and libsndfile are
already exact and fast for their formats; FFmpeg is used where they cannot go.)
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import BinaryIO

import lameenc
import numpy as np
import soundfile
import soxr

from app.audio.ffmpeg import CONTAINERS, FFmpegStream
from app.schemas import SAMPLE_RATES

MP3_BITRATE_KBPS = 64  # transparent for 24 kHz mono speech
WAV_HEADER_BYTES = 44  # the streamed header: RIFF, fmt (16 bytes of format), data
# Our MP3 stream has no Xing/LAME tag (where gapless players read the delay), so decoders play the
# encoder's and decoder's delay (576 + 529 samples) before the first sample: measured +1105 samples at
# every rate with libsndfile and mpg123. ADTS AAC has no edit list either: FFmpeg's encoder primes 1024
# samples, which its decoder plays (measured at 24 and 48 kHz; 16 kHz decodes 3 ms later still).
# WAV, FLAC, PCM and Ogg Opus start at t = 0.
MP3_DELAY_SAMPLES = 1105
AAC_DELAY_SAMPLES = 1024


@dataclass(frozen=True)
class AudioFormat:
    name: str
    mimetype: str
    extension: str
    rates: tuple[int, ...] = SAMPLE_RATES

    def content_type(self, rate: int) -> str:
        if self.name == "pcm":
            return f"audio/pcm;rate={rate};encoding=signed-int;bits=16;endian=little;channels=1"
        return self.mimetype


FORMATS: dict[str, AudioFormat] = {
    f.name: f
    for f in (
        AudioFormat("wav", "audio/wav", "wav"),
        AudioFormat("mp3", "audio/mpeg", "mp3"),
        AudioFormat("ogg", "audio/ogg; codecs=opus", "ogg", rates=(8000, 16000, 24000, 48000)),
        # A whole FLAC file states its length; a streamed one says "unknown", as streams may.
        AudioFormat("flac", "audio/flac", "flac"),
        AudioFormat("pcm", "audio/pcm", "pcm"),
        AudioFormat("aac", "audio/aac", "aac"),  # ADTS frames
    )
}


def encoder_delay(fmt: str, rate: int) -> float:
    """Seconds a decoder plays before the first sample of the audio (timestamps add it)."""
    return {"mp3": MP3_DELAY_SAMPLES, "aac": AAC_DELAY_SAMPLES}.get(fmt, 0) / rate


def to_pcm16(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


class Resampler:
    """Stateful resampling for audio that arrives in pieces (no clicks at the seams)."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        self._stream = None if in_rate == out_rate else soxr.ResampleStream(in_rate, out_rate, 1, dtype="float32")

    def __call__(self, audio: np.ndarray, last: bool = False) -> np.ndarray:
        if self._stream is None:
            return audio
        return self._stream.resample_chunk(np.ascontiguousarray(audio, dtype=np.float32), last=last)


class _Sink(io.RawIOBase):
    """A write-only file that hands out what was written since the last call to ``take``."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._pos = 0
        self._taken = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self._data[self._pos : self._pos + len(b)] = b
        self._pos += len(b)
        return len(b)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._data)}[whence]
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, size: int = -1) -> bytes:
        return b""

    def take(self) -> bytes:
        out = bytes(self._data[self._taken :])
        self._taken = len(self._data)
        return out


class StreamEncoder:
    """Encode audio that arrives chunk by chunk: ``start()``, ``write(chunk)``…, ``finish()``."""

    def __init__(self, fmt: str, in_rate: int, out_rate: int) -> None:
        self.format = FORMATS[fmt]
        self.rate = out_rate
        self._resample = Resampler(in_rate, out_rate)
        self._mp3: lameenc.Encoder | None = None
        self._sink: _Sink | None = None
        self._file: soundfile.SoundFile | None = None
        self._ffmpeg: FFmpegStream | None = None

    def start(self) -> bytes:
        name = self.format.name
        if name == "wav":
            return wav_header(self.rate)
        if name == "mp3":
            self._mp3 = lameenc.Encoder()
            self._mp3.set_bit_rate(MP3_BITRATE_KBPS)
            self._mp3.set_in_sample_rate(self.rate)
            self._mp3.set_channels(1)
            self._mp3.set_quality(2)
        elif name == "ogg":
            # libsndfile writes Ogg pages as they fill and never seeks back: safe to stream.
            self._sink = _Sink()
            self._file = soundfile.SoundFile(self._sink, "w", self.rate, 1, format="OGG", subtype="OPUS")
            return self._sink.take()
        elif name in CONTAINERS:
            self._ffmpeg = FFmpegStream(name, self.rate)
        return b""

    def _encode(self, audio: np.ndarray) -> bytes:
        if self._ffmpeg is not None:
            return self._ffmpeg.write(audio)
        if self._mp3 is not None:
            return bytes(self._mp3.encode(to_pcm16(audio))) if audio.size else b""
        if self._file is not None and self._sink is not None:
            if audio.size:
                self._file.write(np.clip(audio, -1.0, 1.0))
            return self._sink.take()
        return to_pcm16(audio)

    def write(self, audio: np.ndarray) -> bytes:
        return self._encode(self._resample(audio))

    def finish(self) -> bytes:
        out = self._encode(self._resample(np.zeros(0, np.float32), last=True))
        if self._ffmpeg is not None:
            out += self._ffmpeg.finish()
        if self._mp3 is not None:
            out += bytes(self._mp3.flush())
        if self._file is not None and self._sink is not None:
            self._file.close()
            out += self._sink.take()
        return out


def wav_header(rate: int, data_bytes: int | None = None) -> bytes:
    """A 16-bit mono WAV header; without ``data_bytes`` its sizes say "unknown" (0xFFFFFFFF), as
    streaming players expect."""
    riff, data = (0xFFFFFFFF, 0xFFFFFFFF) if data_bytes is None else (data_bytes + WAV_HEADER_BYTES - 8, data_bytes)
    return (
        b"RIFF"
        + struct.pack("<I", riff)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data)
    )


def encode(audio: np.ndarray, in_rate: int, fmt: str, out_rate: int | None = None) -> bytes:
    """Encode a whole clip (mono float32 in [-1, 1]); WAV and FLAC headers carry exact lengths."""
    out_rate = out_rate or in_rate
    if fmt == "wav":
        pcm = to_pcm16(Resampler(in_rate, out_rate)(audio, last=True))
        return wav_header(out_rate, len(pcm)) + pcm
    if fmt == "flac":
        buffer = io.BytesIO()
        resampled = Resampler(in_rate, out_rate)(audio, last=True)
        soundfile.write(buffer, np.clip(resampled, -1.0, 1.0), out_rate, format="FLAC", subtype="PCM_16")
        return buffer.getvalue()
    encoder = StreamEncoder(fmt, in_rate, out_rate)
    return encoder.start() + encoder.write(audio) + encoder.finish()


def finish_wav_file(file: BinaryIO) -> None:
    """Write the real sizes into a streamed WAV's header, once the whole file is on disk."""
    size = file.seek(0, io.SEEK_END)
    file.seek(4)
    file.write(struct.pack("<I", size - 8))
    file.seek(WAV_HEADER_BYTES - 4)
    file.write(struct.pack("<I", size - WAV_HEADER_BYTES))
    file.seek(size)
