"""Reads the rendered page: waits for the status line, reads the readouts, saves screenshots."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
# Generous: a run is a few seconds alone, but a loaded CI machine can take many times that,
# and this is a wait, not a timing requirement.
FINISH_MS = 120_000
READOUTS = ("Loss", "Floor", "Gap")

_READOUTS_JS = """els => els.map(e => [
    e.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
    e.querySelector('[data-testid="stMetricValue"]').innerText.trim()])"""
# Streamlit scrolls the main area and the sidebar inside their own boxes, so a "full page"
# screenshot is only the viewport: the viewport is grown to the taller of the two first.
_CONTENT_HEIGHT_JS = """() => Math.max(...['stMain', 'stSidebarContent', 'stAppViewContainer']
    .map(id => document.querySelector(`[data-testid="${id}"]`))
    .filter(Boolean).map(e => e.scrollHeight))"""


def status_lines(page: Page) -> list[str]:
    """Returns the texts of the page's level-2 headings (the status line is one)."""
    return page.locator("h2").all_inner_texts()


def wait_finished(page: Page, epochs: int) -> None:
    """Returns once the status says the run finished all `epochs` and the script is idle."""
    finished = f"Finished · epoch {epochs}/{epochs}"
    try:
        page.get_by_text(finished, exact=True).wait_for(timeout=FINISH_MS)
        # Play ends with a rerun that redraws the buttons; read the page after it.
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
            timeout=FINISH_MS)
    except PlaywrightTimeout:
        shot = screenshot(page, "timeout")
        raise AssertionError(f"no '{finished}' after {FINISH_MS / 1000:.0f} s; the status "
                             f"lines are {status_lines(page)}; see {shot}") from None


def readouts(page: Page) -> dict[str, float]:
    """Returns the Loss, Floor and Gap readouts as numbers: {"Loss": 0.005676, ...} (a lower
    bound's "≥" is dropped; other readouts, such as "Dead units 1 of 10", are left out)."""
    # The status line can be drawn before the readouts below it on a busy machine.
    for label in READOUTS:
        page.locator('[data-testid="stMetricLabel"]', has_text=label).first.wait_for()
    pairs = page.eval_on_selector_all('[data-testid="stMetric"]', _READOUTS_JS)
    return {label: float(value.removeprefix("≥").strip()) for label, value in pairs
            if label in READOUTS}


def screenshot(page: Page, name: str) -> Path:
    """Returns the path of a screenshot of the whole page saved as artifacts/browser/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    width = page.viewport_size["width"] if page.viewport_size else 1400
    height = page.evaluate(_CONTENT_HEIGHT_JS)
    page.set_viewport_size({"width": width, "height": height})
    page.mouse.move(width - 1, height - 1)  # an empty corner: no tooltip or hover in the picture
    page.wait_for_timeout(500)  # let Plotly resize to the new viewport before the picture
    page.screenshot(path=str(path), full_page=True)
    return path
