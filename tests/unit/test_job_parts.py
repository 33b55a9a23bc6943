"""The pure parts of long-text jobs, in-process: ids, records, result files, the file writer.
Redis, Celery workers and HTTP are exercised for real in tests/e2e/test_jobs.py."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from app.jobs.files import AudioFileWriter, ResultFiles
from app.jobs.state import FAILED, QUEUED, RUNNING, SUCCEEDED, JobRecord, new_job_id, valid_job_id

RATE = 24000


def record(**changes) -> JobRecord:
    fields = {
        "id": new_job_id(),
        "status": QUEUED,
        "request": {"text": "你好。", "speed": 1.0},
        "format": "wav",
        "sample_rate": 24000,
        "text_chars": 3,
        "client": "",
        "created_at": 1_800_000_000.0,
        "expires_at": 1_800_086_400.0,
    }
    return JobRecord(**{**fields, **changes})


def tone(seconds: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_job_ids_are_random_and_only_our_own_shape_is_accepted():
    ids = {new_job_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(valid_job_id(i) for i in ids)
    for bad in ("", "abc", "../../etc/passwd", "A" * 21, "A" * 23, "A" * 21 + "/", "A" * 21 + "."):
        assert not valid_job_id(bad)


def test_a_record_survives_the_round_trip_through_redis_strings():
    original = record(client="abc123")
    stored = original.to_hash()
    assert all(isinstance(v, str) for v in stored.values())
    assert JobRecord.from_hash(original.id, stored) == original


def test_the_document_offers_audio_only_once_the_job_succeeded():
    queued = record().document(1_800_000_001.0, 30, "/audio")
    assert queued["status"] == "queued" and queued["audio_url"] is None and queued["error"] is None
    assert queued["created_at"] == "2027-01-15T08:00:00Z"
    assert set(queued["progress"]) == {"sentences_done", "sentences_total", "audio_seconds"}
    done = record(status=SUCCEEDED, sentences_done=4, sentences_total=4, audio_seconds=12.3456)
    doc = done.document(1_800_000_100.0, 30, "/audio")
    assert doc["audio_url"] == "/audio" and doc["progress"]["audio_seconds"] == 12.346
    failed = record(status=FAILED, error_code="synthesis_failed", error_message="boom").document(0, 30, "/a")
    assert failed["error"] == {"code": "synthesis_failed", "message": "boom"}


def test_a_running_job_whose_worker_went_silent_says_so():
    job = record(status=RUNNING, heartbeat=1000.0)
    assert not job.stale(1020.0, 30) and job.document(1020.0, 30, "")["error"] is None
    assert job.stale(1031.0, 30)
    error = job.document(1031.0, 30, "")["error"]
    assert error["code"] == "worker_lost" and "31 s" in error["message"]
    assert not record(status=SUCCEEDED, heartbeat=0.0).stale(1e9, 30)


def test_a_result_appears_only_when_complete(tmp_path):
    files = ResultFiles(tmp_path / "jobs")
    job_id = new_job_id()
    with pytest.raises(RuntimeError), files.writing(job_id, "wav", "w1") as file:
        file.write(b"half a file")
        assert list(files.root.iterdir()) == [files.part_path(job_id, "w1")]
        raise RuntimeError("worker stopped")
    assert list(files.root.iterdir()) == []
    with files.writing(job_id, "wav", "w1") as file:
        file.write(b"whole")
    assert [p.name for p in files.root.iterdir()] == [f"{job_id}.wav"]


def test_the_sweep_removes_files_of_gone_jobs_and_of_killed_workers(tmp_path):
    files = ResultFiles(tmp_path)
    kept_result, expired, failed, kept_part, old_part = (new_job_id() for _ in range(5))
    records = {
        kept_result: record(id=kept_result, status=SUCCEEDED),
        failed: record(id=failed, status=FAILED),
        kept_part: record(id=kept_part, status=RUNNING, owner="host-2-abc"),
        old_part: record(id=old_part, status=RUNNING, owner="host-3-new"),
    }
    for job_id in (kept_result, expired, failed):
        files.path(job_id, "wav").write_bytes(b"x")
    files.part_path(kept_part, "host-2-abc").write_bytes(b"x")
    # The running job's timings being written (the sweep once read their owner as "host-2-abc.timings").
    files.timings_part_path(kept_part, "host-2-abc").write_bytes(b"x")
    files.part_path(old_part, "host-1-old").write_bytes(b"x")  # the attempt before, killed
    files.timings_part_path(old_part, "host-1-old").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not a job file")
    assert files.sweep(records.get) == 4
    left = sorted(p.name for p in tmp_path.iterdir())
    kept = [f".{kept_part}.host-2-abc.part", f".{kept_part}.host-2-abc.timings.part"]
    assert left == sorted([f"{kept_result}.wav", *kept, "notes.txt"])


@pytest.mark.parametrize(("fmt", "rate"), [("wav", 24000), ("wav", 16000), ("flac", 22050), ("ogg", 48000)])
def test_the_file_writer_makes_a_whole_file_from_pieces(tmp_path, fmt, rate):
    pieces = [tone(0.7), tone(1.3), tone(0.25)]
    path = tmp_path / f"out.{fmt}"
    with open(path, "w+b") as file:
        writer = AudioFileWriter(file, fmt, RATE, rate)
        for piece in pieces:
            writer.write(piece)
        writer.finish()
    info = soundfile.info(str(path))
    assert info.samplerate == rate
    assert info.frames / rate == pytest.approx(2.25, abs=0.03)


def test_a_streamed_wav_file_gets_its_real_sizes(tmp_path):
    path = tmp_path / "out.wav"
    with open(path, "w+b") as file:
        writer = AudioFileWriter(file, "wav", RATE, RATE)
        writer.write(tone(1.0))
        writer.finish()
    data = path.read_bytes()
    assert int.from_bytes(data[4:8], "little") == len(data) - 8
    audio, rate = soundfile.read(io.BytesIO(data))
    assert (len(audio), rate) == (RATE, RATE)


def test_mp3_results_are_mp3(tmp_path):
    path = tmp_path / "out.mp3"
    with open(path, "w+b") as file:
        writer = AudioFileWriter(file, "mp3", RATE, RATE)
        writer.write(tone(1.0))
        writer.finish()
    data = path.read_bytes()
    assert data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def test_without_redis_jobs_answer_503_with_the_reason(client):
    response = client.post("/v1/audio/jobs", json={"text": "你好。"})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "jobs_unavailable" and "TTS_REDIS_URL" in error["message"]
    assert client.get("/v1/audio/jobs/" + new_job_id()).status_code == 503


def test_a_job_cannot_be_streamed():
    from app.errors import InvalidParameter
    from app.schemas import JobParams, validate

    with pytest.raises(InvalidParameter, match="stream"):
        validate(JobParams, {"text": "你好。", "stream": True}, strict=True)
    assert validate(JobParams, {"text": "你好。", "speed": 1.5}, strict=True).speed == 1.5


def test_reading_jobs_is_not_rate_limited_but_starting_them_is():
    from app import create_app

    client = create_app({"warmup": False, "rate_limit": "2/minute"}).test_client()
    for _ in range(5):  # polling a job's progress uses up nothing (503 here: no Redis)
        assert client.get("/v1/audio/jobs/" + new_job_id()).status_code == 503
    statuses = [client.post("/v1/audio/jobs", json={"text": "你好。"}).status_code for _ in range(3)]
    assert statuses == [503, 503, 429]
