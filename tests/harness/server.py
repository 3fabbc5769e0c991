"""One way to start, wait for and stop the servers the tests and benchmarks drive.

Every server listens on 127.0.0.1 only, on a port nothing else uses, with its output in a log
file whose tail is shown when it fails to start. Chromium is Debian's: `playwright install`
cannot download browsers on the machines this project runs on.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps opening connections that this
# machine's closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 90

# Starts Streamlit as `streamlit run` does. When a websocket's Origin differs from its Host,
# Streamlit compares it with the machine's addresses and asks a public service for the external
# one; servers here talk to loopback only, so both lookups answer "unknown".
LAUNCH = ("import sys, streamlit.net_util as n; n.get_external_ip = n.get_internal_ip = lambda: None; "
          "from streamlit.web.cli import main; sys.argv[0] = 'streamlit'; sys.exit(main())")
# Over .streamlit/config.toml: the app at the root whatever a deploy sets, no usage statistics,
# and an exception's full traceback on the page (a failing screenshot shows it).
TEST_FLAGS = ("--server.headless=true", "--server.baseUrlPath=", "--browser.gatherUsageStats=false",
              "--client.showErrorDetails=full")


class ServerFailed(RuntimeError):
    """A server exited or never answered its health check; the message ends with its log."""


@dataclass
class Server:
    """A process started here: its base URL, the process and its log."""

    url: str
    port: int
    process: subprocess.Popen
    log: Path

    def rss(self) -> int:
        """Returns the server process's resident memory in bytes."""
        import psutil

        return psutil.Process(self.process.pid).memory_info().rss


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


def wait_for_health(url: str, process: subprocess.Popen, log: Path,
                    seconds: float = STARTUP_SECONDS) -> None:
    """Returns once `url`/_stcore/health answers "ok"; raises ServerFailed with the log's tail if
    the process exits first or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"{process.args[0]} exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise ServerFailed(f"{url} did not answer within {seconds:.0f} s:\n{_tail(log)}")


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stops a process started here: `sig` first, then SIGKILL if it has not exited in 10 s."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start_app(log: Path, flags: Sequence[str] = TEST_FLAGS, *, script: str = "app.py",
              port: int | None = None, env: dict[str, str] | None = None,
              cwd: Path = ROOT, cores: set[int] | None = None) -> Server:
    """Returns `streamlit run script` serving on 127.0.0.1 and healthy; its output goes to `log`;
    with `cores`, the server runs on those CPU cores only (a benchmark keeps it off the browser's).

    Raises ServerFailed (after stopping it) when it does not become healthy."""
    port = port or free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "run", script, "--server.address=127.0.0.1",
             f"--server.port={port}", *flags],
            cwd=cwd, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None)
    server = Server(f"http://127.0.0.1:{port}", port, process, log)
    try:
        wait_for_health(server.url, process, log)
    except BaseException:
        stop(process)
        raise
    return server


@contextmanager
def running_app(log: Path, flags: Sequence[str] = TEST_FLAGS, **options) -> Iterator[Server]:
    """Yields a started app (see start_app) and stops it afterwards, whatever happens."""
    server = start_app(log, flags, **options)
    try:
        yield server
    finally:
        stop(server.process)


@contextmanager
def chromium_browser(**launch) -> Iterator[object]:
    """Yields a headless Debian Chromium driven by Playwright's sync API, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, **launch)
        try:
            yield browser
        finally:
            browser.close()


def start_deployed(log: Path, processes: str = "auto", *, port: int | None = None,
                   env: dict[str, str] | None = None) -> Server:
    """Returns the container's command, `sh deploy/start.sh`, serving on 127.0.0.1:`port` with
    PLATEAU_PROCESSES=`processes` ("1", "2", ..., "auto") and healthy; `process` is start.sh.
    It runs in a process group of its own (see stop_deployed).

    Raises ServerFailed (after stopping it) when it does not become healthy."""
    port = port or free_port()
    count = int(processes) if processes.isdigit() else len(os.sched_getaffinity(0))  # as nproc
    first = free_ports(count)
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", ""), "/usr/sbin"])
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["sh", "deploy/start.sh"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PATH": path, "PORT": str(port), "PLATEAU_ADDRESS": "127.0.0.1",
                 "PLATEAU_PROCESSES": processes, "PLATEAU_FIRST_PORT": str(first), **(env or {})},
            start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", port, process, log)
    try:
        wait_for_health(server.url, process, log)
        for n in range(count if count > 1 else 0):  # nginx answers once one replica does
            wait_for_health(f"http://127.0.0.1:{first + n}", process, log)
    except BaseException:
        stop_deployed(process)
        raise
    return server


def free_ports(count: int) -> int:
    """Returns the first of `count` consecutive 127.0.0.1 ports that nothing listens on now."""
    while True:
        first = free_port()
        if first + count <= 65535 and all(_port_free(first + n) for n in range(1, count)):
            return first


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def stop_deployed(process: subprocess.Popen) -> None:
    """Stops start.sh as its orchestrator would (SIGTERM, which stops its children), then kills
    whatever of its process group is left, so nothing outlives a test even when it fails."""
    stop(process)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
