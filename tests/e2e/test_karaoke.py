"""The WebUI's karaoke view and subtitle link in a real headless Chromium."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import srt

from tests.e2e.test_webui import CHROMIUM_ARGS, open_page, wait_for_audio
from tests.support import require_program

pytestmark = pytest.mark.browser

TEXT = "今天天气很好，我们去公园散步吧。人工智能正在改变我们的生活。"


@pytest.fixture(scope="module")
def browser():
    chromium = require_program("chromium", "/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playback started by the test, not by a click: allow it without a user gesture.
        browser = p.chromium.launch(
            executable_path=chromium, args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
        )
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, live_server):
    context, page, errors = open_page(browser, live_server.url, "/")
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def synthesize(page, text: str, fmt: str = "wav") -> None:
    page.fill("#text", text)
    page.select_option("#format", fmt)
    page.click("#synthesize")
    wait_for_audio(page)
    page.evaluate("document.getElementById('player').play()")  # timings are fetched on the first play
    deadline = time.monotonic() + 60
    while page.get_attribute("#karaoke", "data-ready") != "1":
        assert time.monotonic() < deadline, "the karaoke view never got its timings"
        page.wait_for_timeout(100)


def state(page) -> tuple[float, int | None]:
    """(audio.currentTime, offset of the highlighted character) read at one moment."""
    time_, offset = page.evaluate(
        "[document.getElementById('player').currentTime, document.getElementById('karaoke').dataset.current]"
    )
    return time_, int(offset) if offset else None


def test_the_highlighted_character_moves_while_the_audio_plays(page):
    synthesize(page, TEXT)
    assert page.locator("#karaoke .karaoke-char").count() == len(TEXT)  # every character and mark timed
    page.evaluate("document.getElementById('player').pause()")  # the page's own autoplay, stopped
    page.evaluate("document.getElementById('player').currentTime = 0")
    page.evaluate("document.getElementById('player').play()")
    seen: list[tuple[float, int]] = []
    deadline = time.monotonic() + 10
    while len({offset for _, offset in seen}) < 6 and time.monotonic() < deadline:
        now, offset = state(page)
        if offset is not None:
            seen.append((now, offset))
        page.wait_for_timeout(60)
    offsets = [offset for _, offset in seen]
    assert len(set(offsets)) >= 6, seen  # it moved through the text
    assert offsets == sorted(offsets), seen  # forwards, with the audio
    times = [t for t, _ in seen]
    assert times == sorted(times) and times[-1] > times[0]


def test_clicking_a_sentence_seeks_to_it(page):
    synthesize(page, TEXT)
    page.evaluate("document.getElementById('player').pause()")
    second = page.locator("#karaoke .karaoke-sentence").nth(1)
    assert second.text_content() == "人工智能正在改变我们的生活"
    second.click()
    now, offset = state(page)
    assert TEXT[offset] == "人"
    assert 2.5 < now < 5.0  # after the first sentence (about 3.2 s)


def test_subtitles_download_as_srt(page, tmp_path: Path):
    synthesize(page, TEXT)
    assert page.text_content("#subtitles") == "下载字幕 (SRT)"
    with page.expect_download() as download:
        page.click("#subtitles")
    path = tmp_path / "clip.srt"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".srt")
    cues = list(srt.parse(path.read_text(encoding="utf-8")))
    assert [c.content for c in cues] == ["今天天气很好", "我们去公园散步吧", "人工智能正在改变我们的生活"]


def test_chromium_plays_the_mp3_delay_that_timestamps_add(page):
    """MP3 timings add 1105 samples (the stream has no gapless tag): Chromium's decoder plays them too."""
    onsets = page.evaluate(
        """async () => {
          const context = new OfflineAudioContext(1, 1, 24000);
          const onset = async (format) => {
            const response = await fetch("/tts", {
              method: "POST", headers: {"Content-Type": "application/json"},
              body: JSON.stringify({text: "今天天气很好。", format}),
            });
            const audio = await context.decodeAudioData(await response.arrayBuffer());
            return audio.getChannelData(0).findIndex((x) => Math.abs(x) > 0.05);
          };
          return [await onset("wav"), await onset("mp3")];
        }"""
    )
    print("chromium mp3 onset - wav onset:", onsets[1] - onsets[0], "samples")
    assert onsets[1] - onsets[0] == pytest.approx(1105, abs=24)  # within 1 ms
