"""The diagnosis: one cause for where the loss stands, chosen from the run's own numbers.

Exactly one label, in this order of precedence (the first that holds):
- Diverged: the loss became infinite.
- On the floor: the current stretch is within tolerance of the floor (`plateaus.on_floor`). A
  lower bound that the loss reaches is the floor too: no loss goes below it.
- Dead units: more than MOST of the last hidden layer's units are dead (`units.py`) and the loss
  is flat, or every unit is dead (the network is then a constant, whatever happens next).
- Saturated units: more than MOST of the units are saturated and the loss is flat.
- Too few units: the floor is only a lower bound because the layer is narrower than the width
  rule of `floors.py`, and the loss is flat.
- A saddle: the loss is flat on flat ground above a floor the network can reach (or above a
  bound for another reason): a saddle, which a run leaves, or a local minimum, which the numbers
  of one run cannot tell apart until it leaves; the saddle theory says when, where it applies.
- Learning rate too small: the loss is flat but the ground is not (`plateaus.SLOPE`).
- Still descending: none of these yet.
Pure: numbers in, a label and a sentence out; the page only shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.analysis.floors import Floors
from models.analysis.plateaus import ABOVE_FLOOR, DESCENDING, FLAT_GROUND, ON_FLOOR, SLOPE, Plateau, on_floor
from models.analysis.theory import CONSTANT, effective_start, plateau_length, reference_floors, saxe_applies
from models.analysis.units import SATURATED_POINTS, Units, hidden_units, median_seed
from models.run.run import Run

DIVERGED, FLOOR, DEAD, SATURATED = "Diverged", "On the floor", "Dead units", "Saturated units"
TOO_FEW, SADDLE, SLOW, DESCENT = "Too few units", "A saddle", "Learning rate too small", \
    "Still descending"
LABELS = (FLOOR, TOO_FEW, DEAD, SATURATED, SADDLE, SLOW, DESCENT, DIVERGED)
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
             saddle_escape: float | None = None, search: Search | None = None) -> Diagnosis | None:
    """Returns the diagnosis of a run from its per-epoch median loss and gradient norm, its
    floor, plateaus and `scale` (the variance of y: the floor's absolute tolerance), its hidden
    units (of the seed shown), the saddle theory's predicted
    escape epoch (where it applies) and a many-starts search; None before the first epoch."""
    if diverged_at is not None:
        return Diagnosis(DIVERGED, f"**{DIVERGED}** at epoch {diverged_at}: the loss became "
                         "infinite; the steps were too large for this landscape and the "
                         "weights flew off. Lower the learning rate and press Reset.")
    count = len(loss)
    if count == 0:
        return None
    now, gap = float(loss[-1]), float(loss[-1]) - floors.floor
    at_least = "" if floors.exact else "at least "
    last = current_stretch(plateaus, count)
    kind = last.kind if last else DESCENDING
    since = f"since epoch {last.start}" if last else ""
    # What a flat stretch did, in the run's numbers: a flat stretch may still drift a little.
    stood = "" if last is None else (
        f"the loss went from {float(loss[max(last.start, 1) - 1]):.3e} to {now:.3e} {since}, on "
        f"flat ground (|g| / 2√loss: a median of {_ground(grad_norm, loss, last.start):.3f} over "
        f"those epochs; flat is below {FLAT_GROUND})")
    if kind == ON_FLOOR:
        reached = "" if floors.exact else " It has reached a lower bound, so that is the floor."
        return Diagnosis(FLOOR, f"**{FLOOR}** {since}: the gap is {gap:.2e}. {floors.why}"
                         f"{reached} More epochs or another learning rate will not help; only "
                         "another architecture or other data moves the floor.")
    flat = kind == ABOVE_FLOOR
    if units is not None and units.width:
        dead, saturated = int(units.dead.sum()), int(units.saturated.sum())
        if dead > MOST * units.width and (flat or dead == units.width):
            constant = (" The network predicts a constant, the mean of y: the loss cannot go "
                        "below the variance of y." if dead == units.width else "")
            return Diagnosis(DEAD, f"**{DEAD}**: {dead} of {units.width} units output 0 on every "
                             f"point, so no gradient reaches them.{constant} The loss stands at "
                             f"{now:.3e}. Try another seed, leaky_relu, or a smaller learning "
                             "rate.")
        if saturated > MOST * units.width and flat:
            return Diagnosis(SATURATED, f"**{SATURATED}**: {saturated} of {units.width} units "
                             f"are saturated on at least {SATURATED_POINTS:.0%} of the points "
                             "(their slope is below 1% of its largest), so the gradient through "
                             f"them is a hundred times weaker; {stood}. Try smaller initial "
                             "weights (scale), x scaled to about "
                             "-1..1, or relu.")
    if flat and not floors.exact and floors.enough_width and width < floors.enough_width:
        return Diagnosis(TOO_FEW, f"**{TOO_FEW}**: {stood}. {floors.why} So the floor is "
                         "only a lower "
                         "bound: this may be the best this width can do. Try "
                         f"{floors.enough_width} units.{_search_text(search, now, floors, scale)}")
    if flat:
        if saddle_escape is not None and count < saddle_escape:
            return Diagnosis(SADDLE, f"**{SADDLE}**: the weights start near 0, where the ground "
                             "is flat; the loss stands at the value of a network that outputs "
                             f"0. The saddle theory (Saxe et al., 2014) predicts the escape at "
                             f"about epoch {saddle_escape:,.0f}.")
        return Diagnosis(SADDLE, f"**{SADDLE}**, or a local minimum: {stood}, "
                         f"{at_least}{gap:.2e} above "
                         "the floor. A saddle is left in time, a local minimum never; this "
                         "run's numbers cannot yet tell which. More epochs, another seed or a "
                         f"larger learning rate would.{_search_text(search, now, floors, scale)}")
    if kind == SLOPE:
        return Diagnosis(SLOW, _slow_text(loss, grad_norm, floors))
    shrinking = " and shrinking" if count > 1 and loss[-1] < loss[0] else ""
    return Diagnosis(DESCENT, f"**{DESCENT}**: the gap to the floor is {at_least}{gap:.2e}"
                     f"{shrinking}.")


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
                 search: Search | None = None) -> Diagnosis | None:
    """Returns `diagnose` of a run now: its history, the hidden units of the seed the charts
    show (the median run), and the saddle theory's escape where it applies."""
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
                    network.width, scale, units, escape, search)
