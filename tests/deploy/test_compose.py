"""docker-compose.yml, validated offline two ways, and the topology issue 12 asks for.

1. The Compose Specification's JSON schema, as vendored in the PyPI package check-jsonschema
   (read from the installed package, not copied here).
2. Debian's docker-compose (1.29) `config`, which also resolves anchors, volumes, networks and
   depends_on; it needs no Docker engine for that (DOCKER_HOST points nowhere to prove it).
No container runtime runs here: the same topology runs without containers in tests/e2e/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.support import require_program

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE = yaml.safe_load(COMPOSE_FILE.read_text())
SERVICES = COMPOSE["services"]
NGINX_SITE = ROOT / "deploy" / "nginx" / "huayin.conf"
NGINX_START = ROOT / "deploy" / "compose" / "nginx-start.sh"


def test_compose_file_matches_the_compose_specification_schema():
    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(COMPOSE)]
    assert not errors, "\n".join(errors)


def test_compose_file_is_accepted_by_docker_compose_config_without_an_engine(tmp_path):
    binary = require_program("docker-compose", "/usr/bin/docker-compose")
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    result = subprocess.run(
        [binary, "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE), "config"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert sorted(resolved["services"]) == ["app", "nginx", "redis", "worker"]


def test_two_app_replicas_and_one_job_worker_share_the_image_settings_and_job_volume():
    app, worker = SERVICES["app"], SERVICES["worker"]
    assert app["deploy"]["replicas"] == 2
    assert app["command"] == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert worker["command"] == ["celery", "-A", "app.jobs", "worker", "--loglevel=INFO", "--concurrency=1"]
    for key in ("image", "build", "environment", "volumes"):
        assert worker[key] == app[key], key
    job_dir = app["environment"]["TTS_JOB_DIR"]
    assert f"jobs:{job_dir}" in app["volumes"]
    assert "jobs" in COMPOSE["volumes"]
    assert app["environment"]["TTS_REDIS_URL"].startswith("redis://redis:")


def test_services_start_in_order_of_health():
    for name, service in SERVICES.items():
        assert "test" in service["healthcheck"], name
    assert SERVICES["nginx"]["depends_on"] == {"app": {"condition": "service_healthy"}}
    for name in ("app", "worker"):
        assert SERVICES[name]["depends_on"] == {"redis": {"condition": "service_healthy"}}
    # Healthy app = engine loaded; the job worker has no HTTP, so it is pinged through the broker.
    assert "/readyz" in " ".join(SERVICES["app"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(SERVICES["worker"]["healthcheck"]["test"])


def test_app_replicas_outlast_the_request_deadline_when_stopped():
    settings = SERVICES["app"]["environment"]
    grace = int(SERVICES["app"]["stop_grace_period"].rstrip("s"))
    assert float(settings["TTS_GRACEFUL_TIMEOUT"]) >= float(settings["TTS_REQUEST_TIMEOUT"]) == 120
    assert grace > float(settings["TTS_GRACEFUL_TIMEOUT"])


def test_redis_is_bounded_and_evicts_only_expiring_keys():
    command = SERVICES["redis"]["command"]
    assert command[command.index("--maxmemory") + 1] == "256mb"
    assert command[command.index("--maxmemory-policy") + 1] == "volatile-lru"


def test_nginx_serves_the_projects_site_file_and_static_files_and_is_the_only_trusted_proxy():
    nginx = SERVICES["nginx"]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in nginx["volumes"]}
    assert mounts["/etc/huayin/huayin.conf"] == "./deploy/nginx/huayin.conf"
    static_alias = re.search(r"alias\s+(\S+);", NGINX_SITE.read_text()).group(1)
    assert mounts[static_alias.rstrip("/")] == "./static"
    address = nginx["networks"]["huayin"]["ipv4_address"]
    assert SERVICES["app"]["environment"]["TTS_TRUSTED_PROXIES"] == address


def run_nginx_start(tmp_path: Path, site: str, upstream: str = "app:8000") -> subprocess.CompletedProcess:
    source, output = tmp_path / "site.conf", tmp_path / "default.conf"
    source.write_text(site)
    env = {**os.environ, "HUAYIN_SITE_SOURCE": str(source), "HUAYIN_SITE_OUTPUT": str(output)}
    env["HUAYIN_UPSTREAM"] = upstream
    return subprocess.run(
        ["sh", str(NGINX_START), "cat", str(output)], capture_output=True, text=True, env=env, timeout=10
    )


def upstream_servers(conf: str) -> list[str]:
    block = re.search(r"upstream\s+huayin_app\s*\{(.*?)\}", conf, flags=re.DOTALL).group(1)
    return re.findall(r"^\s*server\s+([^;]+);", block, flags=re.MULTILINE)


def test_compose_nginx_points_the_real_site_file_at_the_app_service_and_changes_nothing_else(tmp_path):
    site = NGINX_SITE.read_text()
    result = run_nginx_start(tmp_path, site)
    assert result.returncode == 0, result.stderr
    (server,) = upstream_servers(result.stdout)
    assert server.split()[0] == "app:8000"
    others = [line for line in site.splitlines() if not re.match(r"\s*server\s+[\d.:\[\]]+", line)]
    assert [line for line in result.stdout.splitlines() if "app:8000" not in line] == others


def test_compose_nginx_keeps_server_parameters_and_collapses_local_instances(tmp_path):
    site = "upstream huayin_app {\n  server 127.0.0.1:8000 max_fails=2;\n  server 127.0.0.1:8001;\n  keepalive 8;\n}\n"
    result = run_nginx_start(tmp_path, site)
    assert result.returncode == 0, result.stderr
    assert upstream_servers(result.stdout) == ["app:8000 max_fails=2"]
    assert "keepalive 8;" in result.stdout


def test_compose_nginx_refuses_a_site_file_without_the_upstream(tmp_path):
    result = run_nginx_start(tmp_path, "server { listen 80; }\n")
    assert result.returncode != 0
    assert "upstream huayin_app" in result.stderr


@pytest.mark.parametrize("service", ["app", "worker"])
def test_huayin_containers_are_read_only_and_unprivileged(service):
    settings = SERVICES[service]
    assert settings["read_only"] is True
    assert "/tmp" in settings["tmpfs"]
    assert settings["cap_drop"] == ["ALL"]
