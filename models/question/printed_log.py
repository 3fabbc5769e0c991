"""The loss log printed in the question (epochs 1-91 of its Keras run), and which learning rate
reproduces it (models/question/reproduce.py) from a start like the student's.

The log ships as data (models/question/data/question_log.csv, the printed strings kept as printed), made
from the question's text by `python -m models.question.printed_log <question.txt>`; a test checks the
file against the text. The number of decimals is read from the printed strings: a comparison
needs it, because the log says only what the losses round to.
"""

from __future__ import annotations

import functools
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.experiment import QUESTION, Experiment

LOG_FILE = Path(__file__).with_name("data") / "question_log.csv"
# Keras 2's verbose=2 log: "Epoch 1/10000" then " - 2s - loss: 0.0084"
_ENTRY = re.compile(r"Epoch (\d+)/\d+\s+-\s+\S+\s+-\s+loss:\s+(\d+\.\d+)")


@dataclass(frozen=True)
class PrintedLog:
    """The printed losses by epoch, and how many decimals they were printed with."""

    epochs: np.ndarray
    losses: np.ndarray
    decimals: int

    @property
    def half_unit(self) -> float:
        """Returns how far a printed value can be from the loss it rounds: half its last digit."""
        return 0.5 * 10.0 ** -self.decimals


def parse_keras_log(text: str) -> list[tuple[int, str]]:
    """Returns (epoch, loss as printed) for every epoch line of a Keras log in text."""
    return [(int(epoch), loss) for epoch, loss in _ENTRY.findall(text)]


def log_csv(text: str) -> str:
    """Returns the CSV the app ships for the Keras log in text: epoch,loss rows as printed."""
    out = io.StringIO()
    out.write("epoch,loss\n")
    for epoch, loss in parse_keras_log(text):
        out.write(f"{epoch},{loss}\n")
    return out.getvalue()


@functools.cache
def printed_log() -> PrintedLog:
    """Returns the question's printed log, read once from the shipped CSV."""
    rows = [line.split(",") for line in LOG_FILE.read_text(encoding="utf-8").splitlines()[1:]]
    decimals = {len(loss.split(".")[1]) for _, loss in rows}
    if len(decimals) != 1:
        raise ValueError(f"{LOG_FILE.name}: losses printed with {sorted(decimals)} decimals")
    return PrintedLog(np.array([int(e) for e, _ in rows]), np.array([float(v) for _, v in rows]),
                      decimals.pop())


def is_students_model(experiment: Experiment) -> bool:
    """Returns True for the question's points and network, whatever the training: the run the
    printed log can be compared with."""
    return (experiment.points, experiment.network) == (QUESTION.points, QUESTION.network)


if __name__ == "__main__":  # python -m models.question.printed_log question.txt: writes the shipped CSV
    LOG_FILE.write_text(log_csv(Path(sys.argv[1]).read_text(encoding="utf-8")), encoding="utf-8")
    print(f"{LOG_FILE}: {len(parse_keras_log(Path(sys.argv[1]).read_text()))} epochs")
