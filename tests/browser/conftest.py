"""The real app for browser tests: one `streamlit run` per test session, and headless Chromium.

Playwright cannot download its own browsers here, so it drives Debian's Chromium
(tests/harness/server.py starts both).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.server import CHROMIUM, ROOT, ServerFailed, chromium_browser, running_app

ARTIFACTS = ROOT / "artifacts" / "browser"


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Returns the base URL of the app served by `streamlit run app.py` for this test session."""
    try:
        with running_app(ARTIFACTS / "streamlit.log") as server:
            yield server.url
    except ServerFailed as failure:
        pytest.fail(str(failure))


# Package scope, not session: the sync Playwright keeps an event loop running on the main
# thread while it is open, and any other test that starts its own `sync_playwright()` (the
# deploy tests do) fails with "using Playwright Sync API inside the asyncio loop".
@pytest.fixture(scope="package")
def chromium():
    """Returns a headless Chromium (Playwright), shared by the browser tests and closed after."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    with chromium_browser() as browser:
        yield browser


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
