"""Every private detail of Streamlit that the page relies on, in one place.

Each was read from Streamlit 1.67.0 (pinned in requirements.txt); none is public API, so a new
Streamlit may change any of them. tests/browser/test_streamlit_internals.py checks each against
a real running server and fails loudly when one no longer holds. In production a missing detail
never fails at import: it degrades to the behaviour named beside it and logs one warning.

Server side (Python):
- the session's client: `Runtime.instance()._session_mgr.get_active_session_info(id).client`,
  an instance of `StarletteSessionClient` when a browser (or a websocket client) is connected;
- its send queue: `client._send_queue`, an asyncio.Queue of messages not yet sent;
- the session's own queue before that, `.session._browser_queue` of the same session info: a
  ForwardMsgQueue (`len()`) of the messages the script enqueued that the server's event loop
  has not yet flushed to the client (a newer delta to the same element replaces one there).
Browser side (names handed to the page's scripts, which read them from the DOM):
- plotly.js is one lazily loaded chunk, `static/static/js/PlotlyChart.<hash>.js`, which sets
  `window.Plotly` when imported;
- the entry module is `<script type="module" src=".../static/js/index.<hash>.js">`;
- the theme is in CSS variables on every element: `--st-text-color`, `--st-font`, ...;
- an element still loading its code is drawn as `[data-testid="stSkeleton"]`.
Handing messages to the event loop (`coalesce_loop_calls`):
- a script thread hands each message it sends to the server's event loop through
  `AppSession._call_soon_on_event_loop(callback)` (`self._event_loop.call_soon_threadsafe`),
  and so do the session's other cross-thread events, in the order they must run.
Warming a process (deploy/serve.py):
- `st.set_page_config(page_icon=...)` checks the icon with `streamlit.string_util.is_emoji`,
  whose first call imports `streamlit.emojis` (a table of every emoji): once per process.
Widget values from the websocket (the guard at the end of this module):
- every incoming widget state passes through `SessionState.set_widgets_from_proto`; Streamlit
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

import collections
import functools
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

try:
    from streamlit.runtime.state.common import unpack_widget_state_value
    from streamlit.runtime.state.session_state import SessionState, WStates
except ImportError as missing:  # the guard is then off: a crafted value may break its own page
    SessionState = WStates = unpack_widget_state_value = None
    _missing_state_api: ImportError | None = missing
else:
    _missing_state_api = None

_log = logging.getLogger(__name__)
_warned: set[str] = set()

VERSION = "1.67.0"  # the Streamlit these details were read from


def _warn_once(detail: str, error: object) -> None:
    if detail not in _warned:
        _warned.add(detail)
        _log.warning("Streamlit %s no longer has %s (%s); written for %s: degrading",
                     st.__version__, detail, error, VERSION)


def coalesce_loop_calls() -> None:
    """Makes each session hand its script thread's messages to the event loop in batches: one
    wake-up of the loop for all the callbacks queued until it runs them, in the order they were
    queued. Idempotent; for every session of this process.

    Streamlit 1.67 wakes the loop once per message (`call_soon_threadsafe` writes to the loop's
    self-pipe, and the loop runs one callback per handle), and a redraw sends five or more.
    Measured on 15 students at the default pace in one process: 0.148 and 0.150 CPU-s a student,
    0.123 and 0.124 with the batches (medians of three classes, alternated); 50 students:
    0.115 and 0.107. A batch runs what was queued when it started, so a busy script thread
    cannot keep the loop from its other work; a callback's exception goes to the loop's handler,
    as it does from a handle of its own.
    """
    try:
        from streamlit.runtime.app_session import AppSession
    except ImportError as missing:
        _warn_once("streamlit.runtime.app_session.AppSession", missing)
        return
    original = getattr(AppSession, "_call_soon_on_event_loop", None)
    if original is None:
        _warn_once("AppSession._call_soon_on_event_loop", "missing")
        return
    if getattr(original, "plateau_coalesced", False):
        return

    def run_queued(session: Any, queued: collections.deque) -> None:
        session._plateau_batch_due = False  # what comes next gets a batch of its own
        for _ in range(len(queued)):
            callback = queued.popleft()
            try:
                callback()
            except Exception as error:  # as the loop treats a failing handle: log, go on
                session._event_loop.call_exception_handler(
                    {"message": "Exception in a queued session callback", "exception": error})

    @functools.wraps(original)
    def call_soon(self: Any, callback: Callable[[], None]) -> None:
        loop = getattr(self, "_event_loop", None)
        if loop is None or loop.is_closed():
            original(self, callback)  # (which drops it once the loop has closed)
            return
        queued = self.__dict__.get("_plateau_queued")
        if queued is None:
            queued = self.__dict__.setdefault("_plateau_queued", collections.deque())
        queued.append(callback)
        if not self.__dict__.get("_plateau_batch_due"):
            self._plateau_batch_due = True
            original(self, functools.partial(run_queued, self, queued))

    call_soon.plateau_coalesced = True
    AppSession._call_soon_on_event_loop = call_soon


def load_emoji_table() -> None:
    """Loads what `st.set_page_config` reads to check a page icon (Streamlit's table of every
    emoji), which a process otherwise loads in its first student's script run."""
    try:
        from streamlit.string_util import is_emoji
    except ImportError as missing:  # the first page load then loads it
        _warn_once("streamlit.string_util.is_emoji", missing)
        return
    is_emoji("\u26f0\ufe0f")  # the page's icon, ⛰️


def _plotly_chunk() -> str | None:
    """Returns the file name of Streamlit's plotly.js chunk, or None (live charts then fall back
    to st.plotly_chart) when its static files hold no single one."""
    chunks = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    if len(chunks) != 1:
        _warn_once("one static/js/PlotlyChart.*.js", f"found {len(chunks)}")
        return None
    return chunks[0].name


PLOTLY_CHUNK = _plotly_chunk()
PLOTLY_GLOBAL = "Plotly"  # the chunk, once imported, leaves plotly.js at window.Plotly
ENTRY_SCRIPT_SELECTOR = 'script[type="module"][src*="/static/js/index."]'
# The same entry module as the page's HTML names it (for a test that fetches it through a proxy).
ENTRY_SCRIPT_SRC = re.compile(r'src="\.?/?(static/js/index\.[^"]+\.js)"')
SKELETON_SELECTOR = '[data-testid="stSkeleton"]'
# The theme's CSS variables the live charts draw with, by the role they play in the chart.
THEME_VARIABLES = {
    "text": "--st-text-color", "font": "--st-font", "grid": "--st-border-color-light",
    "border": "--st-border-color", "background": "--st-background-color",
    "colors": "--st-chart-categorical-colors",
}
# Streamlit's markup that fails WCAG 2.1 AA as drawn, and the rule of the page's stylesheet that
# mends each (axe-core found both; tests/browser/test_accessibility.py runs it on the page):
# - a button's shortcut badge is its label's colour at 60% opacity: white on the primary blue
#   is 3.2:1, under the 4.5:1 text needs; drawn opaque it is the label's 5.2:1;
# - st.latex's display box scrolls sideways when a formula is wider than its column (two pixels
#   at 1400 px from KaTeX's rounding; a third of the normal equations on a phone), and a box
#   the keyboard cannot focus cannot be scrolled by keyboard. So it never scrolls: past the
#   2 px it shows all, and on a phone (Streamlit stacks columns below 640 px) the formula's
#   font follows the screen's width: the normal equations, about 23 em wide, fill 85% of it.
#   (A container query would size it to the column, but makes the box's own width 0.)
SHORTCUT_BADGE_SELECTOR = '[data-has-shortcut="true"] > kbd'
LATEX_BOX_SELECTOR = '[data-testid="stMarkdownContainer"]:has(> .katex-display)'
PAGE_CSS = f"""
{SHORTCUT_BADGE_SELECTOR} {{ opacity: 1; }}
{LATEX_BOX_SELECTOR} > .katex-display {{ overflow: visible; }}
@media (max-width: 640px) {{
  {LATEX_BOX_SELECTOR} > .katex-display > .katex {{ font-size: min(1.21em, 3.6vw); }}
}}
"""
# What the browser-side scripts read, sent to them with each chart's first figure.
BROWSER_DETAILS = {"plotly": PLOTLY_CHUNK, "plotlyGlobal": PLOTLY_GLOBAL,
                   "entry": ENTRY_SCRIPT_SELECTOR, "theme": THEME_VARIABLES}


def _session_info() -> object | None:
    """Returns this session's info in the runtime (its client and session), or None outside a
    served session."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)
    # No script running, or AppTest, whose runtime is a stand-in with no sessions.
    if context is None or not Runtime.exists() or type(Runtime.instance()) is not Runtime:
        return None
    try:
        return Runtime.instance()._session_mgr.get_active_session_info(context.session_id)
    except AttributeError as error:
        _warn_once("Runtime._session_mgr.get_active_session_info", error)
        return None


def _client() -> object | None:
    """Returns this session's connection to its browser, or None outside a served session."""
    info = _session_info()
    return None if info is None else info.client


def _browser_client_class() -> type | None:
    try:
        from streamlit.web.server.starlette.starlette_websocket import StarletteSessionClient
    except ImportError as error:
        _warn_once("streamlit.web.server.starlette.starlette_websocket.StarletteSessionClient",
                   error)
        return None
    return StarletteSessionClient


def browser_connected() -> bool:
    """Returns True when a browser (a websocket) shows this session: False in AppTest and for
    Streamlit's agent API, which run the script without drawing anything, and False when this
    Streamlit's details differ (a play=1 link then starts at once, as in AppTest)."""
    client, kind = _client(), _browser_client_class()
    return client is not None and kind is not None and isinstance(client, kind)


def fragment_rerun() -> bool:
    """Returns True while this script run reruns fragments only (then st.rerun(scope="fragment")
    is allowed; Streamlit 1.67 refuses it during a full run, even inside a fragment)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return bool(ctx is not None and getattr(ctx, "fragment_ids_this_run", None))


def rerun_waiting() -> bool:
    """Returns True when a rerun of this session waits for the running script to end.

    Streamlit 1.67 lets a full rerun interrupt a script at its next st.* call, but not the rerun
    of a fragment that a widget inside it asked for (Pause, Step, Reset or the replay slider in
    the live fragment): that one waits for the run to end (`_fragment_run_should_not_preempt_
    script`), so the play loop asks here and ends its run itself.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

    ctx = get_script_run_ctx(suppress_warning=True)
    requests = getattr(ctx, "script_requests", None)
    return requests is not None and getattr(requests, "_state", None) == ScriptRequestType.RERUN


def unsent_messages() -> int:
    """Returns how many messages wait in the server's queue to this session's browser; 0 when
    there is no browser or this Streamlit keeps its queue elsewhere (redraws are then never held
    back for a slow browser)."""
    client = _client()
    if client is None or not browser_connected():
        return 0
    try:
        return client._send_queue.qsize()
    except AttributeError as error:
        _warn_once("StarletteSessionClient._send_queue", error)
        return 0


def unflushed_messages() -> int:
    """Returns how many messages this session's script has enqueued that the server's event
    loop has not yet flushed towards its browser; 0 outside a served session. The event loop
    flushes every session's queue many times a second: messages still there when the next
    redraw is due mean the process is too busy to send what was drawn (and a newer redraw of
    the same elements would only replace them unsent)."""
    info = _session_info()
    if info is None or not browser_connected():
        return 0
    try:
        return len(info.session._browser_queue)
    except (AttributeError, TypeError) as error:
        _warn_once("AppSession._browser_queue", error)
        return 0


# Widget states from the websocket (see the module's docstring).
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
    original = getattr(SessionState, "set_widgets_from_proto", None)
    if original is None:
        _warn_once("SessionState.set_widgets_from_proto", "no such method")
        return
    if getattr(original, "plateau_guard", False):
        return

    @functools.wraps(original)
    def guarded(self: SessionState, widget_states) -> None:
        _set_widgets_guarded(original, self, widget_states)

    guarded.plateau_guard = True
    SessionState.set_widgets_from_proto = guarded


def read_config_without_lock() -> None:
    """Makes `streamlit.config.get_option` read the parsed options without taking the config's
    process-wide lock. Idempotent; for every session of this process.

    Streamlit 1.67 takes `config._config_lock` (an RLock) on every `get_option`, and it asks
    for an option at every message a script sends (`forward_msg_cache.populate_hash_if_needed`)
    and every st.* call (`metrics_util`). With a class's sessions sending frames from 30
    threads, the lock and the interpreter's lock hand each other over in a convoy: py-spy put
    42% of the server's samples inside `get_option`. Once parsed, the options are a dict that
    is only read, so reading it needs no lock; before that, and for an unknown key, the original
    function answers (and raises as it does).
    """
    from streamlit import config

    original = config.get_option
    if getattr(original, "plateau_unlocked", False):
        return
    if not isinstance(getattr(config, "_config_options", None), dict | type(None)):
        _warn_once("streamlit.config._config_options", "not a dict")
        return

    @functools.wraps(original)
    def get_option(key: str) -> Any:
        options = config._config_options
        if options is not None and key in options:
            return options[key].value
        return original(key)

    get_option.plateau_unlocked = True
    config.get_option = get_option
