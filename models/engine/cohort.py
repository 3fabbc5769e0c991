"""Cohorts: trainers of different runs that ask for a block at the same time train together in
one batched pass, each exactly as it trains alone.

Why: a step of a small network is almost all per-operation overhead, so the engine's batched
pass trains K networks for about 1.5x the cost of one; a class of 30 students each on a seed of
their own is 30 runs, which stepped together cost a few runs' time instead of 30.

Who can train together (`kind`): one architecture (layer sizes, activation, biases), one
initialisation family (Keras's conventions change Adam's epsilon and RMSprop), the same number
of points, batch size and optimizer, and blocks of one length (cutting a pass where its shorter
blocks end cost more than it saved: 9.1 CPU-s against 5.4 for 30 runs trained alone; so
did a continuous batch, whose passes take in whoever asked and run as long as the shortest
request left: runs at different epochs cut every pass short, 2,447 passes of a median 4 epochs
for 30 students, 2.5x the CPU of passes of one length, both measured with a lock on the tensor
work since dropped: deploy/README.md section 5).
Each member keeps its own points, seeds, shuffles, learning rate and optimizer state (Adam's
step count included).

Exactness: in `train_epochs` every number of network k depends on network k alone, and the
matrix products compute each network's product on its own. Elementwise kernels do not always:
they run vector lanes and then a scalar tail, and for some functions (exp, as in sigmoid, GELU,
ELU, softplus) the two differ in the last bit, so an element's result depends on where it sits
in its tensor. Only activations whose kernels give every element the same bits wherever it sits
train in cohorts (EXACT_ACTIVATIONS; tests/models/engine/test_cohort.py checks each); the
optimizers' fused kernels get each member's buffer as a tensor of its own (the parts of
`compiled.optimizer_steps`). Networks of a diverged member keep training to the block's end, as
they do alone.

How: a group commit, per kind. A trainer asking for a block queues; if no pass of its kind is
running it leads: it takes everyone queued, trains them in one pass (a lone one with
`Trainer.run`, as always), and hands the lead to the first who queued meanwhile. A leader waits
at most WINDOW for the trainers of its last pass to ask again (they record and draw their
blocks one after another); a session that pauses or closes holds a pass up once, for at most
that long, and a lone trainer waits for nobody.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field

import numpy as np
import torch

from models.engine.compiled import optimizer_steps
from models.engine.mlp import MLPBatch
from models.engine.trainer import Trainer, steps_an_epoch, train_epochs

# Hidden activations whose forward and derivative kernels compute each element the same way in
# any position of a tensor (comparisons, products, and functions that map the tail as vectors).
EXACT_ACTIVATIONS = frozenset({"linear", "relu", "leaky_relu", "tanh", "sin", "square"})
# How long a pass waits for the trainers of its leader's last pass to ask again (seconds): runs
# that trained together stay at the same epochs and ask for the same blocks, but each first
# records its block (and the page draws it), one after another in one process. Past it, the
# pass goes with whoever asked.
WINDOW = 0.05

Result = tuple[np.ndarray, np.ndarray]


def kind(trainer: Trainer) -> tuple | None:
    """Returns what a trainer must share with others to train with them in one pass, or None
    when it can only train alone. The trainer is only read."""
    network = trainer.identity.network
    if network.activation not in EXACT_ACTIVATIONS:
        return None
    return (tuple(network.layer_sizes()), network.activation, network.bias,
            trainer.optimizer.keras, trainer.optimizer.name, trainer.n, trainer.batch)


def _group(trainer: Trainer) -> tuple[float, int]:
    # Members step together in one optimizer call when they share a learning rate and, for
    # Adam (bias corrections, Keras's epsilon), a step count.
    return trainer.lr, trainer.optimizer.t if trainer.optimizer.name == "adam" else 0


def train_together(trainers: list[Trainer], epochs: int) -> list[Result]:
    """Returns each trainer's (losses, gradient norms), exactly what its `run(epochs)` returns,
    after training them all (of one `kind`) in one batched pass; changes each trainer as its
    `run` would (networks, optimizer state, shuffles, epoch, diverged)."""
    order = sorted(range(len(trainers)), key=lambda i: _group(trainers[i]))
    members = [trainers[i] for i in order]
    first = members[0]
    size = first.net.size
    columns = np.cumsum([0] + [m.net.k for m in members])
    net = MLPBatch(first.identity.network, [0] * int(columns[-1]))  # weights copied in below
    flat = [slice(int(a) * size, int(b) * size) for a, b in zip(columns, columns[1:])]
    for m, part in zip(members, flat, strict=True):
        net.theta[part].copy_(m.net.theta)
    bounds, parts, lrs, t0, start = [0], [], [], [], 0
    for end in range(1, len(members) + 1):
        if end < len(members) and _group(members[end]) == _group(members[start]):
            continue
        bounds.append(flat[end - 1].stop)
        parts.append([p.stop - p.start for p in flat[start:end]])
        lrs.append(members[start].lr)
        t0.append(members[start].optimizer.t)
        start = end
    state = {name: torch.cat([getattr(m.optimizer, name) for m in members])
             for name in ("m", "v") if getattr(first.optimizer, name) is not None}
    steps = optimizer_steps(first.optimizer.name, first.optimizer.keras, net.theta, net.grad,
                            state.get("m"), state.get("v"), bounds, parts, lrs, t0)
    x = torch.cat([m.x for m in members])
    y = torch.cat([m.y for m in members])
    shufflers = [g for m in members for g in m.shufflers]  # each member's own, advanced in place
    # the epochs any member keeps its networks at, each member's among them
    indices = [m.keep_indices(epochs) for m in members]
    union = sorted(set().union(*indices))
    losses, grad_sq, kept, kept_v = train_epochs(net, x, y, first.batch, shufflers, steps,
                                                 epochs, union)
    taken = epochs * steps_an_epoch(first.n, first.batch)  # steps, counted on from each own t
    starts = [(m.epoch, m.optimizer.t) for m in members]
    for m, part in zip(members, flat, strict=True):
        m.optimizer.t += taken
        for name, buffer in state.items():
            getattr(m.optimizer, name).copy_(buffer[part])
    results: list[Result | None] = [None] * len(trainers)
    for i, m, part, a, b in zip(order, members, flat, columns, columns[1:], strict=False):
        m.net.theta.copy_(net.theta[part])
        results[i] = m.finish(losses[:, a:b], grad_sq[:, a:b])
    for m, part, mine, (start, t0) in zip(members, flat, indices, starts, strict=True):
        rows = [union.index(i) for i in mine]
        m.keeping(start, t0, mine, kept[rows][:, part],
                  None if kept_v is None else kept_v[rows][:, part])
    return results  # type: ignore[return-value]


@dataclass(eq=False)
class _Request:
    trainer: Trainer
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: Result | None = None
    error: BaseException | None = None


class Cohorts:
    """A process's cohorts; `train` changes the trainer it is given (and, while it leads, the
    trainers of others asking at the same time)."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self._changed = threading.Condition()
        self._queues: dict[tuple, list[_Request]] = {}
        self._training: set[tuple] = set()
        # trainer -> ids of the trainers of its last pass (gone with the trainer)
        self._mates: weakref.WeakKeyDictionary[Trainer, frozenset[int]] = \
            weakref.WeakKeyDictionary()
        self.passes = 0  # passes run, and trainers trained in them: the mean cohort's size
        self.members = 0

    def train(self, trainer: Trainer, epochs: int) -> Result:
        """Returns (losses, gradient norms) of `epochs` more epochs of the trainer, trained in
        place, with whoever of its kind asks for as many meanwhile; exactly what
        `trainer.run(epochs)` returns."""
        what = kind(trainer)
        if what is None or epochs <= 0:
            return trainer.run(epochs)
        what = (what, epochs)
        request = _Request(trainer)
        with self._changed:
            self._queues.setdefault(what, []).append(request)
            request.lead = what not in self._training
            self._training.add(what)
            self._changed.notify_all()
        if not request.lead:
            request.done.wait()  # set by the pass that trained it, or with the lead
        if request.lead:
            self._lead(what, request)
        if request.error is not None:
            raise request.error
        return request.result  # type: ignore[return-value]

    def _gather(self, what: tuple, leader: _Request) -> list[_Request]:
        """Returns the cohort of a pass: everyone queued for it, once the leader's mates of
        its last pass have queued too or the window has passed (a mate that paused, closed or
        went on to another block holds the pass up once, for at most the window)."""
        mates = self._mates.get(leader.trainer, frozenset())
        deadline = time.monotonic() + self.window
        with self._changed:
            while True:
                queued = {id(r.trainer) for r in self._queues[what]}
                left = deadline - time.monotonic()
                if mates <= queued or left <= 0:
                    break
                self._changed.wait(left)
            cohort = self._queues.pop(what)
            ids = frozenset(id(r.trainer) for r in cohort)
            for r in cohort:
                self._mates[r.trainer] = ids if len(cohort) > 1 else frozenset()
        return cohort

    def _lead(self, what: tuple, leader: _Request) -> None:
        cohort = self._gather(what, leader)
        try:
            if len(cohort) == 1:
                cohort[0].result = cohort[0].trainer.run(what[1])
            else:
                results = train_together([r.trainer for r in cohort], what[1])
                for r, result in zip(cohort, results, strict=True):
                    r.result = result
        except BaseException as error:  # every member learns it; none is left waiting
            for r in cohort:
                r.error = error
        finally:
            with self._changed:
                self.passes += 1
                self.members += len(cohort)
                waiting = self._queues.get(what)
                if waiting:
                    waiting[0].lead = True
                    waiting[0].done.set()
                else:
                    self._training.discard(what)
            for r in cohort:
                r.done.set()
