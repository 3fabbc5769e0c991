"""The curvature of a run at an epoch: one reading of seed 0's weights, cached in the run.

A reading is the spectrum of the Hessian (models/analysis/curvature.py) at the snapshot shown
for an epoch (models/run/snapshots.py), and the sharpness its optimizer must respect against
that optimizer's threshold (models/analysis/stability.py): lambda_max(H) for sgd and momentum,
lambda_max(D^-1 H) with the snapshot's preconditioner D for Adam and RMSprop.
Cost: read through `Run.memo`, so each (run, snapshot epoch) is computed once and shared; the
page asks only at snapshot epochs and at the epoch shown when paused or replayed (`reading_epoch`),
never per frame, and the chart reads at most CHART_READINGS snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.analysis.curvature import (
    EXACT_LIMIT,
    Spectrum,
    hessians,
    spectra,
    taken_together,
    used_entries,
)
from models.analysis.stability import THRESHOLDS
from models.run.run import Run
from models.run.snapshots import Snapshot

MEMO_NAME = "curvature"
# Past this many parameters even a Lanczos estimate (60 Hessian-vector products over all the
# points) costs more than a redraw may: the page says the network is too large instead.
CURVATURE_LIMIT = 20_000
# Snapshots read for the curvature chart: at 50 ms a reading (500 parameters), 40 readings
# are 2 s once per run, shared by every session; the question's network takes 1 ms each.
CHART_READINGS = 40


@dataclass(frozen=True)
class Reading:
    """The curvature at `epoch` (seed 0): the Hessian's spectrum, the optimizer and lr of that
    epoch, the sharpness compared with its threshold (None for Adam or RMSprop before a step)."""

    epoch: int
    hessian: Spectrum
    optimizer: str
    lr: float
    sharpness: float | None
    threshold: float

    @property
    def preconditioned(self) -> bool:
        """Returns True when the sharpness is lambda_max(D^-1 H) rather than lambda_max(H)."""
        return THRESHOLDS[self.optimizer].preconditioned

    @property
    def ratio(self) -> float | None:
        """Returns sharpness / threshold: at or above 1 the step is too large for the ground."""
        return None if self.sharpness is None else self.sharpness / self.threshold

    @property
    def formula(self) -> str:
        """Returns the threshold's formula, such as 2/lr."""
        return THRESHOLDS[self.optimizer].formula

    @property
    def measure(self) -> str:
        """Returns what the sharpness is, in symbols: λ_max(H) or λ_max(D⁻¹H)."""
        return "λ_max(D⁻¹H)" if self.preconditioned else "λ_max(H)"


def read(run: Run, snapshot: Snapshot, h: np.ndarray | None = None) -> Reading | None:
    """Returns the curvature at a snapshot of the run (None when its weights or their Hessian
    are not finite, or the network is past CURVATURE_LIMIT); computes it, without the cache,
    from its Hessian `h` when that was taken already (`read_many`)."""
    network, points = run.experiment.network, run.experiment.points
    weights = snapshot.weights[0]
    if len(used_entries(network)) > CURVATURE_LIMIT or not np.isfinite(weights).all():
        return None
    threshold = THRESHOLDS[snapshot.optimizer]
    try:
        d = snapshot.preconditioner if threshold.preconditioned else None
        found, preconditioned = spectra(network, points, weights, d, h)
        sharpness: float | None = found.largest
        if threshold.preconditioned:
            sharpness = None if preconditioned is None else preconditioned.largest
    except (ValueError, RuntimeError):  # finite weights whose curvature overflows: unread
        return None
    return Reading(snapshot.epoch, found, snapshot.optimizer, snapshot.lr, sharpness,
                   threshold.at(snapshot.lr))


def read_many(run: Run, snapshots: list[Snapshot]) -> list[Reading | None]:
    """Returns `read` of each snapshot, their exact Hessians taken together (`hessians`)."""
    network, points = run.experiment.network, run.experiment.points
    if len(used_entries(network)) > EXACT_LIMIT:  # Lanczos estimates: no Hessian to share
        return [read(run, s) for s in snapshots]
    finite = [s for s in snapshots if np.isfinite(s.weights[0]).all()]
    taken = dict(zip((id(s) for s in finite),
                     hessians(network, points, [s.weights[0] for s in finite]), strict=True))
    return [read(run, s, taken.get(id(s))) for s in snapshots]


def reading(run: Run, epoch: int) -> Reading | None:
    """Returns the curvature of what a replay of `epoch` shows (run.shown_at), computed once per
    run and snapshot epoch through run.memo. Where Hessians go together (`taken_together`), one
    not read yet is read with the chart's unread snapshots up to it (`chart_epochs`), which the
    curvature chart reads anyway, in one call."""
    return _reading(run, run.shown_at(epoch))


def _reading(run: Run, snapshot: Snapshot) -> Reading | None:
    """Returns `reading` of the snapshot a replay shows (`run.shown_at`)."""
    if not run.memoized(MEMO_NAME, snapshot.epoch) and taken_together(run.experiment.network,
                                                                 run.experiment.points):
        chosen = chart_epochs(run)
        _read_together(run, [s for s in run.snapshots.kept
                             if s.epoch < snapshot.epoch and s.epoch in chosen] + [snapshot])
    return run.memo(MEMO_NAME, snapshot.epoch, lambda: read(run, snapshot))


def _shown(run: Run, snapshot: Snapshot) -> Snapshot:
    """Returns run.shown_at(snapshot.epoch) of a kept snapshot, without searching the kept
    ones for it (the chart asks for ~40 of them at every draw): itself, or from the run's epoch
    on the networks at that epoch."""
    return snapshot if snapshot.epoch < run.epoch else run.frame


def _read_together(run: Run, snapshots: list[Snapshot]) -> None:
    """Reads the snapshots not read yet, two or more of them in one call (`read_many`), and
    keeps each reading in run.memo."""
    unread = {s.epoch: s for s in snapshots if not run.memoized(MEMO_NAME, s.epoch)}
    if len(unread) < 2:
        return
    # once for every session: a class finishing one run together asks for the same ones at once
    run.memo_many(MEMO_NAME, list(unread), lambda epochs: read_many(run, [unread[e] for e in epochs]))


def reading_epoch(run: Run, settled: bool) -> int:
    """Returns the epoch whose curvature the page shows for the run now: the latest epoch when
    the run is settled (paused or finished), else the newest of the chart's snapshots
    (`chart_epochs`) at or before the run's epoch. A playing run is so read at most
    CHART_READINGS + 1 times, and a class playing one run at their own paces reads the same
    few epochs: the newest snapshot of the shared run is often past a session's epoch (another
    session trained it), and reading at each session's own epoch instead read the curvature
    and built its chart about once a second for every session."""
    if settled or run.finished:
        return run.epoch
    chosen = chart_epochs(run)
    return max((s.epoch for s in run.snapshots.kept if s.epoch <= run.epoch and s.epoch in chosen),
               default=0)


def last_finite(run: Run) -> Reading | None:
    """Returns the newest reading of a kept snapshot with finite weights: what a diverged run's
    sentence can quote (read from the snapshot itself: a diverged trainer's weights have moved
    on past its last recorded epoch)."""
    for snapshot in reversed(run.snapshots.kept):
        if np.isfinite(snapshot.weights[0]).all():
            found = run.memo(MEMO_NAME, snapshot.epoch, lambda s=snapshot: read(run, s))
            if found is not None:
                return found
    return None


def chart_epochs(run: Run) -> frozenset[int]:
    """Returns the snapshot epochs the curvature chart reads over the whole run: epoch 0 and at
    most CHART_READINGS of the planned ones, evenly thinned. The set is fixed for the run, so a
    run is read at most CHART_READINGS + 1 times for its chart however often it is redrawn (a
    set thinned from the snapshots kept so far moved as the run went on, and read nearly every
    snapshot: a quarter of a class's server time on its own seeds)."""
    total = run.experiment.training.epochs
    return run.memo(f"chart_epochs/{total}", 0, lambda: _thinned(run.snapshots.planned(total)))


def _thinned(planned: np.ndarray) -> frozenset[int]:
    if len(planned) > CHART_READINGS:
        planned = planned[np.unique(np.round(np.linspace(0, len(planned) - 1, CHART_READINGS))
                                    .astype(int))]
    return frozenset({0, *(int(e) for e in planned)})


def chart_readings(run: Run, until: int) -> list[Reading]:
    """Returns the readings of the chart's snapshots (`chart_epochs`) up to epoch `until`, and
    of the newest snapshot at or before `until`, oldest first."""
    chosen = chart_epochs(run)
    kept = [s for s in run.snapshots.kept if s.epoch <= until]
    kept = [s for i, s in enumerate(kept) if s.epoch in chosen or i == len(kept) - 1]
    # what `reading` reads for each, those not read yet all at once (read_many)
    shown = [_shown(run, s) for s in kept]
    _read_together(run, shown)
    found = [_reading(run, s) for s in shown]
    return [r for r in found if r is not None]
