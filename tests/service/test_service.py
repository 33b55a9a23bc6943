"""The real service under gunicorn with gevent workers, over real HTTP."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.audio_checks import decode_wav, rms, speech_fraction
from tests.support import Gunicorn

pytestmark = pytest.mark.service

SENTENCE = "今天天气很好，我们去公园散步吧。"


def post(url: str, **body) -> requests.Response:
    return requests.post(url + "/tts", json=body, timeout=120)


def test_readme_example_returns_a_few_seconds_of_clear_speech(live_server):
    response = post(live_server.url, text=SENTENCE)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "audio/wav"
    audio, rate = decode_wav(response.content)
    assert rate == 24000
    assert 2.0 < len(audio) / rate < 5.0
    assert rms(audio) > 0.02
    assert speech_fraction(audio, rate) > 0.5


def test_wav_is_16_bit_pcm_mono(live_server):
    data = post(live_server.url, text="你好").content
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    channels = int.from_bytes(data[22:24], "little")
    bits = int.from_bytes(data[34:36], "little")
    assert (channels, bits) == (1, 16)


def test_duration_is_proportional_to_text(live_server):
    one = float(post(live_server.url, text="我们一起去公园散步。").headers["X-Audio-Duration"])
    four = float(post(live_server.url, text="我们一起去公园散步。" * 4).headers["X-Audio-Duration"])
    assert 3.3 < four / one < 4.6


def test_same_input_gives_the_same_bytes_on_any_worker(live_server):
    bodies = {post(live_server.url, text="确定性测试。", emotion="happy").content for _ in range(4)}
    assert len(bodies) == 1


def test_form_post_and_get_link(live_server):
    by_form = requests.post(live_server.url + "/tts", data={"text": "你好"}, timeout=60)
    by_link = requests.get(live_server.url + "/tts", params={"text": "你好"}, timeout=60)
    assert by_form.status_code == by_link.status_code == 200
    assert by_form.content == by_link.content


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {"text": ""}}, 400, "empty_text"),
        ({"json": {"text": "好", "speed": 9}}, 400, "invalid_parameter"),
        ({"json": {"text": "好" * 5001}}, 413, "text_too_long"),
        ({"data": "{oops", "headers": {"Content-Type": "application/json"}}, 400, "invalid_json"),
        ({"data": "今天", "headers": {"Content-Type": "text/plain"}}, 415, "unsupported_media_type"),
    ],
)
def test_bad_requests_get_json_errors_over_http(live_server, kwargs, status, code):
    response = requests.post(live_server.url + "/tts", timeout=30, **kwargs)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code


def test_unknown_route_and_method_over_http(live_server):
    assert requests.get(live_server.url + "/nope", timeout=10).json()["error"]["code"] == "not_found"
    assert requests.put(live_server.url + "/tts", timeout=10).json()["error"]["code"] == "method_not_allowed"


def test_voices_and_readiness(live_server):
    assert requests.get(live_server.url + "/readyz", timeout=10).json()["status"] == "ready"
    voices = requests.get(live_server.url + "/api/voices", timeout=10).json()
    assert len(voices["emotions"]) >= 7


def test_healthz_answers_while_the_only_worker_synthesises_a_long_text():
    server = Gunicorn(workers=1).wait_ready()
    try:
        long_text = "这是一段用于测试的很长的文本，服务在合成它的同时必须继续回答健康检查。" * 20
        done = threading.Event()
        result: dict = {}

        def synthesise() -> None:
            result["response"] = post(server.url, text=long_text)
            done.set()

        worker = threading.Thread(target=synthesise)
        worker.start()
        time.sleep(0.5)  # the synthesis is under way
        answered_during_synthesis = 0
        while not done.is_set():
            started = time.monotonic()
            response = requests.get(server.url + "/healthz", timeout=5)
            elapsed = time.monotonic() - started
            assert response.status_code == 200
            assert elapsed < 1.0, f"/healthz took {elapsed:.2f}s while synthesising"
            if not done.is_set():
                answered_during_synthesis += 1
            time.sleep(0.1)
        worker.join()
        assert result["response"].status_code == 200
        assert answered_during_synthesis >= 5
    finally:
        server.stop()
