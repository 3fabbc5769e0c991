"""The run as a self-contained PyTorch script that reproduces the app's losses.

It trains in float64 like the app and writes the optimizers out by hand with the app's
conventions (models/engine/optimizers.py): init="keras" places Adam's and RMSprop's epsilon as Keras
does, which torch.optim cannot express. Mini-batches follow the app's shuffles (one generator
seeded with SEED; an epoch's order is the argsort of n uniform doubles, as in
models/engine/trainer.shuffle_orders), so the final loss matches the app's to rounding.
"""

from __future__ import annotations

from models.experiment import Experiment
from models.scripts.common import print_block, seeds_note, settings_block, start_block

# Hidden-layer activations as torch expressions of z, by registry key (models/engine/activations.py).
TORCH_ACTIVATIONS = {
    "linear": "z", "relu": "torch.relu(z)",
    "leaky_relu": "torch.nn.functional.leaky_relu(z, 0.01)", "tanh": "torch.tanh(z)",
    "sigmoid": "torch.sigmoid(z)", "gelu": "torch.nn.functional.gelu(z)",
    "elu": "torch.nn.functional.elu(z)", "softplus": "torch.nn.functional.softplus(z)",
    "sin": "torch.sin(z)", "square": "torch.square(z)",
}

_BODY = '''
torch.set_default_dtype(torch.float64)  # the app trains in float64


def f(z):  # the hidden layers' activation
    return {activation}


def forward(x):
    for layer, (w, b) in enumerate(params):
        x = x @ w.T + (b if b is not None else 0.0)
        if layer < len(params) - 1:
            x = f(x)
    return x


class Optimizer:
    """One optimizer's state for the parameters; step() changes them in place."""

    def __init__(self, name):
        self.name, self.t = name, 0
        self.m = [torch.zeros_like(p) for p in flat]
        self.v = [torch.zeros_like(p) for p in flat]

    @torch.no_grad()
    def step(self, lr):
        self.t += 1
        t = self.t
        for p, m, v in zip(flat, self.m, self.v):
            g = p.grad
            if self.name == "sgd":
                p -= lr * g
            elif self.name == "momentum":  # torch.optim.SGD(momentum=0.9)
                m.mul_(0.9).add_(g)
                p -= lr * m
            elif self.name == "rmsprop" and KERAS:  # keras.optimizers.RMSprop defaults
                v.mul_(0.9).add_(0.1 * g * g)
                p -= lr * g / torch.sqrt(v + 1e-7)
            elif self.name == "rmsprop":  # torch.optim.RMSprop defaults
                v.mul_(0.99).add_(0.01 * g * g)
                p -= lr * g / (torch.sqrt(v) + 1e-8)
            else:  # Adam, b1 0.9, b2 0.999
                m.mul_(0.9).add_(0.1 * g)
                v.mul_(0.999).add_(0.001 * g * g)
                if KERAS:  # Keras: epsilon 1e-7 outside the bias correction
                    p -= lr * (1 - 0.999**t) ** 0.5 / (1 - 0.9**t) * m / (torch.sqrt(v) + 1e-7)
                else:  # torch.optim.Adam: epsilon 1e-8 inside it
                    p -= lr / (1 - 0.9**t) * m / (torch.sqrt(v / (1 - 0.999**t)) + 1e-8)


params = [(torch.tensor(w), None if b is None else torch.tensor(b)) for w, b in INITIAL]
flat = [p for layer in params for p in layer if p is not None]
for p in flat:
    p.requires_grad_(True)
x, y = torch.tensor(XS).reshape(-1, 1), torch.tensor(YS).reshape(-1, 1)
n, batch = len(XS), min(BATCH, len(XS))
shuffler = torch.Generator().manual_seed(SEED)  # the app's mini-batch shuffles
optimizer, lr, changes = None, None, list(SCHEDULE)
for epoch in range(1, EPOCHS + 1):
    while changes and changes[0][0] <= epoch - 1:
        _, name, lr = changes.pop(0)
        if optimizer is None or name != optimizer.name:
            optimizer = Optimizer(name)
    batches = [torch.arange(n)] if batch >= n else \\
        torch.rand(n, generator=shuffler, dtype=torch.float64).argsort(stable=True).split(batch)
    loss = 0.0
    for idx in batches:  # Keras's epoch loss: the mean of the batch losses, each before its step
        for p in flat:
            p.grad = None
        batch_loss = torch.mean((forward(x[idx]) - y[idx]) ** 2)
        batch_loss.backward()
        optimizer.step(lr)
        loss += batch_loss.item() * len(idx) / n
{log}
print(f"final loss: {{loss!r}}")
'''


def pytorch_script(experiment: Experiment, schedule) -> str:
    """Returns a Python script that trains this experiment with PyTorch in float64 and prints
    the loss as Keras's log does, ending with "final loss: <repr of the float>"."""
    activation = TORCH_ACTIVATIONS[experiment.network.activation]
    head = ('"""Plateau Lab, taken home: this run in PyTorch, float64, with the app\'s optimizer\n'
            'conventions written out by hand. Run it with `python` and compare its last line with\n'
            'the app\'s loss readout. They agree to rounding unless the run is chaotic: one that\n'
            'bounces around its minimum at a large rate magnifies rounding, and so it does in the\n'
            'app against itself (tanh, RMSprop at lr 1e-3 on the question\'s points: a start\n'
            'changed by 1e-15 ends 7.5% apart after 500 epochs)."""\n\nimport torch\n\n')
    return (head + seeds_note(experiment) + settings_block(experiment, schedule) +
            f"KERAS = {experiment.network.init == 'keras'!r}  # init=keras: Keras's epsilon "
            "placement\n\n" + start_block(experiment) +
            _BODY.format(activation=activation,
                         log=print_block("    ", "epoch", "loss").rstrip("\n")))
