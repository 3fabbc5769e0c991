"""axe-core on the pages a student and a lecturer see: no serious or critical violation, and any
lesser one is Streamlit's own markup, named below with the reason it cannot be fixed here."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.dom import screenshot, wait_finished

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}  # an iPhone 12-14's CSS pixels
# What axe may report and why: (rule, a piece of the node's selector) -> the reason. Anything
# else fails, so a new violation is seen, and nothing serious or critical may be listed here.
ALLOWED: dict[tuple[str, str], str] = {}
# Each page: its link, the text that says it is ready, and the viewport.
PAGES = {
    "default": ("/", "Ready · 0/", None),
    "playing": ("/?preset=question&epochs=100000&speed=100&seed=7101&play=1", "Playing · epoch",
                None),
    "finished": ("/?preset=relu&play=1", "Finished · epoch 3000/3000", None),
    "lecture": ("/?preset=question&hide=act,lr,opt", "Ready · 0/", None),
    "hidden_units": ("/?preset=question&act=tanh&epochs=50&play=1", "Finished · epoch 50/50", None),
    "phone": ("/?preset=question", "Ready · 0/", PHONE),
}


def violations(page) -> list[dict]:
    """Returns axe-core's violations on the page as {rule, impact, target, html, summary}, one per
    node (axe's own report groups nodes by rule)."""
    found = Axe().run(page).response["violations"]
    return [dict(rule=v["id"], impact=node.get("impact") or v["impact"],
                 target=" ".join(map(str, node["target"])), html=node["html"][:160],
                 summary=node.get("failureSummary", "")[:300])
            for v in found for node in v["nodes"]]


def _allowed(violation: dict) -> bool:
    return violation["impact"] not in ("serious", "critical") and any(
        rule == violation["rule"] and part in violation["target"] for rule, part in ALLOWED)


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_nothing_unexplained(new_page, name):
    """The page has no axe-core violation but the allowed ones, and none serious or critical."""
    link, ready, viewport = PAGES[name]
    page = new_page(link)
    if viewport:
        page.set_viewport_size(viewport)
    if ready.startswith("Finished"):
        wait_finished(page, int(ready.rsplit("/", 1)[1]))
    else:
        page.get_by_text(re.compile(re.escape(ready))).first.wait_for()
        page.locator('[data-testid="stMetric"]').first.wait_for()
    page.wait_for_timeout(1500)  # the charts draw after the status line
    found = violations(page)
    for v in found:
        print(f"axe {name}: {v['rule']} ({v['impact']}) {v['target']} {v['html']}")
    unexplained = [v for v in found if not _allowed(v)]
    if unexplained:
        screenshot(page, f"axe_{name}")
    assert not unexplained, "\n".join(
        f"{v['rule']} ({v['impact']}) at {v['target']}: {v['html']}\n  {v['summary']}"
        for v in unexplained)


_CHART_WORDS = """() => [...document.querySelectorAll('.plateau-live-chart')].map(div => ({
    role: div.getAttribute('role'), label: div.getAttribute('aria-label'),
    words: (document.getElementById(div.getAttribute('aria-describedby')) || {}).textContent}))"""


def test_every_chart_is_a_figure_described_by_its_current_numbers(new_page):
    """Each live chart (loss, fit, gradient norm, hidden units, curvature) is role="figure" with a
    name and a description holding its numbers; the loss chart's follows the run to its last
    epoch and the Loss readout."""
    page = new_page("/?preset=relu&epochs=600")
    page.get_by_text(re.compile(r"Ready · 0/600")).first.wait_for()
    page.wait_for_function("""() => { const charts = [...document.querySelectorAll(
        '.plateau-live-chart[aria-describedby]')];
      return charts.length === 5 && charts.every(d => document.getElementById(
        d.getAttribute('aria-describedby')).textContent); }""")
    before = {c["label"]: c["words"] for c in page.evaluate(_CHART_WORDS)}
    page.locator(".st-key-play button").first.click()
    wait_finished(page, 600)
    page.wait_for_function("""() => [...document.querySelectorAll('.plateau-live-chart')]
        .some(d => /Epoch 600 of 600/.test(document.getElementById(
            d.getAttribute('aria-describedby')).textContent))""")
    charts = page.evaluate(_CHART_WORDS)
    assert len(charts) == 5 and all(c["role"] == "figure" and c["label"] and re.search(r"\d", c["words"])
                                    for c in charts), charts
    words = {c["label"]: c["words"] for c in charts}
    loss = next(w for w in words.values() if w.startswith("Epoch 600 of 600"))
    shown = page.locator('[data-testid="stMetric"]', has_text="Loss").first
    assert shown.locator('[data-testid="stMetricValue"]').inner_text() in loss
    assert before != words  # kept current: every chart's words changed with the run
    assert all(before[label] != words[label] for label in words), (before, words)
