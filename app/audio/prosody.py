"""Prosody: how a sentence is delivered, and the emotion presets built from it.

An emotion here is a documented preset of prosodic changes (pitch level, pitch
range, tempo, loudness, and two voice-quality touches) applied on top of the
user's own speed/pitch/volume controls. ``intensity`` scales a preset from
0 (neutral) through 1 (as documented) to 2 (exaggerated).
"""

from __future__ import annotations

from dataclasses import dataclass

# Bounds of the combined delivery: emotion presets at intensity 2 on top of extreme
# user controls must still give intelligible speech and bounded memory.
MIN_TEMPO, MAX_TEMPO = 0.4, 2.5
MAX_SHIFT = 18.0  # semitones


@dataclass(frozen=True)
class Prosody:
    tempo: float = 1.0  # speaking-rate multiplier, > 1 is faster
    pitch_shift: float = 0.0  # semitones added to every voiced frame
    pitch_range: float = 1.0  # multiplier of F0 excursions around the median
    gain: float = 1.0  # linear loudness multiplier
    tremor: float = 0.0  # F0 vibrato depth in semitones (a shaking voice)
    brightness: float = 0.0  # spectral tilt above 1 kHz, dB per octave (tense vs. soft voice)

    def then(self, other: Prosody) -> Prosody:
        """Both deliveries at once: ratios multiply, offsets add."""
        return Prosody(
            tempo=min(MAX_TEMPO, max(MIN_TEMPO, self.tempo * other.tempo)),
            pitch_shift=max(-MAX_SHIFT, min(MAX_SHIFT, self.pitch_shift + other.pitch_shift)),
            pitch_range=self.pitch_range * other.pitch_range,
            gain=self.gain * other.gain,
            tremor=self.tremor + other.tremor,
            brightness=self.brightness + other.brightness,
        )

    def scaled(self, intensity: float) -> Prosody:
        """The same change, ``intensity`` times as strong (0 → no change)."""
        return Prosody(
            tempo=self.tempo**intensity,
            pitch_shift=self.pitch_shift * intensity,
            pitch_range=self.pitch_range**intensity,
            gain=self.gain**intensity,
            tremor=self.tremor * intensity,
            brightness=self.brightness * intensity,
        )

    @property
    def changes_voice(self) -> bool:
        """True when the waveform itself must be re-synthesised (anything beyond gain)."""
        return (
            abs(self.tempo - 1.0) > 1e-3
            or abs(self.pitch_shift) > 1e-3
            or abs(self.pitch_range - 1.0) > 1e-3
            or self.tremor > 1e-3
            or abs(self.brightness) > 1e-3
        )


@dataclass(frozen=True)
class Emotion:
    id: str
    name_zh: str
    name_en: str
    preset: Prosody


# The presets follow the usual acoustic correlates of vocal emotion (raised, wide and
# fast for joy; low, narrow, slow and soft for sadness; loud, fast and tense for anger;
# high with a tremor for fear; very high and wide for surprise; low and slow for disgust).
EMOTIONS: dict[str, Emotion] = {
    e.id: e
    for e in (
        Emotion("neutral", "中性", "Neutral", Prosody()),
        Emotion(
            "happy", "开心", "Happy", Prosody(tempo=1.08, pitch_shift=3.0, pitch_range=1.35, gain=1.15, brightness=1.5)
        ),
        Emotion(
            "sad", "悲伤", "Sad", Prosody(tempo=0.85, pitch_shift=-2.5, pitch_range=0.6, gain=0.7, brightness=-3.0)
        ),
        Emotion(
            "angry", "生气", "Angry", Prosody(tempo=1.12, pitch_shift=1.5, pitch_range=1.3, gain=1.4, brightness=3.0)
        ),
        Emotion(
            "fear", "恐惧", "Fearful", Prosody(tempo=1.15, pitch_shift=2.5, pitch_range=0.85, gain=0.85, tremor=0.6)
        ),
        Emotion(
            "surprise",
            "惊讶",
            "Surprised",
            Prosody(tempo=1.0, pitch_shift=4.0, pitch_range=1.6, gain=1.2, brightness=1.0),
        ),
        Emotion(
            "disgust",
            "厌恶",
            "Disgusted",
            Prosody(tempo=0.88, pitch_shift=-2.0, pitch_range=0.8, gain=0.95, brightness=-1.5),
        ),
    )
}


def user_prosody(speed: float, pitch: float, volume: float) -> Prosody:
    """The user's controls: speed multiplier, pitch in semitones, volume multiplier."""
    return Prosody(tempo=speed, pitch_shift=pitch, gain=volume)


def emotion_prosody(emotion: str, intensity: float) -> Prosody:
    return EMOTIONS[emotion].preset.scaled(intensity)
