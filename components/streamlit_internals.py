"""Private details of Streamlit 1.67 (pinned in requirements.txt), read here and nowhere else.

Each function below reads or replaces a private detail of Streamlit 1.67; its test in
tests/app/test_streamlit_internals.py fails loudly when the pinned version changes it.

Widget values from the websocket: Streamlit stores each incoming `WidgetState` proto and turns
it into a value with the widget's deserializer from the previous run, then (on the widget's next
draw) serialises it back *in the field it arrived in*. A crafted client can send a value in a
field the widget never uses, or one its deserializer cannot read, and both raise inside
Streamlit: the first before any of the script runs (`SessionState.on_script_will_rerun` reads
every widget's new value to decide which callbacks to call), the second inside the widget call.
No check in the script can catch either, so `guard_widget_states` wraps the one place every
incoming state passes, `SessionState.set_widgets_from_proto`: a state Streamlit could not read
back is dropped (the widget keeps its previous value), and every state of a keyed widget is kept,
as sent, for the page to parse at the edge (components/controls.py) and warn about.
"""

from __future__ import annotations

import functools
from typing import Any

from streamlit.runtime.state.common import unpack_widget_state_value
from streamlit.runtime.state.session_state import SessionState, WStates

SENT = "widget_values_sent"  # {user key: value as sent} of the last widget states received
REJECTED = "widget_states_rejected"  # [(user key or id, why)] of states Streamlit could not use
ID_PREFIX = "$$ID-"  # Streamlit 1.67 spells a keyed widget's id "$$ID-<hash>-<user key>"


def _user_key(widget_id: str) -> str | None:
    if not widget_id.startswith(ID_PREFIX):
        return None
    key = widget_id.split("-", 2)[-1]
    return None if key == "None" else key


def _sent_value(state) -> Any:
    """Returns a widget state's value as plain Python, as the widget's deserializer would get it
    (an array field as a list, JSON text parsed); raises ValueError for JSON that is not."""
    field = state.WhichOneof("value")
    if field is not None and field.endswith("_array_value"):
        return list(getattr(state, field).data)
    return unpack_widget_state_value(state)


def _unreadable(state, metadata) -> str | None:
    """Returns why Streamlit could not read this widget state back, or None when it can."""
    if metadata is None:
        return "it is not a control on this page"
    field = state.WhichOneof("value")
    options = metadata.formatted_options
    if options is not None and field in ("string_value", "string_array_value"):
        sent = [state.string_value] if field == "string_value" else state.string_array_value.data
        if any(value not in options for value in sent):
            return "it is not one of the control's options"
    # The same two steps Streamlit takes: deserialize with the widget's deserializer, then
    # serialise back in the field the value arrived in, on a copy of the widget's state.
    trial = WStates()
    trial.set_widget_metadata(metadata)
    trial.set_widget_from_proto(state)
    try:
        trial[state.id]
        trial.get_serialized(state.id)
    except Exception as e:  # anything Streamlit itself would raise on this value
        return f"Streamlit could not read a {field or 'empty value'} for it ({type(e).__name__})"
    return None


def _set_widgets_guarded(original, self: SessionState, widget_states) -> None:
    metadata_of = self._new_widget_state.widget_metadata
    sent: dict[str, Any] = {}
    rejected: list[tuple[str, str]] = []
    keep = []
    for state in widget_states.widgets:
        key = _user_key(state.id)
        problem = _unreadable(state, metadata_of.get(state.id))
        if key is not None and metadata_of.get(state.id) is not None:
            try:
                sent[key] = _sent_value(state)
            except ValueError:  # json_value that is not JSON: nothing to parse
                pass
        if problem is None:
            keep.append(state)
        else:
            rejected.append((key or state.id[:60], problem))
    if len(keep) != len(widget_states.widgets):
        del widget_states.widgets[:]
        widget_states.widgets.extend(keep)
    original(self, widget_states)
    self[SENT] = sent
    self[REJECTED] = rejected


def guard_widget_states() -> None:
    """Makes Streamlit drop any incoming widget state it could not read back (instead of
    raising), and keep what each keyed widget sent under SENT and REJECTED in session state.
    Idempotent; applies to every session of this process from the next message on."""
    original = SessionState.set_widgets_from_proto
    if getattr(original, "plateau_guard", False):
        return

    @functools.wraps(original)
    def guarded(self: SessionState, widget_states) -> None:
        _set_widgets_guarded(original, self, widget_states)

    guarded.plateau_guard = True
    SessionState.set_widgets_from_proto = guarded
