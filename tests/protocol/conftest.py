"""The real app for protocol tests: one `streamlit run app.py` per test module, on loopback.

TEMPORARY (issue 17): a minimal start/stop of its own until the shared harness
(tests/harness/server.py) is merged; the lead switches `app_server` to it then.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.server import free_port, stop, wait_for_health

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "artifacts" / "protocol" / "streamlit.log"


@dataclass(frozen=True)
class AppServer:
    """A running `streamlit run app.py`: its base URL and process."""

    url: str
    process: subprocess.Popen


@pytest.fixture(scope="module")
def app_server() -> Iterator[AppServer]:
    """Returns the app served by `streamlit run app.py` for this module's tests, stopped after."""
    LOG.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with LOG.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
             "--server.address=127.0.0.1", f"--server.port={port}", "--server.baseUrlPath=",
             "--browser.gatherUsageStats=false", "--client.showErrorDetails=full"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process)
        yield AppServer(url, process)
    finally:
        stop(process)
