"""Signal processing on synthesised speech: pitch, tempo and voice quality via WORLD.

WORLD (pyworld) decomposes speech into F0, spectral envelope and aperiodicity,
so pitch can move without the "chipmunk" formant shift of resampling, and
tempo can change without touching pitch. Its C code releases the GIL, so it
runs in parallel with the web workers' event loop.
"""

from __future__ import annotations

import numpy as np

from app.audio import world
from app.audio.prosody import Prosody

FRAME_PERIOD_MS = 5.0
F0_FLOOR, F0_CEIL = 60.0, 700.0
TREMOR_HZ = 5.5  # rate of the fear preset's vibrato, in the range of a physiological tremor
LIMIT_KNEE = 0.8  # soft limiter: samples above this are compressed smoothly towards 1.0
# Edge silence: 5 ms frames whose RMS is below 2 % (-34 dB) of the loudest frame.
SILENCE_FRAME_S = 0.005
SILENCE_RELATIVE_RMS = 0.02


def apply(audio: np.ndarray, sample_rate: int, prosody: Prosody) -> np.ndarray:
    """Return ``audio`` (float32 mono) delivered with ``prosody``."""
    if audio.size == 0:
        return audio
    if prosody.changes_voice:
        audio = _world(audio, sample_rate, prosody)
    if prosody.gain != 1.0:
        audio = soft_limit(audio * np.float32(prosody.gain))
    return audio.astype(np.float32, copy=False)


def soft_limit(audio: np.ndarray) -> np.ndarray:
    """Keep loud speech below full scale without the harshness of hard clipping."""
    magnitude = np.abs(audio)
    if magnitude.size == 0 or magnitude.max() <= LIMIT_KNEE:
        return audio
    headroom = 1.0 - LIMIT_KNEE
    squeezed = LIMIT_KNEE + headroom * np.tanh((magnitude - LIMIT_KNEE) / headroom)
    return np.where(magnitude > LIMIT_KNEE, np.sign(audio) * squeezed, audio).astype(np.float32)


def frame_rms(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int]:
    """RMS of consecutive short frames, and the frame length in samples."""
    frame = max(1, round(sample_rate * SILENCE_FRAME_S))
    count = len(audio) // frame
    frames = audio[: count * frame].astype(np.float64).reshape(count, frame)
    return np.sqrt(np.mean(frames**2, axis=1)), frame


def silence_bounds(audio: np.ndarray, sample_rate: int, *, start: bool, end: bool) -> tuple[int, int]:
    """The [first, last) samples ``trim_silence`` keeps (both 0 when it is all silent)."""
    if not (start or end) or audio.size == 0:
        return 0, len(audio)
    rms, frame = frame_rms(audio, sample_rate)
    loud = np.flatnonzero(rms > SILENCE_RELATIVE_RMS * rms.max()) if rms.size and rms.max() > 0 else []
    if len(loud) == 0:
        return 0, 0
    first = int(loud[0]) * frame if start else 0
    last = (int(loud[-1]) + 1) * frame if end else len(audio)
    return first, last


def trim_silence(audio: np.ndarray, sample_rate: int, *, start: bool, end: bool) -> np.ndarray:
    """Cut the leading and/or trailing silence of ``audio`` (all of it if it is all silent)."""
    first, last = silence_bounds(audio, sample_rate, start=start, end=end)
    return audio[first:last]


def _world(audio: np.ndarray, sample_rate: int, p: Prosody) -> np.ndarray:
    x = np.ascontiguousarray(audio, dtype=np.float64)
    f0, times = world.dio(x, sample_rate, f0_floor=F0_FLOOR, f0_ceil=F0_CEIL, frame_period=FRAME_PERIOD_MS)
    f0 = world.stonemask(x, f0, times, sample_rate)
    fft_size = world.get_cheaptrick_fft_size(sample_rate, F0_FLOOR)
    envelope = world.cheaptrick(x, f0, times, sample_rate, f0_floor=F0_FLOOR, fft_size=fft_size)
    aperiodicity = world.d4c(x, f0, times, sample_rate, fft_size=fft_size)

    f0 = _reshape_pitch(f0, p)
    if abs(p.brightness) > 1e-3:
        envelope = envelope * _tilt(envelope.shape[1], sample_rate, p.brightness)[None, :]
    if abs(p.tempo - 1.0) > 1e-3:
        f0, envelope, aperiodicity = _retime(f0, envelope, aperiodicity, p.tempo)

    y = world.synthesize(
        np.ascontiguousarray(f0),
        np.ascontiguousarray(envelope),
        np.ascontiguousarray(aperiodicity),
        sample_rate,
        FRAME_PERIOD_MS,
    )
    return y.astype(np.float32)


def _reshape_pitch(f0: np.ndarray, p: Prosody) -> np.ndarray:
    voiced = f0 > 0
    if not voiced.any():
        return f0
    log_f0 = np.log(f0[voiced])
    centre = np.median(log_f0)
    log_f0 = centre + (log_f0 - centre) * p.pitch_range + p.pitch_shift * np.log(2.0) / 12.0
    if p.tremor > 1e-3:
        t = np.flatnonzero(voiced) * FRAME_PERIOD_MS / 1000.0
        log_f0 = log_f0 + p.tremor * np.log(2.0) / 12.0 * np.sin(2 * np.pi * TREMOR_HZ * t)
    out = f0.copy()
    out[voiced] = np.clip(np.exp(log_f0), F0_FLOOR, 1000.0)
    return out


def _tilt(bins: int, sample_rate: int, db_per_octave: float) -> np.ndarray:
    """Power-spectrum gain that tilts the spectrum above 1 kHz by ``db_per_octave``."""
    freqs = np.linspace(0, sample_rate / 2, bins)
    octaves = np.log2(np.maximum(freqs, 1000.0) / 1000.0)
    return 10.0 ** (db_per_octave * octaves / 10.0)  # power, hence /10


def _retime(f0: np.ndarray, envelope: np.ndarray, aperiodicity: np.ndarray, tempo: float):
    """Stretch the frame sequence in time: ``tempo`` > 1 is faster."""
    n = len(f0)
    m = max(1, round(n / tempo))
    pos = np.minimum(np.arange(m) * tempo, n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = (pos - lo)[:, None]
    envelope = envelope[lo] * (1 - w) + envelope[hi] * w
    aperiodicity = aperiodicity[lo] * (1 - w) + aperiodicity[hi] * w
    f0 = f0[np.rint(pos).astype(int)]  # nearest frame keeps voicing decisions crisp
    return f0, envelope, aperiodicity
