"""``python -m app say`` as people script it: run as a real subprocess from the checkout."""

from __future__ import annotations

import io
import subprocess
import sys

import soundfile

from tests.support import ROOT


def say(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "app", "say", *args], cwd=ROOT, input=stdin, capture_output=True, timeout=180
    )


def test_text_to_a_wav_file(tmp_path):
    out = tmp_path / "a.wav"
    done = say("今天天气很好。", "-o", str(out), "--emotion", "happy", "--speed", "1.2")
    assert done.returncode == 0, done.stderr.decode()
    info = soundfile.info(str(out))
    assert info.samplerate == 24_000 and info.format == "WAV" and 0.8 < info.duration < 3.0


def test_a_text_file_with_a_progress_bar_and_the_format_from_the_extension(tmp_path):
    text = tmp_path / "chapter.txt"
    text.write_text("第一句话。第二句话比较长一些，用来测试进度条。第三句话。\n第二段开始了。", encoding="utf-8")
    out = tmp_path / "chapter.mp3"
    done = say("-f", str(text), "-o", str(out), "--progress")
    assert done.returncode == 0, done.stderr.decode()
    assert "4/4" in done.stderr.decode()  # one step per sentence
    assert soundfile.info(str(out)).duration > 4.0


def test_standard_input_to_standard_output():
    done = say("-", "-o", "-", "--format", "flac", "--sample-rate", "16000", stdin="你好，世界。".encode())
    assert done.returncode == 0, done.stderr.decode()
    audio, rate = soundfile.read(io.BytesIO(done.stdout))
    assert rate == 16_000 and len(audio) / rate > 0.5


def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path):
    for args, words in (
        (("你好", "-o", str(tmp_path / "x.wav"), "--speed", "9"), "speed"),
        (("", "-o", str(tmp_path / "x.wav")), "empty"),
        (("-f", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "x.wav")), "cannot read"),
        (("<speak><oops/></speak>", "-o", str(tmp_path / "x.wav")), "unsupported SSML element"),
    ):
        done = say(*args)
        errors = [line for line in done.stderr.decode().splitlines() if "error" in line]
        assert done.returncode == 2, (args, done.stderr.decode())
        assert len(errors) == 1 and words in errors[0], done.stderr.decode()
    assert not (tmp_path / "x.wav").exists()
