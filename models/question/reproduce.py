"""Which learning rate reproduces the question's printed log: both rates trained from the same
start over the log's epochs, compared with what the log printed.

The code in the question says lr = 1e-5; its log falls from 0.0084 to 0.0057 in 91 epochs. From
Keras starts with the log's first-epoch loss, Adam at 1e-5 moves far more slowly than that, so
the rate ten times larger is the other candidate. The printed losses are rounded, so an epoch
"matches" when the engine's loss rounds to the printed value, and the log-error the rounding
alone can cause is stated beside the measured ones. Every figure in the verdict is computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.engine.trainer import trainer_for
from models.experiment import Experiment
from models.numbers import number_text
from models.question.presets import PRESETS
from models.question.printed_log import PrintedLog

CODE_LR = PRESETS["question"].experiment.training.lr  # what the question's code says
LEARNING_RATES = (CODE_LR, 10 * CODE_LR)
# A rate "reproduces" the log when its RMS log-error is at most this many times what the
# rounding alone gives: the differences left are then of the printed digits' size (measured
# from the preset's start: 1.4x at lr 1e-4, 52x at 1e-5).
REPRODUCES = 2.0


@dataclass(frozen=True)
class Reproduction:
    """One learning rate trained from the experiment's start over the log's epochs."""

    lr: float
    losses: np.ndarray  # at the log's epochs
    matched: int  # epochs whose loss rounds to the printed value
    rms_log_error: float  # sqrt(mean((ln loss - ln printed)^2))


def first_epoch_loss(experiment: Experiment) -> float:
    """Returns the loss Keras prints after epoch 1 from this start (seed 0 of the experiment):
    the mean of the epoch's batch losses, each before its update."""
    return float(trainer_for(experiment.with_(seeds=1)).run(1)[0][0, 0])


def reproduce(experiment: Experiment, lr: float, log: PrintedLog) -> Reproduction:
    """Returns the run from the experiment's start (seed 0) at lr, against the printed log."""
    trainer = trainer_for(experiment.with_(lr=lr, seeds=1))
    losses = trainer.run(int(log.epochs.max()))[0][log.epochs - 1, 0]
    # within half a unit, plus a hair for the binary rounding of the printed decimal
    matched = int(np.sum(np.abs(losses - log.losses) <= log.half_unit * (1 + 1e-9)))
    error = float(np.sqrt(np.mean(np.log(losses / log.losses) ** 2)))
    return Reproduction(lr, losses, matched, error)


def rounding_log_error(log: PrintedLog) -> float:
    """Returns the RMS log-error the printing's rounding alone gives: true losses spread
    uniformly within half a unit of the printed ones (variance h^2 / 3 at each epoch)."""
    return float(np.sqrt(np.mean((log.half_unit / log.losses) ** 2 / 3.0)))


def starts_like_the_log(experiment: Experiment, log: PrintedLog) -> bool:
    """Returns True when this start's first-epoch loss rounds to the log's first printed loss."""
    return abs(first_epoch_loss(experiment) - log.losses[0]) <= log.half_unit * (1 + 1e-9)


def verdict(reproductions: list[Reproduction], log: PrintedLog) -> str:
    """Returns, from the reproductions' numbers, which learning rate reproduces the printed log."""
    n, digits, last = len(log.epochs), log.decimals, log.epochs[-1]
    rounding = rounding_log_error(log)
    best, *others = sorted(reproductions, key=lambda r: r.rms_log_error)

    def describe(r: Reproduction) -> str:
        return (f"lr {number_text(r.lr)}: RMS log-error {r.rms_log_error:.4f}, {r.matched} of {n} "
                f"epochs round to the printed loss, and at epoch {last} it prints "
                f"{r.losses[-1]:.{digits}f} where the log says {log.losses[-1]:.{digits}f}")

    matching = [number_text(r.lr) for r in reproductions if r.matched == n]
    if len(matching) > 1:
        return (f"From this start, lr {' and '.join(matching)} both match the printed log within "
                f"its rounding at all {n} epochs: the log cannot tell them apart.")
    if best.matched == n:
        claim = f"**lr {number_text(best.lr)} reproduces the printed log** within its rounding"
    elif best.rms_log_error <= REPRODUCES * rounding:
        claim = (f"**lr {number_text(best.lr)} reproduces the printed log**, not within its "
                 f"rounding at every epoch but with an RMS log-error near the {rounding:.4f} "
                 f"that rounding to {digits} decimals alone gives")
    else:
        claim = (f"**neither learning rate reproduces the printed log**; lr "
                 f"{number_text(best.lr)} comes closest (rounding to {digits} decimals alone "
                 f"gives an RMS log-error of {rounding:.4f})")
    return f"From this start, {claim}. " + ". ".join(describe(r) for r in [best, *others]) + "."
