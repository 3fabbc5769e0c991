"""What one tab of the flicker benchmark does: a monitor installed in the page before its own
scripts, and the helpers that open a tab, wait for both charts, zoom, and watch redraws.
benchmarks/flicker.py runs the variants and reports."""

from __future__ import annotations

import time

from playwright.sync_api import Page

from components.streamlit_internals import PLOTLY_GLOBAL

SAMPLE_EVERY = 0.05  # seconds between page.evaluate samples
STATUS_MARK = "Playing · epoch".encode()  # in every websocket message that redraws the status


# Installed before the page's own scripts. Counts, in the page itself (page.evaluate is too slow
# on a busy machine to see every change): Plotly graph divs as they appear; status line changes;
# and on every animation frame (the frame about to be painted), whether each chart shows a
# visible curve and whether that curve changed.
MONITOR_JS = """
(() => {
  const m = window.__flicker = {
    plots: 0, frames: 0, redraws: 0, status: "", counting: false, columns: {},
    blank: { loss: 0, fit: 0 }, painted: { loss: 0, fit: 0 }, seen: { loss: false, fit: false },
    last: { loss: "", fit: "" } };
  const tag = (el) => { if (!el.__flickerId) el.__flickerId = ++m.plots; };
  const readStatus = () => {
    const h = [...document.querySelectorAll("h2")].find((h) => h.textContent.includes("epoch"));
    const status = h ? h.textContent : m.status;
    if (status !== m.status && m.counting) m.redraws += 1;
    m.status = status;
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes") {
        if (r.target.classList && r.target.classList.contains("js-plotly-plot")) tag(r.target);
      } else {
        for (const n of r.addedNodes) {
          if (n.nodeType !== 1) continue;
          if (n.classList.contains("js-plotly-plot")) tag(n);
          n.querySelectorAll(".js-plotly-plot").forEach(tag);
        }
      }
    }
    readStatus();
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true,
                         attributeFilter: ["class"] });
  // The loss chart's column holds the Log scale toggle; the fit chart's, its caption.
  const LABELS = { loss: "Log scale", fit: "The fit:" };
  const column = (name) => {
    const cached = m.columns[name];
    if (cached && cached.isConnected) return cached;
    const found = [...document.querySelectorAll('[data-testid="stColumn"]')]
      .find((c) => c.textContent.includes(LABELS[name]) && c.querySelector(".js-plotly-plot"));
    return (m.columns[name] = found || null);
  };
  m.chart = (name) => {
    const col = column(name), plot = col && col.querySelector(".js-plotly-plot");
    const line = plot && plot.querySelector(".scatterlayer .trace path.js-line");
    const d = line ? line.getAttribute("d") || "" : "";
    // A curve is shown if its path is a line (not a dot) that is not hidden: a new
    // st.plotly_chart stays visibility: hidden until it has measured its width.
    const drawn = d.includes("L") &&
      line.checkVisibility({ visibilityProperty: true, opacityProperty: true });
    return { plot, id: plot ? plot.__flickerId || 0 : 0, drawn, d };
  };
  const frame = () => {
    for (const name of ["loss", "fit"]) {
      const { drawn, d } = m.chart(name);
      m.seen[name] = m.seen[name] || drawn;
      if (m.counting && !drawn) m.blank[name] += 1;
      if (m.counting && drawn && d !== m.last[name]) m.painted[name] += 1;
      if (drawn) m.last[name] = d;
    }
    if (m.counting) m.frames += 1;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""

SAMPLE_JS = """() => {
  const m = window.__flicker, chart = (name) => {
    const c = m.chart(name);
    return { id: c.id, drawn: c.drawn };
  };
  return { status: m.status, loss: chart("loss"), fit: chart("fit") };
}"""

COUNTERS_JS = """() => {
  const m = window.__flicker, drawnBy = document.querySelector(".plateau-live-chart")
    ? "live_chart" : document.querySelector('[data-testid="stPlotlyChart"]') ? "st.plotly_chart"
    : "nothing";
  return { plots: m.plots, frames: m.frames, redraws: m.redraws, status: m.status, drawnBy,
           blank: { ...m.blank }, painted: { ...m.painted } };
}"""

RANGE_JS = """() => {
  const m = window.__flicker, plot = m.chart("loss").plot;
  return { redraws: m.redraws, status: m.status,
           range: plot && plot._fullLayout ? plot._fullLayout.xaxis.range.slice() : null };
}"""

DRAG_AREA_JS = """() => {
  const plot = window.__flicker.chart("loss").plot, area = plot && plot.querySelector(".nsewdrag");
  if (!area) return null;  // between two st.plotly_chart mounts
  const r = area.getBoundingClientRect();
  return [r.x, r.y, r.width, r.height];
}"""

RELAYOUT_JS = """(range) => {
  const plot = window.__flicker.chart("loss").plot;
  return window[PLOTLY].relayout(plot, { "xaxis.range": range })
    .then(() => plot._fullLayout.xaxis.range.slice());
}""".replace("PLOTLY", repr(PLOTLY_GLOBAL))


def open_page(browser, url: str, errors: list[str]) -> tuple[Page, list[int]]:
    """Returns a new tab (its own session) on url with the monitor installed, and its websocket
    counts [bytes, messages carrying a status line, messages], which grow as frames arrive."""
    page = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()
    page.add_init_script(MONITOR_JS)
    received = [0, 0, 0]

    def count(payload: bytes | str) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        received[0] += len(data)
        received[1] += STATUS_MARK in data  # one per redraw the server sent
        received[2] += 1

    page.on("websocket", lambda ws: ws.on("framereceived", count))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page, received


def wait_drawn(page: Page, timeout: float = 180) -> None:
    """Returns once both charts have shown a curve; raises TimeoutError if they never do."""
    page.wait_for_function("() => window.__flicker.seen.loss && window.__flicker.seen.fit",
                           timeout=timeout * 1000)


def after_redraws(page: Page, redraws: int) -> dict:
    """Returns the loss chart's x range once the page has redrawn `redraws` more times."""
    first = now = page.evaluate(RANGE_JS)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = page.evaluate(RANGE_JS)
        if now["redraws"] - first["redraws"] >= redraws or not now["status"].startswith("Playing"):
            return now | {"redraws": now["redraws"] - first["redraws"]}
        time.sleep(SAMPLE_EVERY)
    return now | {"redraws": now["redraws"] - first["redraws"]}


def fresh_page(browser, url: str, link: str, seed: int) -> Page:
    """Returns a new tab on link with its own seed (so no cached run replays at once), playing,
    once both charts have drawn a curve."""
    page, _ = open_page(browser, f"{url}{link}&seed={seed}", [])
    wait_drawn(page)
    return page


def drag_zoom(page: Page) -> None:
    """Drags a zoom box across the middle of the loss chart's plot area, as a user does."""
    x, y, width, height = page.wait_for_function(DRAG_AREA_JS, timeout=30_000).json_value()
    page.mouse.move(x + 0.1 * width, y + 0.5 * height)
    page.mouse.down()
    page.mouse.move(x + 0.2 * width, y + 0.5 * height + 2, steps=4)  # flat: an x-only zoom
    page.mouse.move(x + 0.3 * width, y + 0.5 * height + 2, steps=4)
    page.mouse.up()
