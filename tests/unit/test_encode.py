"""Encoders, whole and streamed: every format decodes to the same audio length and rate."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest
import soundfile

from app.audio.encode import FORMATS, StreamEncoder, encode, finish_wav_file

RATE = 24_000


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def decoded(data: bytes, fmt: str, rate: int) -> float:
    """Seconds of audio in ``data``, decoded by libsndfile, or by FFmpeg for AAC and streamed FLAC
    (whose header says "length unknown", which libsndfile does not read)."""
    if fmt == "pcm":
        return len(data) / 2 / rate
    if fmt in ("aac", "flac"):
        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.audio[0]
            assert stream.sample_rate == rate and stream.channels == 1
            return sum(frame.samples for frame in container.decode(stream)) / rate
    info = soundfile.info(io.BytesIO(data))
    assert info.samplerate == rate and info.channels == 1
    return info.duration


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("rate", [16_000, 24_000, 48_000])
def test_whole_files_decode_to_the_right_length_and_rate(fmt, rate):
    data = encode(tone(1.5), RATE, fmt, rate)
    # MP3 and AAC frames carry encoder delay and padding; the others are exact.
    assert decoded(data, fmt, rate) == pytest.approx(1.5, abs=0.15 if fmt in ("mp3", "aac") else 0.002)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_streamed_chunks_make_one_decodable_file(fmt):
    encoder = StreamEncoder(fmt, RATE, 16_000)
    data = encoder.start() + b"".join(encoder.write(tone(0.4)) for _ in range(5)) + encoder.finish()
    if fmt == "wav":
        # A streamed WAV header says "length unknown"; finishing the file writes the real sizes.
        file = io.BytesIO(data)
        finish_wav_file(file)
        data = file.getvalue()
    assert decoded(data, fmt, 16_000) == pytest.approx(2.0, abs=0.15 if fmt in ("mp3", "aac") else 0.01)


def test_resampling_in_pieces_matches_resampling_whole():
    audio = tone(1.0)
    whole = encode(audio, RATE, "pcm", 16_000)
    encoder = StreamEncoder("pcm", RATE, 16_000)
    pieces = encoder.start() + encoder.write(audio[:9000]) + encoder.write(audio[9000:]) + encoder.finish()
    a = np.frombuffer(whole, "<i2").astype(int)
    b = np.frombuffer(pieces, "<i2").astype(int)
    assert len(a) == len(b)
    assert np.abs(a - b).max() <= 2  # the same signal, no clicks at the seam


def test_samples_beyond_full_scale_are_clipped_not_wrapped():
    data = encode(np.array([2.0, -2.0], np.float32), RATE, "pcm")
    assert np.frombuffer(data, "<i2").tolist() == [32767, -32767]
