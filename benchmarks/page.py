"""The question's 10,000 epochs in the browser: Plateau Lab against the plain Streamlit app.

usage: python -m benchmarks.page [--rounds R]

Starts app.py and benchmarks/baseline_app.py, each with `streamlit run ... --server.headless=true
--server.port=P --server.address=127.0.0.1` on a free loopback port, and drives both in one
headless Chromium (Playwright), alternating apps in every round; medians over the rounds.
- Plateau Lab, twice a round: at `speed=max` (as fast as it trains, against the baseline) and
  at the default pace (`speed=auto`: a run in about 5 s, for a class to watch). Each opens
  `/?preset=question&seed=S&speed=...` (a fresh seed each time, so the shared training cache
  never serves a run another one trained), waits until the page has drawn all of itself,
  clicks Play and times from the click to "Finished · epoch 10000/10000" (a "Playing · epoch"
  status must have been shown in between).
- Baseline: opens `/`, clicks Train and times from the click to its "Finished" text.
The times are taken inside the page (performance.now() in a MutationObserver), so polling from
Python adds nothing. Both servers are stopped at the end, also on errors.
Each round also opens the question's link in a fresh browser context (nothing cached, as a
student's first visit) and times the page's title after navigation, and the loss chart's first
trace after the title.
Goals: Plateau Lab's time at max <= 1/3 of the baseline's; at the default pace about 5 s; the
loss chart within 1 s of the page's text (issue 21).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import sync_playwright

from components.streamlit_internals import SKELETON_SELECTOR
from tests.harness.server import CHROMIUM, CHROMIUM_ARGS, ROOT, running_app

FINISHED = "Finished · epoch 10000/10000"
PLAYING = "Playing · epoch"
TIMEOUT_MS = 120_000

# Records when each text first appears: window.__seen[text] = performance.now().
WATCH_TEXTS = f"""
window.__seen = {{}};
new MutationObserver(() => {{
  const text = document.body ? document.body.textContent : "";
  for (const t of [{PLAYING!r}, {FINISHED!r}]) {{
    if (!(t in window.__seen) && text.includes(t)) window.__seen[t] = performance.now();
  }}
  const title = document.querySelector("h1");
  if (!("text" in window.__seen) && title && title.textContent.includes("Plateau Lab")) {{
    window.__seen.text = performance.now();
  }}
  if (!("chart" in window.__seen) && document.querySelector(".plateau-live-chart .scatterlayer .trace")) {{
    window.__seen.chart = performance.now();
  }}
}}).observe(document, {{subtree: true, childList: true, characterData: true, attributes: true}});
"""
FIRST_PAINT_GOAL = 1.0  # seconds from the page's text to the loss chart's first trace (issue 21)


def time_first_paint(browser, url: str, seed: int) -> tuple[float, float]:
    """Returns (seconds from navigation to the page's title, seconds from the title to the loss
    chart's first trace) on a fresh load: a new browser context, so nothing is cached, as for a
    student opening the link for the first time."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(WATCH_TEXTS)
    page.goto(f"{url}/?preset=question&seed={seed}")
    page.wait_for_function("'chart' in window.__seen && 'text' in window.__seen",
                           timeout=TIMEOUT_MS)
    seen = page.evaluate("window.__seen")
    context.close()
    return seen["text"] / 1000, (seen["chart"] - seen["text"]) / 1000


def time_plateau_lab(browser, url: str, seed: int, speed: str) -> float:
    """Returns seconds from clicking Play to "Finished" on our app at `speed`."""
    page = browser.new_page()
    page.add_init_script(WATCH_TEXTS)
    page.goto(f"{url}/?preset=question&seed={seed}&speed={speed}")
    button = page.get_by_role("button", name="Play")
    button.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(f"!document.querySelector({SKELETON_SELECTOR!r})",
                           timeout=TIMEOUT_MS)  # the page has drawn all of itself
    start = page.evaluate("performance.now()")
    button.click()
    page.wait_for_function(f"{FINISHED!r} in window.__seen", timeout=TIMEOUT_MS)
    seen = page.evaluate("window.__seen")
    page.close()
    if PLAYING not in seen:
        raise RuntimeError("Plateau Lab finished without ever showing a Playing status")
    return (seen[FINISHED] - start) / 1000


def time_baseline(browser, url: str) -> float:
    """Returns seconds from clicking Train to "Finished" on the baseline app."""
    page = browser.new_page()
    page.add_init_script(WATCH_TEXTS)
    page.goto(url)
    button = page.get_by_role("button", name="Train")
    button.wait_for(timeout=TIMEOUT_MS)
    start = page.evaluate("performance.now()")
    button.click()
    page.wait_for_function(f"{FINISHED!r} in window.__seen", timeout=TIMEOUT_MS)
    finished = page.evaluate(f"window.__seen[{FINISHED!r}]")
    page.close()
    return (finished - start) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as logs, ExitStack() as stack:
        # The repository on PYTHONPATH: the baseline imports the question's points.
        ours_url, base_url = (stack.enter_context(running_app(
            Path(logs) / f"{Path(script).stem}.log", script=script,
            env={"PYTHONPATH": str(ROOT)})).url for script in ("app.py", "benchmarks/baseline_app.py"))
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        # warm-up: each app's first script run imports torch, plotly and the app's modules
        for url in (f"{ours_url}/?preset=question", base_url):
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                                   timeout=TIMEOUT_MS)
            page.close()
        ours, paced, baseline, text, chart = [], [], [], [], []
        for r in range(rounds):
            to_text, to_chart = time_first_paint(browser, ours_url, 2000 + r)
            text.append(to_text)
            chart.append(to_chart)
            baseline.append(time_baseline(browser, base_url))
            ours.append(time_plateau_lab(browser, ours_url, 1000 + 2 * r, "max"))
            paced.append(time_plateau_lab(browser, ours_url, 1001 + 2 * r, "auto"))
            print(f"  round {r + 1}: baseline {baseline[-1]:6.2f} s   Plateau Lab at max "
                  f"{ours[-1]:6.2f} s, at the default pace {paced[-1]:6.2f} s; fresh load: "
                  f"text at {to_text:5.2f} s, loss chart {to_chart:5.2f} s later", flush=True)
    b, o, p = (statistics.median(times) for times in (baseline, ours, paced))
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"baseline (nn.Sequential + autograd, float32, redraw every 100 epochs): {b:6.2f} s")
    print(f"Plateau Lab at speed=max (engine, float64, live page):              {o:6.2f} s")
    print(f"Plateau Lab at the default pace (speed=auto, goal about 5 s):       {p:6.2f} s")
    print(f"fresh load: the page's text {statistics.median(text):5.2f} s after navigation, the "
          f"loss chart's first trace {statistics.median(chart):5.2f} s after the text "
          f"(goal <= {FIRST_PAINT_GOAL:.0f} s)")
    print(f"Plateau Lab at max / baseline: {o / b:.2f} (goal <= 0.33); baseline / Plateau Lab: "
          f"{b / o:.1f}x")


if __name__ == "__main__":
    main()
