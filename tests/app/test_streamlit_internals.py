"""components/streamlit_internals/: the private details it relies on are checked against the
pinned Streamlit (an upgrade that changes one fails here, loudly; tests/browser has the checks
that need a real server), and when one is missing the page degrades and says so once in the log."""

from __future__ import annotations

import inspect
import json
import logging

import plotly.graph_objects as go
import streamlit as st
from streamlit.elements.lib.utils import _compute_element_id
from streamlit.elements.widgets.selectbox import SelectboxSerde
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from streamlit.runtime.state.common import WidgetMetadata
from streamlit.runtime.state.session_state import SessionState, WStates
from streamlit.testing.v1 import AppTest

from components import streamlit_internals as internals
from components.panel.widget_values import LABELS, speed_label
from models.edges.widgets import clean_widget_values
from models.run.pace import AUTO, MAX, SPEED_STOPS


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
    assert internals.unflushed_messages() == 0


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


def test_keyed_widget_ids_end_with_their_user_key():
    """Streamlit 1.67 spells a keyed widget's id "$$ID-<hash>-<key>"; the guard reads the key."""
    widget_id = _compute_element_id("slider", "depth", min_value=0)
    assert widget_id.startswith(internals.ID_PREFIX) and widget_id.endswith("-depth")
    assert internals._user_key(widget_id) == "depth"
    assert internals._user_key(_compute_element_id("button", None)) is None


def test_every_incoming_widget_state_passes_through_set_widgets_from_proto():
    """on_script_will_rerun hands the browser's states to set_widgets_from_proto, the method the
    guard wraps, and widget metadata lives where the guard reads it."""
    assert "self.set_widgets_from_proto(fresh_widget_states)" in inspect.getsource(
        SessionState.on_script_will_rerun)
    assert "widget_metadata" in inspect.getsource(WStates)
    assert {"formatted_options", "deserializer", "serializer", "value_type"} <= set(
        WidgetMetadata.__dataclass_fields__)


def _select_slider_metadata(widget_id: str) -> WidgetMetadata:
    options = ["1e-05", "0.0001"]
    return WidgetMetadata(widget_id, deserializer=lambda v: float(v[0]) if v else 1e-05,
                          serializer=lambda v: [repr(v)], value_type="string_array_value",
                          formatted_options=options)


def test_a_value_in_the_wrong_field_raises_inside_streamlit_without_the_guard():
    """Why the guard exists: Streamlit serialises a value back in the field it arrived in, so a
    list of numbers sent for a widget of strings raises TypeError in Streamlit 1.67."""
    widget_id = "$$ID-0-lr"
    states = WStates()
    states.set_widget_metadata(_select_slider_metadata(widget_id))
    bad = WidgetState(id=widget_id)
    bad.double_array_value.data.append(1e9)
    states.set_widget_from_proto(bad)
    try:
        states[widget_id]
        states.get_serialized(widget_id)
    except TypeError:
        pass
    else:
        raise AssertionError("Streamlit now reads a wrong field back: revisit the guard")
    assert internals._unreadable(bad, _select_slider_metadata(widget_id)) is not None


def test_the_guard_drops_unreadable_states_and_keeps_what_was_sent():
    """A guarded SessionState keeps readable states, drops the rest, and records both."""
    internals.guard_widget_states()
    internals.guard_widget_states()  # idempotent
    assert SessionState.set_widgets_from_proto.plateau_guard
    session = SessionState()
    widget_id = "$$ID-0-lr"
    session._new_widget_state.set_widget_metadata(_select_slider_metadata(widget_id))
    good, bad, unknown = WidgetState(id=widget_id), WidgetState(id=widget_id), \
        WidgetState(id="$$ID-1-nothing", int_value=5)
    good.string_array_value.data.append("0.0001")
    bad.double_array_value.data.append(1e9)
    session.set_widgets_from_proto(WidgetStates(widgets=[bad]))
    assert widget_id not in session._new_widget_state.states
    assert session[internals.SENT] == {"lr": [1e9]}
    session.set_widgets_from_proto(WidgetStates(widgets=[good, unknown]))
    assert session._new_widget_state[widget_id] == 0.0001
    assert session[internals.REJECTED] == [("nothing", "it is not a control on this page")]


def _speed_box_metadata(widget_id: str, options: list) -> WidgetMetadata:
    """Returns the metadata Streamlit 1.67's select box registers for the Speed control."""
    labels = [speed_label(option) for option in options]
    serde = SelectboxSerde(options, formatted_options=labels,
                           formatted_option_to_option_index={t: i for i, t in enumerate(labels)},
                           default_option_index=0, format_func=speed_label)
    return WidgetMetadata(widget_id, deserializer=serde.deserialize, serializer=serde.serialize,
                          value_type="string_value", formatted_options=labels)


def test_a_speed_sent_as_its_label_is_read_as_its_value():
    """A select box sends its option's label; the guard hands the page the option the label
    names, through Streamlit's own deserializer, so every Speed label is read as its speed with
    no warning, and a label that is no option is kept as sent and gets a warning naming it."""
    internals.guard_widget_states()
    options = [AUTO, *SPEED_STOPS, 250.0, MAX]
    session = SessionState()
    widget_id = "$$ID-0-speed"
    session._new_widget_state.set_widget_metadata(_speed_box_metadata(widget_id, options))
    for option in options:
        session.set_widgets_from_proto(WidgetStates(widgets=[
            WidgetState(id=widget_id, string_value=speed_label(option))]))
        assert session[internals.SENT] == {"speed": option}
        assert clean_widget_values(session[internals.SENT]) == ({"speed": option}, [])
    session.set_widgets_from_proto(WidgetStates(widgets=[
        WidgetState(id=widget_id, string_value="warp 9")]))
    assert session[internals.REJECTED] == [("speed", "it is not one of the control's options")]
    clean, warnings = clean_widget_values(session[internals.SENT], fallback={"speed": 100.0},
                                          labels=LABELS)
    assert clean == {"speed": 100.0}
    assert warnings == ["Speed `warp 9`: it is not a number of epochs a second, auto or max; "
                        "used 100."]


def test_a_fragment_rerun_waits_for_the_running_script_and_is_seen_waiting(monkeypatch):
    """A rerun of a fragment asked for by one of its widgets does not interrupt the running
    script in the pinned Streamlit (so the play loop must end its run itself), and
    `rerun_waiting` sees it; a session with no rerun asked for is not waiting."""
    from streamlit.runtime import scriptrunner
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

    requests = ScriptRequests()
    context = type("Context", (), {"script_requests": requests})()
    monkeypatch.setattr(scriptrunner, "get_script_run_ctx", lambda suppress_warning=False: context)
    assert internals.rerun_waiting() is False
    requests.request_rerun(RerunData(fragment_id_queue=["live"]))
    assert requests.on_scriptrunner_yield() is None  # Streamlit itself would run on
    assert internals.rerun_waiting() is True


def test_options_are_read_without_the_config_lock_and_give_the_same_values():
    """Streamlit 1.67 takes its config lock on every get_option (the reason for the patch);
    after `read_config_without_lock`, a thread holding that lock does not stop another from
    reading an option, and every option reads as the original function gives it."""
    import threading

    from streamlit import config

    assert "_config_lock" in inspect.getsource(config.get_option.__wrapped__
                                               if hasattr(config.get_option, "__wrapped__")
                                               else config.get_option)
    original = getattr(config.get_option, "__wrapped__", config.get_option)
    internals.read_config_without_lock()
    internals.read_config_without_lock()  # idempotent
    keys = ["global.minCachedMessageSize", "browser.gatherUsageStats", "server.headless",
            "runner.postScriptGC", "client.showErrorDetails"]
    assert [config.get_option(k) for k in keys] == [original(k) for k in keys]
    read: list[object] = []
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with config._config_lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    reader = threading.Thread(target=lambda: read.append(config.get_option(keys[0])))
    reader.start()
    reader.join(10)
    read_while_held = list(read)  # a reader that waited on the lock has read nothing yet
    release.set()
    holder.join(10)
    reader.join(10)
    assert read_while_held == [original(keys[0])]


class LoopSession:
    """Stands in for an AppSession: what `_call_soon_on_event_loop` reads of one (its loop)."""

    def __init__(self, loop) -> None:
        self._event_loop = loop


def running_loop():
    """Returns an asyncio loop running in a thread of its own, and that thread."""
    import asyncio
    import threading

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    return loop, thread


def test_a_sessions_callbacks_go_to_the_loop_in_one_batch_in_order():
    """Streamlit 1.67 hands every message of a script thread to the loop through
    `_call_soon_on_event_loop`, one `call_soon_threadsafe` each; after `coalesce_loop_calls`,
    callbacks queued while the loop is busy wake it once and run in the order queued."""
    import threading

    from streamlit.runtime.app_session import AppSession

    assert "self._call_soon_on_event_loop(" in inspect.getsource(AppSession._on_scriptrunner_event)
    internals.coalesce_loop_calls()
    internals.coalesce_loop_calls()  # idempotent
    original = AppSession._call_soon_on_event_loop.__wrapped__
    assert "call_soon_threadsafe(callback)" in inspect.getsource(original)
    loop, thread = running_loop()
    wakeups = []
    threadsafe = loop.call_soon_threadsafe
    loop.call_soon_threadsafe = lambda *a, **k: (wakeups.append(1), threadsafe(*a, **k))[1]
    session = LoopSession(loop)
    busy, release, done = threading.Event(), threading.Event(), threading.Event()
    seen: list[int] = []
    try:
        threadsafe(lambda: (busy.set(), release.wait(10)))  # the loop is busy with something
        busy.wait(10)
        for i in range(200):
            AppSession._call_soon_on_event_loop(session, lambda i=i: seen.append(i))
        AppSession._call_soon_on_event_loop(session, done.set)
        release.set()
        assert done.wait(10)
        assert seen == list(range(200))
        assert len(wakeups) == 1
        again = threading.Event()  # after a batch has run, the next call makes a new one
        AppSession._call_soon_on_event_loop(session, lambda: (seen.append(200), again.set()))
        assert again.wait(10) and seen[-1] == 200 and len(wakeups) == 2
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_a_failing_callback_is_reported_and_the_batch_goes_on_and_a_closed_loop_drops_them():
    import threading

    from streamlit.runtime.app_session import AppSession

    internals.coalesce_loop_calls()
    loop, thread = running_loop()
    reported: list[BaseException] = []
    loop.set_exception_handler(lambda _, context: reported.append(context["exception"]))
    session = LoopSession(loop)
    done = threading.Event()
    try:
        AppSession._call_soon_on_event_loop(session, lambda: 1 / 0)
        AppSession._call_soon_on_event_loop(session, done.set)
        assert done.wait(10)
        assert [type(e) for e in reported] == [ZeroDivisionError]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
    AppSession._call_soon_on_event_loop(session, lambda: 1 / 0)  # dropped, as Streamlit does


def _drawn_twice_script() -> None:
    import pytest
    import streamlit as st

    from components.streamlit_internals import forget_widgets

    place = st.empty()
    place.button("Pause", key="play")
    with pytest.raises(Exception, match="play"):  # the pinned Streamlit refuses a key twice
        st.button("again", key="play")
    st.session_state["forgot"] = forget_widgets("play")
    place.button("Play", key="play")


def test_a_forgotten_widget_is_drawn_again_in_its_place_in_the_same_run():
    """Streamlit refuses a key twice in one run; once `forget_widgets` has forgotten it (from
    the run's user keys and keyed ids), the widget is drawn again in its place: one button,
    saying the latest."""
    at = AppTest.from_function(_drawn_twice_script).run()
    assert not at.exception and at.session_state["forgot"] is True
    assert [b.label for b in at.button] == ["Play"] and at.button(key="play").label == "Play"


def test_without_the_run_registries_forget_widgets_warns_once_and_the_run_reruns(monkeypatch,
                                                                                 caplog):
    """A Streamlit whose run context keeps its widget registries elsewhere: forget_widgets does
    nothing and says so once; the player's finish then reruns the live part, as before."""
    from streamlit.runtime import scriptrunner

    context = type("Context", (), {"shared": object()})()
    monkeypatch.setattr(scriptrunner, "get_script_run_ctx", lambda suppress_warning=False: context)
    monkeypatch.setattr(internals, "_warned", set())
    with caplog.at_level(logging.WARNING, logger=internals.__name__):
        assert internals.forget_widgets("play") is False
        assert internals.forget_widgets("play") is False
    assert len(caplog.records) == 1 and "widget_ids_this_run" in caplog.records[0].getMessage()
