"""Character timings → subtitle cues → SRT or WebVTT.

Cues break at every pause (punctuation, a <break>, a sentence gap): the
timeline already carries them. A clause longer than MAX_CHARS is cut into
near-equal parts, so no line is left with one or two characters. A cue is shown
from its first character's start to its last character's end; trailing clause
punctuation is dropped, as Chinese subtitles usually do, inner marks stay.
Formatting is a few lines of string work, so there is no runtime dependency
(the tests parse the output with the ``srt`` and ``webvtt-py`` libraries).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.audio.timeline import CHAR, PAUSE, Segment, Timeline

MAX_CHARS = 20
_TRAILING = "，,。.、：:；;！!？?…—- "


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str


def _clauses(timeline: Timeline) -> list[list[Segment]]:
    """Runs of spoken characters separated by pauses."""
    out: list[list[Segment]] = [[]]
    for s in timeline.segments:
        if s.kind == CHAR and s.source is not None:
            out[-1].append(s)
        elif s.kind == PAUSE and out[-1]:
            out.append([])
    return [c for c in out if c]


def cues(timeline: Timeline, text: str, max_chars: int = MAX_CHARS, delay: float = 0.0) -> list[Cue]:
    """Cues for a timeline whose sources index ``text``; ``delay`` seconds are added to every time."""
    result: list[Cue] = []
    for clause in _clauses(timeline):
        size = math.ceil(len(clause) / math.ceil(len(clause) / max_chars))
        for i in range(0, len(clause), size):
            group = clause[i : i + size]
            first, last = group[0], group[-1]
            assert first.source is not None and last.source is not None
            words = " ".join(text[first.source[0] : last.source[1]].split()).rstrip(_TRAILING)
            words = words.replace("-->", "→")  # the timing arrow may not appear in a cue's text
            if words:
                result.append(Cue(first.start / timeline.rate + delay, last.end / timeline.rate + delay, words))
    return result


def _clock(seconds: float, separator: str) -> str:
    ms = round(seconds * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def to_srt(items: list[Cue]) -> str:
    return "".join(
        f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{c.text}\n\n" for n, c in enumerate(items, 1)
    )


def to_vtt(items: list[Cue]) -> str:
    def escape(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    return "WEBVTT\n\n" + "".join(
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{escape(c.text)}\n\n" for c in items
    )
