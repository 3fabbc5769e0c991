"""How long the exact curvature takes: the Hessian of the full-batch loss and its eigenvalues.

usage: python -m benchmarks.curvature [--rounds R]

The page reads the curvature at each snapshot epoch and at the epoch shown when paused or
replayed (models/analysis/curvature.py); goal: at most 50 ms for up to 500 parameters.
Printed: for networks of about 30 to 500 parameters on the issue's six points, the median and
range over the rounds of the Hessian alone and of the Hessian with all its eigenvalues.
"""

from __future__ import annotations

import argparse
import statistics
from functools import partial

import models.engine.trainer  # noqa: F401  (sets one intra-op thread, as the app does)
from benchmarks.explain import seconds
from models.analysis.curvature import hessian, spectrum
from models.engine.mlp import MLPBatch
from models.experiment import Network, Points

GOAL_SECONDS = 0.050
POINTS = Points(xs=(-2.0, -1.0, 0.0, 1.0, 2.0, 3.0), ys=(0.5, -0.4, 0.3, 0.8, -0.6, 0.1))
NETWORKS = [Network(depth=1, width=10, activation="linear"),
            Network(depth=1, width=16, activation="tanh"),
            Network(depth=2, width=10, activation="tanh"),
            Network(depth=1, width=166, activation="relu"),
            Network(depth=2, width=20, activation="tanh")]


def main() -> None:
    """Prints each network's Hessian cost beside the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    print(f"goal: Hessian and its eigenvalues in at most {GOAL_SECONDS * 1e3:.0f} ms for "
          f"P <= 500 ({rounds} rounds, median [min, max])")
    for network in NETWORKS:
        weights = MLPBatch(network, [0]).theta.numpy()
        p = network.parameter_count()
        alone = seconds(partial(hessian, network, POINTS, weights), rounds)
        full = seconds(partial(spectrum, network, POINTS, weights), rounds)
        median = statistics.median(full)
        print(f"P = {p:4d} {network.activation:7s} depth {network.depth}: Hessian "
              f"{statistics.median(alone) * 1e3:6.1f} ms, with eigenvalues {median * 1e3:6.1f} ms "
              f"[{min(full) * 1e3:.1f}, {max(full) * 1e3:.1f}]  "
              f"{'within' if median <= GOAL_SECONDS else 'OVER'} the goal of "
              f"{GOAL_SECONDS * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
