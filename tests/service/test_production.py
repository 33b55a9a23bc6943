"""Production behaviour of the real service: overload, deadlines, streaming through Nginx,
formats, cache, metrics across workers, logs and request ids."""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import soundfile

from tests.support import Gunicorn

pytestmark = pytest.mark.service

LONG_TEXT = "语音合成服务需要在高负载下保持稳定，并且能够及时地拒绝超出能力范围的请求。" * 8


def metric(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:]+)(\{[^}]*\})? ([0-9.eE+-]+)$", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


@pytest.fixture(scope="module")
def tight_server():
    """One worker that runs one synthesis at a time and queues one more."""
    server = Gunicorn(workers=1, concurrency=1, queue=1).wait_ready()
    yield server
    server.stop()


def test_overload_gets_a_fast_503_with_retry_after(tight_server):
    results: list[tuple[int, float, requests.Response]] = []

    def call() -> None:
        started = time.monotonic()
        response = requests.post(tight_server.url + "/tts", json={"text": LONG_TEXT}, timeout=120)
        results.append((response.status_code, time.monotonic() - started, response))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    statuses = sorted(code for code, _, _ in results)
    assert statuses.count(200) == 2  # one running, one queued
    assert statuses.count(503) == 4
    for code, elapsed, response in results:
        if code == 503:
            assert elapsed < 1.0, "a refused request must be refused at once"
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json()["error"]["code"] == "overloaded"


def test_deadline_gives_a_json_504():
    server = Gunicorn(workers=1, request_timeout=1).wait_ready()
    try:
        started = time.monotonic()
        response = requests.post(server.url + "/tts", json={"text": LONG_TEXT * 2}, timeout=60)
        elapsed = time.monotonic() - started
        assert response.status_code == 504
        assert response.json()["error"]["code"] == "timeout"
        assert elapsed < 3.0
        # The worker is free again afterwards.
        assert requests.post(server.url + "/tts", json={"text": "你好"}, timeout=30).status_code == 200
    finally:
        server.stop()


def test_a_client_that_disconnects_stops_its_synthesis(tight_server):
    body = json.dumps({"text": LONG_TEXT * 3}).encode()
    host, port = "127.0.0.1", tight_server.port
    with socket.create_connection((host, port)) as sock:
        request_id = "disconnect-test-1"
        sock.sendall(
            b"POST /tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"X-Request-ID: {request_id}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        time.sleep(0.5)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and request_id not in tight_server.output():
        time.sleep(0.2)
    line = next(json.loads(x) for x in tight_server.output().splitlines() if request_id in x)
    assert line["status"] == 499
    assert line["duration_ms"] < 5000  # far less than the ~10 s the whole text takes


@pytest.mark.parametrize(
    ("fmt", "rate"),
    [
        ("wav", None),
        ("wav", 8000),
        ("wav", 44100),
        ("mp3", None),
        ("mp3", 16000),
        ("ogg", None),
        ("ogg", 48000),
        ("flac", 22050),
        ("pcm", None),
        ("pcm", 16000),
    ],
)
def test_every_format_decodes_to_the_expected_duration(live_server, fmt, rate):
    body = {"text": "今天天气很好，我们去公园散步吧。", "format": fmt}
    if rate:
        body["sample_rate"] = rate
    response = requests.post(live_server.url + "/tts", json=body, timeout=60)
    assert response.status_code == 200, response.text
    expected = float(response.headers["X-Audio-Duration"])
    out_rate = rate or 24000
    assert int(response.headers["X-Sample-Rate"]) == out_rate
    if fmt == "pcm":
        assert response.headers["Content-Type"].startswith("audio/pcm")
        duration = len(response.content) / 2 / out_rate
    else:
        info = soundfile.info(io.BytesIO(response.content))
        assert info.samplerate == out_rate and info.channels == 1
        duration = info.duration
    # MP3 frames carry encoder delay and padding (up to ~0.11 s); the others are exact.
    assert duration == pytest.approx(expected, abs=0.15 if fmt == "mp3" else 0.01)
    content_types = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "flac": "audio/flac"}
    if fmt in content_types:
        assert response.headers["Content-Type"].startswith(content_types[fmt])


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"format": "m4a"}, "format"),
        ({"sample_rate": 11025}, "sample_rate"),
        ({"format": "ogg", "sample_rate": 44100}, "sample_rate"),
        ({"stream": "yes"}, "stream"),
    ],
)
def test_unsupported_format_choices_are_clear_400s(live_server, body, param):
    response = requests.post(live_server.url + "/tts", json={"text": "你好", **body}, timeout=30)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert param in (error.get("param") or "") or param in error["message"]


def test_repeated_requests_are_served_from_the_cache(live_server):
    body = {"text": "缓存测试：同样的请求第二次直接返回。", "emotion": "sad"}
    first = requests.post(live_server.url + "/tts", json=body, timeout=60)
    # Each worker has its own cache: ask until the worker that has it answers.
    hits = [requests.post(live_server.url + "/tts", json=body, timeout=60) for _ in range(6)]
    assert first.headers["X-Cache"] == "MISS"
    hit = next(r for r in hits if r.headers["X-Cache"] == "HIT")
    assert hit.content == first.content
    different = requests.post(live_server.url + "/tts", json={**body, "speed": 1.1}, timeout=60)
    assert different.headers["X-Cache"] == "MISS"


def test_metrics_add_up_across_workers(live_server):
    before = requests.get(live_server.url + "/metrics", timeout=10).text

    def workers_seen() -> set[int]:
        return {json.loads(x)["worker_pid"] for x in live_server.output().splitlines() if '"metrics-' in x}

    # Which worker accepts a connection is up to the kernel: send batches of
    # concurrent requests until both workers have served some.
    def speak(n: int) -> str:
        text = f"指标测试第{n}句。"
        headers = {"X-Request-ID": f"metrics-{n}"}
        assert requests.post(live_server.url + "/tts", json={"text": text}, headers=headers, timeout=60).ok
        return text

    texts: list[str] = []
    with ThreadPoolExecutor(4) as pool:
        while len(texts) < 64 and (len(texts) < 16 or len(workers_seen()) < 2):
            texts += pool.map(speak, range(len(texts), len(texts) + 4))
    after = requests.get(live_server.url + "/metrics", timeout=10).text
    chars = metric(after, "tts_characters_total") - metric(before, "tts_characters_total")
    assert chars == sum(len(t) for t in texts)
    served = metric(after, "flask_http_request_duration_seconds_count", endpoint="tts.tts", status="200") - metric(
        before, "flask_http_request_duration_seconds_count", endpoint="tts.tts", status="200"
    )
    assert served == len(texts)
    assert len(workers_seen()) == 2  # …served by both workers
    assert metric(after, "tts_engine_load_seconds") > 0
    assert "tts_queue_depth" in after and "tts_synthesis_seconds_bucket" in after


def test_one_json_access_line_per_request_without_the_text(live_server):
    rid = "log-line-test"
    requests.post(live_server.url + "/tts", json={"text": "秘密内容不应出现在日志里。"}, headers={"X-Request-ID": rid})
    time.sleep(0.2)
    lines = [json.loads(x) for x in live_server.output().splitlines() if rid in x]
    assert len(lines) == 1
    line = lines[0]
    assert line["logger"] == "huayin.access"
    assert {"method", "path", "status", "duration_ms", "text_chars", "audio_seconds", "cache"} <= set(line)
    assert line["text_chars"] == 13
    assert "秘密" not in live_server.output()


def test_a_reload_keeps_the_metrics_counted_so_far():
    server = Gunicorn(workers=1).wait_ready()
    try:
        assert requests.post(server.url + "/tts", json={"text": "重新加载之前。"}, timeout=60).ok
        before = metric(requests.get(server.url + "/metrics", timeout=10).text, "tts_characters_total")
        assert before >= 7
        server.process.send_signal(signal.SIGHUP)
        time.sleep(2)
        server.wait_ready()
        after = metric(requests.get(server.url + "/metrics", timeout=10).text, "tts_characters_total")
        assert after >= before
    finally:
        server.stop()
