"""The HTTP contract, in process: success responses and the whole error matrix."""

from __future__ import annotations

import io
import re

import av
import pytest

from app import create_app
from tests.audio_checks import decode_wav

OK_TEXT = "今天天气很好。"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def test_json_post_returns_a_wav_with_metadata_headers(client):
    response = client.post("/tts", json={"text": OK_TEXT})
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert 'filename="huayin-neutral-' in response.headers["Content-Disposition"]
    audio, rate = decode_wav(response.data)
    assert rate == 24000
    assert float(response.headers["X-Audio-Duration"]) == pytest.approx(len(audio) / rate, abs=0.001)
    assert float(response.headers["X-Synthesis-Time"]) > 0


def test_form_post_and_get_query_work_like_json(client):
    by_form = client.post("/tts", data={"text": OK_TEXT, "speed": "1.5", "emotion": "happy", "pitch": ""})
    by_query = client.get("/tts", query_string={"text": OK_TEXT, "speed": "1.5", "emotion": "happy"})
    by_json = client.post("/tts", json={"text": OK_TEXT, "speed": 1.5, "emotion": "happy"})
    assert by_form.status_code == by_query.status_code == by_json.status_code == 200
    assert by_form.data == by_query.data == by_json.data


def test_voices_lists_voices_and_emotions_with_labels(client):
    body = client.get("/api/voices").get_json()
    assert body["voices"][0]["id"] == "baker"
    emotions = {e["id"]: e for e in body["emotions"]}
    assert {"neutral", "happy", "sad", "angry", "fear", "surprise", "disgust"} <= set(emotions)
    assert emotions["happy"]["name_zh"] == "开心"
    assert emotions["happy"]["name_en"] == "Happy"


def test_healthz_is_cheap_and_always_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_index_serves_the_webui_with_local_assets_only(client):
    page = client.get("/").get_data(as_text=True)
    assert "华音" in page
    assert 'src="/static/app.js"' in page
    assert "http://" not in page and "https://" not in page
    assert client.get("/static/app.js").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code", "param"),
    [
        ({"text": ""}, 400, "empty_text", "text"),
        ({"text": "  \n\t "}, 400, "empty_text", "text"),
        ({}, 400, "invalid_parameter", "text"),
        ({"text": 123}, 400, "invalid_parameter", "text"),
        ({"text": ["好"]}, 400, "invalid_parameter", "text"),
        ({"text": OK_TEXT, "speed": "fast"}, 400, "invalid_parameter", "speed"),
        ({"text": OK_TEXT, "speed": True}, 400, "invalid_parameter", "speed"),
        ({"text": OK_TEXT, "speed": 2.5}, 400, "invalid_parameter", "speed"),
        ({"text": OK_TEXT, "speed": 0.1}, 400, "invalid_parameter", "speed"),
        ({"text": OK_TEXT, "pitch": 13}, 400, "invalid_parameter", "pitch"),
        ({"text": OK_TEXT, "volume": -1}, 400, "invalid_parameter", "volume"),
        ({"text": OK_TEXT, "intensity": 3}, 400, "invalid_parameter", "intensity"),
        ({"text": OK_TEXT, "emotion": "joyful"}, 400, "invalid_parameter", "emotion"),
        ({"text": OK_TEXT, "voice": "nobody"}, 400, "invalid_parameter", "voice"),
        ({"text": OK_TEXT, "format": "aiff"}, 400, "invalid_parameter", "format"),
        ({"text": OK_TEXT, "sped": 1}, 400, "invalid_parameter", "sped"),
        ({"text": "😀🎉"}, 400, "nothing_to_say", "text"),
    ],
)
def test_invalid_parameters_get_a_json_error_naming_the_parameter(client, body, status, code, param):
    error = assert_error(client.post("/tts", json=body), status, code)
    assert error["param"] == param


def test_non_finite_numbers_are_rejected(client):
    response = client.post("/tts", data='{"text": "好", "speed": NaN}', content_type="application/json")
    assert_error(response, 400, "invalid_parameter")


def test_text_over_the_limit_is_413(client, service):
    limit = service.settings.max_text_chars
    error = assert_error(client.post("/tts", json={"text": "好" * (limit + 1)}), 413, "text_too_long")
    assert error["limit"] == limit


@pytest.mark.parametrize("raw", ['{"text": "好"', "not json", "", '["好"]', '"好"', "\xff\xfe"])
def test_malformed_json_is_400(client, raw):
    assert_error(client.post("/tts", data=raw, content_type="application/json"), 400, "invalid_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/octet-stream"])
def test_wrong_content_type_is_415(client, content_type):
    assert_error(client.post("/tts", data="今天", content_type=content_type), 415, "unsupported_media_type")


def test_unknown_route_is_json_404(client):
    assert_error(client.get("/no/such/page"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow_header(client):
    response = client.delete("/tts")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
    assert_error(client.post("/healthz"), 405, "method_not_allowed")


def test_cors_allows_only_the_configured_origins():
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


def test_links_get_a_strong_etag_and_a_304_when_the_client_has_the_audio(client):
    link = client.get("/tts", query_string={"text": "链接缓存。"})
    assert link.status_code == 200
    etag = link.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)
    assert link.headers["Cache-Control"] == "public, max-age=86400"
    again = client.get("/tts", query_string={"text": "链接缓存。"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = client.get("/tts", query_string={"text": "链接缓存。", "speed": "1.1"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_posts_are_not_kept_by_caches(client):
    response = client.post("/tts", json={"text": "链接缓存。"})
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers


def test_links_are_private_when_api_keys_are_on():
    guarded = create_app({"warmup": False, "api_keys": "k1"}).test_client()
    response = guarded.get("/tts", query_string={"text": "你好"}, headers={"Authorization": "Bearer k1"})
    assert response.headers["Cache-Control"] == "private, max-age=86400"


@pytest.mark.parametrize("fmt", ["flac", "aac"])
def test_flac_and_aac_can_be_streamed(client, fmt):
    response = client.post("/tts", json={"text": "第一句话。第二句话。", "format": fmt, "stream": True})
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == f"audio/{fmt}"
    with av.open(io.BytesIO(response.data)) as container:
        seconds = sum(frame.samples for frame in container.decode(audio=0)) / 24_000
    assert seconds > 1.5
