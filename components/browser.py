"""The browser a session is shown in, as the server sees it: is there one, and how far behind
is it. Both read private details of Streamlit 1.67's Starlette server (pinned in
requirements.txt) and fall back to "no browser" where those details differ."""

from __future__ import annotations

from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.web.server.starlette.starlette_websocket import StarletteSessionClient


def _client():
    """Returns this session's connection to its browser (Streamlit 1.67's Starlette client)."""
    context = get_script_run_ctx()
    return Runtime.instance()._session_mgr.get_active_session_info(context.session_id).client


def browser_connected() -> bool:
    """Returns True when a browser shows this session: False in AppTest and for Streamlit's
    agent API, which run the script without drawing anything."""
    try:
        return isinstance(_client(), StarletteSessionClient)
    except Exception:  # no runtime or no active session: nobody to show the page to
        return False


def unsent_messages() -> int:
    """Returns how many messages wait in the server's queue to this session's browser; 0 when
    there is no browser (AppTest) or this Streamlit keeps its queue elsewhere."""
    try:
        return _client()._send_queue.qsize()
    except Exception:  # a private detail of Streamlit 1.67's Starlette server; 0 is safe
        return 0
