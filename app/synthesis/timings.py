"""Rendered pieces' timelines → what the API sends: character, sentence and mark timings, subtitles.

Times are seconds in the audio as encoded: at the output rate, shifted by the
audio before the piece and by the decoder delay of the format (MP3).
Offsets and lengths index the request's text; for SSML, its text content in
document order (tags removed; a ``<phoneme>`` is its element's text, a
``<break>`` or ``<mark>`` is nothing).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.audio.encode import encoder_delay
from app.audio.subtitles import cues, to_srt, to_vtt
from app.audio.timeline import CHAR, MARK, PAUSE, Segment, Timeline
from app.synthesis.render import RenderedPiece
from app.synthesis.request import Job
from app.text.ssml import is_break_placeholder, is_mark_placeholder


@dataclass(frozen=True)
class DisplayText:
    """The document's text as the user wrote it, and where each internal character lands in it."""

    text: str
    starts: tuple[int, ...]  # display index of internal character i
    ends: tuple[int, ...]

    @classmethod
    def of(cls, job: Job) -> DisplayText:
        document = job.document
        out: list[str] = []
        starts, ends = [], []
        pos = 0
        for ch in document.text:
            reading = document.readings.get(ch)
            shown = reading.text if reading else "" if is_break_placeholder(ch) or is_mark_placeholder(ch) else ch
            starts.append(pos)
            out.append(shown)
            pos += len(shown)
            ends.append(pos)
        return cls("".join(out), tuple(starts), tuple(ends))

    def span(self, source: tuple[int, int]) -> tuple[int, int]:
        a, b = source
        if not self.starts or a >= len(self.starts):  # never expected: point past the text rather than fail
            return len(self.text), len(self.text)
        return (self.starts[a], self.ends[min(b, len(self.ends)) - 1]) if b > a else (self.starts[a], self.starts[a])


class TimingWriter:
    """Turns each rendered piece's timeline into JSON-ready timings with absolute times."""

    def __init__(self, job: Job, engine_rate: int) -> None:
        self.job = job
        self.display = DisplayText.of(job)
        self.delay = encoder_delay(job.format, job.sample_rate)
        self._engine_rate = engine_rate
        self._produced = 0  # samples at the engine's rate before the next piece
        self._parts: list[Timeline] = []

    def add(self, timeline: Timeline | None, samples: int) -> dict[str, list[dict[str, Any]]]:
        """Timings of the next piece (``samples`` long at the engine's rate)."""
        if timeline is None:
            timeline = Timeline(self._engine_rate, samples)
        # The sentence's closing silence and the pause planned after it are one pause of its 。
        shifted = self._to_display(timeline.merged_pauses()).shifted(self._produced)
        self._produced += samples
        self._parts.append(timeline)
        return self.entries(shifted)

    def timeline(self) -> Timeline:
        """Everything added so far as one timeline over the display text, at the engine's rate."""
        return self._to_display(Timeline.joined(self._parts).merged_pauses())

    def entries(self, timeline: Timeline) -> dict[str, list[dict[str, Any]]]:
        out = timeline.resampled(self.job.sample_rate)
        rate, text = out.rate, self.display.text

        def seconds(t: int) -> float:
            return round(t / rate + self.delay, 4)

        characters, marks = [], []
        for s in out.segments:
            if s.kind == MARK:
                marks.append({"name": self.job.document.marks.get(s.text, s.text), "time": seconds(s.start)})
            elif s.source is not None and s.source[1] > s.source[0] and (s.kind == CHAR or s.kind == PAUSE):
                a, b = s.source
                characters.append(
                    {"text": text[a:b], "start": seconds(s.start), "end": seconds(s.end), "offset": a, "length": b - a}
                )
        spoken = [s for s in out.segments if s.kind == CHAR and s.source is not None]
        sentences = []
        if spoken:
            a, b = min(s.source[0] for s in spoken), max(s.source[1] for s in spoken)  # type: ignore[index]
            sentences.append(
                {
                    "text": text[a:b],
                    "start": seconds(spoken[0].start),
                    "end": seconds(spoken[-1].end),
                    "offset": a,
                    "length": b - a,
                }
            )
        return {"characters": characters, "sentences": sentences, "marks": marks}

    def _to_display(self, timeline: Timeline) -> Timeline:
        def moved(s: Segment) -> Segment:
            if s.kind == MARK:
                return s  # keeps its placeholder as text: entries() looks its name up
            return replace(s, source=self.display.span(s.source)) if s.source is not None else s

        return timeline.with_segments(moved(s) for s in timeline.segments)


def merge(parts: Iterable[dict[str, list[dict[str, Any]]]]) -> dict[str, list[dict[str, Any]]]:
    """Per-piece timings as one document (pauses between sentences as they were sent)."""
    out: dict[str, list[dict[str, Any]]] = {"characters": [], "sentences": [], "marks": []}
    for part in parts:
        for key, items in part.items():
            out[key].extend(items)
    return out


def subtitles(writer: TimingWriter, kind: str) -> str:
    """The whole request's subtitles (``kind``: "srt" or "vtt")."""
    timeline = writer.timeline()
    items = cues(timeline, writer.display.text, delay=writer.delay)
    return to_srt(items) if kind == "srt" else to_vtt(items)


def timed_body(job: Job, rendered: Sequence[RenderedPiece], audio: bytes, engine_rate: int) -> bytes:
    """The response body of a request for timings (JSON around the encoded ``audio``) or subtitles."""
    writer = TimingWriter(job, engine_rate)
    parts = [writer.add(r.timeline, len(r.audio)) for r in rendered]
    if job.output in ("srt", "vtt"):
        return subtitles(writer, job.output).encode()
    document = {
        "audio": base64.b64encode(audio).decode(),
        "format": job.format,
        "sample_rate": job.sample_rate,
        "duration": round(sum(len(r.audio) for r in rendered) / engine_rate, 4),
        **merge(parts),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def job_timings(writer: TimingWriter, parts: Iterable[dict[str, list[dict[str, Any]]]], seconds: float) -> dict:
    """A whole job's timings, with its subtitles in both formats (kept beside its audio)."""
    return {
        "format": writer.job.format,
        "sample_rate": writer.job.sample_rate,
        "duration": round(seconds, 4),
        **merge(parts),
        "srt": subtitles(writer, "srt"),
        "vtt": subtitles(writer, "vtt"),
    }
