"""Live charts: a large trace that changed from the host's is sent once, as a kept trace in an
element of its own, and named by the updates that follow, not re-sent with each of them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from components.live_chart import KEEP_BYTES, KEEP_LIMIT, PLOTLY_CHUNK, to_json
from tests.app.live_charts import figure_shown

pytestmark = pytest.mark.skipif(
    PLOTLY_CHUNK is None, reason="without plotly.js's chunk the charts fall back to st.plotly_chart")

POINTS = 2_000  # a contour-sized trace: 2,000 float64 values, 21 KB of base64


def _big(level: float) -> np.ndarray:
    return np.linspace(0.0, 1.0, POINTS) + level


def _kept_script() -> None:
    import numpy as np
    import streamlit as st

    from components.live_chart import LiveChart, UpdateBus

    bus = UpdateBus()
    chart = LiveChart("demo", bus)
    bus.place()
    # the bus's element holds only the latest flush: every update is noted here too
    st.session_state["updates"], add = [], bus.add
    bus.add = lambda update: (st.session_state["updates"].append(update), add(update))
    for big, small in st.session_state["frames"]:
        chart.draw({"data": [{"type": "scatter", "y": np.asarray(big)},
                             {"type": "scatter", "y": small}], "layout": {}})
        bus.flush()


def _messages(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.bytes) for e in at.get("bidi_component")]


def _played(frames: list) -> tuple[AppTest, list[dict], list[dict]]:
    """Returns the page, its live chart elements' messages, and every update sent."""
    at = AppTest.from_function(_kept_script)
    at.session_state["frames"] = frames
    at.run()
    assert not at.exception, at.exception
    return at, _messages(at), [json.loads(u) for u in at.session_state["updates"]]


def test_a_large_changed_trace_is_sent_once_and_named_by_the_updates_after():
    """Host, then the large trace changed once and the small one with every frame: the large
    one travels in one kept element; each update names it and carries the small one; the
    figure shown is the last frame's, value for value."""
    frames = [(_big(0), [0, 1]), (_big(1), [1, 2]), (_big(1), [2, 3]), (_big(1), [3, 4])]
    at, messages, updates = _played(frames)
    kept = [m["kept"] for m in messages if m.get("kept")]
    assert [[(part["trace"], part["v"]) for part in parts] for parts in kept] == [[(0, 1)]]
    assert len(json.dumps(kept[0][0]["json"])) >= KEEP_BYTES
    assert [u["traces"]["0"] for u in updates] == [{"kept": 1}] * 3
    assert [u["traces"]["1"]["y"] for u in updates] == [[1, 2], [2, 3], [3, 4]]
    shown = figure_shown([e.proto.bytes for e in at.get("bidi_component")], "demo")
    assert shown["data"][1]["y"] == [3, 4]
    assert json.loads(to_json(shown["data"][0])) == json.loads(to_json(
        {"type": "scatter", "y": _big(1)}))


def test_a_large_trace_that_changes_every_frame_is_kept_at_most_keep_limit_times():
    """Each kept trace stays on the page for the script run: past KEEP_LIMIT a changing one is
    sent inline in the updates, as it was before kept traces, and the page still shows the
    latest."""
    frames = [(_big(level), [0]) for level in range(KEEP_LIMIT + 4)]
    at, messages, updates = _played(frames)
    kept = [part["v"] for m in messages for part in m.get("kept", [])]
    assert kept == list(range(1, KEEP_LIMIT + 1))
    assert ["kept" in u["traces"]["0"] for u in updates] == \
        [True] * KEEP_LIMIT + [False] * 3
    shown = figure_shown([e.proto.bytes for e in at.get("bidi_component")], "demo")
    assert json.loads(to_json(shown["data"][0])) == json.loads(to_json(
        {"type": "scatter", "y": _big(KEEP_LIMIT + 3)}))
