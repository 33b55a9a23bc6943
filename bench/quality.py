"""Objective guards for "no audible loss": a changed vocoder against today's output.

Three measures, pooled over a set of sentences (each pair of signals has the same length):

- max abs sample deviation (0 means bit-identical: nothing else needs checking);
- log-spectral distance (LSD, dB): per STFT frame (1024-point Hann, hop 256), the RMS over
  frequency bins of the difference of the two power spectra in dB, each floored at
  ``FLOOR_DB`` below the sentence's loudest bin (so that bins below any audible level do not
  count); averaged over the frames within ``ACTIVE_DB`` of the sentence's loudest frame;
- F0 (WORLD's DIO + StoneMask via pyworld, 5 ms frames): mean absolute error in cents over
  the frames both signals call voiced, and the share of frames whose voicing differs.

A change passes as inaudible under ``LSD_DB`` dB, ``F0_CENTS`` cents and ``VOICING`` voicing
disagreement. A semitone is 100 cents; pitch discrimination thresholds of listeners are of the
order of 5–10 cents for steady tones and larger for running speech. The classic transparency
limit of spectral-envelope quantisation in speech coding is 1 dB of spectral distortion; 0.5 dB
over the whole STFT (fine structure included) is stricter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LSD_DB = 0.5
F0_CENTS = 10.0
VOICING = 0.01
FLOOR_DB = 80.0
ACTIVE_DB = 50.0
_FFT, _HOP = 1024, 256


@dataclass(frozen=True)
class Quality:
    max_dev: float
    lsd_db: float
    f0_cents: float
    voicing: float  # share of frames whose voicing differs

    @property
    def verdict(self) -> str:
        if self.max_dev == 0.0:
            return "exact"
        if self.lsd_db < LSD_DB and self.f0_cents < F0_CENTS and self.voicing < VOICING:
            return "pass"
        return "FAIL"


def power_db(audio: np.ndarray) -> np.ndarray:
    """[frames, bins] power spectrum in dB (10·log10, unfloored)."""
    padded = np.pad(audio.astype(np.float64), (_FFT // 2, _FFT // 2))
    starts = np.arange(0, len(padded) - _FFT + 1, _HOP)
    frames = padded[starts[:, None] + np.arange(_FFT)] * np.hanning(_FFT)
    return 10 * np.log10(np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-30)


def lsd_frames(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """LSD (dB) of every active frame of one sentence."""
    ref, oth = power_db(reference), power_db(other)
    floor = ref.max() - FLOOR_DB
    ref, oth = np.maximum(ref, floor), np.maximum(oth, floor)
    energy = ref.max(axis=1)
    active = energy >= energy.max() - ACTIVE_DB
    return np.sqrt(np.mean((ref[active] - oth[active]) ** 2, axis=1))


def f0(audio: np.ndarray, rate: int) -> np.ndarray:
    import pyworld

    x = audio.astype(np.float64)
    coarse, times = pyworld.dio(x, rate, frame_period=5.0)
    return pyworld.stonemask(x, coarse, times, rate)


def compare(
    references: Sequence[np.ndarray],
    others: Sequence[np.ndarray],
    rate: int,
    reference_f0: Sequence[np.ndarray] | None = None,
) -> Quality:
    """The pooled measures of ``others`` against ``references`` (pairs of equal-length signals)."""
    if len(references) != len(others) or any(len(a) != len(b) for a, b in zip(references, others, strict=True)):
        raise ValueError("every signal needs a reference of the same length")
    deviation = max(float(np.abs(a - b).max()) for a, b in zip(references, others, strict=True))
    if deviation == 0.0:
        return Quality(0.0, 0.0, 0.0, 0.0)
    lsd = np.concatenate([lsd_frames(a, b) for a, b in zip(references, others, strict=True)])
    ref_f0 = reference_f0 if reference_f0 is not None else [f0(a, rate) for a in references]
    cents, disagree, frames = [], 0, 0
    for f_ref, audio in zip(ref_f0, others, strict=True):
        f_oth = f0(audio, rate)
        voiced_ref, voiced_oth = f_ref > 0, f_oth > 0
        both = voiced_ref & voiced_oth
        cents.append(np.abs(1200 * np.log2(f_oth[both] / f_ref[both])))
        disagree += int(np.count_nonzero(voiced_ref != voiced_oth))
        frames += len(f_ref)
    pooled = np.concatenate(cents)
    return Quality(deviation, float(lsd.mean()), float(pooled.mean()) if len(pooled) else 0.0, disagree / frames)
