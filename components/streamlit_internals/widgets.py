"""The guard on widget values from the websocket, and a widget drawn twice in one run.

Every incoming widget state passes through `SessionState.set_widgets_from_proto`; Streamlit
reads it with the widget's deserializer (`WStates`, `WidgetMetadata`) and, on the widget's next
draw, serialises it back *in the field it arrived in*; a keyed widget's id is
`$$ID-<hash>-<user key>`.

A crafted client can send a value in a field the widget never uses, or one its deserializer
cannot read, and both raise inside Streamlit: the first before any of the script runs
(`SessionState.on_script_will_rerun` reads every widget's new value to decide which callbacks
to call), the second inside the widget call. No check in the script can catch either, so
`guard_widget_states` wraps `set_widgets_from_proto`: a state Streamlit could not read back is
dropped (the widget keeps its previous value), and every state of a keyed widget is kept, as
sent, for the page to parse at the edge (components/panel/controls.py) and warn about.
"""

from __future__ import annotations

import functools
from typing import Any

try:
    from streamlit.runtime.state.common import unpack_widget_state_value
    from streamlit.runtime.state.session_state import SessionState, WStates
except ImportError as missing:  # the guard is then off: a crafted value may break its own page
    SessionState = WStates = unpack_widget_state_value = None
    _missing_state_api: ImportError | None = missing
else:
    _missing_state_api = None


from components.streamlit_internals import _install, _to_wrap, _warn_once

# Widget states from the websocket (see the docstring above).
SENT = "widget_values_sent"  # {user key: value as sent} of the last widget states received
REJECTED = "widget_states_rejected"  # [(user key or id, why)] of states Streamlit could not use
ID_PREFIX = "$$ID-"  # Streamlit 1.67 spells a keyed widget's id "$$ID-<hash>-<user key>"


def _user_key(widget_id: str) -> str | None:
    if not widget_id.startswith(ID_PREFIX):
        return None
    key = widget_id.split("-", 2)[-1]
    return None if key == "None" else key


def _sent_value(state, metadata) -> Any:
    """Returns a widget state's value as plain Python: for a control with options (a select box
    sends its option's label, its format_func's text) the option the labels name, read by the
    widget's own deserializer; otherwise as the deserializer would get it (an array field as a
    list, JSON text parsed). Raises ValueError for JSON that is not."""
    field = state.WhichOneof("value")
    sent = (list(getattr(state, field).data) if field is not None and field.endswith("_array_value")
            else unpack_widget_state_value(state))
    options = metadata.formatted_options
    labels = [sent] if isinstance(sent, str) else sent if isinstance(sent, list) else None
    if (options is not None and field in ("string_value", "string_array_value") and labels
            and all(label in options for label in labels)):
        try:
            return metadata.deserializer(sent)
        except Exception:  # a deserializer that cannot read it: the labels as sent
            return sent
    return sent


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
                sent[key] = _sent_value(state, metadata_of[state.id])
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
    if _missing_state_api is not None:
        _warn_once("streamlit.runtime.state's SessionState, WStates, unpack_widget_state_value",
                   _missing_state_api)
        return
    original = _to_wrap(SessionState, "set_widgets_from_proto", "plateau_guard")
    if original is None:
        return

    @functools.wraps(original)
    def guarded(self: SessionState, widget_states) -> None:
        _set_widgets_guarded(original, self, widget_states)

    _install(SessionState, "set_widgets_from_proto", "plateau_guard", guarded)


def forget_widgets(*keys: str) -> bool:
    """Lets the widgets with these user keys be drawn again in this script run, in the places
    they were drawn (an st.empty each), as they would be drawn by a rerun; returns False,
    doing nothing, where that cannot be done.

    Streamlit 1.67 refuses a key twice in one run: it registers each keyed widget's user key
    and id (`$$ID-<hash>-<user key>`) in the run's `widget_user_keys_this_run` and
    `widget_ids_this_run`, ThreadSafeSets, here emptied of those keys under their own lock.
    The next draw registers them again, with the arguments its callback gets (the state's
    widget metadata is replaced, as between runs)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return False
    try:
        shared = ctx.shared
        registries = [(shared.widget_user_keys_this_run, lambda key: key in keys),
                      (shared.widget_ids_this_run, lambda i: _user_key(i) in keys)]
        for registry, forgotten in registries:
            with registry._lock:
                registry._data.difference_update({v for v in registry._data if forgotten(v)})
    except AttributeError as missing:  # no redraw: the caller reruns instead
        _warn_once("ScriptRunContext.shared's widget_user_keys_this_run and "
                   "widget_ids_this_run (ThreadSafeSet: _lock, _data)", missing)
        return False
    return True
