"""The WebUI in a real headless Chromium (Debian's binary, driven by Playwright)."""

from __future__ import annotations

import time

import pytest

from tests.support import Gunicorn, require_program

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    chromium = require_program("chromium", "/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, url: str, path: str):
    """A page at ``path``, with its JavaScript errors and Content-Security-Policy reports collected."""
    context = browser.new_context(base_url=url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(path)
    return context, page, errors


@pytest.fixture()
def page(browser, live_server):
    context, page, errors = open_page(browser, live_server.url, "/")
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def wait_for_audio(page, timeout: float = 60.0) -> None:
    """Poll from Python: the CSP (rightly) forbids the eval that wait_for_function needs."""
    deadline = time.monotonic() + timeout
    while page.locator("#player").evaluate("el => el.readyState") < 1:
        assert time.monotonic() < deadline, "the audio never loaded"
        page.wait_for_timeout(100)


def test_typing_text_and_clicking_gives_a_playable_audio_source(page):
    page.fill("#text", "欢迎使用华音语音合成。")
    assert page.text_content("#char-count").startswith("11 /")
    page.select_option("#emotion", "happy")
    page.fill("#speed", "1.2")
    page.click("#synthesize")
    wait_for_audio(page)
    src = page.get_attribute("#player", "src")
    assert src.startswith("blob:")
    duration = page.evaluate("document.getElementById('player').duration")
    assert 1.0 < duration < 6.0
    assert page.get_attribute("#download", "href") == src
    assert page.get_attribute("#download", "download").endswith(".wav")
    assert page.is_enabled("#synthesize")
    assert "时长" in page.text_content("#audio-info")


def test_button_shows_a_busy_state_while_synthesising(page):
    page.fill("#text", "这是一段稍微长一点的文本，用来观察按钮在合成期间的状态。" * 3)
    page.click("#synthesize")
    page.wait_for_selector("#synthesize:disabled", timeout=5_000)
    assert page.text_content("#synthesize") == "合成中…"
    page.wait_for_selector("#synthesize:enabled", timeout=60_000)


def test_server_errors_are_shown_to_the_user(page):
    page.fill("#text", "😀😀")
    page.click("#synthesize")
    page.wait_for_selector("#error:not([hidden])", timeout=30_000)
    assert "nothing that can be spoken" in page.text_content("#error")


def test_empty_text_is_caught_in_the_page(page):
    page.fill("#text", "   ")
    page.click("#synthesize")
    page.wait_for_selector("#error:not([hidden])")
    assert "请输入" in page.text_content("#error")


def test_example_buttons_fill_the_text_box(page):
    page.click("[data-example] >> nth=2")
    assert "2024年5月1日" in page.input_value("#text")


def test_user_text_is_never_rendered_as_html(page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.fill("#text", "<img src=x onerror=alert(1)>你好")
    page.click("#synthesize")
    wait_for_audio(page)
    assert page.locator("img").count() == 0
    assert not dialogs


def test_api_docs_render_offline_under_the_csp(browser, live_server):
    context, page, errors = open_page(browser, live_server.url, "/docs")
    try:
        page.get_by_text("/v1/audio/speech").first.wait_for(timeout=30_000)
        assert page.locator(".opblock").count() >= 8
    finally:
        context.close()
    assert not errors, f"errors on /docs: {errors}"


def test_choosing_a_format_downloads_that_format(page):
    page.fill("#text", "换一种格式。")
    page.select_option("#format", "mp3")
    page.click("#synthesize")
    wait_for_audio(page)
    assert page.get_attribute("#download", "download").endswith(".mp3")
    assert page.text_content("#download") == "下载 MP3"


def test_a_long_text_starts_playing_while_it_is_still_being_synthesised(page):
    page.fill("#text", ("语音合成让机器能够像人一样自然地说话，边合成边播放可以让用户更快听到声音。" * 30)[:1000])
    page.click("#synthesize")
    deadline = time.monotonic() + 120
    while page.get_attribute("#result", "data-stream-ms") is None:
        assert time.monotonic() < deadline, "the stream never finished"
        page.wait_for_timeout(100)
    first_sound = int(page.get_attribute("#result", "data-first-sound-ms"))
    whole = int(page.get_attribute("#result", "data-stream-ms"))
    assert first_sound < 500, f"first sound after {first_sound} ms"
    assert first_sound < whole / 4  # playing began long before the response ended
    wait_for_audio(page)
    assert page.evaluate("document.getElementById('player').duration") > 100  # ~1,000 characters of speech


def test_the_history_replays_and_downloads_earlier_clips_with_their_settings(page):
    page.fill("#text", "第一段语音。")
    page.click("#synthesize")
    wait_for_audio(page)
    first_src = page.get_attribute("#player", "src")
    page.fill("#text", "第二段语音，换成开心的语气。")
    page.select_option("#emotion", "happy")
    page.select_option("#format", "mp3")
    page.click("#synthesize")
    page.wait_for_selector("#history li >> nth=1")
    items = page.locator("#history li")
    assert items.count() == 2
    newest, oldest = items.nth(0), items.nth(1)
    assert "第二段" in newest.text_content() and "happy" in newest.text_content() and "MP3" in newest.text_content()
    assert "第一段" in oldest.text_content() and "WAV" in oldest.text_content()
    assert oldest.locator("a").get_attribute("download").endswith(".wav")
    oldest.locator("button.replay").click()
    assert page.get_attribute("#player", "src") == first_src


def test_the_reading_view_shows_pinyin_and_fixes_a_polyphone(page):
    page.fill("#text", "房间号1208，银行行长来了。")
    page.click("#preview-button")
    page.wait_for_selector("#reading ruby", timeout=30_000)
    rewritten = page.locator("#reading ruby.rewritten").first
    assert "1208" in rewritten.text_content() and "yao1 er4 ling2 ba1" in rewritten.locator("rt").text_content()
    assert "hang2" in page.text_content("#reading-sentences")
    polyphone = page.locator("#reading ruby.polyphone", has_text="长").first
    polyphone.click()
    page.locator("#reading-fix button.reading-choice", has_text="chang2").click()
    value = page.input_value("#text")
    assert value.startswith("<speak>") and '<phoneme alphabet="pinyin" ph="chang2">长</phoneme>' in value
    assert page.text_content("#reading-fix .lexicon-line") == "长 chang2"
    page.click("#preview-button")  # the fix is now how it is read
    page.wait_for_timeout(300)
    deadline = time.monotonic() + 30
    while "chang2" not in page.text_content("#reading-sentences"):
        assert time.monotonic() < deadline
        page.wait_for_timeout(100)


def test_with_api_keys_on_the_page_sends_the_key_typed_into_it(browser):
    server = Gunicorn(workers=1, api_keys="page-key").wait_ready()
    context, page, errors = open_page(browser, server.url, "/")
    try:
        page.fill("#text", "带密钥的请求。")
        page.click("#synthesize")
        page.wait_for_selector("#error:not([hidden])", timeout=30_000)
        assert "API key" in page.text_content("#error")  # no key typed yet: the service says so
        page.fill("#api-key", "page-key")
        page.click("#synthesize")
        wait_for_audio(page)
        page.click("#preview-button")
        page.wait_for_selector("#reading ruby", timeout=30_000)
    finally:
        context.close()
        server.stop()
    assert not errors, f"JavaScript errors: {errors}"
