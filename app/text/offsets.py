"""Rewriting text while remembering where every output character came from.

Normalisation is a sequence of regular-expression rewrites ("2024年" → 二零二四年).
Word timestamps and the reading preview need to know, for each piece of the spoken
text, which characters of the *original* input it stands for. ``Rewriter`` keeps,
next to the current text, the source span and a group id of every character:

- an untouched character keeps its own one-character span;
- the text a rule writes in place of a match takes the union of the spans of the
  characters it replaced, and one new group id, so it becomes one chunk;
- a later rule that rewrites part of an earlier rewrite widens the spans, and
  ``chunks()`` merges chunks whose source spans overlap, so chunks never overlap
  and stay in source order.

Every rule is applied to the whole current text in one left-to-right pass, exactly
like ``re.sub``, and sees the text the earlier rules produced (their context
checks look at ``m.string``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Replace the match (group 0) or only one named group of it, the rest being context.
Replace = Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    replace: Replace
    group: int | str = 0


@dataclass(frozen=True)
class Chunk:
    """``spoken`` is read for the characters ``[start, end)`` of the original input."""

    spoken: str
    start: int
    end: int


# The ideographic full-width comma stays as it is: NFKC would turn "3，500" into the
# thousands-separated number "3,500".
_KEEP = frozenset("，")


class Rewriter:
    def __init__(self, text: str) -> None:
        self.text = text
        self._spans = [(i, i + 1) for i in range(len(text))]
        self._groups = list(range(len(text)))
        self._next_group = len(text)

    def _splice(self, edits: Iterable[tuple[int, int, str]]) -> None:
        """Apply non-overlapping, sorted edits (start, end, replacement) to the current text."""
        text, spans, groups = self.text, self._spans, self._groups
        out: list[str] = []
        new_spans: list[tuple[int, int]] = []
        new_groups: list[int] = []
        pos = 0
        for a, b, repl in edits:
            out.append(text[pos:a])
            new_spans.extend(spans[pos:a])
            new_groups.extend(groups[pos:a])
            if a < b:
                span = (min(s for s, _ in spans[a:b]), max(e for _, e in spans[a:b]))
            else:  # pure insertion: attach to the character before (or after) it
                span = spans[a - 1] if a else spans[a] if a < len(spans) else (0, 0)
            out.append(repl)
            new_spans.extend([span] * len(repl))
            new_groups.extend([self._next_group] * len(repl))
            self._next_group += 1
            pos = b
        out.append(text[pos:])
        new_spans.extend(spans[pos:])
        new_groups.extend(groups[pos:])
        self.text = "".join(out)
        self._spans, self._groups = new_spans, new_groups

    def apply(self, rule: Rule) -> None:
        edits = []
        for m in rule.pattern.finditer(self.text):
            repl = rule.replace(m)
            a, b = m.span(rule.group)
            if repl != self.text[a:b]:
                edits.append((a, b, repl))
        if edits:
            self._splice(edits)

    def nfkc(self) -> None:
        """NFKC, one character (with its combining marks) at a time so offsets stay exact."""
        if unicodedata.is_normalized("NFKC", self.text):
            return
        edits = []
        for m in re.finditer(r".[\u0300-\u036f\u3099\u309a]*", self.text, re.S):
            if m.group(0)[0] in _KEEP:
                continue
            normal = unicodedata.normalize("NFKC", m.group(0))
            if normal != m.group(0):
                edits.append((m.start(), m.end(), normal))
        if edits:
            self._splice(edits)

    def chunks(self) -> list[Chunk]:
        out: list[Chunk] = []
        last_group = None
        for ch, (start, end), group in zip(self.text, self._spans, self._groups, strict=True):
            if out and (group == last_group or start < out[-1].end):
                prev = out[-1]
                out[-1] = Chunk(prev.spoken + ch, min(prev.start, start), max(prev.end, end))
            else:
                out.append(Chunk(ch, start, end))
            last_group = group
        return out
