"""The project's own deploy/nginx.conf in front of two app replicas, all on loopback.

Two `streamlit run app.py` processes and Debian's nginx run on free 127.0.0.1 ports. nginx gets
deploy/nginx.conf with only the upstream servers, the listen address, the log and the temporary
directories replaced, so these tests exercise the configuration docker-compose ships.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.streamlit_internals import ENTRY_SCRIPT_SRC
from deploy.nginx_conf import runtime_conf
from tests.harness.server import (
    CHROMIUM,
    LAUNCH,
    ROOT,
    ServerFailed,
    chromium_browser,
    free_port,
    stop,
    wait_for_health,
)

pytestmark = pytest.mark.browser

CONF = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
FINISHED = "Finished · epoch 10000/10000"
ROUTE_COOKIE = "plateau_route"

@dataclass
class Proxy:
    url: str
    port: int
    upstreams: list[str]
    access_log: Path


def loopback_conf(conf: str, upstreams: list[str], port: int, prefix: Path) -> str:
    """Returns deploy/nginx.conf with loopback upstreams and listen port, and its log and
    temporary files under `prefix` (deploy/nginx_conf.py, which start.sh uses too); fails if the
    file no longer has what is replaced."""
    return runtime_conf(conf, upstreams, f"127.0.0.1:{port}", prefix,
                        access_log=f"{prefix}/access.log")


def wait_healthy(url: str, process, log: Path) -> None:
    """Returns once `url` answers its health check; fails the test with the log's tail if not."""
    try:
        wait_for_health(url, process, log)
    except ServerFailed as failure:
        pytest.fail(str(failure))


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    """Returns nginx (the project's config) in front of two app processes, all on loopback."""
    if NGINX is None:
        pytest.skip("nginx is not installed (Debian: apt-get install -y nginx)")
    prefix = Path(tempfile.mkdtemp(prefix="plateau-nginx-"))
    prefix.chmod(0o755)  # nginx's workers (user nobody when run as root) use its temp dirs
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": "one-secret-for-every-replica-in-this-test"}
    processes: list[subprocess.Popen] = []
    try:
        upstreams = []
        for n in range(2):
            port, log = free_port(), prefix / f"app{n}.log"
            app = subprocess.Popen(
                [sys.executable, "-c", LAUNCH, "run", "app.py", "--server.port", str(port),
                 "--server.address", "127.0.0.1"],
                cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
            processes.append(app)
            upstreams.append(f"127.0.0.1:{port}")
        for n, (app, upstream) in enumerate(zip(processes, upstreams)):
            wait_healthy(f"http://{upstream}", app, prefix / f"app{n}.log")

        port = free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(loopback_conf(CONF.read_text(), upstreams, port, prefix))
        command = [NGINX, "-p", f"{prefix}/", "-c", str(conf), "-e", "stderr",
                   "-g", f"daemon off; pid {prefix}/nginx.pid;"]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        nginx_log = prefix / "nginx.log"
        nginx = subprocess.Popen(command, stdout=nginx_log.open("wb"), stderr=subprocess.STDOUT)
        processes.append(nginx)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, nginx, nginx_log)
        yield Proxy(url, port, upstreams, prefix / "access.log")
    finally:
        for process in reversed(processes):
            stop(process, signal.SIGQUIT if process.args[0] == NGINX else signal.SIGTERM)
        shutil.rmtree(prefix, ignore_errors=True)


def access_lines(proxy: Proxy, path: str, least: int = 1, seconds: float = 15) -> list[dict]:
    """Returns the access log's requests for `path` as {status, upstream, route}, waiting until
    at least `least` are written (nginx logs a websocket when it closes)."""
    pattern = re.compile(r'"GET (\S+) HTTP/[\d.]+" (\d+) \d+ upstream=(\S+) route=(\S+)')
    deadline = time.monotonic() + seconds
    while True:
        text = proxy.access_log.read_text() if proxy.access_log.exists() else ""
        found = [{"status": int(m[2]), "upstream": m[3], "route": m[4]}
                 for m in pattern.finditer(text) if m[1].split("?")[0] == path]
        if len(found) >= least or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_student_plays_the_question_through_nginx(proxy):
    """The question's link played through nginx reaches its last epoch with no exception, and
    every request of that browser, websocket included, went to one replica."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}")

    page_errors: list[str] = []
    with chromium_browser() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.goto(f"{proxy.url}/?preset=question&play=1")
        page.get_by_text(FINISHED).wait_for(timeout=180_000)
        exceptions = [e.inner_text()[:300] for e in page.locator('[data-testid="stException"]').all()]
        route = {c["name"]: c["value"] for c in context.cookies()}.get(ROUTE_COOKIE)

    assert not exceptions, exceptions
    assert not page_errors, page_errors
    assert route, f"nginx did not set the {ROUTE_COOKIE} cookie"
    streams = access_lines(proxy, "/_stcore/stream")
    assert [s["status"] for s in streams] == [101], streams
    first_page = access_lines(proxy, "/")
    # the cookie names the replica that served the first page, by its port
    assert first_page and first_page[0]["upstream"] == f"127.0.0.1:{route}"
    served_by = {s["upstream"] for s in streams + first_page}
    assert len(served_by) == 1 and served_by <= set(proxy.upstreams), served_by


def route_set(response) -> str | None:
    """Returns the route cookie an answer sets, if any."""
    cookies = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []]
    return next((c.split("=", 1)[1] for c in cookies if c.startswith(f"{ROUTE_COOKIE}=")), None)


def health(proxy: Proxy, route: str | None = None) -> str | None:
    """Asks nginx for the health check, with a route cookie or none; returns the cookie set."""
    headers = {"Cookie": f"{ROUTE_COOKIE}={route}"} if route is not None else {}
    request = urllib.request.Request(f"{proxy.url}/_stcore/health", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.read() == b"ok"
        return route_set(response)


def test_new_browsers_alternate_between_replicas_and_a_cookie_keeps_its_replica(proxy):
    """Twenty browsers without a cookie, one after another, are given cookies naming the two
    replicas ten times each (by their ports), and each is then always served by its replica, with
    no new cookie. A cookie that names no replica counts as none: a fresh one is set."""
    ports = [health(proxy) for _ in range(20)]
    expected = sorted(u.rsplit(":", 1)[1] for u in proxy.upstreams)
    assert sorted(set(ports)) == expected, ports
    assert ports.count(expected[0]) == ports.count(expected[1]) == 10, ports
    for port in ports:
        for _ in range(3):
            assert health(proxy, port) is None  # kept: no new cookie
    served: dict[str, set[str]] = defaultdict(set)
    for line in access_lines(proxy, "/_stcore/health", least=81):
        if line["route"] in expected:
            served[line["route"]].add(line["upstream"])
    assert served == {port: {f"127.0.0.1:{port}"} for port in expected}, served
    for forged in ("student-1", "127.0.0.1:22", "99999", "8501;evil"):
        assert health(proxy, forged) in expected


def websocket_status(port: int, host: str, origin: str) -> int:
    """Returns the HTTP status nginx answers a websocket handshake for Streamlit's stream with."""
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                 f"Sec-WebSocket-Protocol: streamlit\r\nOrigin: {origin}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(handshake.encode())
        status_line = s.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def test_websockets_pass_through_with_the_host_and_cross_site_ones_are_refused(proxy):
    """A page served under any host name opens its websocket through nginx (Upgrade and the
    Host with its port are passed on), and a websocket from another site is still refused."""
    host = f"classroom.test:{proxy.port}"
    assert websocket_status(proxy.port, host, f"http://{host}") == 101
    assert websocket_status(proxy.port, host, "http://elsewhere.test") == 403


def test_the_page_scripts_are_kept_and_sent_gzipped(proxy):
    """The page's largest script comes from a replica once, then from nginx's cache, gzipped for
    a browser that accepts it and byte for byte what the replica serves."""
    import gzip

    page = urllib.request.urlopen(f"{proxy.url}/", timeout=30).read().decode()
    script = ENTRY_SCRIPT_SRC.search(page)
    assert script, "the page should load its entry script from static/js/"
    url = f"{proxy.url}/{script[1]}"

    def fetch() -> tuple[dict, bytes]:
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return {k.lower(): v for k, v in answer.headers.items()}, answer.read()

    fetch()  # the first request may be the one that fills the cache
    headers, body = fetch()
    assert headers.get("x-cache-status") == "HIT", headers
    assert headers.get("content-encoding") == "gzip", headers
    original = urllib.request.urlopen(f"http://{proxy.upstreams[0]}/{script[1]}", timeout=30).read()
    assert gzip.decompress(body) == original
    assert len(body) < len(original) / 2
