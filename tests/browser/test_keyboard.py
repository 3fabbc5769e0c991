"""Keyboard alone: a student plays a run, pauses it, changes the activation and resets it with
Tab, Shift+Tab, Enter, typing and the buttons' shortcuts, never the mouse."""

from __future__ import annotations

import re

import pytest

from tests.browser.dom import screenshot

pytestmark = pytest.mark.browser

# A run long by construction: 100,000 epochs at 100 a second are 1,000 s on any machine
# (tests/browser/test_lifecycle.py), so it is still playing whenever the test looks.
PACED_RUN = "/?preset=question&epochs=100000&speed=100&seed=7301"
MOST_TABS = 150  # more focus stops than the page has: a control never reached fails the test

_FOCUSED = """() => { const e = document.activeElement;
    return e ? [e.tagName, e.getAttribute('role') || '', e.getAttribute('aria-label') || '',
                (e.innerText || '').trim().slice(0, 60)].join('|') : ''; }"""


def _tab_to(page, pattern: str, backwards: bool = False) -> str:
    """Returns the focused element's description once Tab (or Shift+Tab) has moved the focus to
    an element whose tag|role|aria-label|text matches `pattern`; fails if it never does."""
    seen = []
    for _ in range(MOST_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(_FOCUSED)
        seen.append(focused)
        if re.search(pattern, focused):
            return focused
    raise AssertionError(f"Tab never reached {pattern!r}; focus went {seen[:12]} … {seen[-25:]}")


def _idle(page) -> None:
    """Returns once the script has run to its end and the controls are drawn."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.locator(".st-key-play button").first.wait_for()


def _status(page, pattern: str) -> str:
    """Returns the status line once a level-2 heading matches `pattern`, its text read in the
    same moment it matched: a rerun can replace the heading between a wait and a second read."""
    return page.wait_for_function(
        "p => [...document.querySelectorAll('h2')].map(h => h.textContent)"
        ".find(text => new RegExp(p).test(text))", arg=pattern).json_value()


def _pause_offered(page) -> None:
    """Returns once the Play button reads Pause: the page has drawn the playing run's controls,
    as a student sees before pressing a key (a key pressed earlier lands on the old Play)."""
    page.locator(".st-key-play button", has_text="Pause").first.wait_for()


def test_play_pause_change_activation_and_reset_by_keyboard(new_page):
    """Tab to Play and press Enter: playing; Space: paused at an epoch; Shift+Tab to the
    activation, type relu and Enter: the network is a ReLU one; Tab back to Play and Space plays
    again; Backspace (Reset's shortcut) leaves a fresh run at epoch 0."""
    page = new_page(PACED_RUN)
    _status(page, r"Ready · 0/100000")
    _idle(page)
    _tab_to(page, r"(?s)^BUTTON\|.*\bPlay\b")
    page.keyboard.press("Enter")
    _status(page, r"Playing · epoch \d+/100000")
    _pause_offered(page)
    page.keyboard.press("Space")  # Play/Pause's shortcut, wherever the focus now is: it pauses
    paused = _status(page, r"Paused · epoch \d+/100000")
    assert int(re.search(r"epoch (\d+)/", paused).group(1)) > 0

    _tab_to(page, r"combobox\|Activation", backwards=True)
    page.keyboard.type("relu")
    page.keyboard.press("Enter")
    page.get_by_text("max(0, z)").first.wait_for()  # the activation's formula under the box
    after_change = _status(page, r"(Ready|Paused) · ")

    _idle(page)
    _tab_to(page, r"(?s)^BUTTON\|.*\bPlay\b")  # from the box forward to Play again
    page.keyboard.press("Space")
    _status(page, r"Playing · epoch \d+/100000")
    _pause_offered(page)
    page.keyboard.press("Backspace")
    _status(page, r"Ready · 0/100000")
    screenshot(page, "keyboard_reset")
    assert "Pause" not in page.locator(".st-key-play button").first.inner_text(), after_change
