"""How long the explanation's numerics take: plateau marking and the loss slice.

usage: python -m benchmarks.explain [--rounds R]

- find_plateaus over a 100,000-epoch run (Saxe et al.'s saddle curve as the loss): the page
  marks the loss chart with it about once a second while playing; goal under 0.1 s.
- the default 41 x 41 loss slice around the question network's weights (1 -> 10 -> 1), asked
  for when a paused student opens it; goal under 1 s.
Printed: the median and range over the rounds, each beside its goal. These were assertions in
tests/ until the suite was made to pass on any machine: timings belong here.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from models.analysis.landscape import loss_slice
from models.analysis.plateaus import find_plateaus
from models.analysis.theory import CONSTANT, product_curve, reference_floors, saxe_constants
from models.engine.trainer import trainer_for
from models.question.presets import PRESETS

QUESTION = PRESETS["question"].experiment


def seconds(work: Callable[[], object], rounds: int) -> list[float]:
    """Returns the wall-clock seconds of `rounds` calls of work, after one untimed warm-up."""
    work()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds

    points = QUESTION.points
    c = saxe_constants(points)
    u = product_curve(points, 0.0005, 1e-6, 100_000)
    loss = c.floor + c.sigma_xx * (u - c.target) ** 2
    grad = 2.0 * c.sigma_xx * np.abs(u - c.target) * np.sqrt(2.0 * u)
    scale = reference_floors(points)[CONSTANT]
    epochs = np.arange(1, 100_001)
    trainer = trainer_for(QUESTION)
    trainer.run(10)
    for name, work, goal in (
        ("find_plateaus, 100,000 epochs", lambda: find_plateaus(epochs, loss, grad, c.floor, scale), 0.1),
        (
            "loss_slice, 41 x 41, question network",
            lambda: loss_slice(trainer.net, trainer.identity.points, seed_index=0),
            1.0,
        ),
    ):
        times = seconds(work, rounds)
        print(
            f"{name:<40} median {statistics.median(times):.4f} s "
            f"(range {min(times):.4f}-{max(times):.4f}, {rounds} rounds); goal < {goal} s: "
            f"{'met' if statistics.median(times) < goal else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
