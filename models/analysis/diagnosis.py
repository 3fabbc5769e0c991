"""The diagnosis: one cause for where the loss stands, chosen from the run's own numbers.

Exactly one label, in this order of precedence (the first that holds):
- Diverged: the loss became infinite; the sentence gives the sharpness against the threshold at
  the last finite snapshot (models/analysis/sharpness.py).
- Learning rate too large: in full batch, the loss jumped far above a minimum it had reached, or
  it scatters without a trend over the recent window (`plateaus.recent_trend`), and the
  sharpness reached the optimizer's threshold (EDGE of it) at a snapshot of that window.
- On the floor: the current stretch is within tolerance of the floor (`plateaus.on_floor`). A
  lower bound that the loss reaches is the floor too: no loss goes below it.
- Dead units: more than MOST of the last hidden layer's units are dead (`units.py`) and the loss
  is flat, or every unit is dead (the network is then a constant, whatever happens next).
- Saturated units: more than MOST of the units are saturated and the loss is flat.
- Too few units: the floor is only a lower bound because the layer is narrower than the width
  rule of `floors.py`, and the loss is flat.
- Mini-batch noise: the batch is smaller than the data and the loss scatters without a trend
  over the recent window: each step sees part of the data.
- A saddle: the loss is flat above the floor and the exact curvature has a way down (a negative
  eigenvalue), or the saddle theory applies and predicts the escape.
- A local minimum: the loss is flat above the floor and the curvature has no way down.
- Learning rate too small: the loss is flat but the ground is not (`plateaus.SLOPE`).
- Still descending: the trend over the recent window descends. A loss that neither descends nor
  fits the labels above has stalled, and is named as flat ground is (a saddle or a minimum).
A jump off the floor is named in the sentence whatever the label: the learning rate threw it.
Pure: numbers in, a label and a sentence out; the page only shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.analysis.floors import Floors
from models.analysis.plateaus import (
    ABOVE_FLOOR,
    DESCENDING,
    FLAT_GROUND,
    ON_FLOOR,
    SLOPE,
    Plateau,
    floor_margin,
    on_floor,
    recent_trend,
)
from models.analysis.sharpness import Reading
from models.analysis.theory import CONSTANT, effective_start, plateau_length, reference_floors, saxe_applies
from models.analysis.too_much import (
    JUMP,
    Curvature,
    RunCurvature,
    jump,
    jump_words,
    local_minimum_words,
    noise_words,
    run_curvature,
    saddle_words,
    sharpness_words,
    too_large_words,
)
from models.analysis.units import SATURATED_POINTS, Units, hidden_units, median_seed
from models.run.run import Run

DIVERGED, FLOOR, DEAD, SATURATED = "Diverged", "On the floor", "Dead units", "Saturated units"
TOO_FEW, SADDLE, SLOW, DESCENT = "Too few units", "A saddle", "Learning rate too small", \
    "Still descending"
TOO_LARGE, NOISE, LOCAL = "Learning rate too large", "Mini-batch noise", "A local minimum"
LABELS = (FLOOR, TOO_FEW, DEAD, SATURATED, SADDLE, SLOW, DESCENT, DIVERGED, TOO_LARGE, NOISE,
          LOCAL)
# "most of the units": more than half. Measured: 5 of 5 dead (relu, x = 1..6, seed 15) and 10 of
# 10 saturated (tanh, x = -60..60); at the end of the presets, at most 1 of 10 dead (relu, which
# still reaches its floor of 0) and none saturated.
MOST = 0.5
# The rate of descent for "Learning rate too small" is the mean over this fraction of the run so
# far: on the question with sgd at lr 1e-6 the loss falls by 2.9e-7 an epoch at the start and by
# 2.8e-7 at epoch 3,000, so the last 10% gives the current rate to a few percent.
RATE_WINDOW = 0.1
# A start "does better" than this run when its final loss is lower by more than this fraction:
# restarts that land in the same minimum differ by what is left of their settling (one relu unit
# on x = -3..4, adam 0.01, 5,000 epochs: the 19 of 64 starts in the best minimum, 0.3354, end
# within 0.01% of each other; the others end 20% to 35% higher).
LUCK = 0.01
# Full-batch Adam at the edge of stability hovers about its threshold rather than above it
# (Cohen et al., 2022): the preconditioned sharpness read at snapshots of that run, and of Adam
# at lr 0.1 on linear regression, swings between 0.75 and 1.05 of 38/lr. So "at the threshold"
# is the window's largest reading at or above 0.9 of it; stable runs read far lower (the
# question's Adam run 0.01-0.2, batch 2 sgd at lr 0.05 0.7 with a loss that does not jump).
EDGE = 0.9


@dataclass(frozen=True)
class Search:
    """The best final loss of `starts` restarts trained `epochs` epochs (an estimate)."""

    best: float
    starts: int
    epochs: int


@dataclass(frozen=True)
class Diagnosis:
    """One of LABELS and the sentence that begins with it, in bold (markdown)."""

    label: str
    text: str


def current_stretch(plateaus: list[Plateau], count: int) -> Plateau | None:
    """Returns the plateau the run is in now (ending at its last epoch), if any."""
    return plateaus[-1] if plateaus and plateaus[-1].end >= count else None


def band_labels(plateaus: list[Plateau], count: int, label: str | None) -> list[str]:
    """Returns the label of each plateau band: the current stretch carries the diagnosis, an
    earlier one what it was (on the floor, flat ground the run then left: a saddle, or a slow
    crawl)."""
    done = {ON_FLOOR: FLOOR, ABOVE_FLOOR: SADDLE, SLOPE: SLOW, DESCENDING: DESCENT}
    now = current_stretch(plateaus, count)
    return [label if p is now and label else done[p.kind] for p in plateaus]


def _search_text(search: Search | None, loss: float, floors: Floors, scale: float) -> str:
    """Returns what the many-starts search says about this run: capacity or bad luck."""
    if search is None:
        return " Search many starts to see whether any does better."
    if search.best >= loss * (1 - LUCK):
        verdict = "no start does better than this run: it is the architecture, not bad luck"
    elif on_floor(np.array([search.best]), floors.floor, scale)[0]:
        verdict = "other starts reach the floor: this run was unlucky, the width is enough"
    else:
        verdict = ("other starts do better, so this start was unlucky too, but none gets near "
                   "the lower bound")
    return (f" The best of {search.starts} starts ({search.epochs:,} epochs each) reached "
            f"{search.best:.3e} (an estimate): {verdict}.")


def diagnose(loss: np.ndarray, grad_norm: np.ndarray, diverged_at: int | None, floors: Floors,
             plateaus: list[Plateau], width: int, scale: float, units: Units | None = None,
             saddle_escape: float | None = None, search: Search | None = None,
             batch: int | None = None, n: int | None = None,
             curvature: Curvature | RunCurvature | None = None) -> Diagnosis | None:
    """Returns the diagnosis of a run from its per-epoch median loss and gradient norm, its
    floor, plateaus and `scale` (the variance of y: the floor's absolute tolerance), its hidden
    units (of the seed shown), the saddle theory's predicted escape epoch (where it applies), a
    many-starts search, the batch size against the n points (full batch when not given) and
    the curvature read (`diagnose_run`); None before the first epoch."""
    curvature = curvature or Curvature()
    if diverged_at is not None:
        before = curvature.last_finite
        why = "" if before is None or before.sharpness is None else \
            f" At epoch {before.epoch:,}, the last kept before it, {sharpness_words(before)}."
        return Diagnosis(DIVERGED, f"**{DIVERGED}** at epoch {diverged_at}: the loss became "
                         "infinite; the steps were too large for this landscape and the "
                         f"weights flew off.{why} Lower the learning rate and press Reset.")
    count = len(loss)
    if count == 0:
        return None
    now, gap = float(loss[-1]), float(loss[-1]) - floors.floor
    at_least = "" if floors.exact else "at least "
    last = current_stretch(plateaus, count)
    kind = last.kind if last else DESCENDING
    since = f"since epoch {last.start}" if last else ""
    trend = recent_trend(loss)
    full_batch = batch is None or n is None or batch >= n
    jumped = jump(loss, trend, JUMP, floors.floor + floor_margin(floors.floor, scale))
    # What a flat stretch did, in the run's numbers: a flat stretch may still drift a little.
    start = last.start if last else (trend.start if trend else 1)
    stood = (f"the loss went from {float(loss[max(start, 1) - 1]):.3e} to {now:.3e} since "
             f"epoch {start}, on ground this flat (|g| / 2√loss: a median of "
             f"{_ground(grad_norm, loss, start):.3f} over those epochs; flat is below "
             f"{FLAT_GROUND})")
    # In mini-batch a loss also rises when a batch pulls away from the others: no jump is
    # blamed on the step size there (batch 2 of 8, sgd 0.05: 8e-5 to 9e-3 at sharpness 0.7 of 2/lr)
    after = "" if jumped is None or not full_batch else jump_words(jumped, curvature.edge)
    off_floor = gap > floor_margin(floors.floor, scale)  # the plateau's mean may be on it
    # the curvature last: reading it may take Hessians (models/analysis/too_much.py)
    if full_batch and off_floor and trend is not None and not trend.descending and \
            (jumped or trend.noisy):
        edge = curvature.edge
        if edge is not None and edge.ratio is not None and edge.ratio >= EDGE:
            return Diagnosis(TOO_LARGE, too_large_words(TOO_LARGE, trend, edge, jumped))
    if kind == ON_FLOOR:
        reached = "" if floors.exact else " It has reached a lower bound, so that is the floor."
        return Diagnosis(FLOOR, f"**{FLOOR}** {since}: the gap is {gap:.2e}. {floors.why}"
                         f"{reached} More epochs or another learning rate will not help; only "
                         "another architecture or other data moves the floor.")
    stalled = trend is not None and not trend.descending and kind == DESCENDING
    flat = kind == ABOVE_FLOOR
    if units is not None and units.width:
        dead, saturated = int(units.dead.sum()), int(units.saturated.sum())
        if dead > MOST * units.width and (flat or dead == units.width):
            constant = (" The network predicts a constant, the mean of y: the loss cannot go "
                        "below the variance of y." if dead == units.width else "")
            return Diagnosis(DEAD, f"**{DEAD}**: {dead} of {units.width} units output 0 on every "
                             f"point, so no gradient reaches them.{constant} The loss stands at "
                             f"{now:.3e}. Try another seed, leaky_relu, or a smaller learning "
                             f"rate.{after}")
        if saturated > MOST * units.width and flat:
            start_words = " Try smaller initial weights (scale), x scaled to about -1..1, or relu."
            return Diagnosis(SATURATED, f"**{SATURATED}**: {saturated} of {units.width} units "
                             f"are saturated on at least {SATURATED_POINTS:.0%} of the points "
                             "(their slope is below 1% of its largest), so the gradient through "
                             f"them is a hundred times weaker; {stood}."
                             f"{after or start_words}")
    if flat and not floors.exact and floors.enough_width and width < floors.enough_width:
        return Diagnosis(TOO_FEW, f"**{TOO_FEW}**: {stood}. {floors.why} So the floor is "
                         "only a lower "
                         "bound: this may be the best this width can do. Try "
                         f"{floors.enough_width} units.{_search_text(search, now, floors, scale)}"
                         f"{after}")
    if not full_batch and trend is not None and trend.noisy and not trend.descending:
        return Diagnosis(NOISE, noise_words(NOISE, trend, batch, n) + after)
    if flat or stalled:
        return _flat_ground(stood, f"{at_least}{gap:.2e}", count, saddle_escape, curvature.now,
                            search, now, floors, scale, after)
    if kind == SLOPE:
        return Diagnosis(SLOW, _slow_text(loss, grad_norm, floors) + after)
    if trend is None:  # fewer than 3 epochs: no trend to speak of yet
        return Diagnosis(DESCENT, f"**{DESCENT}**: the gap to the floor is {at_least}{gap:.2e}.")
    return Diagnosis(DESCENT, f"**{DESCENT}**: the gap to the floor is {at_least}{gap:.2e} and "
                     f"shrinking: over the last {trend.width:,} epochs the loss fell by a factor "
                     f"{np.exp(-trend.change):.3g} (a fitted trend of ln(loss)).{after}")


def _flat_ground(stood: str, gap: str, count: int, saddle_escape: float | None,
                 now: Reading | None, search: Search | None, loss: float, floors: Floors,
                 scale: float, after: str) -> Diagnosis:
    """Returns the diagnosis of a loss flat above the floor: a saddle where the theory or the
    curvature finds a way down, a local minimum where the exact curvature finds none."""
    theory = saddle_escape is not None and count < saddle_escape
    ways = "" if now is None or not now.hessian.has_downhill else \
        f" The curvature agrees: {now.hessian.downhill or 'some'} directions curve down " \
        f"(the steepest: {now.hessian.smallest:.2e})."
    if theory:
        return Diagnosis(SADDLE, f"**{SADDLE}**: the weights start near 0, where the ground "
                         "is flat; the loss stands at the value of a network that outputs "
                         f"0. The saddle theory (Saxe et al., 2014) predicts the escape at "
                         f"about epoch {saddle_escape:,.0f}.{ways}{after}")
    if now is not None and now.hessian.has_downhill:
        return Diagnosis(SADDLE, saddle_words(SADDLE, stood, now) + after)
    if now is not None and now.hessian.exact:
        return Diagnosis(LOCAL, local_minimum_words(LOCAL, stood, now, gap)
                         + _search_text(search, loss, floors, scale) + after)
    return Diagnosis(SADDLE, f"**{SADDLE}**, or a local minimum: {stood}, {gap} above the "
                     "floor. The network is too large for its exact curvature, so the numbers "
                     "cannot yet tell which. More epochs, another seed or a larger learning rate "
                     f"would.{_search_text(search, loss, floors, scale)}{after}")


def _ground(grad_norm: np.ndarray, loss: np.ndarray, start: int | None = None) -> float:
    """Returns how steep the ground is, |g| / (2 sqrt(loss)) (plateaus.py): its median over the
    epochs from `start` (1-based), or at the last epoch when `start` is None."""
    first = len(loss) - 1 if start is None else max(start, 1) - 1
    g, l_ = np.asarray(grad_norm[first:], dtype=np.float64), np.asarray(loss[first:], dtype=np.float64)
    ratio = np.where(l_ > 0, g / (2.0 * np.sqrt(np.maximum(l_, 1e-300))), np.inf)
    return float(np.median(ratio))


def _slow_text(loss: np.ndarray, grad_norm: np.ndarray, floors: Floors) -> str:
    """Returns the sentence for a flat loss on steep ground, with the epochs the gap would take
    at the current rate of descent."""
    n = len(loss)
    back = max(1, int(RATE_WINDOW * n))
    before, now = float(loss[-1 - min(back, n - 1)]), float(loss[-1])
    rate = (before - now) / min(back, n - 1) if n > 1 else 0.0
    ratio = _ground(grad_norm, loss)
    gap = now - floors.floor
    head = (f"**{SLOW}**: the loss moved from {before:.4g} to {now:.4g} in the last "
            f"{min(back, n - 1):,} epochs while the gradient stays large (|g| / 2√loss = "
            f"{ratio:.2f}; on flat ground it is below {FLAT_GROUND}): the steps are too short to use the "
            "slope.")
    if rate <= 0:
        return head + " At this rate it does not get closer. Raise the learning rate."
    return head + (f" At the current rate of descent the gap of {gap:.2e} would take about "
                   f"{gap / rate:,.0f} more epochs (an estimate: descents slow down near the "
                   "floor). Raise the learning rate, 10x or more.")


def saxe_start(run: Run) -> float | None:
    """Returns u0 of the saddle theory for this run, or None when the theory does not apply.

    The theory assumes one learning rate throughout, so a run whose schedule changed is left
    without its curve.
    """
    if not saxe_applies(run.experiment) or len(run.schedule) > 1:
        return None
    return effective_start(run.experiment.points, *run.initial_layers)


def diagnose_run(run: Run, floors: Floors, plateaus: list[Plateau],
                 search: Search | None = None, settled: bool = True) -> Diagnosis | None:
    """Returns `diagnose` of a run now: its history, the hidden units of the seed the charts
    show (the median run), the saddle theory's escape where it applies, and the curvature of
    seed 0 (at the newest snapshot while playing, now when `settled`; cached in the run)."""
    history, network = run.history, run.experiment.network
    units = None
    if not network.is_linear and history.count:
        xs = np.asarray(run.experiment.points.xs, dtype=np.float64)
        net = run.networks()  # the seeds the run's frame keeps (all of them, unless many)
        units = hidden_units(net, median_seed(history.last_losses[:net.k]), xs, xs)
    u0 = saxe_start(run)
    escape = None if u0 is None else plateau_length(run.experiment.points,
                                                    run.experiment.training.lr, u0)
    scale = reference_floors(run.experiment.points)[CONSTANT]
    return diagnose(history.loss, history.grad_norm, history.diverged_at, floors, plateaus,
                    network.width, scale, units, escape, search, run.experiment.training.batch,
                    len(run.experiment.points), run_curvature(run, settled))
