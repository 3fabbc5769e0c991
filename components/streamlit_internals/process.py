"""What changes Streamlit for every session of this process, and what warms a process:

- a script thread hands each message it sends to the server's event loop through
  `AppSession._call_soon_on_event_loop(callback)` (`self._event_loop.call_soon_threadsafe`),
  and so do the session's other cross-thread events, in the order they must run
  (`coalesce_loop_calls` batches them);
- `streamlit.config.get_option` takes `config._config_lock` on every call, and the parsed
  options are `config._config_options` (`read_config_without_lock` reads them without it);
- `st.set_page_config(page_icon=...)` checks the icon with `streamlit.string_util.is_emoji`,
  whose first call imports `streamlit.emojis` (a table of every emoji): once per process
  (`load_emoji_table`, for deploy/serve.py);
- the first element a process sends runs `streamlit.delta_generator._maybe_print_use_warning`,
  which asks `env_util.is_repl()`, and that walks the whole call stack with `inspect.stack()`
  (`check_how_started`, for deploy/serve.py).
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable
from typing import Any

from components.streamlit_internals import _install, _to_wrap, _warn_once


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
    original = _to_wrap(AppSession, "_call_soon_on_event_loop", "plateau_coalesced")
    if original is None:
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

    _install(AppSession, "_call_soon_on_event_loop", "plateau_coalesced", call_soon)


def load_emoji_table() -> None:
    """Loads what `st.set_page_config` reads to check a page icon (Streamlit's table of every
    emoji), which a process otherwise loads in its first student's script run."""
    try:
        from streamlit.string_util import is_emoji
    except ImportError as missing:  # the first page load then loads it
        _warn_once("streamlit.string_util.is_emoji", missing)
        return
    is_emoji("\u26f0\ufe0f")  # the page's icon, ⛰️


def check_how_started() -> None:
    """Does, before the server serves, Streamlit's once-per-process check of how it was started
    (run by `streamlit run`, or in a REPL), which it otherwise does at the first element its
    first student's script sends: `inspect.stack()` reads the source of every frame's file and
    looks each module up, ~9,700 `lstat` calls (0.25 s under a profiler, in the first student's
    run). Run as deploy/serve.py runs (`python -m`), the check logs nothing: the root frame is
    not a REPL's, and the warning about `python app.py` is off in .streamlit/config.toml."""
    try:
        from streamlit.delta_generator import _maybe_print_use_warning
    except ImportError as missing:  # the first student's first element then does it
        _warn_once("streamlit.delta_generator._maybe_print_use_warning", missing)
        return
    _maybe_print_use_warning()


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

    original = _to_wrap(config, "get_option", "plateau_unlocked")
    if original is None:
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

    _install(config, "get_option", "plateau_unlocked", get_option)
