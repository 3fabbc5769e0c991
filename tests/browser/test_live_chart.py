"""The live loss chart updates in place: the same plot through every redraw, the user's zoom
kept, a Log scale switch while playing taken in."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.browser.dom import screenshot, status_lines

pytestmark = pytest.mark.browser

# Still playing while the test watches, on any machine: 100,000 epochs at 2,000 a second are
# 50 s by construction; 16 seeds add the min-max band to the loss chart.
LINK = "/?preset=question&epochs=100000&seeds=16&speed=2000&seed=4242&play=1"
LOSS_PLOT = ".st-key-live_chart_loss .js-plotly-plot"
DRAWN = f"() => {{ const p = document.querySelector('{LOSS_PLOT}'); " \
        "return !!(p && p._fullLayout && p.querySelector('.scatterlayer path.js-line')); }"
# Tags the loss chart's plot element and returns what it shows: a new element would not carry
# the tag (a remount), an unchanged curve would keep its path.
READ = f"""() => {{
  const plot = document.querySelector('{LOSS_PLOT}');
  if (!plot.__tag) plot.__tag = Math.random();
  const paths = [...plot.querySelectorAll('.scatterlayer path.js-line')].map(p => p.getAttribute('d'));
  return {{ tag: plot.__tag, paths: paths.join('|'), range: plot._fullLayout.xaxis.range.slice(),
           type: plot._fullLayout.yaxis.type }};
}}"""


def _epoch(page) -> int:
    for line in status_lines(page):
        found = re.search(r"Playing · epoch (\d+)/", line)
        if found:
            return int(found.group(1))
    return -1


def _wait_epochs(page, more: int) -> None:
    """Returns once the status line shows `more` epochs past what it shows now."""
    start = _epoch(page)
    page.wait_for_function(
        "([start, more]) => [...document.querySelectorAll('h2')].some(h => {"
        "  const m = /Playing · epoch (\\d+)\\//.exec(h.textContent);"
        "  return m && Number(m[1]) >= start + more; })", arg=[start, more], timeout=60_000)


def _next_curve(page, shown: dict) -> dict:
    """Returns what the loss chart shows once its curve differs from `shown`'s."""
    page.wait_for_function(f"(paths) => [...document.querySelectorAll('{LOSS_PLOT} "
                           ".scatterlayer path.js-line')].map(p => p.getAttribute('d'))"
                           ".join('|') !== paths", arg=shown["paths"], timeout=60_000)
    return page.evaluate(READ)


def test_the_loss_chart_updates_in_place_and_keeps_the_zoom(new_page):
    """While playing, redraws change the curve on the same plot element (no remount, no blank
    frame), and an x range the user zoomed to survives them."""
    page = new_page(LINK)
    page.wait_for_function(DRAWN, timeout=90_000)
    first = page.evaluate(READ)
    later = _next_curve(page, first)
    assert later["tag"] == first["tag"], "the loss chart was mounted again"

    area = page.locator(f"{LOSS_PLOT} .nsewdrag").first
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 0.2 * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + 0.4 * box["width"], y + 2, steps=5)
    page.mouse.up()
    page.wait_for_function(f"() => document.querySelector('{LOSS_PLOT}')._fullLayout.xaxis"
                           ".range[1] < 50000", timeout=10_000)
    zoomed_to = page.evaluate(READ)
    zoomed = zoomed_to["range"]
    assert zoomed[1] - zoomed[0] < 0.5 * 100_000, f"the drag did not zoom: {zoomed}"
    after = _next_curve(page, zoomed_to)
    assert after["tag"] == first["tag"]
    assert after["range"] == pytest.approx(zoomed), "the zoom was lost on a redraw"
    screenshot(page, "live_chart_zoomed")


def test_log_scale_switched_while_playing_redraws_the_same_plot(new_page):
    """Switching Log scale off while playing gives the same plot a linear axis, and the run
    plays on."""
    page = new_page(LINK.replace("seed=4242", "seed=4243"))
    page.wait_for_function(DRAWN, timeout=90_000)
    first = page.evaluate(READ)
    assert first["type"] == "log"
    page.get_by_text("Log scale", exact=True).click()
    page.wait_for_function(
        f"() => document.querySelector('{LOSS_PLOT}')._fullLayout.yaxis.type === 'linear'",
        timeout=60_000)
    _wait_epochs(page, 1000)
    assert page.evaluate(READ)["tag"] == first["tag"]


# The loss chart's traces as the browser's plot holds them: [x, y, customdata or None] each.
CURVES = f"""() => document.querySelector('{LOSS_PLOT}').data.slice(0, 3).map(t => [
  Array.from(t.x), Array.from(t.y), t.customdata ? Array.from(t.customdata, r => Array.from(r)) : null])"""


GRAD_PLOT = ".st-key-live_chart_grad_norm .js-plotly-plot"
GRAD_CURVE = f"""() => {{ const t = document.querySelector('{GRAD_PLOT}').data[0];
  return [Array.from(t.x), Array.from(t.y), Array.from(t.customdata)]; }}"""


def test_the_growing_loss_curve_is_the_servers_curve_point_for_point(new_page):
    """Mid-run, each frame sends the loss curve's points after its settled segments, and the
    segments as elements of their own: what the plot shows (band and median, with the hover's
    loss and gap) is, point for point, the server's loss chart at the epoch it ends at; and so
    is the gradient norm's curve, which grows the same way at the explanation's pace."""
    from components.figures.charts import loss_chart
    from components.figures.explanation import grad_norm_chart
    from models.analysis.floors import floors
    from models.experiment import QUESTION
    from models.run.run import Run

    page = new_page(LINK.replace("seed=4242", "seed=4244"))
    page.wait_for_function(DRAWN, timeout=90_000)
    _wait_epochs(page, 45_000)  # two settled segments (20,200 epochs each) past the host's
    shown = page.evaluate(CURVES)
    epoch = int(shown[2][0][-1])
    experiment = QUESTION.with_(epochs=100_000, seeds=16, seed=4244)
    run = Run(experiment)
    run.advance(epoch)
    expected = loss_chart(run.history, floors(experiment.points, experiment.network), True,
                          100_000, seeds=16)["data"][:3]
    assert epoch > 40_400
    for (x, y, customdata), trace in zip(shown, expected, strict=True):
        np.testing.assert_array_equal(np.array(x), trace["x"])
        np.testing.assert_array_equal(np.array(y, dtype=np.float32), trace["y"])
        if "customdata" in trace:
            np.testing.assert_array_equal(np.array(customdata, dtype=np.float32),
                                          trace["customdata"])

    page.wait_for_function(f"() => {{ const t = document.querySelector('{GRAD_PLOT}').data[0];"
                           " return t.x[t.x.length - 1] > 40400; }", timeout=60_000)
    x, y, customdata = page.evaluate(GRAD_CURVE)
    grad_epoch = int(x[-1])
    again = Run(experiment)
    again.advance(grad_epoch)
    trace = grad_norm_chart(again.history.epochs, again.history.grad_norm, 100_000)["data"][0]
    assert trace["meta"]["settled"] > 2 * 400  # two segments sent before this frame's tail
    np.testing.assert_array_equal(np.array(x), trace["x"])
    np.testing.assert_array_equal(np.array(y), trace["y"])
    np.testing.assert_array_equal(np.array(customdata), trace["customdata"])


LANDSCAPE_PLOT = ".st-key-live_chart_landscape .js-plotly-plot"
# The landscape's contour (its grid and values) and the training path, read in one moment, as
# plotly.js decoded them (_fullData: `data` keeps the base64 typed arrays as they were sent).
LANDSCAPE = f"""() => {{ const p = document.querySelector('{LANDSCAPE_PLOT}');
  if (!p || !p._fullData || p._fullData.length < 2) return null;
  const [c, path] = p._fullData, rows = (a) => Array.from(a, r => Array.from(r));
  return {{ x: Array.from(c.x), y: Array.from(c.y), z: rows(c.z), customdata: rows(c.customdata),
           path: [Array.from(path.x), Array.from(path.y)] }}; }}"""


def test_the_landscape_once_its_window_moved_is_the_contour_of_the_path_it_shows(new_page):
    """Adam at lr 0.3 on this seed swings its path out of the landscape's first window near
    epoch 4,300 (2 s into a 50 s run), so the contour differs from the one the script run's
    host drew; it is then sent once as a kept trace, not with every update. Read as the path
    grows, what the plot shows is, value for value, the server's landscape for the path it
    shows: before the move and after it, on one plot (one host) while the run plays."""
    from components.figures.explanation import landscape_chart
    from models.experiment import QUESTION

    page = new_page("/?preset=question&opt=adam&lr=0.3&epochs=100000&speed=2000&seed=4246&play=1")
    page.get_by_text(re.compile(r"Playing · epoch")).first.wait_for(timeout=90_000)
    page.wait_for_function(f"() => ({LANDSCAPE})() !== null", timeout=90_000)
    windows, shown = [], None
    while len(set(windows)) < 2:  # until a read after the window moved
        assert len(windows) < 60, "the path never left its first window"
        if shown:  # the next read once the path has grown (an entry an explanation redraw)
            page.wait_for_function(f"(n) => {{ const s = ({LANDSCAPE})(); "
                                   "return s && s.path[0].length > n; }",
                                   arg=len(shown["path"][0]), timeout=60_000)
        shown = page.evaluate(LANDSCAPE)
        slopes, intercepts = (np.array(a) for a in shown["path"])
        expected = landscape_chart(QUESTION.points, slopes, intercepts)["data"][0]
        for key in ("x", "y", "z", "customdata"):
            np.testing.assert_array_equal(np.array(shown[key]), expected[key])
        windows.append(float(expected["x"][0]))
    assert _epoch(page) > 0  # still playing: one script run, one host, throughout
