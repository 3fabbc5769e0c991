"""Live charts: light messages, nothing sent when nothing changed, and a slow browser served
fewer redraws instead of a growing queue."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from components.figures.charts import (
    HEIGHT,
    LEGEND_ROW,
    MAX_POINTS,
    fit_figure,
    loss_chart,
    loss_figure,
    prediction_grid,
)
from components.live_chart import to_json
from models.analysis.floors import floors
from models.question.presets import PRESETS
from models.run.run import Run
from tests.app.live_charts import figure_shown
from tests.app.pacing import FakeClock, no_training, played

QUESTION = PRESETS["question"].experiment


def test_a_100000_epoch_loss_chart_sends_under_100_kb():
    """A 100,000-epoch run of 32 seeds keeps its full history, but its loss figure (median,
    band, floors) sends at most MAX_POINTS points per trace: under 100 KB of JSON as sent."""
    run = Run(QUESTION.with_(epochs=100_000, seeds=32))
    run.advance(100_000)
    assert run.history.count == 100_000
    figure = loss_figure(run.history, floors(QUESTION.points, QUESTION.network), True, 100_000)
    sizes = [len(trace.x) for trace in figure.data]
    size = len(to_json(figure.to_dict()))
    assert max(sizes) <= MAX_POINTS and size < 100_000, (sizes, size)


def test_a_loss_chart_grows_with_its_legend_so_the_plot_keeps_its_height():
    """Each legend entry past the second adds a row to the chart: the ReLU preset's five entries
    (loss, floor 0, linear floor, two reference floors) would otherwise squash the plot."""
    run = Run(QUESTION)
    run.advance(10)
    linear = loss_figure(run.history, floors(QUESTION.points, QUESTION.network), True, 10)
    relu = PRESETS["relu"].experiment
    wide = loss_figure(run.history, floors(relu.points, relu.network), True, 10,
                       compared=[("run 1", np.arange(3), np.ones(3)), ("run 2", np.arange(3), np.ones(3))])
    named = [t for t in wide.data if t.showlegend is not False and t.name]
    assert linear.layout.height == HEIGHT
    assert len(named) == 5 and wide.layout.height == HEIGHT + 3 * LEGEND_ROW


def test_a_fit_curve_changing_below_a_pixel_sends_the_same_figure():
    """Predictions that differ by far less than a pixel give the same figure, so the live page
    sends nothing for the fit chart once a run settles."""
    xs, ys = np.array(QUESTION.points.xs), np.array(QUESTION.points.ys)
    grid = prediction_grid(xs)
    floor = floors(QUESTION.points, QUESTION.network)
    curve = np.array([0.2 * grid + 0.01])
    first = fit_figure(xs, ys, grid, curve, floor)
    assert to_json(first) == to_json(fit_figure(xs, ys, grid, curve + 1e-9, floor))
    assert to_json(first) != to_json(fit_figure(xs, ys, grid, curve + 1e-3, floor))


def _live_script() -> None:
    import plotly.graph_objects as go
    import streamlit as st

    from components.live_chart import LiveChart, UpdateBus

    bus = UpdateBus()
    chart = LiveChart("demo", bus)
    bus.place()
    for ys in st.session_state["frames"]:
        chart.draw(go.Figure(go.Scatter(x=[0, 1, 2], y=ys)))
        bus.flush()


def _elements(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.bytes) for e in at.get("bidi_component")]


def test_a_live_chart_sends_its_host_once_then_only_what_changed():
    """The first draw of a script run sends the whole figure; a redraw with the same figure
    sends nothing; a changed one sends one update with only the changed trace, and the page
    shows the latest figure."""
    at = AppTest.from_function(_live_script)
    at.session_state["frames"] = [[1, 2, 3], [1, 2, 3]]
    at.run()
    assert not at.exception
    assert [("host" in e, "updates" in e) for e in _elements(at)] == [(True, False)]

    at.session_state["frames"] = [[1, 2, 3], [1, 2, 3], [3, 2, 1]]
    at.run()
    elements = _elements(at)
    assert [("host" in e, "updates" in e) for e in elements] == [(True, False), (False, True)]
    (update,) = elements[1]["updates"]
    assert update["layout"] is None and list(update["traces"]) == ["0"]
    shown = go.Figure(figure_shown([e.proto.bytes for e in at.get("bidi_component")], "demo"))
    assert list(shown.data[0].y) == [3, 2, 1]


def test_a_browser_that_falls_behind_gets_fewer_redraws_and_the_last_one():
    """While the browser's queue is full the loop trains on without redrawing, and the run
    still ends with its last epoch drawn. On a fake clock where an epoch takes 0.1 ms (a chunk
    of 256 takes 0.0256 s, as chunk_epochs plans), 30,000 epochs at full speed last 3 s: about
    35 redraws with a browser that keeps up, fewer with one that is behind every other time it
    is asked, and only the last with one that never catches up."""
    def play(behind) -> list[tuple[float, int]]:
        clock = FakeClock()

        def costly(run, epochs):
            clock.pass_time(1e-4 * epochs)
            return no_training(run, epochs)

        run, draws, _ = played(QUESTION.with_(epochs=30_000), float("inf"), costly, behind, clock)
        assert run.finished and draws[-1][1] == 30_000
        return draws

    asked: list[int] = []

    def every_other_time() -> bool:
        asked.append(1)
        return len(asked) % 2 == 1

    keeping_up, sometimes, never = play(lambda: False), play(every_other_time), play(lambda: True)
    assert len(keeping_up) >= 25
    assert 1 < len(sometimes) < len(keeping_up) and asked
    assert [epoch for _, epoch in never] == [30_000]


def test_redraws_come_every_redraw_every_stretched_by_the_load_or_twice_their_cost():
    """Alone and calm, a session redraws every REDRAW_EVERY s; a busy process stretches that
    for all its sessions; a redraw dearer than half the interval waits twice its cost, so a
    large network's run still spends most of its time training."""
    from components.live.player import REDRAW_EVERY, redraw_interval

    assert redraw_interval(1.0, 0.001) == REDRAW_EVERY
    assert redraw_interval(3.0, 0.001) == pytest.approx(3 * REDRAW_EVERY)
    assert redraw_interval(1.0, 0.5) == 1.0


@pytest.mark.parametrize("values", [
    [0, 1, 127], [-128, 5], [0, 255, 3], [0, 32_767], [-40_000, 40_000], [0, 65_535],
    [0, 70_000], [-2**31, 2**31 - 1], [0, 2**32 - 1], [-2**40, 2**40], []])
def test_integers_go_as_the_smallest_typed_array_that_holds_them(values):
    """An epoch axis of 10,000 goes as 16-bit integers, half the bytes of 32-bit ones; every
    value comes back exactly, and past 32 bits as 64-bit floats."""
    import base64

    from components.live_chart import _typed_array

    array = np.array(values, dtype=np.int64)
    sent = _typed_array(array)
    back = np.frombuffer(base64.b64decode(sent["bdata"]), dtype=sent["dtype"])
    np.testing.assert_array_equal(back, array)
    low, high = min(values, default=0), max(values, default=0)
    bits = next((b for b in (8, 16, 32) if -2**(b - 1) <= low and high < 2**b), None)
    assert back.dtype.kind == ("f" if bits is None else "iu"[low >= 0 and high >= 2**(bits - 1)])
    assert back.itemsize * 8 == (64 if bits is None else bits)


def test_a_growing_curves_full_buckets_never_change_as_the_run_goes_on():
    """bucket_index: the settled points of a shorter history are the first points of every
    longer one; each full bucket keeps its lowest and highest point; the curve ends at the
    latest epoch and has at most MAX_POINTS points once the run is done."""
    from components.figures.charts import bucket_index

    y = np.random.default_rng(3).random(20_000)
    y[5_000:5_100] = np.inf  # a divergence's infinities are extremes too
    before = (np.empty(0, dtype=np.int64), 0)
    for n in (1, 9, 10, 11, 997, 1_000, 4_321, 5_050, 12_345, 20_000):
        index, settled = bucket_index(y[:n], 20_000)
        assert np.all(np.diff(index) > 0) and index[-1] == n - 1
        np.testing.assert_array_equal(index[:before[1]], before[0][:before[1]])
        width = -(-20_000 // ((MAX_POINTS - 1) // 2))
        for start in range(0, (n // width) * width, width):
            bucket = np.nan_to_num(y[start:start + width], posinf=np.finfo(float).max)
            assert {start + bucket.argmin(), start + bucket.argmax()} <= set(index[:settled])
        before = (index, settled)
    assert len(index) <= MAX_POINTS


def test_a_growing_trace_is_its_segments_and_its_tail():
    """figure_json splits the loss curve's settled points into segments of SEGMENT_POINTS and
    a tail; together they are the whole trace, point for point, as the host sends it."""
    import base64

    import orjson

    from components.live_chart import SEGMENT_POINTS, figure_json

    def values(array):
        if isinstance(array, dict):
            flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
            return flat.reshape(-1, 2) if "shape" in array else flat
        return np.asarray(array)

    run = Run(QUESTION.with_(epochs=30_000, seeds=4))
    run.advance(12_345)
    sent = figure_json(loss_chart(run.history, floors(QUESTION.points, QUESTION.network), True,
                                  30_000))
    assert [g.uid for g in sent.growing] == ["loss-max over seeds", "loss-min over seeds", "loss"]
    from components.figures import charts
    from components.live_chart import GROWING
    assert charts.GROWING == GROWING
    for grown in sent.growing:
        whole = orjson.loads(sent.traces[grown.index])
        tail = orjson.loads(grown.tail)
        assert tail["grow"] == len(grown.segments) > 0 and "meta" not in whole
        for key in ("x", "y", "customdata"):
            if key not in whole:
                continue
            parts = [values(orjson.loads(s)[key]) for s in grown.segments] + [values(tail[key])]
            assert all(len(p) == SEGMENT_POINTS for p in parts[:-1])
            np.testing.assert_array_equal(np.concatenate(parts), values(whole[key]))


def _growing_draws(epochs: list[int]) -> None:
    """An AppTest script: the loss chart of one run drawn at `epochs`; leaves the segments sent
    (trace, number) and each update's "grow" counts in session state."""
    import orjson
    import streamlit as st

    from components import live_chart
    from components.figures.charts import loss_chart
    from models.analysis.floors import floors
    from models.question.presets import PRESETS
    from models.run.run import Run

    experiment = PRESETS["question"].experiment.with_(epochs=30_000, seeds=4)
    run, sent, grows = Run(experiment), [], []
    segment = live_chart._SEGMENT
    live_chart._SEGMENT = lambda data, height: sent.append(
        [(part["trace"], part["k"]) for part in orjson.loads(data)["segments"]])
    try:
        bus = live_chart.UpdateBus()
        chart = live_chart.LiveChart("loss", bus)
        bus.add = lambda update: grows.append(
            {i: t.get("grow") for i, t in orjson.loads(update)["traces"].items()})
        for epoch in epochs:
            run.advance(epoch - run.epoch)
            chart.draw(loss_chart(run.history, floors(experiment.points, experiment.network),
                                  True, 30_000, seeds=4))
    finally:
        live_chart._SEGMENT = segment
    st.session_state["sent"], st.session_state["grows"] = sent, grows


def test_a_growing_curves_segments_are_sent_once_each_and_updates_carry_the_rest():
    """The host has the curve as it was; each later draw sends only the segments settled since
    (each once, as an element of its own) and the points after them."""
    from components.live_chart import PLOTLY_CHUNK

    if PLOTLY_CHUNK is None:
        pytest.skip("without plotly.js's chunk the charts fall back to st.plotly_chart")
    # 30,000 epochs: buckets of 31 epochs, a segment (400 points) is 200 buckets, 6,200 epochs
    app = AppTest.from_function(_growing_draws, kwargs=dict(epochs=[6_500, 7_000, 18_999, 19_000]),
                                default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    # the host (6,500 epochs) had one segment of each of the three traces; 18,999 settles two
    # more of each, sent in one element
    assert app.session_state["sent"] == [[(0, 1), (0, 2), (1, 1), (1, 2), (2, 1), (2, 2)]]
    assert app.session_state["grows"] == [{"0": 1, "1": 1, "2": 1}, {"0": 3, "1": 3, "2": 3},
                                          {"0": 3, "1": 3, "2": 3}]
