"""Cohorts against the lone trainer: every number of a member trained with others is bitwise
what it is when its trainer runs alone."""

import threading

import numpy as np
import pytest
import torch

from models.engine.activations import ACTIVATIONS
from models.engine.cohort import EXACT_ACTIVATIONS, Cohorts, kind, train_together
from models.engine.optimizers import OPTIMIZERS
from models.engine.trainer import Trainer, trainer_for
from models.experiment import QUESTION, Experiment, Points

FIVE = Points((-1.0, -0.5, 0.0, 0.5, 1.0), (0.3, -0.2, 0.1, 0.4, -0.1))
OTHER_FIVE = Points((-2.0, -1.0, 0.0, 1.0, 3.0), (1.0, 0.5, -0.5, 0.0, 2.0))
LRS = {"adam": 1e-2, "sgd": 1e-2, "momentum": 1e-2, "rmsprop": 1e-3}


def members(optimizer: str, batch: int, **changes) -> list[Experiment]:
    """Returns runs of one kind that differ in everything a member may: seed, seeds, points,
    learning rate."""
    base = QUESTION.with_(optimizer=optimizer, lr=LRS[optimizer], batch=batch, points=FIVE,
                          **changes)
    return [base.with_(seed=3), base.with_(seed=4, lr=2 * LRS[optimizer]),
            base.with_(seed=5, points=OTHER_FIVE), base.with_(seed=9, seeds=3)]


def bits(tensor: torch.Tensor) -> torch.Tensor:
    """Returns a float64 tensor's bit patterns: equal bits, NaNs included, compare equal."""
    return tensor.view(torch.int64)


def assert_same(together: Trainer, alone: Trainer, got, expected) -> None:
    """Asserts that two trainers and what their blocks returned are bit for bit the same."""
    for mine, theirs in zip(got, expected, strict=True):
        assert mine.shape == theirs.shape
        assert bits(torch.from_numpy(np.ascontiguousarray(mine))).equal(
            bits(torch.from_numpy(theirs)))
    assert (together.epoch, together.diverged) == (alone.epoch, alone.diverged)
    assert bits(together.net.theta).equal(bits(alone.net.theta))
    assert together.optimizer.t == alone.optimizer.t
    for name in ("m", "v"):
        mine, theirs = getattr(together.optimizer, name), getattr(alone.optimizer, name)
        assert (mine is None and theirs is None) or bits(mine).equal(bits(theirs))
    for a, b in zip(together.shufflers, alone.shufflers, strict=True):
        assert a.get_state().equal(b.get_state())


def check_blocks(experiments: list[Experiment], blocks: list[int], head_start: int = 0) -> None:
    """Trains the runs block by block together and each alone; the first run starts
    `head_start` epochs ahead (it joins at another epoch)."""
    together = [trainer_for(e) for e in experiments]
    alone = [trainer_for(e) for e in experiments]
    if head_start:
        together[0].run(head_start)
        alone[0].run(head_start)
    for block in blocks:
        for t, a, got in zip(together, alone, train_together(together, block), strict=True):
            assert_same(t, a, got, a.run(block))


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("batch", [32, 2], ids=["full-batch", "mini-batch"])
def test_members_train_exactly_as_alone(optimizer, batch):
    check_blocks(members(optimizer, batch), [40, 40, 17])


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_a_member_joining_at_another_epoch_trains_exactly_as_alone(optimizer):
    check_blocks(members(optimizer, 2), [30, 30], head_start=11)


@pytest.mark.parametrize("activation", sorted(EXACT_ACTIVATIONS))
def test_every_activation_allowed_in_cohorts_is_exact(activation):
    check_blocks(members("adam", 32, activation=activation, depth=2, width=6), [25, 25])


def test_torch_conventions_are_exact_too():
    check_blocks(members("adam", 32, init="torch") + [], [30])
    check_blocks(members("rmsprop", 32, init="torch"), [30])


def test_a_diverging_member_stops_alone_and_the_others_go_on():
    runs = members("sgd", 32)
    runs[1] = runs[1].with_(lr=1e3)
    together = [trainer_for(e) for e in runs]
    alone = [trainer_for(e) for e in runs]
    for _ in range(3):
        for t, a, got in zip(together, alone, train_together(together, 30), strict=True):
            assert_same(t, a, got, a.run(30))
    assert together[1].diverged and not any(t.diverged for t in together[:1] + together[2:])


def test_only_trainers_of_one_kind_train_together():
    base = QUESTION.with_(points=FIVE)
    first = kind(trainer_for(base))
    assert kind(trainer_for(base.with_(seed=8, lr=0.5, points=OTHER_FIVE, seeds=2))) == first
    for other in [base.with_(width=9), base.with_(optimizer="sgd"), base.with_(batch=2),
                  base.with_(init="torch"), base.with_(bias=False), QUESTION]:
        assert kind(trainer_for(other)) != first
    inexact = set(ACTIVATIONS) - EXACT_ACTIVATIONS
    for activation in inexact:
        assert kind(trainer_for(base.with_(activation=activation))) is None


def test_cohorts_train_whoever_queued_during_a_pass_in_one_pass():
    """A pass in progress (held until three more trainers queue) is followed by one pass of
    the three, each trained exactly as alone."""
    cohorts = Cohorts()
    runs = members("adam", 32)
    trainers = [trainer_for(e) for e in runs]
    release, results = threading.Event(), {}
    first_run = trainers[0].run

    def held(epochs):
        release.wait(timeout=60)
        return first_run(epochs)

    trainers[0].run = held

    def ask(i):
        results[i] = cohorts.train(trainers[i], 20)

    threads = [threading.Thread(target=ask, args=(0,))]
    threads[0].start()
    while not cohorts._training:  # the first leads
        threading.Event().wait(0.001)
    threads += [threading.Thread(target=ask, args=(i,)) for i in (1, 2, 3)]
    for t in threads[1:]:
        t.start()
    while sum(len(q) for q in cohorts._queues.values()) < 3:
        threading.Event().wait(0.001)
    release.set()
    for t in threads:
        t.join(timeout=60)
    assert (cohorts.passes, cohorts.members) == (2, 4)
    for i, e in enumerate(runs):
        alone = trainer_for(e)
        assert_same(trainers[i], alone, results[i], alone.run(20))
    assert not cohorts._training and not cohorts._queues


def test_an_error_in_a_pass_reaches_its_members_and_the_next_pass_runs():
    cohorts = Cohorts()
    trainer = trainer_for(QUESTION)

    def broken(epochs):
        raise RuntimeError("broken")

    trainer.run = broken
    with pytest.raises(RuntimeError):
        cohorts.train(trainer, 5)
    healthy, alone = trainer_for(QUESTION), trainer_for(QUESTION)
    assert_same(healthy, alone, cohorts.train(healthy, 5), alone.run(5))


def test_a_trainer_of_no_kind_trains_alone():
    cohorts = Cohorts()
    experiment = QUESTION.with_(activation="sigmoid")
    trainer, alone = trainer_for(experiment), trainer_for(experiment)
    assert_same(trainer, alone, cohorts.train(trainer, 10), alone.run(10))
    assert cohorts.passes == 0


def test_a_mate_that_never_asks_again_holds_a_pass_up_for_the_window_only():
    cohorts = Cohorts(window=0.01)
    trainer, alone = trainer_for(QUESTION), trainer_for(QUESTION)
    cohorts._mates[trainer] = frozenset({id(trainer), id(alone)})  # alone never asks
    assert_same(trainer, alone, cohorts.train(trainer, 5), alone.run(5))


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("batch", [32, 2], ids=["full-batch", "mini-batch"])
def test_members_keep_their_networks_at_their_own_epochs_as_alone(optimizer, batch):
    """Each member asks for its networks at epochs of its own on the way (`Trainer.keep`, a
    track's snapshot epochs); one starts 5 epochs ahead. What each keeps (weights, second
    moments, step count) is what it keeps trained alone, to the bit."""
    experiments = members(optimizer, batch)
    together = [trainer_for(e) for e in experiments]
    alone = [trainer_for(e) for e in experiments]
    for t in (together[1], alone[1]):
        t.run(5)
    keeps = [(3, 7, 40), (), (1, 2, 30), (44,)]
    for t, a, keep in zip(together, alone, keeps, strict=True):
        t.keep = a.keep = keep
    train_together(together, 40)
    for t, a, keep in zip(together, alone, keeps, strict=True):
        a.run(40)
        assert [k.epoch for k in t.kept] == [k.epoch for k in a.kept] == \
            [e for e in keep if e <= a.epoch]
        for mine, theirs in zip(t.kept, a.kept, strict=True):
            assert bits(mine.theta).equal(bits(theirs.theta)) and mine.steps == theirs.steps
            assert (mine.v is None and theirs.v is None) or bits(mine.v).equal(bits(theirs.v))
        assert t.keep == a.keep == ()
