"""Scale-out measurements with the real programs: two gunicorn instances behind the real nginx
(deploy/nginx/huayin.conf) sharing one real redis-server.

  1. cache hit ratio across replicas: a set of texts requested round-robin through nginx, each
     text several times; with the shared Redis cache a text made by one instance is a hit on the
     other, without it each instance makes it once;
  2. failover: clients keep sending requests while one whole instance is SIGKILLed; the errors
     seen before, around and after the kill are counted.

Run: ``.venv/bin/python bench/scale_out.py`` (prints a table, writes bench/results/scale_out.json).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import Gunicorn, Nginx, RedisServer  # noqa: E402

# An odd number of texts: nginx's round robin then sends each text to the other instance next time.
TEXTS = [f"第{i}位客户您好，您的订单已经发货，请注意查收。" for i in range(11)]


def hit_ratio(url: str, repeats: int) -> dict:
    results: Counter[str] = Counter()
    session = requests.Session()
    for _ in range(repeats):
        for text in TEXTS:
            response = session.post(url + "/tts", json={"text": text}, timeout=120)
            response.raise_for_status()
            results[response.headers["X-Cache"]] += 1
    total = sum(results.values())
    return {"requests": total, "hits": results["HIT"], "hit_ratio": round(results["HIT"] / total, 3)}


def cache_across_replicas(repeats: int) -> dict:
    out = {}
    for shared in (False, True):
        redis_server = RedisServer()
        settings = {"workers": 1, "shared_cache_ttl": 3600 if shared else 0, "redis_url": redis_server.url}
        instances = [Gunicorn(**settings), Gunicorn(**settings)]
        try:
            for instance in instances:
                instance.wait_ready()
            proxy = Nginx(*(i.port for i in instances))
            try:
                out["shared" if shared else "per_instance_only"] = hit_ratio(proxy.url, repeats)
            finally:
                proxy.stop()
        finally:
            for instance in instances:
                instance.stop()
            redis_server.stop()
    return out


def failover(clients: int, seconds_before: float, seconds_after: float) -> dict:
    doomed, survivor = Gunicorn(workers=1), Gunicorn(workers=1)
    for instance in (doomed, survivor):
        instance.wait_ready()
        requests.post(instance.url + "/tts", json={"text": "预热。"}, timeout=120).raise_for_status()
    proxy = Nginx(doomed.port, survivor.port)
    results: list[tuple[float, float, int]] = []
    stop = threading.Event()

    def client(n: int) -> None:
        session = requests.Session()
        i = 0
        while not stop.is_set():
            i += 1
            sent = time.monotonic()
            try:
                status = session.post(
                    proxy.url + "/tts", json={"text": f"第{n}号客户端第{i}句话。"}, timeout=120
                ).status_code
            except requests.RequestException:
                status = -1
            results.append((sent, time.monotonic(), status))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(seconds_before)
        killed_at = time.monotonic()
        doomed.kill()
        time.sleep(seconds_after)
        stop.set()
        for thread in threads:
            thread.join(120)
    finally:
        stop.set()
        proxy.stop()
        survivor.stop()
        doomed.stop()

    def summary(rows: list[tuple[float, float, int]]) -> dict:
        return {"requests": len(rows), "errors": sum(1 for *_, s in rows if s != 200)}

    return {
        "clients": clients,
        "before_kill": summary([r for r in results if r[1] < killed_at]),
        "in_flight_at_kill": summary([r for r in results if r[0] < killed_at <= r[1]]),
        "sent_after_kill": summary([r for r in results if r[0] >= killed_at]),
        "error_statuses": sorted({s for *_, s in results if s != 200}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=4, help="times each text is asked for")
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    report = {
        "cache_across_replicas": cache_across_replicas(args.repeats),
        "failover": failover(args.clients, seconds_before=5, seconds_after=10),
    }
    print(json.dumps(report, indent=2))
    (ROOT / "bench" / "results" / "scale_out.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
