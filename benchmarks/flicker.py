"""Do the live charts flicker? The real page's live charts, measured in headless Chromium.

usage: python -m benchmarks.flicker [--seconds 5] [--rounds 1] [--link URL_PATH] [--split-cores]

The page gets its own `streamlit run` on a free 127.0.0.1 port (the repository's config, a
fresh cache) and its own tabs of one headless Chromium. (An `st.plotly_chart` variant, the page
before components/live_chart.py, was measured beside it until that comparison was settled:
~3 redraws shown a second, blank frames, the zoom lost; the README keeps those figures.)

1. Flicker. Opens `/?preset=question&epochs=100000&play=1`; once both charts have shown a
   curve, samples the page with page.evaluate about every 50 ms for `--seconds`, while the
   status says Playing. A monitor installed before the page's scripts counts, in the page: plot
   divs created (every element that becomes a Plotly graph div); status line changes (redraws
   shown); and on every animation frame, whether the loss and fit charts show a visible curve
   (a path with a line in it, not hidden: a new st.plotly_chart is visibility: hidden until it
   has measured its width) and whether the curve changed. Websocket frames give the redraws
   the server sent and their bytes.
2. Zoom. In a fresh tab on its own seed, a zoom box dragged across the loss chart (a user's
   zoom), then `Plotly.relayout` of the x range (an edit by code, which Plotly's uirevision does
   not protect): is the range still shown after the next 3 redraws?
3. Robustness (live_chart only): Log scale toggled while playing (a rerun) keeps the same plot
   divs and the user's zoom; a reload draws both charts again; two tabs at once each draw their
   own run.

Printed: one column per round (`--rounds`, for a machine whose load
changes), then the checks; the exit status is 1 if a check failed. With --split-cores the server
runs on the first core and Chromium on the others (a student's browser is not on the server).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from benchmarks.flicker_page import (
    COUNTERS_JS,
    RANGE_JS,
    RELAYOUT_JS,
    SAMPLE_EVERY,
    SAMPLE_JS,
    after_redraws,
    drag_zoom,
    fresh_page,
    open_page,
    wait_drawn,
)
from tests.harness.server import CHROMIUM, CHROMIUM_ARGS, ROOT, ServerFailed, running_app

LINK = "/?preset=question&epochs=100000&play=1"
# The zoom and robustness tests each open a fresh tab on their own seed (a cached run would
# replay in a blink). One point per step makes a run last three times as many chunks, so it is
# still playing when the test acts; 16 seeds add the min-max band to the loss chart.
TEST_LINK = "/?preset=question&epochs=100000&seeds=16&batch=1&play=1"
ZOOM = [1000, 3000]   # the x range (epochs) Plotly.relayout sets on the loss chart
ZOOM_REDRAWS = 3      # redraws a zoom must survive

@dataclass
class Result:
    """What one round's page did while playing."""

    name: str
    load: float = 0.0  # the machine's 1-minute load average when sampling began
    seconds: float = 0.0
    samples: list[dict] = field(default_factory=list)
    start: dict = field(default_factory=dict)  # the page's counters when sampling began
    end: dict = field(default_factory=dict)    # and when it ended
    ws_bytes: int = 0
    ws_redraws: int = 0  # websocket messages that carried a status line: redraws sent
    ws_messages: int = 0
    zooms: dict[str, str] = field(default_factory=dict)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def grew(self, pick: Callable[[dict], int]) -> int:
        """Returns how much one of the page's counters grew while sampling."""
        return pick(self.end) - pick(self.start)

    def blank_samples(self, chart: str) -> int:
        """Returns the samples in which the chart showed no curve."""
        return sum(not s[chart]["drawn"] for s in self.samples)


def epoch(status: str) -> int:
    """Returns the epoch in a status line like 'Playing · epoch 5120/100000'."""
    try:
        return int(status.split("epoch ")[1].split("/")[0])
    except (IndexError, ValueError):
        return 0


@contextmanager
def server(log: Path, cores: set[int] | None = None) -> Iterator[str]:
    """Serves the app on a free port (on `cores` only, if given); yields its base URL, stops it
    afterwards."""
    try:
        with running_app(log, ["--server.baseUrlPath=", "--browser.gatherUsageStats=false"],
                         cores=cores) as started:
            yield started.url
    except ServerFailed as failure:
        sys.exit(str(failure))


def sample(page: Page, seconds: float, result: Result, received: list[int]) -> None:
    """Samples the page every SAMPLE_EVERY s for `seconds` or until play stops, into result."""
    page.evaluate("() => { window.__flicker.counting = true; }")
    result.load = os.getloadavg()[0]
    result.start, ws_start, t0 = page.evaluate(COUNTERS_JS), list(received), time.monotonic()
    while time.monotonic() - t0 < seconds:
        result.samples.append(page.evaluate(SAMPLE_JS))
        if not result.samples[-1]["status"].startswith("Playing"):
            break
        time.sleep(SAMPLE_EVERY)
    result.end, result.seconds = page.evaluate(COUNTERS_JS), time.monotonic() - t0
    result.ws_bytes, result.ws_redraws, result.ws_messages = (
        now - then for now, then in zip(received, ws_start))
    page.evaluate("() => { window.__flicker.counting = false; }")


def zoom_test(page: Page, how: str) -> str:
    """Returns what became of a zoom on the loss chart after the next ZOOM_REDRAWS redraws.
    `drag`: a zoom box dragged with the mouse, as a user zooms; `relayout`: Plotly.relayout, an
    edit by the page's own code, which uirevision does not keep (Plotly keeps only GUI edits)."""
    page.evaluate("() => { window.__flicker.counting = true; }")  # redraws count from here
    if how == "drag":
        drag_zoom(page)
        zoomed = page.evaluate(RANGE_JS)["range"]
    else:
        zoomed = page.evaluate(RELAYOUT_JS, ZOOM)
    later = after_redraws(page, ZOOM_REDRAWS)
    page.evaluate("() => { window.__flicker.counting = false; }")
    shown = "none" if later["range"] is None else "{:.0f}-{:.0f}".format(*later["range"])
    if zoomed is None or zoomed[1] - zoomed[0] > 50_000:
        return f"did not take (shows {shown})"
    kept = later["range"] is not None and all(
        abs(a - b) <= 1e-6 * abs(b) + 1e-9 for a, b in zip(later["range"], zoomed))
    if later["redraws"] < ZOOM_REDRAWS:
        return f"not tested: {later['redraws']} redraws before play stopped"
    return f"{'kept' if kept else 'lost'}: {shown} after {later['redraws']} redraws"


def measure(browser, name: str, seconds: float, link: str, log_dir: Path,
            server_cores: set[int] | None = None) -> Result:
    """Returns what the page did while playing, on a server of its own; `name` labels it."""
    result, errors = Result(name), []
    with server(log_dir / f"flicker_{name}.log", server_cores) as url:
        page, received = open_page(browser, url + link, errors)
        wait_drawn(page)
        sample(page, seconds, result, received)
        page.context.close()
        for seed, how in enumerate(("drag", "relayout"), start=101):
            page = fresh_page(browser, url, TEST_LINK, seed)
            result.zooms[how] = zoom_test(page, how)
            page.context.close()
        result.checks = robustness_checks(browser, url)
        result.checks.append(("the page draws its charts with live_chart",
                              result.end["drawnBy"] == "live_chart",
                              f"drawn by {result.end['drawnBy']}; else components/"
                              "live_view.py does not make its charts with LiveChart"))
        result.checks += [("no page errors", not errors, "; ".join(errors)[:200])]
    return result


def robustness_checks(browser, url: str) -> list[tuple[str, bool, str]]:
    """Returns (check, passed, detail) for a rerun while playing, a reload and two tabs."""
    checks = []
    page = fresh_page(browser, url, TEST_LINK, 103)
    drag_zoom(page)  # the user zooms, then changes a widget
    zoomed = page.evaluate(RANGE_JS)["range"]
    ids = page.evaluate("() => [window.__flicker.chart('loss').id, "
                        "window.__flicker.chart('fit').id, window.__flicker.plots]")
    page.evaluate("() => { window.__flicker.counting = true; }")
    page.get_by_text("Log scale", exact=True).click()  # a rerun while playing
    page.wait_for_function("() => { const p = window.__flicker.chart('loss').plot; "
                           "return p && p._fullLayout && p._fullLayout.yaxis.type === 'linear'; }",
                           timeout=20_000)
    after = after_redraws(page, 2)
    now = page.evaluate("() => [window.__flicker.chart('loss').id, "
                        "window.__flicker.chart('fit').id, window.__flicker.plots]")
    kept = after["range"] is not None and zoomed[1] - zoomed[0] < 50_000 and all(
        abs(a - b) <= 1e-6 * abs(b) + 1e-9 for a, b in zip(after["range"], zoomed))
    checks.append(("Log scale toggled while playing: linear axis, the same plots, zoom kept",
                   now == ids and kept and after["redraws"] >= 2,
                   f"loss and fit plot ids {ids[:2]} -> {now[:2]}, plot divs created on the page "
                   f"{ids[2]} -> {now[2]}, x range "
                   f"{zoomed} -> {after['range']}, {after['redraws']} redraws after, "
                   f"{after['status']!r}"))
    page.reload()
    try:
        wait_drawn(page, timeout=30)
        checks.append(("page reloaded: both charts drawn again", True, page.evaluate(
            "() => window.__flicker.status")))
    except PlaywrightTimeout:
        checks.append(("page reloaded: both charts drawn again", False, "no curves after 30 s"))
    other = fresh_page(browser, url, TEST_LINK.replace("preset=question", "preset=relu"), 104)
    tabs = (page, other)
    first = [tab.evaluate("() => [window.__flicker.status, window.__flicker.chart('fit').d]")
             for tab in tabs]
    time.sleep(2)
    then = [tab.evaluate("() => [window.__flicker.status, window.__flicker.chart('fit').d]")
            for tab in tabs]
    checks.append(("two tabs (question, relu): each draws its own run", then[0][1] != then[1][1],
                   f"statuses {first[0][0]!r} -> {then[0][0]!r} and {first[1][0]!r} -> "
                   f"{then[1][0]!r}"))
    for tab in tabs:
        tab.context.close()
    return checks


def report(results: list[Result]) -> str:
    """Returns the side-by-side table of the rounds' numbers."""
    def per_second(pick: Callable[[dict], int]) -> Callable[[Result], str]:
        return lambda r: f"{r.grew(pick) / r.seconds:.1f}"

    def blank_frames(chart: str) -> Callable[[Result], str]:
        return lambda r: f"{r.grew(lambda c: c['blank'][chart])} of {r.grew(lambda c: c['frames'])}"

    def blank_samples(chart: str) -> Callable[[Result], str]:
        return lambda r: f"{r.blank_samples(chart)} of {len(r.samples)}"

    rows: list[tuple[str, Callable[[Result], str]]] = [
        ("charts drawn by", lambda r: r.end["drawnBy"]),
        ("machine load average (1 min)", lambda r: f"{r.load:.1f} on {os.cpu_count()} CPUs"),
        ("seconds sampled while Playing", lambda r: f"{r.seconds:.1f}"),
        ("redraws/s sent (websocket)", lambda r: f"{r.ws_redraws / r.seconds:.1f}"),
        ("redraws/s shown (status line changes)", per_second(lambda c: c["redraws"])),
        ("epochs trained/s", per_second(lambda c: epoch(c["status"]))),
        ("plot divs created (whole page)", lambda r: str(r.grew(lambda c: c["plots"]))),
        ("loss chart: samples with no curve", blank_samples("loss")),
        ("fit chart: samples with no curve", blank_samples("fit")),
        ("loss chart: frames with no curve", blank_frames("loss")),
        ("fit chart: frames with no curve", blank_frames("fit")),
        ("loss curve updates painted/s", per_second(lambda c: c["painted"]["loss"])),
        ("fit curve updates painted/s", per_second(lambda c: c["painted"]["fit"])),
        ("browser frames/s", per_second(lambda c: c["frames"])),
        ("websocket kB per redraw sent", lambda r: f"{r.ws_bytes / 1000 / max(r.ws_redraws, 1):.0f}"),
        ("websocket messages per redraw", lambda r: f"{r.ws_messages / max(r.ws_redraws, 1):.1f}"),
        ("zoom by mouse drag", lambda r: r.zooms.get("drag", "")),
        ("zoom by Plotly.relayout", lambda r: r.zooms.get("relayout", "")),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{'':{width}}  " + "  ".join(f"{r.name:>30}" for r in results)]
    lines += [f"{name:{width}}  " + "  ".join(f"{cell(r):>30}" for r in results)
              for name, cell in rows]
    for r in results:
        for check, passed, detail in r.checks:
            lines.append(f"{r.name}: {'ok  ' if passed else 'FAIL'} {check} ({detail})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="sampling time per round")
    parser.add_argument("--link", default=LINK, help=f"the page to open (default {LINK})")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure the page this many times, each on a fresh server (default 1)")
    parser.add_argument("--split-cores", action="store_true",
                        help="the server on the first core, the browser on the others: a "
                             "student's computer is not the server (default: shared)")
    args = parser.parse_args()
    server_cores = None
    if args.split_cores:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            sys.exit("--split-cores needs at least 2 cores")
        server_cores = {cores[0]}
        os.sched_setaffinity(0, set(cores[1:]))  # Chromium, started below, inherits it
    log_dir = ROOT / "artifacts"
    log_dir.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results = [measure(browser, f"round {r + 1}", args.seconds, args.link, log_dir,
                           server_cores) for r in range(args.rounds)]
        browser.close()
    print(report(results))
    failed = [c for r in results for c in r.checks if not c[1]]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
