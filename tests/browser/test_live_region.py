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
  window.seen = {regions: [], labels: [], nodes: new Set(), frames: 0, writes: 0, unchanged: 0};
  // Every write to the region itself: one that leaves its text as it was would be spoken again.
  new MutationObserver(records => {
    for (const record of records) {
      window.seen.writes++;
      const before = [...record.removedNodes].map(n => n.textContent).join("");
      const after = [...record.addedNodes].map(n => n.textContent).join("");
      if (record.type === "childList" && before === after) window.seen.unchanged++;
    }
  }).observe(region(), {subtree: true, childList: true, characterData: true});
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


def test_the_diagnosis_region_is_polite_and_speaks_only_when_its_label_changes(new_page):
    """Playing a ReLU run to its end, the region (aria-live polite, the same node throughout)
    says "Diagnosis: <label>." with one of the diagnosis's labels, ends on the label the page
    ends on, is never written without its text changing, and changes far less often than the
    page. (Which transient labels are spoken is the server's to say: a browser that falls behind
    draws only the newest of its waiting updates, the sentence's as well as the region's.)"""
    page = new_page("/?preset=relu&epochs=600")
    page.get_by_text(re.compile(r"Ready · 0/600")).first.wait_for()
    region = page.locator('[aria-live="polite"]')
    region.wait_for(state="attached")
    assert region.count() == 1 and region.get_attribute("aria-atomic") == "true"
    assert region.text_content() == "No diagnosis yet." and region.bounding_box()["width"] <= 1
    page.evaluate(_WATCH, list(LABELS))
    page.locator(".st-key-play button").first.click()
    wait_finished(page, 600)
    seen = page.evaluate("() => ({...window.seen, nodes: window.seen.nodes.size})")
    shown = [label for label in seen["labels"] if label]  # None: no sentence with a label
    regions = seen["regions"]
    assert shown and shown[-1] == "On the floor"
    assert regions[-1] == "Diagnosis: On the floor.", (regions, seen["labels"])
    spoken = {"No diagnosis yet."} | {f"Diagnosis: {label}." for label in LABELS}
    assert set(regions) <= spoken, regions
    assert seen["writes"] >= len(regions) - 1 and seen["unchanged"] == 0, seen
    assert seen["nodes"] == 1
    assert seen["frames"] > 3 * seen["writes"]  # many frames moved the numbers, not the region
