"""A closed tab stops training; double clicks do not start or stop a run twice."""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import psutil
import pytest

from tests.browser.dom import screenshot, status_lines

pytestmark = pytest.mark.browser

# A run long by construction, whatever the machine: 100,000 epochs of one point per step for
# four networks of 8 layers of 256 units (1.8 million parameters in all, just under the limit):
# ~16 ms an epoch on the 2-core machine these tests were written on, half an hour in all, so
# even a machine fifty times faster is still playing after half a minute. Each test has its
# own seed, so no run is replayed from the shared cache another test filled.
LONG_RUN = "/?preset=question&depth=8&width=256&seeds=4&epochs=100000&batch=1&seed={seed}"
# Where a test only needs a run that keeps playing, a pace makes it last: 100,000 epochs at 100
# a second are 1,000 s on any machine, and cost the server little.
PACED_RUN = "/?preset=question&epochs=100000&speed=100&seed={seed}"
SETTLE_SECONDS = 30  # the longest a closed tab's session may take to stop: a wait, not a timing


def _server(app_url: str) -> psutil.Process:
    """Returns the process listening on the app's port."""
    port = urlparse(app_url).port
    for connection in psutil.net_connections(kind="tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == "LISTEN":
            return psutil.Process(connection.pid)
    raise AssertionError(f"nothing listens on port {port}")


def _cpu_share(process: psutil.Process, seconds: float) -> float:
    """Returns the process's CPU use over the next `seconds`, as a fraction of one core."""
    before = process.cpu_times()
    time.sleep(seconds)
    after = process.cpu_times()
    return ((after.user - before.user) + (after.system - before.system)) / seconds


def _epoch(page) -> int:
    """Returns the epoch the status line shows."""
    for line in status_lines(page):
        found = re.search(r"epoch (\d+)/", line) or re.search(r"Ready · (\d+)/", line)
        if found:
            return int(found.group(1))
    raise AssertionError(f"no epoch in the status lines {status_lines(page)}")


def _wait_until_past(page, epoch: int) -> None:
    """Waits until the status line says Playing at an epoch past `epoch`, however long a
    redraw takes here."""
    page.wait_for_function(
        "first => [...document.querySelectorAll('h2')].some(h => {"
        "  const m = /Playing · epoch (\\d+)\\//.exec(h.textContent);"
        "  return m && Number(m[1]) > first; })", arg=epoch)


def test_closing_a_playing_tab_stops_its_training(new_page, app_url):
    """The server trains while a tab plays and goes idle once the tab is closed."""
    server = _server(app_url)
    page = new_page(LONG_RUN.format(seed=7001) + "&play=1")
    page.get_by_text(re.compile(r"Playing · epoch")).first.wait_for()
    busy = _cpu_share(server, 2.0)
    page.context.close()
    # The websocket closes and Streamlit asks the script to stop at its next st.* call. Wait
    # for the server to go quiet: its CPU over one second, asked until it is low.
    deadline, idle = time.monotonic() + SETTLE_SECONDS, busy
    quiet = min(0.1, busy / 4)  # relative too: a shared machine may give a page part of a core
    while time.monotonic() < deadline and idle >= quiet:
        idle = _cpu_share(server, 1.0)
    assert busy > 0.1, f"the server used only {busy:.0%} of a core while training"
    assert idle < quiet, (f"the server still used {idle:.0%} of a core {SETTLE_SECONDS} s after "
                          f"the tab closed ({busy:.0%} while playing)")


def test_double_click_on_play_keeps_playing(new_page):
    """A double click on Play plays (the second click does not pause again)."""
    page = new_page(PACED_RUN.format(seed=7002))
    page.get_by_text(re.compile(r"Ready · 0/100000")).first.wait_for()
    page.wait_for_function("window.__plateauPlayClickGuard === true")  # see the next test
    page.locator(".st-key-play button").first.dblclick()
    page.get_by_text(re.compile(r"Playing · epoch")).first.wait_for()
    first = _epoch(page)
    _wait_until_past(page, first)  # the run advances
    assert "Pause" in page.locator(".st-key-play button").first.inner_text()
    screenshot(page, "double_click_play")


def test_the_second_click_of_a_double_click_after_pause_is_drawn_does_not_pause(new_page):
    """The race a double click on Play could lose, made certain: the first click has played
    and the page shows Pause in Play's place when the second click arrives, numbered 2 by the
    browser as a double click's second is. It never reaches the button, and the run plays on;
    a click on its own still pauses."""
    page = new_page(PACED_RUN.format(seed=7004))
    page.get_by_text(re.compile(r"Ready · 0/100000")).first.wait_for()
    # the guard is a component's script: on a loaded machine it may start after the button
    page.wait_for_function("window.__plateauPlayClickGuard === true")
    button = page.locator(".st-key-play button").first
    button.click()
    page.locator(".st-key-play button", has_text="Pause").first.wait_for()
    second = button.evaluate("""button => {
        const click = new MouseEvent("click", {bubbles: true, cancelable: true, detail: 2});
        let reached = false;
        button.addEventListener("click", () => { reached = true; }, {once: true});
        button.dispatchEvent(click);
        return {reached, prevented: click.defaultPrevented};
    }""")
    assert second == {"reached": False, "prevented": True}, second
    first = _epoch(page)
    _wait_until_past(page, first)  # it still advances
    assert "Pause" in button.inner_text()
    button.dispatch_event("click", {"detail": 1})
    page.locator(".st-key-play button", has_text="Play").first.wait_for()


def test_double_click_on_reset_leaves_one_fresh_run(new_page):
    """A double click on Reset while playing leaves one paused run at epoch 0."""
    page = new_page(PACED_RUN.format(seed=7003) + "&play=1")
    page.get_by_text(re.compile(r"Playing · epoch")).first.wait_for()
    page.locator(".st-key-reset button").first.dblclick()
    page.get_by_text(re.compile(r"Ready · 0/100000")).first.wait_for()
    page.wait_for_timeout(1500)
    assert _epoch(page) == 0, f"a run went on after Reset: {status_lines(page)}"
