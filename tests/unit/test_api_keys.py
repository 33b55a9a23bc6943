"""API keys are compared as digests, every key every time."""

from __future__ import annotations

from app.api.auth import key_digest, key_matches


def test_only_a_configured_key_matches():
    digests = [key_digest("alpha"), key_digest("beta")]
    assert key_matches("beta", digests)
    assert not key_matches("bet", digests)
    assert not key_matches("", digests)
