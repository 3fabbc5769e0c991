"""A run's curvature readings: at the snapshot shown, computed once per run and epoch, with the
sharpness the optimizer of that epoch must respect."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from models.analysis import sharpness
from models.analysis.curvature import spectrum, warm_batched
from models.analysis.sharpness import (
    CHART_READINGS,
    chart_epochs,
    chart_readings,
    reading,
    reading_epoch,
)
from models.experiment import QUESTION
from models.run.run import Run, RunStore


def test_a_reading_is_computed_once_per_run_and_snapshot_epoch(monkeypatch):
    """Asking twice for an epoch, or for two epochs the same snapshot shows, reads once."""
    run = Run(QUESTION.with_(epochs=200))
    run.advance(200)
    calls = []
    original = sharpness.read
    monkeypatch.setattr(sharpness, "read", lambda r, s, *h: calls.append(s.epoch) or
                        original(r, s, *h))
    between = run.snapshots.kept[-2].epoch + 1  # shown as the snapshot before it
    first = reading(run, between)
    assert calls.count(between - 1) == 1
    read = len(calls)
    assert reading(run, between - 1) is first and len(calls) == read


def test_a_reading_reads_the_charts_unread_snapshots_before_it_together(monkeypatch):
    """Where Hessians go together, a reading not kept yet is read in one call of `hessians`
    with the chart's snapshots before it that are not read yet (the curvature chart reads them
    anyway); each is the reading taken alone. Before `warm_batched`, it is read alone."""
    experiment = QUESTION.with_(epochs=2000)
    run = Run(experiment, RunStore())
    run.advance(2000)
    calls: list[list[int]] = []
    taken = sharpness.hessians
    monkeypatch.setattr(sharpness, "hessians", lambda n, p, w: calls.append(len(w)) or
                        taken(n, p, w))
    monkeypatch.setattr(sharpness, "taken_together", lambda network, points: False)
    alone = reading(run, 1000)
    assert calls == [] and len([k for k in run.track.memos if k[0] == "curvature"]) == 1
    monkeypatch.undo()
    warm_batched()
    run = Run(experiment, RunStore())
    run.advance(2000)
    monkeypatch.setattr(sharpness, "hessians", lambda n, p, w: calls.append(len(w)) or
                        taken(n, p, w))
    found = reading(run, 1000)
    before = [e for e in chart_epochs(run) if e < found.epoch]
    assert calls == [len(before) + 1] and len(before) > 5
    assert {k[1] for k in run.track.memos if k[0] == "curvature"} == {*before, found.epoch}
    assert found.epoch == alone.epoch and found.sharpness == pytest.approx(alone.sharpness,
                                                                         rel=1e-10)
    assert (found.hessian.flat, found.hessian.downhill) == \
        (alone.hessian.flat, alone.hessian.downhill)
    chart_readings(run, 1000)
    assert len(calls) == 1  # the chart found them read


def test_a_class_finishing_one_run_together_reads_each_snapshot_once(monkeypatch):
    """Sessions on one run (one track) that ask for the finished run's curvature at the same
    moment read each snapshot once between them, and each gets the same readings."""
    warm_batched()
    experiment, store = QUESTION.with_(epochs=2000), RunStore()
    runs = [Run(experiment, store) for _ in range(12)]
    for run in runs:
        run.advance(2000)
    assert len({id(run.track) for run in runs}) == 1
    read_epochs: list[int] = []
    taken, gate = sharpness.read_many, threading.Barrier(len(runs))

    def counted(run, snapshots):
        read_epochs.extend(s.epoch for s in snapshots)
        return taken(run, snapshots)

    monkeypatch.setattr(sharpness, "read_many", counted)

    def session(run):
        gate.wait()
        return reading(run, 2000), chart_readings(run, 2000)

    with ThreadPoolExecutor(len(runs)) as pool:
        results = list(pool.map(session, runs))
    assert len(read_epochs) == len(set(read_epochs)) > 5
    first, chart = results[0]
    assert all(found is first and [r.epoch for r in readings] == [r.epoch for r in chart]
               for found, readings in results)


def test_adam_sharpness_is_the_preconditioned_one_against_38_over_lr():
    """For Adam the sharpness is lambda_max(D^-1 H) with the snapshot's D, and the threshold
    38 / lr; the Hessian's own spectrum is kept beside it."""
    run = Run(QUESTION.with_(epochs=50, lr=1e-3))
    run.advance(50)
    found, shown = reading(run, 50), run.shown_at(50)
    expected = spectrum(QUESTION.network, QUESTION.points, shown.weights[0], shown.preconditioner)
    assert found.sharpness == pytest.approx(expected.largest, rel=1e-12)
    assert found.threshold == pytest.approx(38 / 1e-3) and found.hessian.parameters == 31
    assert found.measure == "λ_max(D⁻¹H)"


def test_a_playing_run_is_read_at_its_newest_chart_snapshot_a_settled_one_now():
    """While playing, the epoch read is the newest of the chart's snapshots; paused, the
    latest epoch."""
    run = Run(QUESTION.with_(epochs=1000))
    run.advance(333)
    chosen = chart_epochs(run)
    newest = max(s.epoch for s in run.snapshots.kept if s.epoch in chosen)
    assert 0 < newest < 333 and reading_epoch(run, settled=False) == newest
    assert reading_epoch(run, settled=True) == 333


def test_sessions_playing_one_run_read_the_same_few_epochs_never_past_their_own():
    """Two sessions on one track, one far behind the other: each reads a chart snapshot at or
    before its own epoch, so a class at different epochs shares at most CHART_READINGS + 1
    readings of the run."""
    store = RunStore()
    ahead, behind = Run(QUESTION.with_(epochs=2000), store), Run(QUESTION.with_(epochs=2000), store)
    ahead.advance(1500)
    chosen, read = chart_epochs(ahead), set()
    for epoch in range(1, 1400, 7):
        behind.advance(epoch - behind.epoch)
        found = reading_epoch(behind, settled=False)
        assert found in chosen and found <= behind.epoch
        read.add(found)
    assert len(read) <= CHART_READINGS + 1


def test_the_chart_reads_a_bounded_number_of_snapshots_ending_with_the_newest():
    """A 10,000-epoch run keeps ~180 snapshots; the chart reads epoch 0, at most CHART_READINGS
    of them and the newest."""
    run = Run(QUESTION.with_(depth=0, optimizer="sgd", lr=0.5, epochs=10_000))
    run.advance(10_000)
    found = chart_readings(run, 10_000)
    assert len(found) <= CHART_READINGS + 2 and found[-1].epoch == 10_000
    assert np.allclose([r.sharpness for r in found], 2.0)  # linear regression: H is constant


def test_a_chart_redrawn_as_the_run_goes_reads_a_fixed_set_and_the_newest():
    """Redrawn after every 100 of 10,000 epochs, the chart reads no more snapshots than its fixed
    set and the newest snapshot of each redraw (a set thinned anew each time read nearly all)."""
    run = Run(QUESTION.with_(depth=0, optimizer="sgd", lr=0.5, epochs=10_000))
    for _ in range(100):
        run.advance(100)
        chart_readings(run, run.epoch)
    read = [key for key in run.track.memos if key[0] == "curvature"]
    assert len(read) <= CHART_READINGS + 1 + 100
    assert len(read) < len(run.snapshots.kept)


def test_a_charts_unread_snapshots_are_read_together_as_each_is_read_alone(monkeypatch):
    """The chart's snapshots not read yet are read in one call of `hessians` (Adam's readings
    too, with their preconditioner), and each reading is the one `reading` computes alone:
    the same epochs, spectra, sharpness and counts of flat and downhill directions."""
    warm_batched()
    experiment = QUESTION.with_(epochs=2000, lr=1e-3)
    run, alone = Run(experiment, RunStore()), Run(experiment, RunStore())
    run.advance(2000)
    alone.advance(2000)
    calls: list[int] = []
    taken = sharpness.hessians
    monkeypatch.setattr(sharpness, "hessians",
                        lambda n, p, w: calls.append(len(w)) or taken(n, p, w))
    together = chart_readings(run, 2000)
    assert len(calls) == 1 and calls[0] == len(together) > 10
    assert chart_readings(run, 2000) == together and len(calls) == 1  # read once, kept
    for found in together:
        expected = sharpness.read(alone, alone.shown_at(found.epoch))  # alone: its own Hessian
        assert found.epoch == expected.epoch
        assert (found.sharpness is None) == (expected.sharpness is None)  # (Adam's epoch 0)
        if expected.sharpness is not None:
            assert found.sharpness == pytest.approx(expected.sharpness, rel=1e-10)
        np.testing.assert_allclose(found.hessian.eigenvalues, expected.hessian.eigenvalues,
                                   rtol=1e-9, atol=1e-12 * abs(expected.hessian.largest))
        assert (found.hessian.flat, found.hessian.downhill) == \
            (expected.hessian.flat, expected.hessian.downhill)
