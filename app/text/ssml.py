"""The SSML subset: a ``<speak>`` document → spans of text with their delivery, and breaks.

Parsed with defusedxml and DTDs refused outright, so entity expansion ("billion
laughs") and external entities never reach the parser. Supported elements:
speak, p, s, break, prosody, emotion (the markup of the Sambert multi-emotion
models), say-as, phoneme (pinyin), sub and mark. Anything else is an error, so a typo
is reported instead of being read aloud or silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from app.text.say_as import SayAsError, say_as
from app.text.ssml_values import ProsodyChange, SSMLError, break_seconds, emotion, prosody_change

# Phoneme overrides travel through normalisation and sentence splitting as one
# private-use character each; the G2P replaces it with the given syllables.
PLACEHOLDER_BASE = 0xE000
PLACEHOLDER_LIMIT = 0xF8FF
PLACEHOLDER_CLASS = f"{chr(PLACEHOLDER_BASE)}-{chr(PLACEHOLDER_LIMIT)}"  # for regex character classes
# A <break> inside a sentence and a <mark> travel the same way, one character each, but from plane-15
# private use: the splitter does not count them as speakable, NFKC and the normaliser's rules leave them
# alone, and the G2P turns a break into a clause break (#3) and a mark into nothing.
BREAK_BASE = 0xF0000
MARK_BASE = 0xF8000
MARK_LIMIT = 0xFFFFD


def is_break_placeholder(ch: str) -> bool:
    return len(ch) == 1 and BREAK_BASE <= ord(ch) < MARK_BASE


def is_mark_placeholder(ch: str) -> bool:
    return len(ch) == 1 and MARK_BASE <= ord(ch) <= MARK_LIMIT


MAX_MARK_NAME = 100
# Silence costs memory like speech does: a document's breaks are bounded in total.
MAX_TOTAL_BREAKS_S = 60.0

SYLLABLE = re.compile(r"^[a-zü]+[1-5]?$")
# Text is SSML when it starts like an XML document or a <speak> element.
SSML_START = re.compile(r"^\s*(<\?xml|<!DOCTYPE|<speak[\s>/])", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """A pronunciation override: ``text`` is read as ``syllables``."""

    text: str
    syllables: tuple[str, ...]


@dataclass(frozen=True)
class Span:
    """Text spoken with one delivery. ``emotion`` None means the request's own."""

    text: str
    prosody: ProsodyChange = field(default_factory=ProsodyChange)
    emotion: str | None = None
    intensity: float | None = None


@dataclass(frozen=True)
class Break:
    seconds: float


@dataclass
class Document:
    items: list[Span | Break]
    readings: dict[str, Reading]
    marks: dict[str, str] = field(default_factory=dict)  # placeholder → the <mark>'s name

    @property
    def text(self) -> str:
        """The text content in document order (placeholders included): what timestamps' offsets index."""
        return "".join(item.text for item in self.items if isinstance(item, Span))


def is_ssml(text: str) -> bool:
    return bool(SSML_START.match(text))


def parse(text: str) -> Document:
    try:
        root = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise SSMLError("DTDs, entity declarations and external references are not allowed in SSML") from None
    except ParseError as exc:
        raise SSMLError(f"malformed SSML: {exc}") from None
    if _tag(root) != "speak":
        raise SSMLError(f"the root element must be <speak>, not <{_tag(root)}>")
    builder = _Builder()
    builder.walk(root, _Delivery())
    if sum(i.seconds for i in builder.items if isinstance(i, Break)) > MAX_TOTAL_BREAKS_S:
        raise SSMLError(f"the <break> elements add up to more than {MAX_TOTAL_BREAKS_S:g}s of silence")
    return Document(builder.items, builder.readings, builder.marks)


def _tag(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else "?"


@dataclass(frozen=True)
class _Delivery:
    prosody: ProsodyChange = field(default_factory=ProsodyChange)
    emotion: str | None = None
    intensity: float | None = None


class _Builder:
    def __init__(self) -> None:
        self.items: list[Span | Break] = []
        self.readings: dict[str, Reading] = {}
        self.marks: dict[str, str] = {}

    def text(self, text: str | None, delivery: _Delivery) -> None:
        if not text:
            return
        last = self.items[-1] if self.items else None
        if isinstance(last, Span) and (last.prosody, last.emotion, last.intensity) == (
            delivery.prosody,
            delivery.emotion,
            delivery.intensity,
        ):
            self.items[-1] = replace(last, text=last.text + text)
        else:
            self.items.append(Span(text, delivery.prosody, delivery.emotion, delivery.intensity))

    def walk(self, element: Element, delivery: _Delivery) -> None:
        self.text(element.text, delivery)
        for child in element:
            self.element(child, delivery)
            self.text(child.tail, delivery)

    def element(self, el: Element, delivery: _Delivery) -> None:
        tag = _tag(el)
        if tag == "break":
            self.items.append(Break(break_seconds(el)))
        elif tag in ("p", "s"):
            self.walk(el, delivery)
            self.text("\n" if tag == "p" else "。", delivery)
        elif tag == "prosody":
            self.walk(el, replace(delivery, prosody=delivery.prosody.then(prosody_change(el))))
        elif tag == "emotion":
            emotion_id, intensity = emotion(el)
            self.walk(el, replace(delivery, emotion=emotion_id, intensity=intensity))
        elif tag == "say-as":
            try:
                self.text(say_as(el.get("interpret-as", ""), "".join(el.itertext()), el.get("format", "ymd")), delivery)
            except SayAsError as exc:
                raise SSMLError(str(exc)) from None
        elif tag == "sub":
            alias = el.get("alias")
            if alias is None:
                raise SSMLError("<sub> needs an alias attribute")
            self.text(alias, delivery)
        elif tag == "phoneme":
            self.text(self._phoneme(el), delivery)
        elif tag == "mark":
            self.text(self._mark(el), delivery)
        else:
            raise SSMLError(
                f"unsupported SSML element <{tag}>; supported: speak, p, s, break, prosody, emotion, say-as, "
                "phoneme, sub, mark"
            )

    def _mark(self, el: Element) -> str:
        name = el.get("name")
        if not name or len(name) > MAX_MARK_NAME:
            raise SSMLError(f'<mark> needs a name attribute of 1–{MAX_MARK_NAME} characters, e.g. <mark name="p1"/>')
        code = MARK_BASE + len(self.marks)
        if code > MARK_LIMIT:
            raise SSMLError("too many <mark> elements")
        self.marks[chr(code)] = name
        return chr(code)

    def _phoneme(self, el: Element) -> str:
        alphabet = el.get("alphabet", "pinyin")
        if alphabet != "pinyin":
            raise SSMLError(f"<phoneme> alphabet '{alphabet}' is not supported; use alphabet=\"pinyin\"")
        syllables = tuple(s for s in re.split(r"[\s,]+", (el.get("ph") or "").strip().lower().replace("v", "ü")) if s)
        if not syllables:
            raise SSMLError('<phoneme> needs a ph attribute with pinyin syllables, e.g. ph="chong2 qing4"')
        bad = [s for s in syllables if not SYLLABLE.match(s)]
        if bad:
            raise SSMLError(f"<phoneme> ph has invalid pinyin {', '.join(bad)}: write letters and a tone 1-5")
        code = PLACEHOLDER_BASE + len(self.readings)
        if code > PLACEHOLDER_LIMIT:
            raise SSMLError("too many <phoneme> elements")
        placeholder = chr(code)
        self.readings[placeholder] = Reading("".join(el.itertext()), syllables)
        return placeholder
