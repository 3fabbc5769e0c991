"""The private details of Streamlit that components/streamlit_internals.py relies on, checked
against the pinned version: when an upgrade changes one of them, this fails, loudly."""

from __future__ import annotations

import inspect

import streamlit
from streamlit.elements.lib.utils import _compute_element_id
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from streamlit.runtime.state.common import WidgetMetadata
from streamlit.runtime.state.session_state import SessionState, WStates

from components import streamlit_internals as internals


def test_streamlit_is_the_version_these_details_were_read_from():
    """streamlit_internals.py reads Streamlit 1.67.0: re-read it before changing the pin."""
    assert streamlit.__version__ == "1.67.0"


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
