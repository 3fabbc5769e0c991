"""Plateaus: stretches of a run where the loss stands still, and whether it stands on the floor.

Each epoch gets one label, from trailing geometric means over a window of 1% of the run so far
(mini-batch noise and Adam's jitter average out; 100,000 epochs take a few array passes):
- "on the floor": the loss is within 1% of the floor, plus a millionth of the data's scale
  (the variance of y). The second term makes the rule work when the floor is 0: a loss of 1e-15
  on points whose variance is 0.03 is the exact fit up to rounding. Nothing is left to learn,
  whatever the loss's logarithm still does.
- "above the floor": the loss is flat (per 1% of the run its logarithm moves by less than 0.02,
  so at that pace a whole run would change it by less than e^2, about 7x; the descents around
  a plateau are tens of times faster) and the ground is flat: |g| / (2 sqrt(loss)) < 0.05.
  For the MSE, g = (2/N) sum_i e_i J_i with J_i = d prediction_i / d theta, so by Cauchy-Schwarz
  this ratio is at most the rms size of J: it is small when the outputs hardly respond to the
  weights (a saddle at small weights, dead or saturated units) or the errors point where the
  weights cannot push. It does not change when y is rescaled, unlike |g| itself, and unlike
  |g| against the run's largest |g| it is not fooled by a run that starts on its plateau (the
  gradient of a saddle plateau grows exponentially until the escape). Measured on the presets:
  0.001-0.03 on the saddle and sigmoid plateaus, 0.3-1.2 where Adam at lr 1e-5 crawls down a
  slope.
- "flat on a slope": the loss is flat as above but the ground is not: the gradient is large and
  the steps are too small to use it (plain SGD at lr 1e-6 on the question: ratio 1.18, the loss
  0.0521 -> 0.0512 in 3,000 epochs). That is a learning rate too small, not a plateau of the
  landscape.
- "still descending": the last stretch of a run that is neither, while the loss is lower than
  5% of the run earlier: the run was stopped before it could be told apart.
Stretches shorter than 2% of the run, except the last, are absorbed into the stretch before
them (one short blip does not split a plateau); reported plateaus last at least that long.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ON_FLOOR, ABOVE_FLOOR, DESCENDING = "on the floor", "above the floor", "still descending"
SLOPE = "flat on a slope"
KINDS = (ON_FLOOR, ABOVE_FLOOR, DESCENDING, SLOPE)
_CODES = {2: ON_FLOOR, 1: ABOVE_FLOOR, 3: SLOPE}  # label codes below; 0 is none of these

WINDOW = 0.01  # fraction of the run the changes are measured over
FLAT_CHANGE = 0.02  # largest |change of ln(loss)| per window that counts as flat
# "flat on a slope" asks for a flatter loss: at most this change of ln(loss) per 1% of the run
# (a whole run at that pace moves the loss by e^0.5, 1.6x). At FLAT_CHANGE, the saddle preset's
# escape (the gradient grows before the loss moves) and the question's last crawl onto its floor
# were marked; SGD at lr 1e-6 on the question changes ln(loss) by 0.0002 per 1% of its run.
SLOPE_CHANGE = 0.005
FLAT_GROUND = 0.05  # largest |g| / (2 sqrt(loss)) of flat ground
RECENT = 0.05  # "still descending" compares the loss with this fraction of the run ago
FLOOR_RELATIVE = 0.01  # within 1% of the floor ...
FLOOR_ABSOLUTE = 1e-6  # ... plus this fraction of the scale (the variance of y) is on it
MIN_LENGTH = 0.02  # shortest stretch that counts, as a fraction of the run
TINY = 1e-300  # a loss of exactly 0 is logged as this: flat once it stays there
# The recent window a trend is measured over: the last 10% of the run, at least 50 epochs.
TREND_WINDOW, TREND_MIN_EPOCHS = 0.1, 50
# A trend is the least-squares line through ln(loss) over the window; it descends when its
# fitted change over the window is below -DESCENT_MIN (the loss falls by 1%) and below -3 of its
# standard errors (noise alone would not give it). Measured: batch 2 of 8 points (sgd 0.05, tanh)
# at epoch 3,000 fits -0.16 with an error of 0.17 (no trend); the question's Adam run at epoch
# 5,000 fits -1.2 with an error below 1e-4.
DESCENT_MIN, SIGNIFICANCE = 0.01, 3.0
# A loss is noisy when ln(loss) scatters about its trend by more than this (10% rms): measured
# 0.86 for batch 2 of 8 points and 6.3 for Adam at lr 0.2 jumping between 1e-12 and 1e-2, below
# 1e-3 for full-batch descents and plateaus (the saddle preset: 6e-4).
NOISY = 0.1


@dataclass(frozen=True)
class Trend:
    """The least-squares line through ln(loss) over the recent window of `width` epochs from
    epoch `start` (1-based): its fitted `change` over the window, that change's standard
    `error`, and the `spread` (rms scatter of ln(loss) about the line)."""

    start: int
    width: int
    change: float
    error: float
    spread: float

    @property
    def descending(self) -> bool:
        """Returns True when the window's trend falls, by more than noise would give."""
        return self.change < -max(DESCENT_MIN, SIGNIFICANCE * self.error)

    @property
    def noisy(self) -> bool:
        """Returns True when the loss scatters about its trend by more than NOISY."""
        return self.spread > NOISY


def recent_trend(loss: np.ndarray) -> Trend | None:
    """Returns the trend of ln(loss) over the recent window (None before 3 epochs)."""
    n = len(loss)
    if n < 3:
        return None
    width = min(n, max(TREND_MIN_EPOCHS, int(TREND_WINDOW * n)))
    level = np.log(np.maximum(np.asarray(loss[-width:], dtype=np.float64), TINY))
    t = np.arange(width) - (width - 1) / 2.0
    slope = float(t @ (level - level.mean()) / (t @ t))
    residual = level - level.mean() - slope * t
    spread = float(np.sqrt(residual @ residual / max(width - 2, 1)))
    return Trend(n - width + 1, width, slope * (width - 1), spread * (width - 1) / float(np.sqrt(t @ t)),
                 spread)


@dataclass(frozen=True)
class Plateau:
    """Epochs start..end (inclusive, as given) where the loss behaved as `kind` says."""

    start: int
    end: int
    kind: str  # one of KINDS
    gap: float  # loss minus floor at the last epoch of the stretch


def floor_margin(floor: float, scale: float) -> float:
    """Returns the largest gap that counts as on the floor: 1% of the floor + 1e-6 * scale."""
    return FLOOR_RELATIVE * floor + FLOOR_ABSOLUTE * scale


def on_floor(loss: np.ndarray, floor: float, scale: float) -> np.ndarray:
    """Returns which losses count as on the floor: gap <= 1% of the floor + 1e-6 * scale."""
    return np.asarray(loss) - floor <= floor_margin(floor, scale)


def _trailing_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Returns the mean of each value and the window - 1 before it (fewer at the start)."""
    total = np.concatenate([[0.0], np.cumsum(values)])
    end = np.arange(1, len(values) + 1)
    begin = np.maximum(end - window, 0)
    return (total[end] - total[begin]) / (end - begin)


def _change(level: np.ndarray, window: int) -> np.ndarray:
    """Returns level minus level `window` epochs earlier (the first window copies the first)."""
    n = len(level)
    change = np.empty(n)
    change[window:] = level[window:] - level[:-window]
    change[:window] = change[window] if n > window else 0.0
    return change


def _segments(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns (starts, lengths) of the runs of equal labels."""
    starts = np.concatenate([[0], np.flatnonzero(np.diff(labels)) + 1])
    return starts, np.diff(np.append(starts, len(labels)))


def find_plateaus(epochs: np.ndarray, loss: np.ndarray, grad_norm: np.ndarray, floor: float,
                  scale: float | None = None) -> list[Plateau]:
    """Returns the run's plateaus in epoch order, the final one possibly "still descending".

    `loss` and `grad_norm` are per epoch (a History's median curves), `floor` the network's
    floor and `scale` the variance of y (default: the largest loss), which sets the absolute
    tolerance on the floor. Arrays of 100,000 epochs take a few milliseconds.
    """
    loss = np.asarray(loss, dtype=np.float64)
    n = len(loss)
    if n < 3:
        return []
    scale = float(scale) if scale is not None and scale > 0 else float(np.max(loss))
    window = max(1, int(WINDOW * n))
    # per window of `window` epochs, rescaled to per 1% of the run for short runs
    tolerance = FLAT_CHANGE * window / (WINDOW * n)
    # Geometric means: a running sum of logs keeps its precision where one of values that fall
    # from 1e2 to 1e-30 would drown the late ones in the early ones' rounding.
    level = _trailing_mean(np.log(np.maximum(loss, TINY)), window)
    change = _change(level, window)
    # the gap's own change: a loss settling onto a positive floor is flat in log(loss) while
    # its gap still falls fast, which is not a slow optimizer
    gap_change = _change(_trailing_mean(np.log(np.maximum(loss - floor, TINY)), window), window)
    log_gradient = _trailing_mean(np.log(np.maximum(np.asarray(grad_norm, dtype=np.float64),
                                                    TINY)), window)
    flat_ground = log_gradient <= np.log(2.0 * FLAT_GROUND) + 0.5 * level
    flat = np.abs(change) < tolerance
    crawling = ~flat_ground & (np.abs(change) < SLOPE_CHANGE / FLAT_CHANGE * tolerance) \
        & (np.abs(gap_change) < tolerance)
    labels = np.where(on_floor(np.exp(level), floor, scale), 2,
                      np.where(flat & flat_ground, 1, np.where(crawling, 3, 0)))
    # absorb short stretches into the one before them; the first has none before it, and the
    # last is where the run is now, which a live chart should show as soon as it starts
    min_length = max(1, int(np.ceil(MIN_LENGTH * n)))
    starts, lengths = _segments(labels)
    keep = lengths >= min_length
    keep[[0, -1]] = True
    owner = np.maximum.accumulate(np.where(keep, np.arange(len(starts)), 0))
    labels = np.repeat(labels[starts][owner], lengths)
    starts, lengths = _segments(labels)
    ends = starts + lengths - 1
    kinds = labels[starts]
    chosen = np.flatnonzero((kinds > 0) & (lengths >= min_length))
    found = [Plateau(int(epochs[starts[i]]), int(epochs[ends[i]]),
                     _CODES[int(kinds[i])], float(loss[ends[i]] - floor))
             for i in chosen]
    earlier = level[max(0, n - 1 - int(RECENT * n))]
    if kinds[-1] == 0 and level[-1] < earlier:
        found.append(Plateau(int(epochs[starts[-1]]), int(epochs[-1]), DESCENDING,
                             float(loss[-1] - floor)))
    return found
