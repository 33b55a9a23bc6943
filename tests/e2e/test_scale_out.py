"""Many instances: a Redis audio cache shared by replicas, the Nginx edge cache for GET links,
and failover between two gunicorn instances behind the real nginx."""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests

from tests.support import Gunicorn, Nginx, RedisServer

pytestmark = pytest.mark.service

TEXT = "共享缓存让多个实例之间互相复用合成结果。"


def metric_value(text: str, name: str) -> list[float]:
    return [float(m.group(1)) for m in re.finditer(rf"^{name}(?:\{{[^}}]*\}})? ([0-9.eE+-]+)$", text, re.M)]


def test_replicas_share_cached_audio_and_keep_working_without_redis():
    redis_server = RedisServer()
    first = second = None
    try:
        first = Gunicorn(workers=1, redis_url=redis_server.url)
        second = Gunicorn(workers=1, redis_url=redis_server.url)
        first.wait_ready()
        second.wait_ready()
        made = requests.post(first.url + "/tts", json={"text": TEXT}, timeout=60)
        shared = requests.post(second.url + "/tts", json={"text": TEXT}, timeout=60)
        assert made.headers["X-Cache"] == "MISS"
        assert shared.headers["X-Cache"] == "HIT" and shared.content == made.content
        assert requests.get(second.url + "/readyz", timeout=10).json()["shared_cache"] == "on"

        redis_server.stop()
        other = requests.post(second.url + "/tts", json={"text": "缓存服务停了，合成照样进行。"}, timeout=60)
        assert other.status_code == 200 and other.headers["X-Cache"] == "MISS"
        ready = requests.get(second.url + "/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["shared_cache"] == "off"
        assert metric_value(requests.get(second.url + "/metrics", timeout=10).text, "tts_shared_cache_up") == [0.0]
    finally:
        for server in (first, second):
            if server is not None:
                server.stop()
        redis_server.stop()


def test_the_edge_cache_answers_a_repeated_link_without_reaching_gunicorn():
    app = Gunicorn(workers=1).wait_ready()
    proxy = Nginx(app.port, edge_cache=True)
    try:
        link = proxy.url + "/tts?text=" + requests.utils.quote("边缘缓存：同一个链接第二次不必再合成。")
        first = requests.get(link, headers={"X-Request-ID": "edge-first"}, timeout=60)
        again = requests.get(link, headers={"X-Request-ID": "edge-second"}, timeout=60)
        assert first.status_code == again.status_code == 200
        assert first.headers["X-Edge-Cache"] == "MISS" and again.headers["X-Edge-Cache"] == "HIT"
        assert again.content == first.content
        time.sleep(0.3)
        log = app.output()
        assert "edge-first" in log and "edge-second" not in log  # the second never reached gunicorn
        posted = requests.post(proxy.url + "/tts", json={"text": "边缘缓存不保存POST请求。"}, timeout=60)
        assert posted.status_code == 200 and posted.headers.get("X-Edge-Cache") is None  # POSTs bypass it
    finally:
        proxy.stop()
        app.stop()


def test_new_requests_keep_succeeding_when_a_whole_instance_is_killed():
    doomed = Gunicorn(workers=1)
    survivor = Gunicorn(workers=1)
    for instance in (doomed, survivor):  # ready, and past its warm-up
        instance.wait_ready()
        assert requests.post(instance.url + "/tts", json={"text": "预热。"}, timeout=120).status_code == 200
    proxy = Nginx(doomed.port, survivor.port)
    results: list[tuple[float, int]] = []
    stop = threading.Event()

    def client(n: int) -> None:
        session = requests.Session()
        i = 0
        while not stop.is_set():
            i += 1
            try:
                status = session.post(
                    proxy.url + "/tts", json={"text": f"故障转移测试{n}第{i}句。"}, timeout=60
                ).status_code
            except requests.RequestException:
                status = -1
            results.append((time.monotonic(), status))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(3)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(4)
        killed_at = time.monotonic()
        doomed.kill()
        time.sleep(6)
        stop.set()
        for thread in threads:
            thread.join(60)
        before = [s for t, s in results if t < killed_at]
        after = [s for t, s in results if t > killed_at + 1.0]  # requests sent after the kill
        assert before and all(s == 200 for s in before), results
        assert len(after) >= 3 and all(s == 200 for s in after), after
    finally:
        stop.set()
        proxy.stop()
        survivor.stop()
        doomed.stop()
