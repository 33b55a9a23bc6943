"""Timings of a stretch of audio, carried through everything that moves time.

A ``Timeline`` lists labelled sample intervals (spoken characters, pauses, SSML
marks) of one piece of audio, with that audio's length and rate. Every later
step that changes time is a monotone map of sample positions, so each is one
method here, called next to the step it follows:

- WORLD tempo (``effects``): output frame j reads input position j·tempo, so
  input sample t lands at t / tempo                                  → ``scaled``
- edge-silence trimming, keeping [first, last)                        → ``cropped``
- a pause appended after a piece                                      → ``padded``
- a <break> set to its length inside a piece (samples in or out)      → ``edited``
- sentence joins: each timeline shifted by the audio before it        → ``joined``
- resampling for the output format: t · out_rate / in_rate            → ``resampled``

Intervals are clipped to [0, length] after every step, so a timeline never
points past the end of its audio.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

CHAR, PAUSE, MARK = "char", "pause", "mark"


@dataclass(frozen=True)
class Segment:
    """A labelled interval [start, end) in samples.

    ``kind``: CHAR (a spoken character or a span read as one unit), PAUSE (silence
    after punctuation, a <break>, an edge or a sentence gap) or MARK (an SSML
    <mark>, start == end). ``source`` is the [start, end) character span of the
    text the timeline refers to, None for silence nobody wrote.
    """

    kind: str
    text: str
    start: int
    end: int
    source: tuple[int, int] | None = None


@dataclass(frozen=True)
class Timeline:
    rate: int
    length: int  # samples of the audio described
    segments: tuple[Segment, ...] = ()

    @property
    def duration(self) -> float:
        return self.length / self.rate if self.rate else 0.0

    def warped(self, fn: Callable[[float], float], length: int, rate: int | None = None) -> Timeline:
        """Apply a monotone map of sample positions, then clip to the new length."""

        def at(t: int) -> int:
            return min(length, max(0, round(fn(t))))

        return Timeline(
            rate or self.rate, length, tuple(replace(s, start=at(s.start), end=at(s.end)) for s in self.segments)
        )

    def scaled(self, tempo: float, length: int) -> Timeline:
        """After a tempo change (WORLD) that made ``length`` samples: t → t / tempo."""
        return self.warped(lambda t: t / tempo, length)

    def cropped(self, first: int, last: int) -> Timeline:
        """After keeping only samples [first, last) (edge-silence trimming)."""
        return self.warped(lambda t: t - first, last - first)

    def padded(self, samples: int, pause: Segment | None = None) -> Timeline:
        """After appending ``samples`` of silence; ``pause`` labels it (its start and end are filled in)."""
        segments = self.segments
        if pause is not None and samples > 0:
            segments = (*segments, replace(pause, start=self.length, end=self.length + samples))
        return Timeline(self.rate, self.length + max(0, samples), segments)

    def edited(self, at: int, delta: int) -> Timeline:
        """After inserting ``delta`` samples at ``at`` (or removing ``-delta`` from ``at`` on).
        Times up to ``at`` stay; later ones move by ``delta`` (a removed stretch collapses onto ``at``)."""

        def move(t: float) -> float:
            if t <= at:
                return t
            return max(at, t + delta)

        return self.warped(move, self.length + delta)

    def resampled(self, rate: int) -> Timeline:
        """The same timings at another sample rate (soxr keeps t → t · rate / self.rate, delay-compensated)."""
        if rate == self.rate:
            return self
        return self.warped(lambda t: t * rate / self.rate, round(self.length * rate / self.rate), rate)

    def shifted(self, samples: int) -> Timeline:
        """Every interval ``samples`` later, in audio that much longer (a stream's earlier pieces)."""
        return self.warped(lambda t: t + samples, self.length + samples)

    def merged_pauses(self) -> Timeline:
        """Touching pauses as one (a sentence's trailing silence, its planned pause and the next
        sentence's leading silence), labelled by the first of them that a mark wrote."""
        out: list[Segment] = []
        for s in self.segments:
            last = out[-1] if out else None
            if last is not None and s.kind == last.kind == PAUSE and s.start <= last.end:
                keep = last if last.source is not None or s.source is None else s
                out[-1] = replace(keep, start=last.start, end=max(last.end, s.end))
            else:
                out.append(s)
        return Timeline(self.rate, self.length, tuple(out))

    def with_segments(self, segments: Iterable[Segment]) -> Timeline:
        return Timeline(self.rate, self.length, tuple(segments))

    @staticmethod
    def joined(parts: Iterable[Timeline]) -> Timeline:
        """Timelines of consecutive audio as one (each shifted by the audio before it)."""
        segments: list[Segment] = []
        total, rate = 0, 0
        for part in parts:
            if rate and part.rate != rate:
                raise ValueError("timelines are joined at one sample rate")
            rate = part.rate
            segments.extend(replace(s, start=s.start + total, end=s.end + total) for s in part.segments)
            total += part.length
        return Timeline(rate, total, tuple(segments))
