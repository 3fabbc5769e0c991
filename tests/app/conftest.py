"""The `open_page` fixture: the page opened in AppTest at a share link, run once."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config
from streamlit.testing.v1 import AppTest

from tests.app.live_charts import figure_shown

APP = Path(__file__).resolve().parents[2] / "app.py"
# AppTest's default is 3 s; the first run imports torch and plotly, and Play trains a whole
# run (10,000 epochs) inside one script run. This only guards against a hang, so it is far
# beyond any machine's time (a run takes about a second here) and below pytest's 300 s.
TIMEOUT = 240


@pytest.fixture(autouse=True)
def fresh_shared_cache() -> Iterator[None]:
    """Clears st.cache_data (the training chunks shared between sessions) around every test: a
    run another test played would otherwise replay from the cache, and how fast it replays
    would decide what a test sees."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def open_page() -> Iterator[Callable[..., AppTest]]:
    """Returns a function that opens the page at a share link's query and runs it once."""
    # AppTest reads .streamlit/config.toml, whose showErrorDetails="none" (right for a public
    # server) would leave a failing test with only "This app has encountered an error".
    shown = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")

    def open_(query: Mapping[str, str | list[str]] | None = None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        return at.run()

    yield open_
    config.set_option("client.showErrorDetails", shown)


@pytest.fixture
def chart_of() -> Callable[[AppTest, str], dict]:
    """Returns a function giving the figure ({"data", "layout"}) that the live chart of that
    name shows on an AppTest page, merged from its elements as the browser merges them."""
    return lambda at, name: figure_shown([e.proto.bytes for e in at.get("bidi_component")], name)
