"""The container's start command (deploy/start.sh): XSRF and CORS stay on unless on a Space;
several processes behind nginx serve the page, and stop together."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest

from benchmarks.classroom_server import SERVER, runs, server_processes
from components.streamlit_internals import ENTRY_SCRIPT_SRC
from tests.deploy.test_nginx import NGINX, websocket_status
from tests.harness.server import ROOT, Server, ServerFailed, start_deployed, stop, stop_deployed


def start_arguments(tmp_path: Path, **env: str) -> list[str]:
    """Returns the arguments deploy/start.sh gives Streamlit's command line when it runs one
    process: `python -m deploy.serve ARGS` (a stand-in python prints them), which warms the
    process and then runs `streamlit ARGS`."""
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')
    fake.chmod(0o755)
    clean = {k: v for k, v in os.environ.items() if k != "SPACE_ID"}
    result = subprocess.run(["sh", "deploy/start.sh"], cwd=ROOT, capture_output=True, text=True,
                            env={**clean, "PATH": f"{tmp_path}:{os.environ['PATH']}",
                                 "PLATEAU_PROCESSES": "1", **env},
                            timeout=30, check=True)
    words = result.stdout.split()
    assert words[:2] == ["-m", "deploy.serve"], words
    return words[2:]


def test_the_container_serves_the_app_on_every_interface_with_the_repository_config(tmp_path):
    """Outside a Space the command is `streamlit run app.py` on 0.0.0.0:8501 and nothing else."""
    assert start_arguments(tmp_path) == ["run", "app.py", "--server.address=0.0.0.0",
                                         "--server.port=8501"]


def test_the_port_comes_from_the_environment(tmp_path):
    """PORT (a platform's choice) is the port the one process listens on."""
    assert "--server.port=7860" in start_arguments(tmp_path, PORT="7860")


def test_auto_on_one_core_runs_one_process_without_nginx(tmp_path):
    """PLATEAU_PROCESSES=auto (the default) on a one-core machine is the one process on PORT."""
    fake_nproc = tmp_path / "nproc"
    fake_nproc.write_text("#!/bin/sh\necho 1\n")
    fake_nproc.chmod(0o755)
    assert start_arguments(tmp_path, PLATEAU_PROCESSES="auto") == [
        "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]


def test_a_malformed_process_count_is_refused_with_a_message():
    """PLATEAU_PROCESSES that is neither a number nor auto stops start.sh with what to use."""
    result = subprocess.run(["sh", "deploy/start.sh"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PLATEAU_PROCESSES": "two"}, timeout=30)
    assert result.returncode != 0
    assert "use 1, 2, ... or auto" in result.stderr


def test_a_hugging_face_space_turns_xsrf_and_cors_off_for_its_iframe(tmp_path):
    """With SPACE_ID set (Spaces set it), XSRF and CORS protection are turned off."""
    arguments = start_arguments(tmp_path, SPACE_ID="someone/plateau-lab")
    assert "--server.enableXsrfProtection=false" in arguments
    assert "--server.enableCORS=false" in arguments
    assert arguments[:2] == ["run", "app.py"]


def test_the_repository_config_is_valid_keeps_protection_on_and_holds_no_secret():
    """Streamlit reads every option in .streamlit/config.toml; XSRF, CORS on, agent API off,
    no full garbage collection after every script run."""
    script = ("import json, streamlit.config as c; c.get_config_options(force_reparse=True); "
              "print(json.dumps({k: c.get_option(k) for k in ('server.enableXsrfProtection', "
              "'server.enableCORS', 'server.enableAgentApi', 'server.maxUploadSize', "
              "'client.showErrorDetails', 'theme.baseFontSize', 'runner.postScriptGC')}))")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, env=clean, timeout=60, check=True)
    assert "not a valid config option" not in result.stderr, result.stderr
    options = json.loads(result.stdout.strip().splitlines()[-1])
    assert options["server.enableXsrfProtection"] is True
    assert options["server.enableCORS"] is True
    assert options["server.enableAgentApi"] is False
    assert options["server.maxUploadSize"] == 1
    assert options["client.showErrorDetails"] == "none"
    assert options["theme.baseFontSize"] == 18
    assert options["runner.postScriptGC"] is False
    assert "cookieSecret" not in (ROOT / ".streamlit" / "config.toml").read_text()


# -- several processes behind nginx, for real ------------------------------------------------

def family(process: subprocess.Popen) -> list[psutil.Process]:
    """Returns start.sh's descendants that are servers: the Streamlit processes (`python -m
    deploy.serve run app.py ...`) and nginx."""
    return [p for p in psutil.Process(process.pid).children(recursive=True)
            if any(name in " ".join(p.cmdline()) for name in ("deploy.serve", "nginx"))]


def deployed(tmp_path: Path) -> Server:
    """Returns `PORT=<free> sh deploy/start.sh` with two processes, healthy through nginx."""
    if NGINX is None:
        pytest.skip("nginx is not installed (Debian: apt-get install -y nginx)")
    try:
        return start_deployed(tmp_path / "start.log", "2")
    except ServerFailed as failure:
        pytest.fail(str(failure))


def test_two_processes_behind_nginx_serve_the_page_and_stop_together(tmp_path):
    """With PLATEAU_PROCESSES=2, nginx on PORT answers health, sends the entry script gzipped,
    opens the page's websocket (101), and stopping start.sh stops every process it started."""
    server = deployed(tmp_path)
    try:
        servers = family(server.process)
        names = sorted(" ".join(p.cmdline()).count("deploy.serve run app.py") for p in servers)
        assert names.count(1) == 2 and len(servers) >= 3, [p.cmdline() for p in servers]
        # the class benchmark finds the same two (it counts the replicas it warms and measures)
        assert sum(runs(p, SERVER) for p in server_processes(server.process.pid)) == 2
        page = urllib.request.urlopen(f"{server.url}/", timeout=30).read().decode()
        script = ENTRY_SCRIPT_SRC.search(page)
        assert script, "the page should load its entry script from static/js/"
        request = urllib.request.Request(f"{server.url}/{script[1]}",
                                         headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.headers.get("Content-Encoding") == "gzip", dict(answer.headers)
            body = answer.read()
        assert len(gzip.decompress(body)) > 2 * len(body)
        host = f"127.0.0.1:{server.port}"
        assert websocket_status(server.port, host, f"http://{host}") == 101
        stop(server.process)
        assert server.process.returncode == 0, server.log.read_text()[-2000:]
        _, alive = psutil.wait_procs(servers, timeout=10)
        assert not alive, [p.cmdline() for p in alive]
    finally:
        stop_deployed(server.process)


def test_a_process_that_dies_takes_the_container_down(tmp_path):
    """When one Streamlit process exits, start.sh stops the others and nginx and exits with an
    error, so the orchestrator restarts the container whole."""
    server = deployed(tmp_path)
    try:
        servers = family(server.process)
        replica = next(p for p in servers if "deploy.serve" in " ".join(p.cmdline()))
        replica.kill()
        assert server.process.wait(timeout=30) != 0
        _, alive = psutil.wait_procs(servers, timeout=10)
        assert not alive, [p.cmdline() for p in alive]
        assert "exited: stopping" in server.log.read_text()
    finally:
        stop_deployed(server.process)
