"""The Hessian by second-order jets against autograd's (`torch.autograd.functional.hessian`)
for every activation, with and without biases, at every depth the page offers; and what
`hessian` and `hessians` take by jets and what by autograd."""

import numpy as np
import pytest

from models.analysis import curvature, jets
from models.analysis.curvature import autograd_hessian, hessian, hessians, used_entries
from models.engine.activations import ACTIVATIONS
from models.engine.mlp import MLPBatch
from models.experiment import QUESTION, Network, Points

POINTS = Points(xs=(-2.0, -1.0, 0.0, 0.5, 1.0, 3.0), ys=(0.5, -0.4, 0.3, 0.8, -0.6, 0.1))


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_jets_are_autograds_hessian(activation, bias, depth):
    """Three networks at once, each the Hessian autograd takes of it alone (weights scaled up
    so every activation's curvature shows), and zero in the rows of unused bias entries."""
    network = Network(depth=depth, width=3, activation=activation, init="torch", bias=bias)
    thetas = np.stack([MLPBatch(network, [seed]).theta.numpy() * 1.7 for seed in range(3)])
    found = jets.hessians(network, POINTS, thetas)
    used = used_entries(network)
    unused = np.setdiff1d(np.arange(thetas.shape[1]), used)
    for theta, h in zip(thetas, found, strict=True):
        expected = autograd_hessian(network, POINTS, theta)
        np.testing.assert_allclose(h[np.ix_(used, used)], expected, rtol=1e-12,
                                   atol=1e-13 * np.abs(expected).max())
        assert not h[unused].any()


def test_softplus_past_torchs_threshold_is_linear_as_torchs():
    """Above 20 torch's softplus is z itself: first derivative 1, second 0, as autograd finds."""
    network = Network(depth=1, width=2, activation="softplus", init="torch")
    theta = MLPBatch(network, [0]).theta.numpy().copy()
    theta[2:4] = [25.0, -30.0]  # the hidden biases: one unit past the threshold at every point
    np.testing.assert_allclose(jets.hessians(network, POINTS, theta[None])[0],
                               autograd_hessian(network, POINTS, theta), rtol=1e-12, atol=1e-14)


def test_jets_go_in_chunks_within_their_bound(monkeypatch):
    """At most JET_ENTRIES numbers of jets at a time: the same Hessians in chunks of two."""
    thetas = np.stack([MLPBatch(QUESTION.network, [seed]).theta.numpy() for seed in range(5)])
    together = jets.hessians(QUESTION.network, QUESTION.points, thetas)
    monkeypatch.setattr(jets, "JET_ENTRIES", 2 * jets.jet_entries(QUESTION.network,
                                                                  QUESTION.points))
    np.testing.assert_array_equal(jets.hessians(QUESTION.network, QUESTION.points, thetas),
                                  together)


def test_hessian_takes_jets_where_they_fit_and_autograd_past_them(monkeypatch):
    """`hessian` and `hessians` take the question's network by jets (symmetric, over the used
    entries); a network past JET_WORK by autograd, alone or with torch.func."""
    weights = [MLPBatch(QUESTION.network, [seed]).theta.numpy().copy() for seed in range(3)]
    calls = []
    taken = jets.hessians
    monkeypatch.setattr(jets, "hessians", lambda *a: calls.append(len(a[2])) or taken(*a))
    alone = hessian(QUESTION.network, QUESTION.points, weights[0])
    together = hessians(QUESTION.network, QUESTION.points, weights)
    assert calls == [1, 3] and alone.shape == (31, 31)
    np.testing.assert_array_equal(alone, alone.T)
    np.testing.assert_allclose(together[0], alone, rtol=1e-13, atol=1e-15)
    assert curvature.taken_together(QUESTION.network, QUESTION.points)
    monkeypatch.setattr(jets, "JET_WORK", 0)
    by_autograd = hessian(QUESTION.network, QUESTION.points, weights[0])
    assert calls == [1, 3]
    np.testing.assert_array_equal(by_autograd,
                                  autograd_hessian(QUESTION.network, QUESTION.points, weights[0]))
    np.testing.assert_allclose(alone, by_autograd, rtol=1e-12, atol=1e-14)
