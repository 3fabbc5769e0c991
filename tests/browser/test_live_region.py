"""The diagnosis in a polite live region: a screen reader hears its label when the label changes,
and nothing at a frame that only moved the numbers."""

from __future__ import annotations

import re

import pytest

from models.analysis.diagnosis import LABELS
from tests.browser.dom import wait_finished

pytestmark = pytest.mark.browser

# Watches the page from before Play: at every change anywhere, notes the live region's text and
# the label the diagnosis sentence begins with (its first bold words, one of the labels), each
# time either differs from its last note; and every node that served as the region (a new node
# is not announced: the region must stay the one the reader already knows).
_WATCH = """labels => {
  const region = () => document.querySelector('[aria-live="polite"]');
  const label = () => {
    const bold = [...document.querySelectorAll('[data-testid="stMarkdownContainer"] p > strong')]
      .find(b => labels.includes(b.textContent.trim()));
    return bold ? bold.textContent.trim() : null;
  };
  window.seen = {regions: [], labels: [], nodes: new Set(), frames: 0};
  const note = () => {
    const r = region(), seen = window.seen;
    if (!r) return;
    seen.nodes.add(r);
    const text = r.textContent.trim(), now = label();
    if (seen.regions.at(-1) !== text) seen.regions.push(text);
    if (seen.labels.at(-1) !== now) seen.labels.push(now);
    seen.frames++;
  };
  note();
  new MutationObserver(note).observe(document.body,
      {subtree: true, childList: true, characterData: true});
}"""


def _in_order(spoken: list[str], said: list[str]) -> bool:
    """Returns True when `spoken` is `said` with some items left out, the rest in their order."""
    rest = iter(said)
    return all(item in rest for item in spoken)


def test_the_diagnosis_region_is_polite_and_speaks_only_when_its_label_changes(new_page):
    """Playing a ReLU run to its end, the region (aria-live polite, same node throughout) says
    "Diagnosis: <label>." for the labels the sentence shows, in their order, ending on the last,
    and changes no more often. A label the page showed for less than a frame may go unspoken:
    a browser that falls behind draws only the newest of the updates waiting for it."""
    page = new_page("/?preset=relu&epochs=600")
    page.get_by_text(re.compile(r"Ready · 0/600")).first.wait_for()
    region = page.locator('[aria-live="polite"]')
    region.wait_for(state="attached")
    assert region.count() == 1 and region.get_attribute("aria-atomic") == "true"
    assert region.text_content() == "No diagnosis yet." and region.bounding_box()["width"] <= 1
    page.evaluate(_WATCH, list(LABELS))
    page.locator(".st-key-play button").first.click()
    wait_finished(page, 600)
    seen = page.evaluate("() => ({regions: window.seen.regions, labels: window.seen.labels, "
                         "nodes: window.seen.nodes.size, frames: window.seen.frames})")
    # None: no sentence with a label (before the first, or while a rerun redraws the page)
    shown = [label for label in seen["labels"] if label]
    labels = [label for i, label in enumerate(shown) if i == 0 or label != shown[i - 1]]
    said = ["No diagnosis yet."] + [f"Diagnosis: {label}." for label in labels]
    regions = seen["regions"]
    assert labels and labels[-1] == "On the floor"
    assert regions[-1] == "Diagnosis: On the floor.", (regions, seen["labels"])
    assert _in_order(regions, said), (regions, seen["labels"])
    assert seen["nodes"] == 1
    assert seen["frames"] > 3 * len(regions)  # many frames moved the numbers, not the region
