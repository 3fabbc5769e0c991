"""This network's best, estimated: many restarts of the same architecture trained together.

The trainer already trains K seeds as one batch, so STARTS restarts cost little more than one on
these small networks. The result is an estimate of the best this architecture reaches with this
optimizer, never a floor: a start that finds the global minimum may simply not be among them.
The work is bounded for a shared 2-core server: at most MAX_PARAMETERS_TIMES_SEEDS parameters
(fewer starts for big networks), at most MAX_EPOCHS, and about BUDGET_SECONDS of estimated
training (`trainer.chunk_epochs`'s cost model), whichever is least; the result says what it used.
"""

from __future__ import annotations

import numpy as np

from models.analysis.diagnosis import Search
from models.engine.trainer import chunk_epochs, trainer_for
from models.experiment import MAX_PARAMETERS_TIMES_SEEDS, Experiment

STARTS = 64
MAX_EPOCHS = 20_000  # the presets settle within 10,000; the table's cases within 5,000
# A few seconds of one core: a class pressing the button at once shares one result (the page
# caches it by experiment), and the cost model's estimate errs long, not short.
BUDGET_SECONDS = 4.0
CHUNK_SECONDS = 0.025  # the budget chunk_epochs estimates for


def search_experiment(experiment: Experiment) -> Experiment:
    """Returns the experiment the search trains: as many starts as fit (at most STARTS) from the
    same first seed, for as many epochs as the run asks, within MAX_EPOCHS and the budget."""
    starts = max(1, min(STARTS, MAX_PARAMETERS_TIMES_SEEDS
                        // experiment.network.parameter_count()))
    batch = experiment.with_(seeds=starts)
    affordable = chunk_epochs(batch.run_identity()) * int(BUDGET_SECONDS / CHUNK_SECONDS)
    epochs = max(1, min(experiment.training.epochs, MAX_EPOCHS, affordable))
    return batch.with_(epochs=epochs)


def search_starts(experiment: Experiment) -> Search:
    """Returns the lowest final loss of the restarts of `search_experiment(experiment)`.

    A start whose loss becomes infinite stops the batch (the trainer stops at the first non-finite
    loss): the search then reports the best of the epochs done, and says how many that was.
    """
    batch = search_experiment(experiment)
    trainer = trainer_for(batch)
    losses, _ = trainer.run(batch.training.epochs)
    if len(losses) == 0:
        return Search(best=float("nan"), starts=batch.seeds, epochs=0)
    return Search(best=float(np.nanmin(losses[-1])), starts=batch.seeds, epochs=len(losses))
