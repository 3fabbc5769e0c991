"""Architecture: the engine in models/ never imports streamlit and never evaluates text."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parents[2] / "models"
MODULES = sorted(f"models.{p.stem}" for p in MODELS.glob("*.py") if p.stem != "__init__")


def test_importing_every_models_module_does_not_import_streamlit():
    """A fresh interpreter that imports all of models/ has no streamlit in sys.modules."""
    assert "models.trainer" in MODULES and "models.query" in MODULES
    script = ("import importlib, json, sys\n"
              f"for name in {MODULES!r}:\n"
              "    importlib.import_module(name)\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('streamlit', 'plotly', 'pandas', 'models'))))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=MODELS.parent, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(MODULES) <= set(loaded)  # the imports really happened
    assert [m for m in loaded if not m.startswith("models")] == []


@pytest.mark.parametrize("path", sorted(MODELS.glob("*.py")), ids=lambda p: p.name)
def test_no_models_file_evaluates_or_imports_by_name(path):
    """No file in models/ contains eval(, exec(, __import__ or importlib."""
    source = path.read_text(encoding="utf-8")
    for word in ("eval(", "exec(", "__import__", "importlib"):
        assert word not in source, f"{path.name} contains {word}"
