"""The API surface against the real service: the official OpenAI SDK, SSML over HTTP,
API keys and rate limits with a real redis-server, security headers, OpenAPI docs."""

from __future__ import annotations

import base64
import io
import json

import av
import numpy as np
import openai
import pytest
import redis
import requests
import soundfile

from tests.support import Gunicorn, RedisServer, free_port

pytestmark = pytest.mark.service

SENTENCE = "今天天气很好，我们去公园散步吧。"


@pytest.fixture(scope="module")
def sdk(live_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_server.url + "/v1", api_key="unused", max_retries=0, timeout=60)


def decoded_seconds(data: bytes, response_format: str) -> float:
    if response_format == "pcm":
        return len(data) / 2 / 24_000  # OpenAI's pcm: 24 kHz, 16-bit little-endian mono
    if response_format == "aac":  # ADTS: decoded by FFmpeg (libsndfile has no AAC)
        with av.open(io.BytesIO(data)) as container:
            frames = [f.to_ndarray() for f in container.decode(audio=0)]
            rate = container.streams.audio[0].sample_rate
        audio = np.concatenate(frames, axis=1)[0]
        assert np.abs(audio).max() > 0.05, "silent audio"
        return len(audio) / rate
    audio, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    assert np.abs(audio).max() > 0.05, "silent audio"
    return len(audio) / rate


@pytest.mark.parametrize("response_format", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_sdk_writes_a_playable_file_for_every_format(sdk, tmp_path, response_format):
    response = sdk.audio.speech.create(model="tts-1", voice="alloy", input=SENTENCE, response_format=response_format)
    path = tmp_path / f"speech.{response_format}"
    response.write_to_file(path)
    assert 2.0 < decoded_seconds(path.read_bytes(), response_format) < 5.0


def test_sdk_streaming_helper_receives_audio_in_chunks(sdk, tmp_path):
    text = "第一句话很短。第二句话稍微长一点，用来测试流式传输。第三句话结束这段文字。"
    path = tmp_path / "streamed.mp3"
    with sdk.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts", voice="nova", input=text, response_format="mp3"
    ) as response:
        assert response.headers["content-type"] == "audio/mpeg"
        assert response.headers.get("transfer-encoding") == "chunked"
        response.stream_to_file(path)
    assert decoded_seconds(path.read_bytes(), "mp3") > 5.0


def test_emotion_from_instructions_equals_the_explicit_field(sdk):
    def speak(**extra) -> bytes:
        speech = sdk.audio.speech.create(model="tts-1", voice="alloy", input=SENTENCE, response_format="wav", **extra)
        return speech.content

    sad = speak(instructions="Read this in a sad, tired voice.")
    assert sad == speak(extra_body={"emotion": "sad"})
    assert sad != speak()


def test_sdk_server_sent_events_carry_the_audio_then_done(sdk):
    events = []
    with sdk.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts", voice="alloy", input="第一句话。第二句话。", response_format="mp3", stream_format="sse"
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[len("data: ") :]))
    kinds = [e["type"] for e in events]
    assert kinds[-1] == "speech.audio.done" and set(kinds[:-1]) == {"speech.audio.delta"} and len(kinds) >= 3
    assert events[-1]["usage"]["input_tokens"] == len("第一句话。第二句话。")
    audio = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert decoded_seconds(audio, "mp3") > 1.5


def test_sdk_errors_are_openai_error_objects(sdk):
    with pytest.raises(openai.BadRequestError) as excinfo:
        sdk.audio.speech.create(model="tts-1", voice="alloy", input=SENTENCE, speed=4.0)
    error = excinfo.value.body
    assert error["code"] == "invalid_parameter" and "speed" in error["message"]
    assert error["type"] == "invalid_request_error" and error["param"] == "speed"
    with pytest.raises(openai.BadRequestError, match="unknown voice"):
        sdk.audio.speech.create(model="tts-1", voice="nobody", input=SENTENCE)


def test_sdk_lists_models_and_voices(sdk, live_server):
    assert {"tts-1", "tts-1-hd", "gpt-4o-mini-tts"} <= {m.id for m in sdk.models.list()}
    voices = requests.get(live_server.url + "/v1/audio/voices", timeout=10).json()["data"]
    assert {"alloy", "nova", "onyx", "shimmer"} <= {v["id"] for v in voices}


def test_ssml_over_http(live_server):
    plain = requests.post(live_server.url + "/tts", json={"text": "你好。再见。"}, timeout=60)
    paused = requests.post(
        live_server.url + "/tts",
        json={"text": '<speak>你好。<break time="1s"/>再见。</speak>'},
        timeout=60,
    )
    assert paused.status_code == 200
    assert float(paused.headers["X-Audio-Duration"]) > float(plain.headers["X-Audio-Duration"]) + 0.5


@pytest.mark.parametrize(
    "document",
    [
        '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><speak>&b;</speak>',
        '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><speak>&x;</speak>',
        "<speak>未闭合",
    ],
)
def test_malicious_or_malformed_ssml_is_a_400(live_server, document):
    response = requests.post(live_server.url + "/tts", json={"text": document}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_ssml"


def test_security_headers_and_no_cors_by_default(live_server):
    page = requests.get(live_server.url + "/", headers={"Origin": "https://evil.example"}, timeout=10)
    csp = page.headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Access-Control-Allow-Origin" not in page.headers
    preflight = requests.options(
        live_server.url + "/tts",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_openapi_document_and_offline_docs(live_server):
    spec = requests.get(live_server.url + "/openapi.json", timeout=10).json()
    assert spec["openapi"].startswith("3.")
    assert {"/tts", "/v1/audio/speech", "/v1/models", "/api/voices", "/healthz", "/readyz"} <= set(spec["paths"])
    page = requests.get(live_server.url + "/docs", timeout=10)
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    assert "//" not in page.text  # every asset is local: no CDN, no absolute URL
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js"):
        assert requests.get(f"{live_server.url}/docs/assets/{asset}", timeout=10).status_code == 200
    assert requests.get(live_server.url + "/docs/assets/..%2Fsecret", timeout=10).status_code == 404


# -- API keys and rate limits, counted in a real redis-server -------------------------------


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def guarded(redis_server):
    server = Gunicorn(workers=2, api_keys="key-one,key-two", rate_limit="4/minute", redis_url=redis_server.url)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_api_keys_guard_the_api_but_not_the_probes(guarded):
    url = guarded.url
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/"):
        assert requests.get(url + path, timeout=10).status_code == 200, path
    missing = requests.post(url + "/tts", json={"text": "你好"}, timeout=10)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing_api_key"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = requests.get(url + "/api/voices", headers=bearer("key-on"), timeout=10)
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    sdk = openai.OpenAI(base_url=url + "/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        sdk.models.list()
    ok = requests.post(url + "/tts", json={"text": "你好"}, headers=bearer("key-two"), timeout=60)
    assert ok.status_code == 200 and ok.headers["Content-Type"] == "audio/wav"


def test_rate_limit_is_shared_by_workers_through_redis(guarded, redis_server):
    url = guarded.url + "/v1/models"
    statuses, last = [], None
    for _ in range(6):
        # A new connection each time, so both workers take requests.
        last = requests.get(url, headers={**bearer("key-one"), "Connection": "close"}, timeout=10)
        statuses.append(last.status_code)
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert int(last.headers["Retry-After"]) > 0
    assert last.headers["X-RateLimit-Limit"] == "4" and last.headers["X-RateLimit-Remaining"] == "0"
    assert last.json()["error"]["code"] == "rate_limited"
    assert any(b"huayin" in k for k in redis.Redis.from_url(redis_server.url).keys("*"))
    # Another key has its own budget.
    assert requests.get(url, headers=bearer("key-two"), timeout=10).status_code == 200


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(redis_server):
    server = Gunicorn(workers=1, rate_limit="2/minute", redis_url=redis_server.url, trusted_proxies="10.9.9.9")
    try:
        url = server.wait_ready().url + "/v1/models"
        # We are 127.0.0.1, not the trusted proxy: inventing addresses does not buy requests.
        spoofed = [requests.get(url, headers={"X-Forwarded-For": f"198.51.100.{i}"}, timeout=10) for i in range(3)]
        assert [r.status_code for r in spoofed] == [200, 200, 429]
    finally:
        server.stop()
    server = Gunicorn(workers=1, rate_limit="2/minute", redis_url=redis_server.url)  # trusts 127.0.0.1 (Nginx)
    try:
        url = server.wait_ready().url + "/v1/models"
        clients = [requests.get(url, headers={"X-Forwarded-For": f"203.0.113.{i}"}, timeout=10) for i in range(3)]
        assert [r.status_code for r in clients] == [200, 200, 200]
        # Without API keys a bearer token proves nothing: inventing tokens does not buy requests.
        invented = [
            requests.get(url, headers={"X-Forwarded-For": "203.0.113.99", **bearer(f"made-up-{i}")}, timeout=10)
            for i in range(3)
        ]
        assert [r.status_code for r in invented] == [200, 200, 429]
    finally:
        server.stop()


def test_rate_limits_let_requests_through_when_redis_is_down():
    server = Gunicorn(workers=1, rate_limit="1/minute", redis_url=f"redis://127.0.0.1:{free_port()}/0")
    try:
        url = server.wait_ready().url + "/v1/models"
        assert [requests.get(url, timeout=10).status_code for _ in range(3)] == [200, 200, 200]
    finally:
        server.stop()
