"""The review page in a real browser (Debian's headless Chromium, driven by Selenium) against
the real stack: every service a process, real models, the llm service answering through a
real HTTP proxy from an OpenAI-compatible server process. That server's model quotes the
transcript (`secretary_testing.quoting_llm`): an answer must cite for its citation to be
followed, and the small model that runs offline here seldom does (the llm service's own tests
run it)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from secretary_cli.stack import WITH_LLM, Stack
from secretary_testing.llm_servers import http_proxy, quoting_llm_server
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from tests.stack import running_stack

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (`make test` installs them)",
)
T = TypeVar("T")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with (
        quoting_llm_server(tmp_path_factory.mktemp("llm")) as llm_url,
        http_proxy(tmp_path_factory.mktemp("proxy")) as (proxy_url, _),
        running_stack(
            tmp_path_factory.mktemp("stack"),
            WITH_LLM,
            SECRETARY_LLM_BASE_URL=llm_url,
            SECRETARY_LLM_PROXY_URL=proxy_url,
            SECRETARY_LLM_MODEL="quoting",
            SECRETARY_LLM_TIMEOUT_S="60",
            SECRETARY_LLM_MAX_ANSWER_TOKENS="80",
        ) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def recording_id(stack: Stack, dialogue_video: Path) -> str:
    created = stack.gateway.upload(dialogue_video, {"title": "Planning"})
    assert stack.gateway.watch(created["id"], timeout_s=300)["status"] == "done"
    return str(created["id"])


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(os.environ.get("SECRETARY_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--autoplay-policy=no-user-gesture-required",
        "--mute-audio",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def eventually(check: Callable[[], T | None], timeout_s: float = 30, what: str = "") -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            found = check()
        except (StaleElementReferenceException, WebDriverException):
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise TimeoutError(what or "the page did not get there")


def _words(browser: WebDriver) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "#transcript .word")


def _sign_in(browser: WebDriver, stack: Stack) -> None:
    browser.get(stack.gateway_url + "/")
    key = eventually(lambda: browser.find_element(By.ID, "api-key"), what="the sign-in form")
    key.send_keys("sec_wrong_key")
    browser.find_element(By.ID, "sign-in").click()
    eventually(lambda: browser.find_element(By.ID, "sign-in-error").text, what="a refusal")
    key.clear()
    key.send_keys(stack.api_key)
    browser.find_element(By.ID, "sign-in").click()


def _open(browser: WebDriver, stack: Stack, recording_id: str) -> list[WebElement]:
    browser.get(f"{stack.gateway_url}/recordings/{recording_id}")
    return eventually(lambda: _words(browser), timeout_s=30, what="the transcript's words")


def _audio(browser: WebDriver, expression: str) -> Any:
    return browser.execute_script(
        f"const a = document.getElementById('player'); return {expression};"
    )


def test_the_list_shows_the_recording_and_keeps_the_key_out_of_urls(
    browser: WebDriver, stack: Stack, recording_id: str, screenshots: Path
) -> None:
    _sign_in(browser, stack)
    row = eventually(
        lambda: browser.find_element(By.CSS_SELECTOR, f"tr.recording[data-id='{recording_id}']"),
        what="the recording in the list",
    )
    assert "Planning" in row.text and "done" in row.text
    browser.save_screenshot(str(screenshots / "list.png"))
    assert stack.api_key not in browser.current_url
    assert browser.execute_script("return sessionStorage.getItem('secretary.key')") == stack.api_key
    assert stack.api_key not in str(browser.execute_script("return JSON.stringify(localStorage)"))

    # in Russian, and back
    browser.find_element(By.ID, "language").click()
    eventually(lambda: browser.find_element(By.TAG_NAME, "h1").text == "Записи", what="Russian")
    browser.find_element(By.ID, "language").click()
    eventually(lambda: browser.find_element(By.TAG_NAME, "h1").text == "Recordings")


def test_an_upload_from_the_page_shows_its_progress_until_done(
    browser: WebDriver, stack: Stack, recording_id: str, dialogue_video: Path
) -> None:
    browser.get(stack.gateway_url + "/")
    eventually(lambda: browser.find_element(By.ID, "recordings"), what="the list")
    before = {
        r.get_attribute("data-id") for r in browser.find_elements(By.CSS_SELECTOR, "tr.recording")
    }
    browser.find_element(By.ID, "file").send_keys(str(dialogue_video))

    def new_row() -> WebElement | None:
        rows = browser.find_elements(By.CSS_SELECTOR, "tr.recording")
        fresh = [r for r in rows if r.get_attribute("data-id") not in before]
        return fresh[0] if fresh else None

    uploaded = eventually(new_row, timeout_s=60, what="the uploaded recording in the list")
    uploaded_id = uploaded.get_attribute("data-id")
    seen: set[str] = set()

    def done() -> bool:
        row = browser.find_element(By.CSS_SELECTOR, f"tr.recording[data-id='{uploaded_id}']")
        status = row.find_element(By.CSS_SELECTOR, ".status").text
        seen.add(status.split(" ")[0])
        return status == "done"

    # the row follows the recording's events without a reload
    try:
        eventually(done, timeout_s=300)
    except TimeoutError:
        state = stack.gateway.http.get(f"/v1/recordings/{uploaded_id}").json()
        raise AssertionError(f"the row showed {seen}; the recording is {state['status']}") from None
    assert seen & {"queued", "processing"}, seen


def test_clicking_a_word_plays_from_it_and_the_spoken_word_is_highlighted(
    browser: WebDriver, stack: Stack, recording_id: str, screenshots: Path
) -> None:
    words = _open(browser, stack, recording_id)
    transcript = stack.gateway.http.get(f"/v1/recordings/{recording_id}/transcript").json()
    expected = [w["word"] for s in transcript["segments"] for w in s["words"]]
    assert [w.text for w in words] == expected
    eventually(lambda: _audio(browser, "a.readyState >= 1"), what="the audio's metadata")

    target = words[len(words) // 2]
    start = float(target.get_attribute("data-start") or 0)
    target.click()
    eventually(lambda: _audio(browser, "!a.paused && !a.seeking"), what="playback")
    position = _audio(browser, "(a.pause(), a.currentTime)")
    assert abs(position - start) < 0.3, (position, start)
    highlighted = eventually(
        lambda: browser.find_elements(By.CSS_SELECTOR, ".word.current"), what="a highlight"
    )
    assert float(highlighted[0].get_attribute("data-start") or 0) <= position + 0.05
    browser.save_screenshot(str(screenshots / "recording.png"))

    # the keyboard: arrows skip five seconds, space plays and pauses
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    assert abs(_audio(browser, "a.currentTime") - (position + 5)) < 0.3
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.SPACE)
    eventually(lambda: _audio(browser, "!a.paused"), what="space to play")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.SPACE)
    eventually(lambda: _audio(browser, "a.paused"), what="space to pause")

    # on a phone's screen the transcript is one column, nothing wider than the screen
    browser.set_window_size(390, 844)
    try:
        wide = browser.execute_script("return document.documentElement.scrollWidth")
        assert wide <= 390
        browser.save_screenshot(str(screenshots / "recording-phone.png"))
    finally:
        browser.set_window_size(1280, 900)


def test_a_speaker_renamed_in_place_is_named_in_the_page_and_the_export(
    browser: WebDriver, stack: Stack, recording_id: str
) -> None:
    _open(browser, stack, recording_id)
    button = browser.find_element(By.CSS_SELECTOR, ".speaker[data-speaker='SPEAKER_00']")
    button.click()
    field = eventually(lambda: browser.find_element(By.CSS_SELECTOR, "input.word-edit"))
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("Maria", Keys.ENTER)
    eventually(
        lambda: (
            browser.find_element(By.CSS_SELECTOR, ".speaker[data-speaker='SPEAKER_00']").text
            == "Maria"
        ),
        what="the new name in the page",
    )
    assert "Maria" in stack.gateway.transcript(recording_id, "txt")


def test_a_word_edited_in_place_is_there_after_a_reload(
    browser: WebDriver, stack: Stack, recording_id: str
) -> None:
    words = _open(browser, stack, recording_id)
    target = words[3]
    start = target.get_attribute("data-start")
    webdriver.ActionChains(browser).double_click(target).perform()
    field = eventually(lambda: browser.find_element(By.CSS_SELECTOR, "input.word-edit"))
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("Zanzibar", Keys.ENTER)
    eventually(lambda: "Saved" in browser.find_element(By.ID, "notice").text, what="saved")

    browser.refresh()
    edited = eventually(
        lambda: [w for w in _words(browser) if w.text == "Zanzibar"], what="the edit after reload"
    )
    assert edited[0].get_attribute("data-start") == start
    assert "Zanzibar" in stack.gateway.transcript(recording_id, "txt")
    revisions = stack.gateway.http.get(f"/v1/recordings/{recording_id}/transcript/revisions")
    assert revisions.json()["current"] >= 1


def test_a_question_is_answered_and_its_citation_plays_from_that_moment(
    browser: WebDriver, stack: Stack, recording_id: str
) -> None:
    _open(browser, stack, recording_id)
    browser.find_element(By.ID, "question").send_keys("Who wants to start with the budget?")
    browser.find_element(By.ID, "ask").click()

    def answered() -> str | None:
        entries = browser.find_elements(By.CSS_SELECTOR, "#answers .qa .answer")
        text = entries[0].text if entries else ""
        return text if text and text != "Thinking…" else None

    assert "budget" in eventually(answered, timeout_s=120, what="an answer")
    citations = browser.find_elements(By.CSS_SELECTOR, "#answers .citation")
    assert citations and citations[0].text.startswith("[00:0")
    start = float(citations[0].get_attribute("data-start") or 0)
    citations[0].click()
    eventually(lambda: _audio(browser, "!a.seeking && a.readyState >= 2"), what="the seek")
    assert abs(_audio(browser, "(a.pause(), a.currentTime)") - start) < 0.3


def test_a_sign_in_link_opens_the_page_signed_in_and_leaves_the_address_bar(
    browser: WebDriver, stack: Stack, recording_id: str
) -> None:
    browser.get(stack.gateway_url + "/")
    browser.execute_script("sessionStorage.clear()")
    url = stack.gateway.http.post("/v1/sign-in-links").json()["url"]
    browser.get(url)
    eventually(
        lambda: browser.find_element(By.CSS_SELECTOR, f"tr.recording[data-id='{recording_id}']"),
        what="the list, signed in by the link",
    )
    assert "#" not in browser.current_url
    session = browser.execute_script("return sessionStorage.getItem('secretary.key')")
    assert session.startswith("web.") and session != stack.api_key

    # the same link again signs no one in
    browser.execute_script("sessionStorage.clear()")
    browser.get(url)
    eventually(lambda: browser.find_element(By.ID, "api-key"), what="the sign-in form")
