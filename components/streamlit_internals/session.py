"""This session in Streamlit's server, and the script run's context:

- the session's client: `Runtime.instance()._session_mgr.get_active_session_info(id).client`,
  an instance of `StarletteSessionClient` when a browser (or a websocket client) is connected;
- its send queue: `client._send_queue`, an asyncio.Queue of messages not yet sent;
- the session's own queue before that, `.session._browser_queue` of the same session info: a
  ForwardMsgQueue (`len()`) of the messages the script enqueued that the server's event loop
  has not yet flushed to the client (a newer delta to the same element replaces one there);
- the run's context: the fragments it reruns, and a rerun request waiting for it.
"""

from __future__ import annotations

from components.streamlit_internals import _warn_once


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
