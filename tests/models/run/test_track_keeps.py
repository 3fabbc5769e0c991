"""A track trains a block in one call and keeps its networks at the snapshot epochs on the way
(`Trainer.keep`); before, it trained a block to each snapshot epoch. Both ways record the same
run: every statistic, snapshot and frame is bitwise the same (the block's snapshots taken
together, `take_all_kept`; those at each block's end one by one, `take`). And a Compute that does not keep
them is refused, rather than leave the replay without its snapshots."""

from __future__ import annotations

import numpy as np
import pytest

from models.engine.trainer import Trainer
from models.experiment import QUESTION, Network, Points
from models.run.run import Run, RunStore
from models.run.track import KEEP_NUMBERS, train

SEVEN = Points(tuple(np.linspace(-1.0, 1.0, 7).tolist()),
               tuple(float(np.sin(3.0 * v)) for v in np.linspace(-1.0, 1.0, 7)))


def recorded(run: Run) -> dict:
    """Everything a track records, as arrays of bits."""
    track = run.track

    def bits(a):
        return None if a is None else np.ascontiguousarray(a).view(np.int64).tolist()

    def snap(s):
        return (s.epoch, bits(s.weights), bits(s.losses), bits(s.slopes), bits(s.intercepts),
                s.optimizer, s.lr, bits(s.preconditioner))

    return {"stats": bits(track.history.stats[:track.history.count]),
            "snapshots": [snap(s) for s in track.snapshots.kept],
            "frames": [snap(f) for f in track.frames],
            "trajectory": [(p.epoch, bits(p.slopes), bits(p.intercepts))
                           for p in track.trajectory]}


@pytest.mark.parametrize("experiment", [
    QUESTION.with_(epochs=3_000),
    QUESTION.with_(epochs=700, optimizer="rmsprop", lr=1e-3, seeds=2),
    QUESTION.with_(epochs=500, optimizer="sgd", points=SEVEN, batch=3).with_(
        network=Network(activation="tanh", width=6)),
    QUESTION.with_(epochs=400, optimizer="momentum", lr=1e-2).with_(
        network=Network(depth=3, width=4, init="torch")),
    QUESTION.with_(epochs=600, lr=1e-3, seeds=3).with_(network=Network(init="torch")),
    QUESTION.with_(epochs=600, optimizer="rmsprop", lr=1e-3).with_(
        network=Network(init="torch")),
], ids=["question", "rmsprop", "mini-batch-tanh", "deep-linear-torch", "adam-torch",
        "rmsprop-torch"])
def test_a_block_kept_on_its_way_records_what_blocks_to_each_snapshot_did(experiment):
    kept, stopped = Run(experiment, RunStore()), Run(experiment, RunStore())
    assert kept.trainer.net.theta.numel() <= KEEP_NUMBERS
    calls = []

    def counted(trainer: Trainer, epochs: int):
        calls.append(epochs)
        return train(trainer, epochs)

    blocks = (1, 250, 37, 250, 1_000, 5_000)
    for block in blocks:
        kept.advance(block, counted)
    assert kept.finished and len(calls) <= len(blocks)  # one call a block
    total = experiment.training.epochs
    ends = np.cumsum(blocks)
    stops = sorted(set(stopped.snapshots.planned(total).tolist()) | set(ends[ends < total].tolist()))
    for stop in stops:  # blocks that end at each snapshot epoch: none kept on the way
        stopped.advance(stop - stopped.epoch, train)
    assert stopped.finished
    assert recorded(kept) == recorded(stopped)
    assert len(kept.track.snapshots.kept) > 20  # snapshot epochs inside the blocks were kept


def test_a_compute_that_does_not_keep_the_networks_is_refused():
    run = Run(QUESTION, RunStore())

    def forgetful(trainer: Trainer, epochs: int):
        trainer.epoch += epochs
        zeros = np.zeros((epochs, trainer.net.k))
        return zeros, zeros

    with pytest.raises(RuntimeError, match="keep"):
        run.advance(100, forgetful)
