"""The container's start command (deploy/start.sh): XSRF and CORS stay on unless on a Space."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_arguments(tmp_path: Path, **env: str) -> list[str]:
    """Returns the arguments deploy/start.sh gives `streamlit` (a stand-in that prints them)."""
    fake = tmp_path / "streamlit"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')
    fake.chmod(0o755)
    clean = {k: v for k, v in os.environ.items() if k != "SPACE_ID"}
    result = subprocess.run(["sh", "deploy/start.sh"], cwd=ROOT, capture_output=True, text=True,
                            env={**clean, "PATH": f"{tmp_path}:{os.environ['PATH']}", **env},
                            timeout=30, check=True)
    return result.stdout.split()


def test_the_container_serves_the_app_on_every_interface_with_the_repository_config(tmp_path):
    """Outside a Space the command is `streamlit run app.py` on 0.0.0.0:8501 and nothing else."""
    assert start_arguments(tmp_path) == ["run", "app.py", "--server.address=0.0.0.0",
                                         "--server.port=8501"]


def test_a_hugging_face_space_turns_xsrf_and_cors_off_for_its_iframe(tmp_path):
    """With SPACE_ID set (Spaces set it), XSRF and CORS protection are turned off."""
    arguments = start_arguments(tmp_path, SPACE_ID="someone/plateau-lab")
    assert "--server.enableXsrfProtection=false" in arguments
    assert "--server.enableCORS=false" in arguments
    assert arguments[:2] == ["run", "app.py"]


def test_the_repository_config_is_valid_keeps_protection_on_and_holds_no_secret():
    """Streamlit reads every option in .streamlit/config.toml; XSRF, CORS on, agent API off."""
    script = ("import json, streamlit.config as c; c.get_config_options(force_reparse=True); "
              "print(json.dumps({k: c.get_option(k) for k in ('server.enableXsrfProtection', "
              "'server.enableCORS', 'server.enableAgentApi', 'server.maxUploadSize', "
              "'client.showErrorDetails', 'theme.baseFontSize')}))")
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
    assert "cookieSecret" not in (ROOT / ".streamlit" / "config.toml").read_text()
