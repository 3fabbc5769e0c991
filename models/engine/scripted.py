"""TorchScript as the engine uses it: a function compiled once, then interpreted as written.

Why TorchScript: a script called from Python lets the interpreter lock go once for its whole
run, where eager PyTorch lets it go and takes it back at every operation
(models/engine/compiled.py). It is deprecated (the pinned torch 2.13 warns so), but it has it,
and torch.compile neither runs a loop of 10,000 epochs without unrolling it nor runs without a
C++ compiler on the server; tests/models/engine/test_compiled.py fails loudly without it.

Why interpreted: TorchScript's default executor profiles a function's first two calls and then
compiles an optimised graph (about 45 ms each on the question's network), per thread; run as
written, the first call costs what the others do and every number is that of the operations as
written. The switch is per thread, so each call sets it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch


def script(function: Callable) -> Callable:
    """Returns `function` compiled by TorchScript, called interpreted as written."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        compiled = torch.jit.script(function)

    def call(*args):
        with torch.jit.optimized_execution(False):
            return compiled(*args)

    call.__doc__, call.__name__ = function.__doc__, function.__name__
    return call

