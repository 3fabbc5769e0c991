"""The real app for browser tests: one `streamlit run` per test session, and headless Chromium.

Playwright cannot download its own browsers here, so it drives Debian's Chromium.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.server import stop

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 60


def _free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    """Returns once the server answers its health check; fails with its log if it never does."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit was not healthy after {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Returns the base URL of the app served by `streamlit run app.py` for this test session."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = ARTIFACTS / "streamlit.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
             "--server.address=127.0.0.1", f"--server.port={port}",
             # Over .streamlit/config.toml: the app at the root whatever a deploy sets, no
             # usage statistics, and an exception's full traceback in a failing screenshot.
             "--server.baseUrlPath=", "--browser.gatherUsageStats=false",
             "--client.showErrorDetails=full"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        stop(server)


# Package scope, not session: the sync Playwright keeps an event loop running on the main
# thread while it is open, and any other test that starts its own `sync_playwright()` (the
# deploy tests do) fails with "using Playwright Sync API inside the asyncio loop".
@pytest.fixture(scope="package")
def chromium():
    """Returns a headless Chromium (Playwright), shared by the browser tests and closed after."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, app_url):
    """Returns a function that opens a link of the app in a fresh browser context (its own
    Streamlit session); every context opened is closed after the test."""
    contexts = []

    def open_(link: str):
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(app_url + link)
        return page

    yield open_
    for context in contexts:
        context.close()
