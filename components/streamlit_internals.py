"""Every private detail of Streamlit that the page relies on, in one place.

Each was read from Streamlit 1.67.0 (pinned in requirements.txt); none is public API, so a new
Streamlit may change any of them. tests/browser/test_streamlit_internals.py checks each against
a real running server and fails loudly when one no longer holds. In production a missing detail
never fails at import: it degrades to the behaviour named beside it and logs one warning.

Server side (Python):
- the session's client: `Runtime.instance()._session_mgr.get_active_session_info(id).client`,
  an instance of `StarletteSessionClient` when a browser (or a websocket client) is connected;
- its send queue: `client._send_queue`, an asyncio.Queue of messages not yet sent.
Browser side (names handed to the page's scripts, which read them from the DOM):
- plotly.js is one lazily loaded chunk, `static/static/js/PlotlyChart.<hash>.js`, which sets
  `window.Plotly` when imported;
- the entry module is `<script type="module" src=".../static/js/index.<hash>.js">`;
- the theme is in CSS variables on every element: `--st-text-color`, `--st-font`, ...;
- an element still loading its code is drawn as `[data-testid="stSkeleton"]`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

_log = logging.getLogger(__name__)
_warned: set[str] = set()

VERSION = "1.67.0"  # the Streamlit these details were read from


def _warn_once(detail: str, error: object) -> None:
    if detail not in _warned:
        _warned.add(detail)
        _log.warning("Streamlit %s no longer has %s (%s); written for %s: degrading",
                     st.__version__, detail, error, VERSION)


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
SKELETON_SELECTOR = '[data-testid="stSkeleton"]'
# The theme's CSS variables the live charts draw with, by the role they play in the chart.
THEME_VARIABLES = {
    "text": "--st-text-color", "font": "--st-font", "grid": "--st-border-color-light",
    "border": "--st-border-color", "background": "--st-background-color",
    "colors": "--st-chart-categorical-colors",
}
# What the browser-side scripts read, sent to them with each chart's first figure.
BROWSER_DETAILS = {"plotly": PLOTLY_CHUNK, "plotlyGlobal": PLOTLY_GLOBAL,
                   "entry": ENTRY_SCRIPT_SELECTOR, "theme": THEME_VARIABLES}


def _client() -> object | None:
    """Returns this session's connection to its browser, or None outside a served session."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)
    # No script running, or AppTest, whose runtime is a stand-in with no sessions.
    if context is None or not Runtime.exists() or type(Runtime.instance()) is not Runtime:
        return None
    try:
        info = Runtime.instance()._session_mgr.get_active_session_info(context.session_id)
    except AttributeError as error:
        _warn_once("Runtime._session_mgr.get_active_session_info", error)
        return None
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
