"""Presets: complete experiments, one click each, with a few sentences on what to look at.

The seeds are chosen, not arbitrary: `tests/models/test_presets.py` trains every preset and
checks that it shows what its title promises (the question's run ends within 0.1% of its floor).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.experiment import QUESTION, QUESTION_XS, QUESTION_YS, Experiment


@dataclass(frozen=True)
class Preset:
    """A named experiment and the short note shown beside it."""

    title: str
    experiment: Experiment
    why: str


# The first seed, counting from 0, whose Keras start prints the question's first-epoch loss
# (models/question/reproduce.starts_like_the_log; tests/models/test_question_log.py checks it).
LOG_SEED = 116

PRESETS: dict[str, Preset] = {
    "question": Preset(
        "The question as asked", QUESTION,
        "Keras's `Dense` has no activation unless you give it one, so this network is "
        "`W2 (W1 x + b1) + b2`: one line, `w x + b`, however many units it has. The best line "
        "solves the normal equations below; its MSE is the floor, and no learning rate, width "
        "or number of epochs goes below it, because no line does. Watch the effective line "
        "settle on the least-squares line, and the path on the landscape end at the star."),
    "question_log": Preset(
        "The question's own log", QUESTION.with_(seed=LOG_SEED, epochs=300),
        "The markers are the losses the question printed, epoch by epoch. This network starts "
        "where the student's did: its first epoch prints the log's first loss (the seed was "
        "found by scanning Keras starts for one). It trains at the learning rate the question's "
        "code says, and the dotted curve at ten times that rate, from the same start; the "
        "sentence below, computed from both runs, says which one the printed log came from."),
    "relu": Preset(
        "Add a ReLU", QUESTION.with_(activation="relu", lr=1e-2, epochs=3_000),
        "One nonlinearity between the layers and the network can bend: ten ReLU units make a "
        "piecewise-linear curve that passes through all three points, so the floor is 0 and "
        "the loss keeps falling past the dashed linear floor."),
    "sigmoid": Preset(
        "Sigmoid: slow but it gets there", QUESTION.with_(activation="sigmoid", lr=1e-3),
        "Sigmoid units can fit the points too, but their gradients are small (at most 1/4), so "
        "the loss lingers before it drops through the linear floor — what the student saw "
        "after 'waiting for a lot of time'. A stretch marked 'above the floor' is a plateau: "
        "the loss barely moves and the gradient is tiny compared with it. That is flat ground, "
        "not the end: this network can do better."),
    "two_points": Preset(
        "Two points: a line fits exactly",
        QUESTION.with_(xs=(QUESTION_XS[0], QUESTION_XS[2]), ys=(QUESTION_YS[0], QUESTION_YS[2])),
        "Through two points there is always a line, so even the linear network reaches 0, "
        "down to float rounding, as the student noticed. The floor belongs to the data and the "
        "architecture together."),
    "deep_linear": Preset(
        "Deep and linear: the same floor", QUESTION.with_(depth=4),
        "Four linear hidden layers are still one line: a product of matrices is a matrix. The "
        "loss lands on exactly the same floor as one layer, only by a different path."),
    "saddle": Preset(
        "Small start: the saddle plateau",
        QUESTION.with_(bias=False, init_scale=1e-3, optimizer="sgd", lr=0.05, epochs=1_000),
        "Every weight starts a thousand times smaller than usual, next to w = 0, where the "
        "ground is flat: each layer's gradient is proportional to the other layer's weights, "
        "and both are tiny. It is a saddle, not a minimum, but growth from almost nothing is "
        "slow, so for hundreds of epochs the loss sits at mean(y²), what a network that outputs "
        "0 scores. Then the weights' product shoots up and the loss drops to the floor of a line "
        "through the origin (no biases here). Saxe, McClelland & Ganguli (2014) solved this "
        "exactly: the dashed curve is their formula. Ten times smaller weights make the plateau "
        "longer by ln(100)/(4·lr·mean(xy)) epochs, not ten times longer."),
}
