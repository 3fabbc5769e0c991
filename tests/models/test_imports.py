"""Architecture: imports run one way, sub-package by sub-package, and models/ never imports
streamlit nor evaluates text.

The layers, lowest first. A module may import its own sub-package, the modules at its package's
root (the shared vocabulary: `models/experiment.py`, `models/numbers.py`; `components/state.py`,
`components/streamlit_internals/` (a root package: Streamlit's private details, a module a
responsibility), `components/palette.py`, `components/page_style.py`, `components/live_chart.py`)
and the sub-packages listed before its own; never one listed after it. A root module imports
only other root modules. `components/` may import any of `models/`;
`models/` never `components/`.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
LAYERS = {
    "models": ("engine", "run", "analysis", "scripts", "question", "edges"),
    "components": ("figures", "panel", "explain", "live"),
}
# Packages at the root that are root modules too (outside the layers, below them all).
ROOT_PACKAGES = {"models": (), "components": ("streamlit_internals",)}
SOURCES = sorted(p for top in LAYERS for p in (ROOT / top).rglob("*.py"))
MODULES = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts)
                 for p in MODELS.rglob("*.py") if p.stem != "__init__")


def _layer(top: str, dotted: str) -> int:
    """Returns the layer of a module of `top` named by its dotted path: -1 for a root module."""
    parts = dotted.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS[top]:
        return LAYERS[top].index(parts[1])
    return -1


def _is_package(dotted: str) -> bool:
    """Returns True for `models`, `components` and their sub-packages, whose imported names are
    modules (`from models.analysis import floors`) rather than functions or classes."""
    parts = dotted.split(".")
    return parts[0] in LAYERS and (len(parts) == 1 or len(parts) == 2 and parts[1] in LAYERS[parts[0]])


def _imported(path: Path, source: str) -> list[str]:
    """Returns every module the source imports, by its full dotted name (relative ones resolved)."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if _is_package(module):
                names += [f"{module}.{alias.name}" for alias in node.names]
            else:
                names.append(module)
    return names


def upward_imports(path: Path, source: str | None = None) -> list[str]:
    """Returns the imports of one file (its text, or `source` as if it stood there) that reach a
    layer above its own, or any layer from a root module, or components/ from models/."""
    top = path.relative_to(ROOT).parts[0]
    own = _layer(top, ".".join(path.relative_to(ROOT).with_suffix("").parts))
    wrong = []
    for name in _imported(path, path.read_text(encoding="utf-8") if source is None else source):
        if top == "models" and name.split(".")[0] == "components":
            wrong.append(name)
        elif name.split(".")[0] == top and _layer(top, name) > own:
            wrong.append(name)
    return wrong


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_a_layer_above_its_own(path):
    """Each sub-package imports only its own, the root modules and the sub-packages below it."""
    assert upward_imports(path) == []


@pytest.mark.parametrize(("source", "imported"), [
    ("models/engine/trainer.py", "from models.run.history import History"),
    ("models/engine/mlp.py", "from models.analysis import floors"),
    ("models/run/run.py", "from ..edges.query import PARAMS"),
    ("models/experiment.py", "from models.engine.mlp import MLPBatch"),
    ("models/analysis/floors.py", "import components.state"),
    ("components/figures/charts.py", "from components.live.player import play"),
    ("components/state.py", "from components.panel import controls"),
])
def test_the_rule_catches_an_upward_import(source, imported):
    """A planted upward import, absolute or relative, of a module or of a name, is reported."""
    assert upward_imports(ROOT / source, imported) != []


def test_the_rule_allows_imports_downward_and_within_a_layer():
    """Imports of lower layers, of the root modules and of the same sub-package pass."""
    allowed = ("from models.engine.trainer import Trainer\nfrom models import experiment as ex\n"
               "from .plateaus import Plateau\nfrom models.numbers import number_text\nimport numpy")
    assert upward_imports(ROOT / "models/analysis/diagnosis.py", allowed) == []


def test_every_sub_package_is_a_known_layer():
    """A new folder in models/ or components/ must be given its place in LAYERS."""
    for top, layers in LAYERS.items():
        found = {p.parent.name for p in (ROOT / top).glob("*/__init__.py")}
        known = set(layers) | set(ROOT_PACKAGES[top])
        assert found == known, f"{top}/: {sorted(found ^ known)}"


def test_importing_every_models_module_does_not_import_streamlit():
    """A fresh interpreter that imports all of models/ has no streamlit in sys.modules."""
    assert "models.engine.trainer" in MODULES and "models.edges.query" in MODULES
    script = ("import importlib, json, sys\n"
              f"for name in {MODULES!r}:\n"
              "    importlib.import_module(name)\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('streamlit', 'plotly', 'pandas', 'models', 'components'))))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(MODULES) <= set(loaded)  # the imports really happened
    assert [m for m in loaded if not m.startswith("models")] == []


@pytest.mark.parametrize("path", sorted(MODELS.rglob("*.py")), ids=lambda p: str(p.relative_to(MODELS)))
def test_no_models_file_evaluates_or_imports_by_name(path):
    """No file in models/ contains eval(, exec(, __import__ or importlib."""
    source = path.read_text(encoding="utf-8")
    for word in ("eval(", "exec(", "__import__", "importlib"):
        assert word not in source, f"{path.name} contains {word}"
