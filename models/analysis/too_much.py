"""The plateaus of too much, and what the curvature says of flat ground: the numbers and the
sentences the diagnosis (models/analysis/diagnosis.py) gives them.

- A jump: the loss climbed far above a minimum it had reached (`jump`).
- A step too large: a full-batch loss that jumps or scatters without trend while the sharpness
  is at its threshold (models/analysis/stability.py): the sentence gives both numbers.
- Mini-batch noise: each step sees part of the data, so the loss scatters about its level.
- Flat ground read by the exact curvature: a downhill direction makes a saddle (their count and
  the steepest negative curvature); none makes a local minimum at second order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from models.analysis.plateaus import Trend, recent_trend
from models.analysis.sharpness import CHART_READINGS, Reading, last_finite, reading, reading_epoch
from models.numbers import number_text
from models.run.run import Run

# "Far above a minimum it had reached": the recent window's highest loss is this many times
# the lowest loss before the window. Adam at lr 0.2 on 6 points (tanh, 16 units) reached 5e-16
# at epoch 920 and then jumped to 1e-2 (13 decades); a run settling or crawling has its lowest
# loss in the window; Adam's jitter on a plateau moves the loss by a few percent.
JUMP = 100.0


@dataclass(frozen=True)
class Curvature:
    """What the diagnosis reads of the curvature (seed 0): the reading `now`, the largest
    sharpness/threshold among the recent window's snapshots (`edge`, None if unread), and the
    last finite reading before a divergence."""

    now: Reading | None = None
    edge: Reading | None = None
    last_finite: Reading | None = None


@dataclass(frozen=True)
class Jump:
    """The loss had reached `low` at epoch `low_epoch` and rose to `high` at `high_epoch`."""

    low: float
    low_epoch: int
    high: float
    high_epoch: int


def jump(loss: np.ndarray, trend: Trend | None, factor: float, settled: float) -> Jump | None:
    """Returns the jump of the recent window above the lowest loss before it, when the window's
    highest loss is more than `factor` times that lowest and above `settled` (a loss that stays
    on the floor does not jump off it); else None."""
    if trend is None or trend.start < 2:
        return None
    before, window = np.asarray(loss[:trend.start - 1]), np.asarray(loss[trend.start - 1:])
    low_at, high_at = int(np.argmin(before)), int(np.argmax(window))
    low, high = float(before[low_at]), float(window[high_at])
    if not (np.isfinite(high) and high > factor * low and high > settled):
        return None
    return Jump(low, low_at + 1, high, trend.start + high_at)


def sharpness_words(found: Reading) -> str:
    """Returns "the sharpness λ_max(H) = 2.1 against its threshold 2/lr = 2" and the like."""
    return (f"the sharpness {found.measure} = {found.sharpness:.3g} against its threshold "
            f"{found.formula} = {found.threshold:.3g} at lr {number_text(found.lr)}")


def jump_words(jumped: Jump, edge: Reading | None) -> str:
    """Returns the sentence that names the learning rate as what threw the loss off its low."""
    why = "" if edge is None or edge.sharpness is None else \
        f" ({sharpness_words(edge)} at epoch {edge.epoch:,})"
    return (f" The loss had reached {jumped.low:.2e} at epoch {jumped.low_epoch:,} and jumped to "
            f"{jumped.high:.2e} at epoch {jumped.high_epoch:,}: a step too large for the "
            f"curvature there threw it{why}. Try a smaller learning rate.")


def too_large_words(label: str, trend: Trend, edge: Reading, jumped: Jump | None) -> str:
    """Returns the sentence of a full-batch loss that jumps or scatters at the threshold."""
    what = "jumps about" if jumped else "scatters"
    return (f"**{label}**: over the last {trend.width:,} epochs the loss "
            f"{what} without a trend (ln(loss) scatters by {trend.spread:.2g} about a fitted "
            f"change of {trend.change:+.2g}), in full batch, where the same data gives the same "
            f"gradient every step; at epoch {edge.epoch:,} {sharpness_words(edge)}: each step "
            "overshoots along the sharpest direction. Lower the learning rate."
            + (jump_words(jumped, None) if jumped else ""))


def noise_words(label: str, trend: Trend, batch: int, n: int) -> str:
    """Returns the sentence of a mini-batch loss that scatters without a trend."""
    return (f"**{label}**: each step sees {batch} of the {n} points, so each pulls towards its own "
            f"batch; over the last {trend.width:,} epochs the loss scatters (ln(loss) by "
            f"{trend.spread:.2g} about a fitted change of {trend.change:+.2g}, not a descent "
            "beyond the noise). A larger batch, or a smaller learning rate, shrinks this scatter.")


def saddle_words(label: str, stood: str, found: Reading) -> str:
    """Returns the sentence of flat ground with a way down."""
    count = found.hessian.downhill
    ways = "at least one direction" if count is None else \
        f"{count} of {found.hessian.parameters} directions"
    return (f"**{label}**: {stood}. The exact curvature at epoch {found.epoch:,} has {ways} in "
            f"which the loss curves down (the steepest: {found.hessian.smallest:.2e}): there is a "
            "way down, which gradient descent can follow off the saddle, faster at a larger "
            "learning rate.")


def local_minimum_words(label: str, stood: str, found: Reading, gap: str) -> str:
    """Returns the sentence of flat ground above the floor with no way down at second order."""
    flat = found.hessian.flat
    flat_words = "" if flat is None else f"; {flat} of {found.hessian.parameters} are flat"
    return (f"**{label}**: {stood}, {gap} above the floor. No way down at second order: at "
            f"epoch {found.epoch:,} no eigenvalue of the Hessian is negative{flat_words}. A local "
            "minimum, or flat ground that curvature cannot see past. Another seed is the way "
            "out of a minimum.")


class RunCurvature:
    """`Curvature` of a run now, each part read when the diagnosis first asks for it: the
    reading at the epoch shown (`sharpness.reading_epoch`), the window's sharpest reading
    relative to its threshold when the loss jumps or scatters, and the last finite one of a
    diverged run. Most frames' diagnoses read none of them (a loss descending or on its floor),
    and each reading is a Hessian and its eigenvalues: read eagerly, a playing run took one in
    nearly every frame (by autograd then, 1.1-1.8 ms for the question's 31 parameters), where
    the curvature chart reads the same snapshots together."""

    def __init__(self, run: Run, settled: bool = True):
        self._run, self._settled = run, settled
        self._diverged = run.history.diverged_at is not None
        self._empty = not run.history.count

    @cached_property
    def last_finite(self) -> Reading | None:
        """Returns the newest finite reading of a diverged run (None for any other run)."""
        return last_finite(self._run) if self._diverged else None

    @cached_property
    def _epoch(self) -> int:
        return reading_epoch(self._run, self._settled)

    @cached_property
    def now(self) -> Reading | None:
        """Returns the reading at the epoch shown (None for a diverged or empty run)."""
        return None if self._diverged or self._empty else reading(self._run, self._epoch)

    @cached_property
    def edge(self) -> Reading | None:
        """Returns the window's reading of the largest sharpness against its threshold when
        the loss jumps or scatters, else None."""
        if self._diverged or self._empty:
            return None
        run, epoch = self._run, self._epoch
        trend = recent_trend(run.history.loss)
        jumped = None if trend is None else jump(run.history.loss, trend, JUMP, 0.0)
        # only a loss that jumps or scatters is asked whether it is at the threshold: over the
        # window, and for a jump from its low on, where the step that threw it was taken
        if trend is None or not (trend.noisy or jumped):
            return None
        start = trend.start if jumped is None else min(trend.start, jumped.low_epoch)
        window = [s.epoch for s in run.snapshots.kept if start <= s.epoch <= epoch]
        if len(window) > CHART_READINGS:
            window = [window[i] for i in np.linspace(0, len(window) - 1, CHART_READINGS,
                                                     dtype=int)]
        found = [r for r in (reading(run, e) for e in window + [epoch])
                 if r is not None and r.ratio is not None]
        return max(found, key=lambda r: r.ratio, default=None)


def run_curvature(run: Run, settled: bool = True) -> RunCurvature:
    """Returns what the diagnosis reads of the run's curvature (`RunCurvature`), read as it is
    asked for."""
    return RunCurvature(run, settled)
