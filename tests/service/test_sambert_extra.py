"""The Sambert engine with the real ModelScope installed (``make sambert-env``), and the
real service configured for Sambert without a usable model: clear errors, no crash loop."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
import requests

from tests.support import ROOT, Gunicorn

pytestmark = pytest.mark.service

SAMBERT_PYTHON = ROOT / ".venv-sambert" / "bin" / "python"

# Runs inside the extra's environment. Any network connection fails loudly, so the
# test also shows that a missing model directory never turns into a download.
PROBE = r"""
import json, socket, sys, tempfile, pathlib

def refuse(*args, **kwargs):
    raise AssertionError("network access attempted")

socket.socket.connect = refuse
socket.create_connection = refuse

from modelscope.outputs import OutputKeys
from modelscope.pipelines import pipeline
from modelscope.utils.constant import Tasks

from app.engines import EngineUnavailable
from app.engines.sambert import OUTPUT_WAV, SambertEngine

report = {"task": Tasks.text_to_speech, "output_key": OutputKeys.OUTPUT_WAV, "adapter_key": OUTPUT_WAV}
try:
    SambertEngine("/nonexistent/speech_sambert-hifigan_tts_zh-cn_16k")
except EngineUnavailable as exc:
    report["missing_dir"] = str(exc)

model = pathlib.Path(tempfile.mkdtemp())
(model / "configuration.json").write_text(json.dumps({
    "framework": "pytorch", "task": "text-to-speech",
    "model": {"type": "sambert-hifigan"}, "pipeline": {"type": "sambert-hifigan-tts"},
}))
try:
    SambertEngine(str(model))  # the real ModelScope loading code runs and fails
except EngineUnavailable as exc:
    report["failed_load"] = str(exc)
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def extra_report() -> dict:
    if not SAMBERT_PYTHON.exists():
        message = "the Sambert test environment is missing: run `make sambert-env` (make test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run(
        [str(SAMBERT_PYTHON), "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_real_modelscope_entry_points_match_the_adapter(extra_report):
    assert extra_report["task"] == "text-to-speech"
    assert extra_report["output_key"] == extra_report["adapter_key"] == "output_wav"


def test_missing_model_directory_is_a_clear_error_without_network(extra_report):
    message = extra_report["missing_dir"]
    assert "does not exist" in message and "TTS_SAMBERT_MODEL_DIR" in message


def test_a_model_that_cannot_load_says_why(extra_report):
    message = extra_report["failed_load"]
    assert message.startswith("ModelScope could not load the Sambert model")
    assert "kantts" in message or "Python" in message  # the front-end only exists for Python <= 3.10


def test_service_without_a_usable_model_stays_up_and_says_why(tmp_path):
    server = Gunicorn(workers=1, engine="sambert", sambert_model_dir=str(tmp_path / "missing"))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(server.url + "/healthz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # still booting
                pass
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.2)
        ready = requests.get(server.url + "/readyz", timeout=5)
        while ready.json()["status"] == "loading":  # the first load attempt is still under way
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.2)
            ready = requests.get(server.url + "/readyz", timeout=5)
        assert ready.status_code == 503 and "does not exist" in ready.json()["error"]["message"]
        for _ in range(3):
            tts = requests.post(server.url + "/tts", json={"text": "你好"}, timeout=10)
            assert tts.status_code == 503 and tts.json()["error"]["code"] == "engine_unavailable"
        assert server.process.poll() is None
        assert server.output().count("Booting worker") == 1  # no crash loop
        assert "does not exist" in server.output()  # and the log says why
    finally:
        server.stop()
