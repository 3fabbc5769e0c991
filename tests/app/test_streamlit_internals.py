"""When a private detail of Streamlit is missing, the page degrades and says so once in the log;
it never fails (components/streamlit_internals.py)."""

from __future__ import annotations

import json
import logging

import plotly.graph_objects as go
import streamlit as st
from streamlit.testing.v1 import AppTest

from components import streamlit_internals as internals


def test_a_streamlit_without_the_plotly_chunk_warns_once_and_gives_none(monkeypatch, tmp_path, caplog):
    """No single PlotlyChart chunk among the static files: None, and one warning however often
    it is asked."""
    monkeypatch.setattr(st, "__file__", str(tmp_path / "__init__.py"))
    monkeypatch.setattr(internals, "_warned", set())
    with caplog.at_level(logging.WARNING, logger=internals.__name__):
        assert internals._plotly_chunk() is None
        assert internals._plotly_chunk() is None
    assert len(caplog.records) == 1 and "PlotlyChart" in caplog.records[0].getMessage()


def test_outside_a_served_session_there_is_no_browser_and_no_queue():
    """No script running (or AppTest's stand-in runtime): no browser, nothing unsent, no warning."""
    assert internals.browser_connected() is False
    assert internals.unsent_messages() == 0


def _fallback_script() -> None:
    import plotly.graph_objects as go

    from components import live_chart

    bus = live_chart.UpdateBus()
    chart = live_chart.LiveChart("demo", bus)
    for ys in ([1, 2, 3], [3, 2, 1]):
        chart.draw(go.Figure(go.Scatter(x=[0, 1, 2], y=ys)))
        bus.flush()


def test_live_charts_fall_back_to_st_plotly_chart_without_the_chunk(monkeypatch):
    """Without Streamlit's plotly.js chunk (as if this Streamlit bundled plotly.js differently)
    a live chart is an ordinary st.plotly_chart showing the latest figure, with no exception."""
    from components import live_chart

    monkeypatch.setattr(live_chart, "PLOTLY_CHUNK", None)
    at = AppTest.from_function(_fallback_script).run()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    assert list(go.Figure(json.loads(charts[0].proto.spec)).data[0].y) == [3, 2, 1]
