"""Exports that load back: the experiment as JSON, the run's history as CSV, run labels.

The JSON is the share link's parameters under a format tag, so it goes through the same parser
(and the same warnings) as a link when it is loaded again.
"""

from __future__ import annotations

import io
import json

import numpy as np

from models.edges.query import from_query, to_query
from models.experiment import Experiment
from models.run.history import GRAD_NORM, HIGH, LOW, History

FORMAT = "plateau-lab/experiment-1"
MAX_JSON_BYTES = 64 * 1024


def experiment_json(experiment: Experiment) -> str:
    """Returns the experiment as indented JSON: a format tag and the share-link parameters."""
    return json.dumps({"format": FORMAT, "parameters": to_query(experiment)}, indent=2)


def experiment_from_json(data: bytes) -> tuple[Experiment | None, list[str]]:
    """Returns the experiment a JSON export describes and warnings, or None and why not."""
    if len(data) > MAX_JSON_BYTES:
        return None, [f"The file is {len(data):,} bytes; an experiment is well under "
                      f"{MAX_JSON_BYTES:,}."]
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        return None, [f"The file is not JSON ({type(e).__name__})."]
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None, [f"The file is not a Plateau Lab experiment (no \"format\": \"{FORMAT}\")."]
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        return None, ["The file has no \"parameters\" object."]
    clean = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in parameters.items()}
    return from_query(clean)


def history_csv(history: History, floor: float) -> str:
    """Returns every recorded epoch as CSV: epoch, loss (median over seeds), gap, min, max and
    gradient norm."""
    n = history.count
    table = np.column_stack([history.epochs, history.loss, history.loss - floor,
                             history.stats[:n, LOW], history.stats[:n, HIGH],
                             history.stats[:n, GRAD_NORM]])
    out = io.StringIO()
    out.write("epoch,loss,gap,loss_min_over_seeds,loss_max_over_seeds,grad_norm\n")
    np.savetxt(out, table, delimiter=",", fmt=["%d"] + ["%.17g"] * 5)
    return out.getvalue()


def difference_label(experiment: Experiment, reference: Experiment) -> str:
    """Returns what differs from the reference, e.g. "act=relu, lr=1e-3" (or "same settings")."""
    mine, theirs = to_query(experiment), to_query(reference)
    # The speed only changes how fast a run was shown: the curves of two speeds are the same.
    changed = [f"{key}={value if len(value) <= 24 else value[:21] + '…'}"
               for key, value in mine.items() if theirs.get(key) != value and key != "speed"]
    return ", ".join(changed[:3]) + (" …" if len(changed) > 3 else "") or "same settings"
