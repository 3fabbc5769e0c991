"""The warmed server (deploy/serve.py): before it serves, a process has imported what the page's
script imports and done what its first student's run would otherwise do once."""

from __future__ import annotations

import dis
import json
import subprocess
import sys

from deploy.serve import APP, page_modules
from tests.harness.server import ROOT


def test_the_modules_warmed_are_the_ones_the_page_imports():
    """page_modules reads app.py's imports; the compiled script's own IMPORT_NAME instructions
    (at its top level) name the same modules."""
    code = compile(APP.read_text(), str(APP), "exec")
    imported = [i.argval for i in dis.get_instructions(code) if i.opname == "IMPORT_NAME"]
    assert page_modules() == imported
    assert "components.live.section" in imported and "streamlit" in imported


def test_a_warmed_process_has_done_the_first_students_once_only_work():
    """In a fresh interpreter, `warm` leaves imported: every module of the page, Streamlit's
    emoji table (set_page_config checks the icon against it) and torch's symbolic shapes
    (autograd imports them at the first gradient); torch.func's first use done (the chart's
    Hessians taken together); Streamlit's check of how it was started done (the first element
    would do it: `inspect.stack()`); and the process's run store, which students share, still
    empty (the warm-up ran in a store of its own)."""
    script = (
        "import json, sys; from deploy.serve import warm, page_modules; "
        "import streamlit.delta_generator as dg; "
        "checked = dg._use_warning_has_been_displayed; "
        "before = {m: m in sys.modules for m in ('streamlit.emojis', "
        "'torch.fx.experimental.symbolic_shapes', 'components.live.section')}; warm(); "
        "from components.live.shared_training import STORE; "
        "print(json.dumps({'before': before, 'missing': [m for m in page_modules() + "
        "['streamlit.emojis', 'torch.fx.experimental.symbolic_shapes'] if m not in sys.modules], "
        "'store': len(STORE), 'checked': [checked, dg._use_warning_has_been_displayed], "
        "'batched': __import__('models.analysis.curvature').analysis.curvature._BATCHED.is_set()}))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, check=True)
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert not any(answer["before"].values()), answer  # the test means something
    assert answer["missing"] == []
    assert answer["store"] == 0
    assert answer["checked"] == [False, True]
    assert answer["batched"]  # torch.func's first use done: a chart's Hessians go together


def test_what_the_warm_up_leaves_is_frozen_out_of_the_collectors_reach():
    """After `prepare`, the objects the process holds (its modules') are frozen: a full
    collection no longer walks them; what is left to walk is a small part of it."""
    script = ("import gc, json; from deploy.serve import prepare; prepare(); "
              "print(json.dumps({'frozen': gc.get_freeze_count(), 'tracked': len(gc.get_objects())}))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, check=True)
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["frozen"] > 50_000
    assert answer["tracked"] * 10 < answer["frozen"], answer
    assert "No runtime found" not in result.stderr  # the import-time warning is kept quiet
