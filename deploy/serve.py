"""The server of one Plateau Lab process, warmed before it serves: `streamlit run`'s own command
line, after the work its first student would otherwise wait for.

usage: python -m deploy.serve run app.py [streamlit's options...]   (from the repository's root)

Streamlit imports the page's modules when a session first runs the script, so a fresh process
made its first student wait for them: 2.1 CPU-seconds, and the student's run at `speed=max` took
1.9 s where the next one took 0.24 s (a process of `deploy/start.sh` on 2 cores). The imports
were most of it (1.35 CPU-s: torch, plotly, sympy, the page's own modules); the rest was done
once per process on first use: Streamlit's emoji table (a regular expression of every emoji,
compiled to check the page icon), torch's symbolic-shape module, which autograd imports at its
first gradient (the first curvature reading of a network too large for jets), `torch.func`'s
machinery for such networks' Hessians taken together (models/analysis/curvature.py,
`warm_batched`: 0.65-1.3 s at its first use, so an unwarmed process takes them one by one), and
Streamlit's check of how it was started, at
the first element (`inspect.stack()`: the first student still took 1.15-1.32x the third's time
for it, now 0.95-0.97x, two runs each). `warm` does all of it before the server listens,
so the process answers its health check only once a student would find it ready:
`python -m benchmarks.first_student` measures the first student's time against the second's.

Then what the warm-up left is frozen out of the garbage collector's reach (`gc.freeze`): the
~300,000 objects of torch, plotly, Streamlit and the page's modules live as long as the process,
yet every full collection walked them all, about 200 ms each with the interpreter lock held
(every student's redraws and the health check waited). One process, a class of 15 twice: three
full collections took 0.59 s, frozen 0.07 s; a class of 30 twice: five took 1.01 s, frozen
0.30 s (what is left is what the classes made). The server's CPU per student was the same
within the noise (0.122 and 0.123 CPU-s): the gain is the pauses.
"""

from __future__ import annotations

import ast
import gc
import importlib
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"


def page_modules(app: Path = APP) -> list[str]:
    """Returns the modules the page's script imports, read from its source (so a new import in
    app.py is warmed too, with no list to keep)."""
    names: list[str] = []
    for node in ast.parse(app.read_text(), str(app)).body:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def warm(app: Path = APP) -> None:
    """Imports the page's modules and does what a process does once, on its first student: the
    page icon's emoji check, and a short run of the question's network with a curvature
    reading (its first gradients and Hessian), in a run store of its own."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    # st.cache_data checks its options when a module defines a cached function, and without a
    # running server (not started yet) it warns that it checked them against a memory store:
    # harmless here (the caches themselves are made at their first call, in the server).
    import streamlit  # noqa: F401  (it sets its loggers' levels when imported: first)

    caching = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = caching.level
    caching.setLevel(logging.ERROR)
    try:
        for name in page_modules(app):
            importlib.import_module(name)
    finally:
        caching.setLevel(level)
    from components.streamlit_internals import check_how_started, load_emoji_table
    from models.analysis import sharpness
    from models.analysis.curvature import autograd_hessian, warm_batched
    from models.experiment import QUESTION
    from models.run.run import Run

    load_emoji_table()
    check_how_started()
    run = Run(QUESTION.with_(epochs=100))  # alone in a store of its own: no student reads it
    run.advance(100)
    sharpness.read(run, run.shown_at(run.epoch))  # by jets (models/analysis/jets.py)
    # autograd's first gradient, as a network too large for jets takes its Hessian
    autograd_hessian(QUESTION.network, QUESTION.points, run.shown_at(run.epoch).weights[0])
    warm_batched()  # torch.func's first use: then such networks' Hessians go together


def prepare() -> None:
    """Warms this process, then freezes what it holds out of the garbage collector's reach
    (after collecting what the warm-up left in cycles, which would otherwise stay for good)."""
    warm()
    gc.collect()
    gc.freeze()


def main(argv: list[str]) -> int:
    """Prepares this process, then runs Streamlit's command line with `argv` (run app.py ...)."""
    prepare()
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *argv]
    return streamlit_main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
