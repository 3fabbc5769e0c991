"""Does the server's memory stay flat? 50 sessions opened and closed, and 200 runs in one.

usage: python -m benchmarks.memory [--sessions 50] [--runs 200]

Starts `streamlit run app.py` on a free 127.0.0.1 port (with a short disconnected-session TTL,
so closed tabs are let go within the measurement) and measures its resident memory (RSS):
1. before and after `--sessions` browser contexts each open a short run of the question, wait
   for it to finish and close (five at a time);
2. before and after one session plays `--runs` different runs one after another (the seed
   changes each time, so nothing is shared).
Goal: each adds less than 50 MB once the first few sessions have warmed the process up.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

from tests.harness.server import CHROMIUM, CHROMIUM_ARGS, TEST_FLAGS, start_app, stop

MB = 1024 * 1024
EPOCHS = 500


def _rss(process: psutil.Process) -> float:
    """Returns the resident memory of the process and its children, in MB."""
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / MB


def _open_and_finish(browser, url: str, seed: int) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/?preset=question&epochs={EPOCHS}&seed={seed}&play=1")
    page.get_by_text(f"Finished · epoch {EPOCHS}/{EPOCHS}").first.wait_for(timeout=120_000)
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    log = Path(tempfile.mkstemp(prefix="memory-server-", suffix=".log")[1])
    started = start_app(log, [*TEST_FLAGS, "--server.disconnectedSessionTTL=2"])
    server, url = started.process, started.url
    process = psutil.Process(server.pid)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for seed in range(5):  # warm-up: imports, allocator pools, the first cache entries
                _open_and_finish(browser, url, 10_000 + seed)
            time.sleep(4)
            before = _rss(process)
            for seed in range(args.sessions):
                _open_and_finish(browser, url, seed)
            time.sleep(4)  # past the disconnected-session TTL
            gc.collect()
            after_sessions = _rss(process)
            print(f"{args.sessions} sessions opened and closed: {before:.1f} MB -> "
                  f"{after_sessions:.1f} MB ({after_sessions - before:+.1f} MB)")

            context = browser.new_context(viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.goto(f"{url}/?preset=question&epochs={EPOCHS}&seed=20000&play=1")
            page.get_by_text(f"Finished · epoch {EPOCHS}/{EPOCHS}").first.wait_for(timeout=120_000)
            before_runs = _rss(process)
            seed_box = page.locator(".st-key-seed input")
            for seed in range(20_001, 20_001 + args.runs):
                seed_box.fill(str(seed))
                seed_box.press("Enter")
                page.locator(".st-key-play button").first.click()
                page.get_by_text(f"Finished · epoch {EPOCHS}/{EPOCHS}").first.wait_for(
                    timeout=120_000)
                page.wait_for_function(
                    "() => document.querySelector('[data-testid=\"stApp\"]')"
                    ".getAttribute('data-test-script-state') === 'notRunning'")
            after_runs = _rss(process)
            print(f"{args.runs} runs in one session: {before_runs:.1f} MB -> {after_runs:.1f} MB "
                  f"({after_runs - before_runs:+.1f} MB)")
            context.close()
            browser.close()
    finally:
        stop(server)


if __name__ == "__main__":
    main()
