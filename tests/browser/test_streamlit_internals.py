"""The private details of Streamlit that components/streamlit_internals/ names still hold in
the pinned Streamlit, checked against a real server and browser: when an upgrade changes one,
this fails here, by name, instead of the page quietly degrading."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
import streamlit as st

from components import streamlit_internals as internals
from tests.browser.conftest import ARTIFACTS
from tests.harness.server import running_app

pytestmark = pytest.mark.browser


def test_the_pinned_streamlit_is_the_one_the_details_were_read_from():
    """The details were read from one version; any other must be checked again by hand."""
    assert st.__version__ == internals.VERSION


def test_a_served_session_sees_its_websocket_client_and_send_queue(chromium):
    """In a real server, a browser's session has a StarletteSessionClient with a send queue and
    an AppSession with its queue of messages not yet flushed, and no detail has degraded."""
    with running_app(ARTIFACTS / "internals.log", script="tests/browser/internals_app.py") as server:
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.goto(server.url)
            page.get_by_text("degraded=").wait_for(timeout=60_000)
            text = "\n".join(page.locator('[data-testid="stText"]').all_inner_texts())
        finally:
            context.close()
    assert "client=StarletteSessionClient" in text, text
    assert "send_queue=Queue" in text, text
    assert "browser_connected=True" in text, text
    assert "browser_queue=ForwardMsgQueue" in text, text
    assert "unsent_messages=" in text and "unflushed_messages=" in text, text
    assert "degraded=[]" in text, text


def test_the_page_has_the_entry_module_plotly_chunk_theme_variables_and_skeletons(new_page, app_url):
    """The browser-side details: the entry module's selector finds a script, the plotly.js chunk
    is served and defines window.Plotly, every theme variable the charts read has a value, and
    Streamlit's frontend still draws loading placeholders with the skeleton's test id."""
    assert internals.PLOTLY_CHUNK is not None
    with urllib.request.urlopen(f"{app_url}/static/js/{internals.PLOTLY_CHUNK}", timeout=30) as chunk:
        assert chunk.status == 200
    page = new_page("/?preset=question&epochs=10&play=1")
    page.get_by_text("Finished · epoch 10/10").wait_for()
    page.locator(".plateau-live-chart .main-svg").first.wait_for()
    assert page.locator(internals.ENTRY_SCRIPT_SELECTOR).count() == 1
    assert page.evaluate(f"() => typeof window.{internals.PLOTLY_GLOBAL}.react") == "function"
    values = page.evaluate("""names => {
        const css = getComputedStyle(document.querySelector('.plateau-live-chart'));
        return Object.fromEntries(Object.entries(names).map(
            ([role, name]) => [role, css.getPropertyValue(name).trim()]));
    }""", internals.THEME_VARIABLES)
    assert all(values.values()), values
    skeleton_id = internals.SKELETON_SELECTOR.split('"')[1]
    bundle = Path(st.__file__).parent / "static" / "static" / "js"
    assert any(skeleton_id in f.read_text(errors="ignore") for f in bundle.glob("*.js")), skeleton_id
