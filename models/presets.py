"""Presets: complete experiments, one click each, with a few sentences on what to look at.

The seeds are chosen, not arbitrary: `tests/models/test_presets.py` trains every preset and
checks that it shows what its title promises (the question's run ends within 0.1% of its floor).
"""

from __future__ import annotations

from dataclasses import dataclass

from .experiment import QUESTION_XS, QUESTION_YS, Experiment, Network, Points, Training


@dataclass(frozen=True)
class Preset:
    """A named experiment and the short note shown beside it."""

    title: str
    experiment: Experiment
    why: str


_QUESTION = Experiment(points=Points(), network=Network(depth=1, width=10, activation="linear",
                                                        init="keras"),
                       training=Training(optimizer="adam", lr=1e-5, epochs=10_000, batch=32),
                       seed=0)

PRESETS: dict[str, Preset] = {
    "question": Preset(
        "The question as asked", _QUESTION,
        "Keras's `Dense` has no activation unless you give it one, so this network is "
        "`W2 (W1 x + b1) + b2`: one line, `w x + b`, however many units it has. The best line "
        "through the three points leaves an MSE of about 0.0057, and that is where the loss "
        "stops. Watch the effective line settle on the least-squares line."),
    "relu": Preset(
        "Add a ReLU", _QUESTION.with_(activation="relu", lr=1e-2, epochs=3_000),
        "One nonlinearity between the layers and the network can bend: ten ReLU units make a "
        "piecewise-linear curve that passes through all three points, so the floor is 0 and "
        "the loss keeps falling past the dashed linear floor."),
    "sigmoid": Preset(
        "Sigmoid: slow but it gets there", _QUESTION.with_(activation="sigmoid", lr=1e-3),
        "Sigmoid units can fit the points too, but their gradients are small (at most 1/4), so "
        "the loss lingers near the linear floor before it drops through it — what the student "
        "saw after 'waiting for a lot of time'."),
    "two_points": Preset(
        "Two points: a line fits exactly",
        _QUESTION.with_(xs=(QUESTION_XS[0], QUESTION_XS[2]), ys=(QUESTION_YS[0], QUESTION_YS[2])),
        "Through two points there is always a line, so even the linear network reaches 0 "
        "(down to rounding, around 1e-15, as the student noticed). The floor belongs to the data "
        "and the architecture together."),
    "deep_linear": Preset(
        "Deep and linear: the same floor", _QUESTION.with_(depth=4),
        "Four linear hidden layers are still one line: a product of matrices is a matrix. The "
        "loss lands on exactly the same floor as one layer, only by a different path."),
}
