"""Helpers to run the real service (gunicorn) and real system programs in tests."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def require_program(name: str, *candidates: str) -> str:
    """Path of a system program; missing is a failure under CI=true and a skip elsewhere."""
    found = shutil.which(name) or next((c for c in candidates if os.access(c, os.X_OK)), None)
    if found:
        return found
    message = f"{name} is not installed (run `make test`, which installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """The service as users run it: gunicorn with gunicorn.conf.py, gevent workers."""

    def __init__(self, **settings: str | int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "TTS_HOST": "127.0.0.1", "TTS_PORT": str(self.port)}
        env.update({f"TTS_{k.upper()}": str(v) for k, v in settings.items()})
        self.log = tempfile.NamedTemporaryFile(prefix="huayin-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() takes the workers too
        )

    def wait_ready(self, timeout: float = 90.0) -> Gunicorn:
        """Wait until /readyz succeeds several times in a row (so every worker is loaded)."""
        deadline = time.monotonic() + timeout
        streak = 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            try:
                streak = streak + 1 if requests.get(self.url + "/readyz", timeout=2).status_code == 200 else 0
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy loading
                streak = 0
            if streak >= 6:
                return self
            time.sleep(0.2)
        raise TimeoutError(f"service not ready after {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole instance, master and workers at once (a crashed machine)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)


class SystemServer:
    """A real server program started for a test, listening on a loopback port, in a temp dir."""

    name = "server"
    port: int
    dir: Path
    process: subprocess.Popen

    def _wait_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"{self.name} exited: {stderr}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"{self.name} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _substitute(pattern: str, replacement: str, text: str, *, expected: int | None = None) -> str:
    """``re.subn`` that fails loudly when deploy/nginx/ no longer has what the tests adapt."""
    result, count = re.subn(pattern, replacement, text, flags=re.M)
    if count == 0 or (expected is not None and count != expected):
        raise AssertionError(f"deploy/nginx/: expected {expected or 'some'} match(es) of {pattern!r}")
    return result


NGINX_DIR = ROOT / "deploy" / "nginx"


def nginx_site(upstream_ports: list[int], listen_port: int, *, edge_cache: bool = False) -> str:
    """deploy/nginx/huayin.conf as shipped, with only its machine-specific parts changed: the
    instances in the upstream block (keeping the shipped server parameters), the listen port,
    the checkout path and, with ``edge_cache``, the optional cache include switched on."""
    site = (NGINX_DIR / "huayin.conf").read_text()
    first = re.search(r"^upstream huayin_app \{[^}]*?^\s*server [^\s;]+(?P<params>[^;]*);", site, re.M | re.S)
    if first is None:
        raise AssertionError("deploy/nginx/huayin.conf: no server line in upstream huayin_app")
    servers = "".join(f"    server 127.0.0.1:{port}{first['params']};\n" for port in upstream_ports)
    site = _substitute(r"^\s*server \S+ max_fails[^;]*;\n", "", site)
    site = _substitute(r"^(upstream huayin_app \{\n(?:\s*#[^\n]*\n)*)", rf"\g<1>{servers}", site, expected=1)
    site = _substitute(r"^(\s*)listen \S+;", rf"\g<1>listen 127.0.0.1:{listen_port};", site, expected=1)
    if edge_cache:
        include = rf"\g<1>include {NGINX_DIR}/huayin-edge-cache.conf;"
        site = _substitute(r"^(\s*)# include /etc/nginx/huayin-edge-cache.conf;", include, site, expected=1)
    return _substitute(r"/srv/huayin/", f"{ROOT}/", site)


class Nginx(SystemServer):
    """The real nginx binary with deploy/nginx/, only its paths and ports substituted."""

    name = "nginx"

    def __init__(self, *upstream_ports: int, edge_cache: bool = False) -> None:
        binary = require_program("nginx", "/usr/sbin/nginx")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="huayin-nginx-"))
        (self.dir / "huayin.conf").write_text(nginx_site(list(upstream_ports), self.port, edge_cache=edge_cache))
        temp = self.dir / "temp"
        temp.mkdir()
        zone = ""
        if edge_cache:
            zone = (NGINX_DIR / "huayin-edge-cache-zone.conf").read_text()
            zone = _substitute(
                r"proxy_cache_path /var/cache/nginx/huayin ", f"proxy_cache_path {self.dir}/cache ", zone
            )
        # The main file is the part a distribution ships (/etc/nginx/nginx.conf), reduced to
        # what a test needs; the site file above is the one users deploy.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(
            f"""{user}worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {self.dir}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    sendfile on;
{zone}
    include {self.dir}/huayin.conf;
}}
"""
        )
        self.process = subprocess.Popen(
            [binary, "-c", str(self.dir / "nginx.conf"), "-p", str(self.dir), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_listening()


class RedisServer(SystemServer):
    """A throw-away real redis-server on a free loopback port, nothing saved to disk."""

    name = "redis-server"

    def __init__(self) -> None:
        binary = require_program("redis-server", "/usr/bin/redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = Path(tempfile.mkdtemp(prefix="huayin-redis-"))
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        self._wait_listening()


class CeleryWorker:
    """A real job worker as ``make worker`` starts it (``celery -A app.jobs worker``), in its
    own process group so a test can SIGKILL all of it at once, as a lost container would be."""

    def __init__(self, redis_url: str, job_dir: str | Path, **settings: str | int | float) -> None:
        env = {**os.environ, "TTS_REDIS_URL": redis_url, "TTS_JOB_DIR": str(job_dir)}
        env.update({f"TTS_{k.upper()}": str(v) for k, v in settings.items()})
        self.log = tempfile.NamedTemporaryFile(prefix="huayin-celery-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app.jobs", "worker", "--loglevel=INFO", "--concurrency=1",
             "--hostname", f"huayin-test-{free_port()}@%h", "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60.0) -> CeleryWorker:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.process.returncode}:\n{self.output()}")
            if re.search(r"\bready\.", self.output()):
                return self
            time.sleep(0.2)
        raise TimeoutError(f"celery worker not ready after {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), with no chance to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown: the current job finishes
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)
