"""The real nginx with deploy/nginx/huayin.conf in front of the real service: streaming passes
through unbuffered, static files are served by nginx, request ids, and every error nginx makes
itself is JSON like the app's."""

from __future__ import annotations

import http.client
import io
import json
import re
import time

import openai
import pytest
import requests
import soundfile

from tests.support import Nginx, free_port

pytestmark = pytest.mark.service

LONG_TEXT = "语音合成服务需要在高负载下保持稳定，并且能够及时地拒绝超出能力范围的请求。" * 8


def pcm_seconds(data: bytes) -> float:
    return len(data) / 2 / 24_000  # OpenAI's pcm: 24 kHz, 16-bit little-endian mono


def test_streaming_through_nginx_sends_the_first_audio_before_synthesis_ends(live_nginx):
    started = time.monotonic()
    first_chunk_at = None
    data = b""
    with requests.post(
        live_nginx.url + "/tts", json={"text": LONG_TEXT, "stream": True}, stream=True, timeout=120
    ) as response:
        assert response.status_code == 200
        assert response.headers.get("Transfer-Encoding") == "chunked"
        for chunk in response.iter_content(chunk_size=None):
            if first_chunk_at is None and len(data + chunk) > 44:  # past the WAV header
                first_chunk_at = time.monotonic() - started
            data += chunk
    total = time.monotonic() - started
    assert first_chunk_at is not None
    assert first_chunk_at < total / 3
    audio, rate = soundfile.read(io.BytesIO(data))
    assert rate == 24000 and len(audio) / rate > 20


@pytest.mark.parametrize("fmt", ["mp3", "ogg", "pcm"])
def test_other_streaming_formats_decode(live_nginx, fmt):
    response = requests.post(
        live_nginx.url + "/tts",
        json={"text": "第一句话。第二句话。第三句话。", "stream": True, "format": fmt},
        timeout=60,
    )
    assert response.status_code == 200
    if fmt == "pcm":
        assert len(response.content) / 2 / 24000 > 2.0
    else:
        assert soundfile.info(io.BytesIO(response.content)).duration > 2.0


def test_request_ids_pass_through_nginx_and_are_generated_when_missing(live_nginx):
    given = requests.get(live_nginx.url + "/healthz", headers={"X-Request-ID": "trace-42"}, timeout=10)
    assert given.headers["X-Request-ID"] == "trace-42"
    made = requests.get(live_nginx.url + "/healthz", timeout=10)
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    hostile = requests.get(live_nginx.url + "/healthz", headers={"X-Request-ID": "bad id\u0007"}, timeout=10)
    assert hostile.headers["X-Request-ID"] != "bad id\u0007"


def test_nginx_serves_static_files_with_caching_and_gzip(live_nginx):
    response = requests.get(live_nginx.url + "/static/app.js", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=604800" in response.headers["Cache-Control"]
    assert "X-Request-ID" not in response.headers  # served by Nginx, never reached the app


def test_nginx_answers_json_when_the_service_is_down():
    proxy = Nginx(free_port())  # nothing listens there
    try:
        response = requests.get(proxy.url + "/tts?text=你好", timeout=10)
        assert response.status_code == 502
        assert response.json()["error"]["code"] == "bad_gateway"
        too_big = requests.post(proxy.url + "/tts", data="x" * 300_000, timeout=10)
        assert too_big.status_code == 413
        assert too_big.json()["error"]["code"] == "request_too_large"
    finally:
        proxy.stop()


def test_nginx_refuses_overlong_links_in_json(live_nginx):
    response = requests.get(live_nginx.url + "/tts", params={"text": "很长的文本" * 400}, timeout=10)
    assert response.status_code == 414
    assert response.json()["error"]["code"] == "uri_too_long"


def test_sdk_streams_through_nginx(live_nginx, tmp_path):
    sdk = openai.OpenAI(base_url=live_nginx.url + "/v1", api_key="unused", max_retries=0, timeout=60)
    text = "第一句话很短。" + "第二句话稍微长一点，用来测试经过反向代理的流式传输。" * 4
    started = time.perf_counter()
    with sdk.audio.speech.with_streaming_response.create(
        model="tts-1", voice="alloy", input=text, response_format="pcm"
    ) as response:
        chunks = response.iter_bytes(chunk_size=None)
        audio = next(chunks)
        first = time.perf_counter() - started
        audio += b"".join(chunks)
    total = time.perf_counter() - started
    assert first < total / 2  # Nginx passed the first piece on while the rest was being made
    assert pcm_seconds(audio) > 8.0


@pytest.mark.parametrize("path", ["/static/..%2f..%2fapp%2fconfig.py", "/a/../../etc/passwd", "/%", "/a%00b"])
def test_paths_nginx_refuses_get_a_json_400(live_nginx, path):
    connection = http.client.HTTPConnection("127.0.0.1", live_nginx.port, timeout=10)
    try:
        connection.request("GET", path)  # sent as written: no client-side clean-up of the path
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 400
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(body)["error"]["code"] == "bad_request"
