"""The trainer against independent answers: lstsq floors and lines, numpy gradient descent."""

import collections
import math

import numpy as np
import pytest
import torch

from models.engine.activations import ACTIVATIONS
from models.engine.optimizers import OPTIMIZERS
from models.engine.trainer import Trainer, shuffle_orders, trainer_for
from models.experiment import QUESTION_XS, QUESTION_YS, Experiment, Network, Points, Training

# Seven points of a curve: enough for mini-batches of 2 to leave a remainder batch of 1.
CURVE_XS = tuple(float(v) for v in np.linspace(-1.0, 1.0, 7))
CURVE = Points(CURVE_XS, tuple(float(np.sin(3.0 * v)) for v in CURVE_XS))


def lstsq_line(xs, ys) -> tuple[float, float, float]:
    """Returns (slope, intercept, MSE) of numpy's least-squares line."""
    design = np.column_stack([xs, np.ones(len(xs))])
    (slope, intercept), *_ = np.linalg.lstsq(design, np.asarray(ys), rcond=None)
    mse = float(np.mean((np.asarray(ys) - design @ (slope, intercept)) ** 2))
    return float(slope), float(intercept), mse


def linear_question(**changes) -> Experiment:
    """Returns the question's network (1 hidden layer of 10, linear, keras, Adam), fast lr."""
    return Experiment().with_(lr=3e-2, epochs=2_000, **changes)


@pytest.fixture(scope="module")
def converged_linear() -> tuple[Trainer, np.ndarray]:
    """Returns the question's linear network trained to convergence, and its losses."""
    experiment = linear_question()
    trainer = trainer_for(experiment)
    losses, _ = trainer.run(experiment.training.epochs)
    return trainer, losses


def test_linear_network_converges_to_the_least_squares_floor(converged_linear):
    """A linear 1x10 Keras/Adam network ends within 1e-6 relative of the lstsq line's MSE."""
    _, losses = converged_linear
    *_, floor = lstsq_line(QUESTION_XS, QUESTION_YS)
    assert losses[-1, 0] == pytest.approx(floor, rel=1e-6)
    assert losses.min() >= floor * (1 - 1e-12)  # a line can never beat the least-squares line


def test_effective_line_of_a_converged_linear_network_is_the_least_squares_line(converged_linear):
    """After convergence W2 W1 and W2 b1 + b2 are the lstsq slope 0.2080 and intercept 0.0167."""
    trainer, _ = converged_linear
    (slope,), (intercept,) = trainer.effective_line()
    expected_slope, expected_intercept, _ = lstsq_line(QUESTION_XS, QUESTION_YS)
    assert slope == pytest.approx(expected_slope, abs=1e-6)
    assert intercept == pytest.approx(expected_intercept, abs=1e-6)
    assert (round(float(slope), 4), round(float(intercept), 4)) == (0.2080, 0.0167)


def test_effective_line_predicts_what_the_network_predicts():
    """The folded line of a deep linear network gives the same outputs as its forward pass."""
    trainer = trainer_for(Experiment(network=Network(depth=3, width=5), seeds=3))
    trainer.run(20)
    grid = np.linspace(-2.0, 2.0, 9)
    slope, intercept = trainer.effective_line()
    expected = slope[:, None] * grid[None, :] + intercept[:, None]
    np.testing.assert_allclose(trainer.predict(grid), expected, rtol=1e-12, atol=1e-14)


def test_linear_network_without_biases_converges_to_the_origin_line():
    """Without biases a linear network ends on lstsq's line through the origin, not the line."""
    experiment = linear_question(bias=False)
    trainer = trainer_for(experiment)
    losses, _ = trainer.run(experiment.training.epochs)
    x, y = np.array(QUESTION_XS), np.array(QUESTION_YS)
    (slope,), *_ = np.linalg.lstsq(x[:, None], y, rcond=None)
    floor = float(np.mean((y - slope * x) ** 2))
    assert losses[-1, 0] == pytest.approx(floor, rel=1e-6)
    assert trainer.effective_line()[1][0] == 0.0


def test_relu_network_fits_the_three_points():
    """One ReLU hidden layer drives the question's loss below 1e-8."""
    experiment = Experiment().with_(activation="relu", lr=1e-2, epochs=1_000)
    losses, _ = trainer_for(experiment).run(experiment.training.epochs)
    assert losses[-1, 0] < 1e-8


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_and_optimizer_trains(activation, optimizer):
    """Every activation with every optimizer trains 200 epochs with finite, falling losses."""
    experiment = Experiment(points=CURVE, network=Network(depth=2, width=6, activation=activation),
                            training=Training(optimizer=optimizer, lr=1e-3, epochs=200))
    trainer = trainer_for(experiment)
    losses, grad_norms = trainer.run(200)
    assert losses.shape == grad_norms.shape == (200, 1)
    assert np.isfinite(losses).all() and np.isfinite(grad_norms).all()
    assert not trainer.diverged and trainer.epoch == 200
    assert losses[-1, 0] < losses[0, 0]


def test_minibatch_training_is_deterministic_and_learns():
    """Mini-batches (batch < N) train, and the same experiment twice gives identical losses."""
    experiment = Experiment(points=CURVE, network=Network(activation="tanh"),
                            training=Training(lr=1e-2, epochs=200, batch=2), seeds=2)
    first, first_norms = trainer_for(experiment).run(200)
    second, second_norms = trainer_for(experiment).run(200)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first_norms, second_norms)
    assert (first[-1] < 0.5 * first[0]).all()


def test_minibatch_differs_from_full_batch():
    """A batch smaller than the data takes several steps an epoch, so the run differs."""
    full = Experiment(points=CURVE, training=Training(lr=1e-2, epochs=20, batch=32))
    mini = full.with_(batch=2)
    full_losses, _ = trainer_for(full).run(20)
    mini_losses, _ = trainer_for(mini).run(20)
    assert full_losses[0, 0] != mini_losses[0, 0] or full_losses[1, 0] != mini_losses[1, 0]
    assert mini_losses[-1, 0] < full_losses[-1, 0]  # four steps an epoch go further than one


def test_minibatch_epoch_loss_of_a_fixed_network_is_the_full_loss():
    """With lr tiny, an epoch's size-weighted mean batch loss equals the full-batch MSE."""
    experiment = Experiment(points=CURVE, network=Network(activation="tanh"),
                            training=Training(optimizer="sgd", lr=1e-6, epochs=1, batch=3))
    trainer = trainer_for(experiment)
    prediction = trainer.predict(np.array(CURVE.xs))[0]
    expected = float(np.mean((prediction - np.array(CURVE.ys)) ** 2))
    losses, _ = trainer.run(1)
    assert losses[0, 0] == pytest.approx(expected, rel=1e-4)


def test_seeds_are_independent_networks_equal_to_single_seed_runs():
    """seeds=K trains K different networks; network k equals a single run from seed + k."""
    experiment = Experiment(points=CURVE, network=Network(activation="tanh"),
                            training=Training(lr=1e-2, epochs=100), seed=7, seeds=3)
    together, together_norms = trainer_for(experiment).run(100)
    assert together.shape == (100, 3)
    assert len(set(together[0].tolist())) == 3  # different initial networks, different losses
    for k in range(3):
        alone, alone_norms = trainer_for(experiment.with_(seed=7 + k, seeds=1)).run(100)
        np.testing.assert_allclose(together[:, k], alone[:, 0], rtol=1e-12, atol=0)
        np.testing.assert_allclose(together_norms[:, k], alone_norms[:, 0], rtol=1e-12, atol=0)


def test_minibatch_seeds_equal_single_seed_runs():
    """With mini-batches too, network k of seeds=K equals a single run from seed + k: each
    network shuffles with its own seed's generator."""
    experiment = Experiment(points=CURVE, network=Network(activation="tanh"),
                            training=Training(lr=1e-2, epochs=30, batch=2), seed=5, seeds=3)
    together, together_norms = trainer_for(experiment).run(30)
    for k in range(3):
        alone, alone_norms = trainer_for(experiment.with_(seed=5 + k, seeds=1)).run(30)
        np.testing.assert_allclose(together[:, k], alone[:, 0], rtol=1e-12, atol=0)
        np.testing.assert_allclose(together_norms[:, k], alone_norms[:, 0], rtol=1e-12, atol=0)


def test_minibatch_orders_do_not_depend_on_how_a_run_is_cut_into_chunks():
    """200 epochs of batch 3 in one call equal the same run in chunks that cut the blocks of
    drawn orders anywhere (1, 63, 64, 72): the losses are identical to the bit."""
    experiment = Experiment(points=CURVE, network=Network(activation="tanh"),
                            training=Training(lr=1e-2, epochs=200, batch=3), seed=2, seeds=2)
    whole, _ = trainer_for(experiment).run(200)
    trainer = trainer_for(experiment)
    pieces = np.concatenate([trainer.run(e)[0] for e in (1, 63, 64, 72)])
    np.testing.assert_array_equal(pieces, whole)


def test_each_epochs_order_is_a_uniformly_random_permutation():
    """Over 6,000 epochs of 3 points, each of the 3! orders comes up about 1,000 times (within
    5 standard deviations of a binomial), and every order is a permutation."""
    orders = shuffle_orders([torch.Generator().manual_seed(0)], 6000, 3)[:, 0]
    assert (orders.sort(dim=1).values == torch.arange(3)).all()
    counts = collections.Counter(tuple(o) for o in orders.tolist())
    assert len(counts) == 6
    sd = math.sqrt(6000 * (1 / 6) * (5 / 6))
    assert all(abs(c - 1000) < 5 * sd for c in counts.values()), counts


def test_same_seed_gives_same_run_and_other_seed_another():
    """The seed fixes the initial network: same seed, same losses; another seed, others."""
    experiment = Experiment(training=Training(lr=1e-2, epochs=10), seed=3)
    a, _ = trainer_for(experiment).run(10)
    b, _ = trainer_for(experiment).run(10)
    c, _ = trainer_for(experiment.with_(seed=4)).run(10)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def numpy_gradient_descent(w: float, b: float, xs, ys, lr: float, epochs: int) -> list[float]:
    """Returns the losses of plain gradient descent on y = w x + b, computed in numpy."""
    x, y = np.asarray(xs), np.asarray(ys)
    losses = []
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            error = w * x + b - y
            losses.append(float(np.mean(error**2)))
            w, b = w - lr * 2.0 * np.mean(error * x), b - lr * 2.0 * np.mean(error)
    return losses


def test_huge_learning_rate_diverges_and_returns_only_finite_epochs():
    """SGD with lr 10 on badly scaled points stops at the first non-finite loss."""
    points = Points((1000.0, 2000.0, 3000.0), (1.0, 2.0, 3.0))
    experiment = Experiment(points=points, network=Network(depth=0),
                            training=Training(optimizer="sgd", lr=10.0, epochs=100))
    trainer = trainer_for(experiment)
    (w,), (b,) = trainer.effective_line()
    expected = numpy_gradient_descent(w, b, points.xs, points.ys, 10.0, 100)
    finite = next(i for i, loss in enumerate(expected) if not np.isfinite(loss))
    losses, grad_norms = trainer.run(100)
    assert trainer.diverged
    assert len(losses) == len(grad_norms) == trainer.epoch == finite
    assert np.isfinite(losses).all()
    np.testing.assert_allclose(losses[:, 0], expected[:finite], rtol=1e-9)


def test_a_diverged_trainer_adds_no_more_epochs():
    """After divergence (x near 1e6, sgd lr 10), a further run returns nothing and stays put."""
    points = Points((1e6, -1e6, 5e5), (1.0, 2.0, 3.0))
    trainer = trainer_for(Experiment(points=points, training=Training(optimizer="sgd", lr=10.0)))
    first, _ = trainer.run(50)
    assert trainer.diverged and len(first) < 50 and trainer.epoch == len(first)
    again, again_norms = trainer.run(10)
    assert len(again) == len(again_norms) == 0
    assert trainer.diverged and trainer.epoch == len(first)


def test_snapshot_and_restore_continue_a_run_exactly():
    """50 epochs, snapshot, restore into a fresh trainer, 50 more equals 100 straight."""
    experiment = Experiment(points=CURVE, network=Network(activation="tanh"),
                            training=Training(lr=1e-2, epochs=100, batch=3), seeds=2)
    straight, straight_norms = trainer_for(experiment).run(100)
    first = trainer_for(experiment)
    head, head_norms = first.run(50)
    snapshot = first.snapshot()
    first.run(7)  # the snapshot is a copy: later training must not leak into it
    second = trainer_for(experiment)
    second.restore(snapshot)
    tail, tail_norms = second.run(50)
    np.testing.assert_array_equal(np.vstack([head, tail]), straight)
    np.testing.assert_array_equal(np.vstack([head_norms, tail_norms]), straight_norms)
    assert second.epoch == 100


def test_restore_keeps_a_changed_optimizer_and_learning_rate():
    """A snapshot taken after switching to momentum restores that optimizer, its state and lr."""
    experiment = Experiment(points=CURVE, training=Training(lr=1e-2, epochs=60))
    straight = trainer_for(experiment)
    straight.run(20)
    straight.set_training("momentum", 1e-3)
    straight.run(20)
    snapshot = straight.snapshot()
    expected, _ = straight.run(20)
    other = trainer_for(experiment)
    other.restore(snapshot)
    continued, _ = other.run(20)
    np.testing.assert_array_equal(continued, expected)


def test_set_training_keeps_state_for_the_same_optimizer_and_resets_it_for_another():
    """Changing only lr keeps Adam's moments; switching optimizer starts fresh state."""
    trainer = trainer_for(Experiment(training=Training(lr=1e-2)))
    trainer.run(10)
    moments = trainer.optimizer.m.clone()
    trainer.set_training("adam", 1e-3)
    assert trainer.lr == 1e-3 and trainer.optimizer.t == 10
    assert bool((trainer.optimizer.m == moments).all())
    trainer.set_training("rmsprop", 1e-3)
    assert trainer.optimizer.name == "rmsprop" and trainer.optimizer.t == 0
