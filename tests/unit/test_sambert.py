"""Contract tests of the Sambert adapter: the real adapter and service code, with a stand-in
for ModelScope's pipeline that answers as it does (16 kHz WAV bytes under ``output_wav``)."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
import soundfile

from app import create_app
from app.api.context import get_service
from app.engines import EngineUnavailable
from app.engines.sambert import SambertEngine, check_model_dir, emotion_markup, load_pipeline
from app.synthesis import Deadline
from app.text.normalize import normalize

CONFIG = '{"framework": "pytorch", "task": "text-to-speech", "pipeline": {"type": "sambert-hifigan-tts"}}'


class StandInPipeline:
    """Answers like ModelScope's TTS pipeline: ``{"output_wav": <WAV file bytes>}``.

    The audio is a tone whose length follows the number of characters spoken
    (0.2 s each), so durations can be checked end to end.
    """

    def __init__(self, rate: int = 16_000, fail: Exception | None = None, output: dict | None = None) -> None:
        self.rate = rate
        self.fail = fail
        self.output = output
        self.calls: list[tuple[str, str]] = []

    def __call__(self, input: str, voice: str) -> dict:
        self.calls.append((input, voice))
        if self.fail:
            raise self.fail
        if self.output is not None:
            return self.output
        spoken = "".join(ElementTree.fromstring(input).itertext())
        t = np.arange(int(0.2 * len(spoken) * self.rate)) / self.rate
        buffer = io.BytesIO()
        soundfile.write(buffer, 0.3 * np.sin(2 * np.pi * 220 * t), self.rate, format="WAV", subtype="PCM_16")
        return {"output_wav": buffer.getvalue()}


@pytest.fixture()
def model_dir(tmp_path) -> Path:
    (tmp_path / "configuration.json").write_text(CONFIG)
    return tmp_path


def sambert_app(model_dir: Path, pipeline: StandInPipeline):
    app = create_app(
        {"engine": "sambert", "sambert_model_dir": str(model_dir), "warmup": False, "cache_mb": 0},
        engine_factory=lambda: SambertEngine(str(model_dir), load=lambda _path: pipeline),
    )
    return app.test_client()


def decode(body: bytes) -> tuple[np.ndarray, int]:
    return soundfile.read(io.BytesIO(body), dtype="float32")


def test_voice_and_emotion_reach_the_model_as_its_markup(model_dir):
    pipeline = StandInPipeline()
    client = sambert_app(model_dir, pipeline)
    response = client.post("/tts", json={"text": "你好。", "voice": "zhizhe_emo", "emotion": "angry", "intensity": 1.5})
    assert response.status_code == 200, response.get_json()
    assert pipeline.calls == [
        ('<speak><emotion category="angry" intensity="1.50">你好。</emotion></speak>', "zhizhe_emo")
    ]

    client.post("/tts", json={"text": "你好。"})
    assert pipeline.calls[-1] == ("<speak>你好。</speak>", "zhitian_emo")  # neutral, default voice

    voices = client.get("/api/voices").get_json()
    assert [v["id"] for v in voices["voices"]] == ["zhitian_emo", "zhiyan_emo", "zhizhe_emo", "zhibei_emo"]
    unknown = client.post("/tts", json={"text": "你好", "voice": "baker"})
    assert unknown.status_code == 400 and "zhibei_emo" in unknown.get_json()["error"]["message"]


def test_user_text_cannot_inject_markup(model_dir):
    pipeline = StandInPipeline()
    client = sambert_app(model_dir, pipeline)
    sneaky = "她说</emotion><break/>好&坏"
    assert client.post("/tts", json={"text": sneaky, "emotion": "sad"}).status_code == 200
    (markup, _voice), *_ = pipeline.calls
    root = ElementTree.fromstring(markup)
    emotions = root.findall("emotion")
    assert len(emotions) == 1 and emotions[0].get("category") == "sad" and list(emotions[0]) == []
    assert emotions[0].text == normalize(sneaky)  # the text, tags and all, stays text
    assert emotion_markup("a<b", "happy", 0.0) == "<speak>a&lt;b</speak>"
    assert (
        emotion_markup("x&y", "fear", 5.0)
        == '<speak><emotion category="fear" intensity="2.00">x&amp;y</emotion></speak>'
    )


def test_emotions_are_the_models_own_and_audio_is_decoded_unchanged(model_dir):
    pipeline = StandInPipeline()
    client = sambert_app(model_dir, pipeline)
    response = client.post("/tts", json={"text": "今天天气很好", "emotion": "happy"})
    audio, rate = decode(response.data)
    expected, _ = decode(pipeline("<speak>今天天气很好</speak>", "zhitian_emo")["output_wav"])
    assert rate == 16_000
    assert np.abs(audio - expected).max() < 1e-3  # no emotion preset applied on top of the model's


@pytest.mark.parametrize(("model_rate", "requested"), [(16_000, 48_000), (22_050, 8_000), (24_000, None)])
def test_decoding_and_resampling(model_dir, model_rate, requested):
    client = sambert_app(model_dir, StandInPipeline(rate=model_rate))
    body = {"text": "一二三四五", "format": "flac"} | ({"sample_rate": requested} if requested else {})
    audio, rate = decode(client.post("/tts", json=body).data)
    assert rate == (requested or 16_000)
    assert len(audio) / rate == pytest.approx(1.0, abs=0.01)  # five characters, 0.2 s each


def test_controls_formats_streaming_and_openai_voices_work_unchanged(model_dir):
    pipeline = StandInPipeline()
    client = sambert_app(model_dir, pipeline)
    slow = client.post("/tts", json={"text": "一二三四五", "speed": 0.5})
    assert float(slow.headers["X-Audio-Duration"]) == pytest.approx(2.0, abs=0.05)
    streamed = client.post("/tts", json={"text": "一二三。四五六。", "stream": True, "format": "mp3"})
    assert streamed.status_code == 200 and streamed.data[:2] == b"\xff\xf3"  # MPEG-2 layer III
    speech = client.post(
        "/v1/audio/speech", json={"model": "tts-1", "voice": "onyx", "input": "你好", "response_format": "wav"}
    )
    assert speech.status_code == 200 and pipeline.calls[-1][1] == "zhizhe_emo"  # a male voice for onyx
    pcm = client.post(
        "/v1/audio/speech", json={"model": "tts-1", "voice": "nova", "input": "一二三四五", "response_format": "pcm"}
    )
    assert len(pcm.data) / 2 / 24_000 == pytest.approx(1.0, abs=0.01)  # OpenAI's pcm is 24 kHz, whatever the model


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        (StandInPipeline(fail=RuntimeError("CUDA out of cheese")), "CUDA out of cheese"),
        (StandInPipeline(output={}), "no 'output_wav'"),
        (StandInPipeline(output={"output_wav": b"RIFF nonsense"}), "cannot be decoded"),
        (StandInPipeline(output={"output_wav": None}), "no WAV bytes"),
    ],
)
def test_synthesis_failures_are_clear_json_errors(model_dir, pipeline, message):
    response = sambert_app(model_dir, pipeline).post("/tts", json={"text": "你好"})
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "synthesis_failed" and message in error["message"]


def test_model_directory_checks(tmp_path):
    with pytest.raises(EngineUnavailable, match="TTS_SAMBERT_MODEL_DIR"):
        check_model_dir("")
    with pytest.raises(EngineUnavailable, match="does not exist"):
        check_model_dir(str(tmp_path / "missing"))
    with pytest.raises(EngineUnavailable, match=r"no configuration\.json"):
        check_model_dir(str(tmp_path))


def test_missing_extra_is_reported_with_the_install_command(model_dir):
    if importlib.util.find_spec("modelscope"):
        pytest.skip("this environment has the extra (see tests/service/test_sambert_extra.py)")
    with pytest.raises(EngineUnavailable, match="make sambert"):
        load_pipeline(model_dir)


def test_failed_load_makes_readyz_503_with_the_reason(tmp_path):
    app = create_app({"engine": "sambert", "sambert_model_dir": str(tmp_path / "nowhere"), "warmup": False})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    client.get("/readyz")  # starts loading
    get_service(app).run(lambda: None, deadline=Deadline(10))  # the load ran on the synthesis thread
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "does not exist" in ready.get_json()["error"]["message"]
    tts = client.post("/tts", json={"text": "你好"})
    assert tts.status_code == 503 and tts.get_json()["error"]["code"] == "engine_unavailable"
