"""Access control pieces: client addresses behind proxies, key checks, CORS, config checks."""

from __future__ import annotations

import pytest

from app import create_app
from app.api.openai import emotion_from_instructions
from app.auth import key_digest, key_matches
from app.config import ConfigError, load_settings
from app.ratelimit import client_address, parse_networks

TRUSTED = parse_networks("127.0.0.1,10.0.0.0/8,::1")


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),  # Nginx on the same host
        ("127.0.0.1", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client's own claim is ignored
        ("127.0.0.1", "203.0.113.7, 10.1.2.3", "203.0.113.7"),  # through two of our proxies
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # not a trusted proxy: header ignored
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "garbage", "garbage"),
    ],
)
def test_client_address(remote, forwarded, client):
    assert client_address(remote, forwarded, TRUSTED) == client


def test_key_matching():
    digests = [key_digest("alpha"), key_digest("beta")]
    assert key_matches("beta", digests)
    assert not key_matches("bet", digests)
    assert not key_matches("", digests)


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
def test_emotion_from_instructions(instructions, emotion):
    assert emotion_from_instructions(instructions) == emotion


def test_invalid_access_settings_are_reported():
    with pytest.raises(ConfigError, match="TTS_RATE_LIMIT"):
        load_settings(environ={"TTS_RATE_LIMIT": "lots"})
    with pytest.raises(ConfigError, match="TTS_TRUSTED_PROXIES"):
        load_settings(environ={"TTS_TRUSTED_PROXIES": "not-an-ip"})
    assert load_settings(environ={"TTS_API_KEYS": " a , b ,"}).api_key_list == ("a", "b")


def test_cors_when_configured():
    client = create_app({"warmup": False, "cors_origins": "https://app.example"}).test_client()
    allowed = client.options("/tts", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    other = client.get("/api/voices", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_oversize_identifiers_are_clear_errors(client):
    for path, body in (
        ("/v1/audio/speech", {"model": "tts-1", "voice": "v" * 101, "input": "你好"}),
        ("/v1/audio/speech", {"model": "m" * 101, "voice": "alloy", "input": "你好"}),
        ("/tts", {"text": "你好", "voice": "v" * 101}),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 400
        assert "at most 100 characters" in response.get_json()["error"]["message"]
