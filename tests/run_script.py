"""Runs an exported script as a student would: `python plateau_lab_run.py` in an empty directory."""

from __future__ import annotations

import re
import subprocess
import sys

FINAL = re.compile(r"final loss: (\S+)")


def run_script(source: str, directory) -> tuple[float, list[str]]:
    """Returns the final loss a script prints, run as `python script.py` in an empty directory,
    and its output lines."""
    path = directory / "plateau_lab_run.py"
    path.write_text(source, encoding="utf-8")
    result = subprocess.run([sys.executable, str(path)], cwd=directory, capture_output=True,
                            text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    match = FINAL.fullmatch(lines[-1])
    assert match, lines[-3:]
    return float(match.group(1)), lines
