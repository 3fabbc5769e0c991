"""benchmarks.classroom's students as headless Chromium pages: an end-to-end check for a few.

Each student is a browser context of one Chromium (Debian's, through Playwright's async API on
an event loop of its own thread), opened at the same moment as the others, timed from opening
the link until its page shows the finish; page errors and exceptions shown are its errors. On
one machine the browsers share the server's cores, so their figures measure the browsers too.
"""

from __future__ import annotations

import asyncio
import threading
import time

from playwright.async_api import async_playwright

from benchmarks.students import Student
from tests.harness.server import CHROMIUM, CHROMIUM_ARGS


class BrowserSession:
    """One headless Chromium, running until `close()`, on an event loop in its own thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self._playwright = self.call(async_playwright().start())
        self.browser = self.call(self._playwright.chromium.launch(executable_path=CHROMIUM,
                                                                  args=CHROMIUM_ARGS))

    def call(self, coroutine):
        """Returns what `coroutine` returns, run on the browser's event loop."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        """Closes the browser and Playwright and stops the loop."""
        self.call(self.browser.close())
        self.call(self._playwright.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)


async def _student(browser, url: str, timeout: float, finished: str) -> Student:
    student = Student()
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda error: student.errors.append(f"page error: {error}"))
    start = time.perf_counter()
    try:
        await page.goto(url, timeout=timeout * 1000)
        await page.get_by_text(finished).first.wait_for(timeout=timeout * 1000)
        student.seconds = time.perf_counter() - start
        for element in await page.locator('[data-testid="stException"]').all():
            student.errors.append("exception shown: " + (await element.inner_text())[:200])
    except Exception as error:  # a timeout or a lost page is this student's failure, not the run's
        student.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    finally:
        await context.close()
    return student


def run_browser_phase(session: BrowserSession, urls: list[str], timeout: float,
                      finished: str) -> list[Student]:
    """Returns each page's outcome, all opened at the same moment."""
    async def phase() -> list[Student]:
        return list(await asyncio.gather(*(_student(session.browser, u, timeout, finished)
                                           for u in urls)))
    return session.call(phase())
