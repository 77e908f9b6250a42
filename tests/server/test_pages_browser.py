"""The web pages in a real browser: headless Chromium from the distribution, driven by
Selenium through the distribution's chromedriver (nothing is downloaded).

Each test saves screenshots (under tmp_path; also in /tmp/hfgit-pages when HFGIT_SCREENSHOTS
is set) to look at what a reader sees.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pagesdata import VERSIONS, XSS_CARD, XSS_FILE, XSS_MESSAGE, publish

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SHOTS = Path("/tmp/hfgit-pages")

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):  # .ci/run installs them
    pytest.skip("needs Debian's chromium and chromium-driver", allow_module_level=True)

os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never fetch a browser or driver
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


class Browser:
    def __init__(self, driver: WebDriver, base: str, shots: Path, downloads: Path) -> None:
        self.driver, self.base, self.shots, self.downloads = driver, base, shots, downloads

    def open(self, path: str) -> None:
        self.driver.get(f"{self.base}{path}")

    def shot(self, name: str) -> None:
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        metrics = {"width": 1280, "height": min(int(height), 4000), "deviceScaleFactor": 1}
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {**metrics, "mobile": False}
        )
        target = self.shots / f"{name}.png"
        self.driver.save_screenshot(str(target))
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        if os.environ.get("HFGIT_SCREENSHOTS"):
            SHOTS.mkdir(exist_ok=True)
            shutil.copy(target, SHOTS / target.name)

    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def all(self, css: str) -> list:  # type: ignore[type-arg]
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def submit(self, css: str) -> None:
        """Press a form's button and wait for the page it leads to: a new document has a new
        `window`, without the mark set on the old one, and has finished loading."""
        self.driver.execute_script("window.hfgitBefore = true")
        self.driver.find_element(By.CSS_SELECTOR, css).click()
        WebDriverWait(self.driver, 60).until(self._arrived)

    def _arrived(self, driver: WebDriver) -> bool:
        try:
            return bool(
                driver.execute_script(
                    "return !window.hfgitBefore && document.readyState === 'complete'"
                )
            )
        except WebDriverException:  # between two documents: ask again
            return False

    def sign_in(self, token: str) -> None:
        self.open("/login")
        self.driver.find_element(By.ID, "token").send_keys(token)
        self.submit("form.login button")

    def nothing_ran(self) -> None:
        """No dialog opened, no injected script ran, no element came from the text."""
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
        except NoAlertPresentException:
            text = None
        assert text is None, f"an alert opened: {text}"
        assert self.driver.execute_script("return window.__pwned") is None
        assert self.driver.execute_script("return document.body.dataset.pwned") is None
        assert self.all("script") == []
        assert self.all("img[onerror]") == []


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebDriver, Path]]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    downloads = tmp_path_factory.mktemp("downloads")
    options = Options()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    options.unhandled_prompt_behavior = "ignore"  # an alert stays open for the test to see
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    chrome = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield chrome, downloads
    finally:
        chrome.quit()


@pytest.fixture
def browser(driver, hub, tmp_path: Path) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    chrome, downloads = driver
    chrome.delete_all_cookies()
    yield Browser(chrome, hub.url, tmp_path, downloads)
    chrome.get("about:blank")


def test_card_with_front_matter_and_a_script_that_never_runs(browser: Browser, hub) -> None:  # type: ignore[no-untyped-def]
    publish(hub.api(), "alice/demo")
    browser.open("/alice/demo")
    browser.shot("card")
    meta = {
        row.find_element(By.TAG_NAME, "th").text: row.find_element(By.TAG_NAME, "td").text
        for row in browser.all("article table.meta tr")
    }
    assert meta["license"] == "apache-2.0"
    assert meta["base model"] == "bert-base-uncased"
    assert meta["datasets"] == "imdb"
    assert browser.all(".markdown h1")[0].text == "Sentiment model"
    assert XSS_CARD in browser.text()
    links = [a.get_attribute("href") or "" for a in browser.all(".markdown a")]
    assert links == ["https://example.org/docs"]
    browser.nothing_ran()


def test_versions_page_has_every_version_and_a_point_per_version(browser: Browser, hub) -> None:  # type: ignore[no-untyped-def]
    publish(hub.api(), "alice/demo")
    browser.open("/alice/demo/versions")
    browser.shot("versions")
    listed = [row.find_element(By.TAG_NAME, "td").text for row in browser.all("tr.version")]
    assert sorted(listed) == sorted(VERSIONS)
    assert listed[0] == "v1.0.0" and listed[-1] == "v0.1.0"
    for metric in ("accuracy", "loss"):
        points = browser.all(f'figure.chart[data-metric="{metric}"] g.point')
        assert [p.get_attribute("data-version") for p in points] == list(VERSIONS)
        circles = [p.find_element(By.TAG_NAME, "circle") for p in points]
        assert all(c.is_displayed() for c in circles)
        heights = [float(c.get_attribute("cy") or "nan") for c in circles]
        rising = metric == "accuracy"  # accuracy rises version after version, loss falls
        assert heights == sorted(heights, reverse=rising)
    Select(browser.driver.find_element(By.NAME, "a")).select_by_visible_text("v0.1.0")
    browser.submit("form.compare button")
    assert browser.driver.current_url.endswith("/versions?a=v0.1.0&b=v1.0.0")
    compared = browser.all("table.compared tr")
    assert [c.text for c in compared[0].find_elements(By.TAG_NAME, "th")] == [
        "",
        "v0.1.0",
        "v1.0.0",
    ]
    assert any(row.text == "accuracy 0.71 0.9" for row in compared)
    browser.shot("versions-compared")


def test_file_tree_download_and_a_file_name_that_stays_text(browser: Browser, hub) -> None:  # type: ignore[no-untyped-def]
    publish(hub.api(), "alice/demo")
    browser.open("/alice/demo/tree/main")
    browser.shot("tree")
    names = [a.text for a in browser.all("table.files td:first-child a")]
    assert "configs/" in names and "config.json" in names and XSS_FILE in names
    weights = next(r for r in browser.all("table.files tr") if "weights.safetensors" in r.text)
    assert "LFS" in weights.text and "16.4 kB" in weights.text
    browser.nothing_ran()
    for old in browser.downloads.iterdir():
        old.unlink()
    weights.find_element(By.CSS_SELECTOR, "a.download").click()
    target = browser.downloads / "weights.safetensors"
    deadline = time.monotonic() + 60
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert target.read_bytes() == bytes(range(256)) * 64
    browser.open("/alice/demo/blob/main/config.json")
    browser.shot("blob")
    assert browser.all("pre.file")[0].text == '{"hidden_size": 8}'


def test_commits_page_with_versions_and_a_message_that_stays_text(browser: Browser, hub) -> None:  # type: ignore[no-untyped-def]
    publish(hub.api(), "alice/demo")
    browser.open("/alice/demo/commits/main")
    browser.shot("commits")
    rows = browser.all("tr.commit")
    assert len(rows) == len(VERSIONS) + 3
    assert "v1.0.0" in rows[0].text and "accuracy=0.9" in rows[0].text
    assert any(XSS_MESSAGE in row.text for row in rows)
    browser.nothing_ran()


def test_private_repo_hidden_until_signed_in(browser: Browser, hub) -> None:  # type: ignore[no-untyped-def]
    publish(hub.api(), "alice/secret", {"v1.0.0": {"accuracy": 0.5}}, private=True)
    publish(hub.api(), "alice/open", {"v1.0.0": {"accuracy": 0.7}})
    browser.open("/")
    assert "alice/open" in browser.text() and "alice/secret" not in browser.text()
    browser.open("/alice/secret")
    assert "Not found" in browser.text()
    browser.shot("private-signed-out")
    browser.sign_in(hub.tokens["alice"])
    assert "Signed in as alice" in browser.text()
    assert "alice/secret" in browser.text()
    browser.shot("index-signed-in")
    browser.open("/alice/secret")
    assert "private" in browser.text() and "Latest version" in browser.text()
    cookie = browser.driver.get_cookie("hfgit_token")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert browser.driver.execute_script("return document.cookie") == ""
    browser.submit("header.site form button")
    assert "Sign in" in browser.text() and "alice/secret" not in browser.text()
    browser.open("/alice/secret")
    assert "Not found" in browser.text()
