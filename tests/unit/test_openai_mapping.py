"""How OpenAI-style requests map to ours: emotions named in instructions."""

from __future__ import annotations

import pytest

from app.api.openai import emotion_from_instructions


@pytest.mark.parametrize(
    ("instructions", "emotion"),
    [
        ("Speak in a cheerful and upbeat tone", "happy"),
        ("用悲伤的语气朗读", "sad"),
        ("sound ANGRY", "angry"),
        ("a calm narrator", "neutral"),
        ("read it slowly", None),
        (None, None),
    ],
)
def test_emotion_words_in_instructions_pick_the_emotion(instructions, emotion):
    assert emotion_from_instructions(instructions) == emotion
