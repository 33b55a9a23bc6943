"""The reading preview and the pronunciation lexicon through the real service: a deployment file
(TTS_LEXICON) read at start, reloaded on SIGHUP, a bad line reported; per-request entries."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.support import ROOT, Gunicorn, free_port

pytestmark = pytest.mark.service


def preview(url: str, text: str, **extra: object) -> list[dict]:
    response = requests.post(url + "/tts/preview", json={"text": text, **extra}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["sentences"]


def test_the_preview_shows_the_spoken_form_and_pinyin_of_each_sentence(live_server):
    sentences = preview(live_server.url, "验证码是690253。银行行长到了。")
    assert [s["source"] for s in sentences] == ["验证码是690253。", "银行行长到了。"]
    assert sentences[0]["spoken"].startswith("验证码是六九零二五三")
    assert "liu4 jiu3 ling2 er4 wu3 san1" in sentences[0]["pinyin"]
    assert sentences[1]["pinyin"].startswith("yin2 hang2 hang2 zhang3")
    assert {(r["source"], r["spoken"]) for r in sentences[0]["rewritten"]} == {("690253", "六九零二五三")}
    assert any(p["char"] == "行" for p in sentences[1]["polyphones"])


def test_ssml_is_previewed_as_it_will_be_read(live_server):
    sentences = preview(live_server.url, '<speak>你<phoneme alphabet="pinyin" ph="hang2">行</phoneme>吗</speak>')
    assert "hang2" in sentences[0]["pinyin"]


def test_request_entries_change_the_reading_and_bad_ones_name_the_entry(live_server):
    default = preview(live_server.url, "重庆")[0]["pinyin"]
    assert preview(live_server.url, "重庆", lexicon={"重庆": "zhong4 qing4"})[0]["pinyin"] == "zhong4 qing4"
    assert default == "chong2 qing4"
    bad = requests.post(live_server.url + "/tts", json={"text": "你好", "lexicon": {"你好": "ni9 hao3"}}, timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "lexicon"
    assert "entry line 1" in bad.json()["error"]["message"]
    too_many = {f"词{i}": "ci2" for i in range(101)}
    assert (
        requests.post(live_server.url + "/tts", json={"text": "你好", "lexicon": too_many}, timeout=30).status_code
        == 400
    )


def test_the_deployment_lexicon_is_read_at_start_and_again_on_sighup(tmp_path):
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("# 我们的读法\nHuaYin 华音\n重庆 zhong4 qing4\n", encoding="utf-8")
    server = Gunicorn(workers=1, lexicon=str(lexicon)).wait_ready()
    try:
        assert preview(server.url, "重庆")[0]["pinyin"] == "zhong4 qing4"
        assert preview(server.url, "HuaYin")[0]["spoken"] == "华音"

        lexicon.write_text("重庆 chong2 qing4\n", encoding="utf-8")
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while preview(server.url, "重庆")[0]["pinyin"] != "chong2 qing4":
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.5)

        lexicon.write_text("重庆 chong2 qing9\n", encoding="utf-8")  # a typo: the last good one stays
        server.process.send_signal(signal.SIGHUP)
        time.sleep(3)
        server.wait_ready()
        assert preview(server.url, "重庆")[0]["pinyin"] == "chong2 qing4"
        assert "lexicon not reloaded" in server.output() and "line 1" in server.output()
    finally:
        server.stop()


def test_a_bad_lexicon_stops_the_start_naming_the_line(tmp_path):
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("重庆 zhong4 qing4\n银行 yin2\n", encoding="utf-8")
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "TTS_LEXICON": str(lexicon), "TTS_PORT": str(port), "TTS_HOST": "127.0.0.1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert f"TTS_LEXICON: {lexicon} line 2" in done.stderr
