"""Every private detail of Streamlit that the page relies on, in one place: this package, one
module a responsibility.

Each was read from Streamlit 1.67.0 (pinned in requirements.txt); none is public API, so a new
Streamlit may change any of them. tests/browser/test_streamlit_internals.py checks each against
a real running server, and tests/app/test_streamlit_internals.py against the pinned package;
both fail loudly when one no longer holds. In production a missing detail never fails at
import: it degrades to the behaviour named beside it and logs one warning (`_warn_once`).

- `browser`: the names handed to the page's scripts, which read them from the DOM (plotly.js's
  chunk, the entry module, the theme's CSS variables, the loading placeholder, the markup the
  page's stylesheet mends);
- `session`: this session's client, its send queue and its queue before that, and the run's
  context (a fragment's run, a rerun waiting);
- `widgets`: the guard on the widget states a websocket sends, and a keyed widget drawn again
  in the same run (a finished run's Play button, without rerunning the live part);
- `process`: what changes Streamlit for every session of the process (messages handed to the
  event loop in batches, the config read without its lock) and what warms it (the emoji table,
  the check of how the server was started).

Import the names from here: `from components.streamlit_internals import browser_connected`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

_log = logging.getLogger(__name__)
_warned: set[str] = set()

VERSION = "1.67.0"  # the Streamlit these details were read from


def _warn_once(detail: str, error: object) -> None:
    if detail not in _warned:
        _warned.add(detail)
        _log.warning("Streamlit %s no longer has %s (%s); written for %s: degrading",
                     st.__version__, detail, error, VERSION)


def _to_wrap(owner: Any, name: str, marker: str) -> Any:
    """Returns owner's `name`, to wrap once: None when it is missing (said once in the log) or
    already this module's wrapper (which carries `marker`)."""
    original = getattr(owner, name, None)
    if original is None:
        _warn_once(f"{owner.__name__}.{name}", "missing")
    return None if original is None or getattr(original, marker, False) else original


def _install(owner: Any, name: str, marker: str, wrapper: Callable) -> None:
    """Puts `wrapper` (of owner's `name`) in its place, marked so that it is not wrapped again."""
    setattr(wrapper, marker, True)
    setattr(owner, name, wrapper)



# The names, from the module of each responsibility (which import the helpers above from here).
from components.streamlit_internals.browser import (  # noqa: E402
    BROWSER_DETAILS,
    ENTRY_SCRIPT_SELECTOR,
    ENTRY_SCRIPT_SRC,
    LATEX_BOX_SELECTOR,
    PAGE_CSS,
    PLOTLY_CHUNK,
    PLOTLY_GLOBAL,
    SHORTCUT_BADGE_SELECTOR,
    SKELETON_SELECTOR,
    THEME_VARIABLES,
    _plotly_chunk,
)
from components.streamlit_internals.process import (  # noqa: E402
    check_how_started,
    coalesce_loop_calls,
    load_emoji_table,
    read_config_without_lock,
)
from components.streamlit_internals.session import (  # noqa: E402
    _browser_client_class,
    _client,
    _session_info,
    browser_connected,
    fragment_rerun,
    rerun_waiting,
    unflushed_messages,
    unsent_messages,
)
from components.streamlit_internals.widgets import (  # noqa: E402
    ID_PREFIX,
    REJECTED,
    SENT,
    _unreadable,
    _user_key,
    forget_widgets,
    guard_widget_states,
)

__all__ = [  # what the page, deploy/serve.py and the tests use
    "BROWSER_DETAILS",
    "ENTRY_SCRIPT_SELECTOR",
    "ENTRY_SCRIPT_SRC",
    "ID_PREFIX",
    "LATEX_BOX_SELECTOR",
    "PAGE_CSS",
    "PLOTLY_CHUNK",
    "PLOTLY_GLOBAL",
    "REJECTED",
    "SENT",
    "SHORTCUT_BADGE_SELECTOR",
    "SKELETON_SELECTOR",
    "THEME_VARIABLES",
    "_browser_client_class",
    "_client",
    "_plotly_chunk",
    "_session_info",
    "_unreadable",
    "_user_key",
    "browser_connected",
    "check_how_started",
    "coalesce_loop_calls",
    "forget_widgets",
    "fragment_rerun",
    "guard_widget_states",
    "load_emoji_table",
    "read_config_without_lock",
    "rerun_waiting",
    "unflushed_messages",
    "unsent_messages",
    "VERSION",
    "_warned",
]
