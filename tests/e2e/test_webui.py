"""The WebUI in a real headless Chromium (Debian's binary, driven by Playwright)."""

from __future__ import annotations

import pytest

from tests.support import require_program

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


@pytest.fixture()
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/")
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_typing_text_and_clicking_gives_a_playable_audio_source(page):
    page.fill("#text", "欢迎使用华音语音合成。")
    assert page.text_content("#char-count").startswith("11 /")
    page.select_option("#emotion", "happy")
    page.fill("#speed", "1.2")
    page.click("#synthesize")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=60_000)
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
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=60_000)
    assert page.locator("img").count() == 0
    assert not dialogs
