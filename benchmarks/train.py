"""Steps per second: the engine against the plain PyTorch loop a user would write.

usage: python -m benchmarks.train [--rounds R]

The question's network (1 -> 10 -> 1, linear, three points, Adam lr 1e-5, full batch), trained
side by side in this one process, alternating in every round, medians over the rounds:
- the plain loop: nn.Sequential + autograd + torch.optim.Adam in float32 (PyTorch's default,
  what a user writes), `opt.zero_grad(); loss = mse(model(x), y); loss.backward(); opt.step();
  loss.item()` each step;
- the engine: models.trainer.Trainer in float64 (floors are float64), in the chunks the live
  page asks for (models.trainer.chunk_epochs), losses and gradient norms recorded every step;
- the engine with 32 seeds (32 networks in one batched pass) against 1: the cost per step;
- Keras's `fit` (Keras 3, torch backend, float32) on the same model from the same kind of start:
  `model.fit(x, y, batch_size=32, epochs=E, verbose=0)`, what the question's student ran, an
  epoch being one step here; timed over whole fit calls of FIT_EPOCHS epochs.
Importing the engine sets torch.set_num_threads(1) for the process, so the plain loop runs on
one intra-op thread too (at these sizes threads only add hand-offs).
Goals: speed-up >= 2.5x; 32 seeds cost <= 1.5x one seed per step.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported: no TensorFlow
import platform
import statistics
import time

import numpy as np
import torch
from torch import nn

from models.engine.trainer import chunk_epochs, trainer_for
from models.question.presets import PRESETS

QUESTION = PRESETS["question"].experiment.with_(epochs=10**9)  # never finishes mid-benchmark
SECONDS = 0.4  # of training per measurement
FIT_EPOCHS = 100  # epochs per fit call: fit's set-up is paid once per call, as a user pays it


def plain_loop_steps_per_second(seconds: float) -> float:
    """Returns the plain loop's steps per second over about `seconds`."""
    xs, ys = QUESTION.points.xs, QUESTION.points.ys
    x, y = torch.tensor(xs).reshape(-1, 1), torch.tensor(ys).reshape(-1, 1)  # float32
    model = nn.Sequential(nn.Linear(1, 10), nn.Linear(10, 1))
    for layer in model:
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    opt = torch.optim.Adam(model.parameters(), lr=QUESTION.training.lr)
    mse = nn.MSELoss()

    def step() -> None:
        opt.zero_grad()
        loss = mse(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    return _rate(step, 1, seconds)


def keras_fit_steps_per_second(seconds: float) -> float:
    """Returns Keras's fit steps (epochs of one batch) per second over about `seconds`."""
    import keras  # here, not at the top: the other rows do not need it

    xs, ys = QUESTION.points.xs, QUESTION.points.ys
    x, y = np.array(xs).reshape(-1, 1), np.array(ys).reshape(-1, 1)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(10), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=QUESTION.training.lr), loss="mse")
    return _rate(lambda: model.fit(x, y, batch_size=QUESTION.training.batch, epochs=FIT_EPOCHS,
                                   verbose=0), FIT_EPOCHS, seconds)


def engine_steps_per_second(seeds: int, seconds: float) -> float:
    """Returns the engine's steps (epochs of all `seeds` networks) per second."""
    experiment = QUESTION.with_(seeds=seeds)
    trainer, chunk = trainer_for(experiment), chunk_epochs(experiment.run_identity())
    return _rate(lambda: trainer.run(chunk), chunk, seconds)


def _rate(call, steps_per_call: int, seconds: float) -> float:
    """Returns steps per second of `call`, after a warm-up call, over at least `seconds`."""
    call()
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        call()
        calls += 1
    return calls * steps_per_call / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"the question's network, Adam, full batch; {rounds} rounds of {SECONDS} s each, "
          "alternating; medians")
    plain, engine, engine32, fit = [], [], [], []
    for r in range(rounds):
        plain.append(plain_loop_steps_per_second(SECONDS))
        engine.append(engine_steps_per_second(1, SECONDS))
        engine32.append(engine_steps_per_second(32, SECONDS))
        fit.append(keras_fit_steps_per_second(SECONDS))
        print(f"  round {r + 1}: plain {plain[-1]:8.0f}  engine {engine[-1]:8.0f}  "
              f"engine x32 {engine32[-1]:8.0f}  keras fit {fit[-1]:8.0f} steps/s")
    p, e, e32, k = (statistics.median(v) for v in (plain, engine, engine32, fit))
    print(f"Keras fit (Keras 3, torch backend, float32):                    {k:8.0f} steps/s")
    print(f"plain PyTorch loop (nn.Sequential + autograd + Adam, float32): {p:8.0f} steps/s")
    print(f"engine, 1 seed (hand-written backward + fused Adam, float64):   {e:8.0f} steps/s")
    print(f"engine, 32 seeds (one batched pass, float64):                  {e32:8.0f} steps/s")
    cost = statistics.median(a / b for a, b in zip(engine, engine32, strict=True))
    print(f"32-seed cost per step over 1 seed: {cost:.2f}x (median of rounds; goal <= 1.5x)")
    speedup = statistics.median(b / a for a, b in zip(plain, engine, strict=True))
    print(f"engine speed-up over a plain PyTorch loop: {speedup:.2f}x")
    over_fit = statistics.median(b / a for a, b in zip(fit, engine, strict=True))
    print(f"engine speed-up over Keras's fit: {over_fit:.2f}x")


if __name__ == "__main__":
    main()
