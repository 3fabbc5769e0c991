"""Reads what a student sees back as plain values: the status line, the readouts, the floor."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

# A readout in scientific notation with 4 significant digits: 5.676e-03.
SCI = r"-?\d\.\d{3}e[+-]\d{2}"


def status(at: AppTest) -> str:
    """Returns the status line (the page's only level-2 heading), without its '## '."""
    lines = [m.value for m in at.markdown if m.value.startswith("## ")]
    assert len(lines) == 1, lines
    return lines[0].removeprefix("## ")


def readouts(at: AppTest) -> dict[str, str]:
    """Returns the metrics' values by label, as shown: {"Loss": "5.676e-03", ...}."""
    return {m.label: m.value for m in at.metric}


def least_squares_mse(xs, ys) -> float:
    """Returns the mean squared residual of the least-squares line through the points: the
    floor of any network that computes a line, found independently of the app."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    design = np.column_stack([xs, np.ones(len(xs))])
    coefficients, *_ = np.linalg.lstsq(design, ys, rcond=None)
    return float(np.mean((design @ coefficients - ys) ** 2))
