"""The real app for protocol tests: one `streamlit run app.py` per test module, on loopback
(tests/harness/server.py starts and stops it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness.server import ROOT, Server, ServerFailed, running_app

LOG = ROOT / "artifacts" / "protocol" / "streamlit.log"


@pytest.fixture(scope="module")
def app_server() -> Iterator[Server]:
    """Returns the app served by `streamlit run app.py` for this module's tests, stopped after."""
    try:
        with running_app(LOG) as server:
            yield server
    except ServerFailed as failure:
        pytest.fail(str(failure))
