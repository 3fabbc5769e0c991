"""A Compute for tests that moves a run on without training (models/run/track.py): what the
networks compute does not matter to what such a test checks (the pace, memory, snapshots'
epochs), so a 100,000-epoch run costs no time."""

from __future__ import annotations

import numpy as np

from models.engine.trainer import Trainer


def no_training(trainer: Trainer, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """Moves the trainer `epochs` on, its networks unchanged (and so kept, unchanged, at the
    epochs of `trainer.keep`); returns zero losses and gradient norms."""
    start, steps, indices = trainer.epoch, trainer.optimizer.t, trainer.keep_indices(epochs)
    trainer.epoch += epochs
    v = trainer.optimizer.v
    trainer.keeping(start, steps, indices, trainer.net.theta.expand(len(indices), -1),
                    None if v is None else v.expand(len(indices), -1))
    zeros = np.zeros((epochs, trainer.net.k))
    return zeros, zeros
