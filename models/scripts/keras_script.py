"""The run as a self-contained Keras 3 script: the model the student would write, from the app's
start, trained by `fit`.

Keras trains in float32, its default, so the final loss agrees with the app's (float64) to
float32's precision, not to the last digit. The optimizers are Keras's with its defaults, which
are the app's init="keras" conventions (tests/models/test_keras_parity.py); with init="torch"
the app used torch.optim's instead, and the script says it will differ. Mini-batches are fed in
the app's order (Keras's own shuffle draws another), one `fit` call per epoch.
"""

from __future__ import annotations

from models.experiment import Experiment
from models.scripts.common import print_block, seeds_note, settings_block, start_block

# Hidden-layer activations as Keras code, by registry key (models/engine/activations.py). Keras's
# leaky_relu slope defaults to 0.2 and its gelu to the exact form; the app's slope is 0.01.
KERAS_ACTIVATIONS = {
    "linear": "None", "relu": '"relu"',
    "leaky_relu": "lambda z: keras.activations.leaky_relu(z, negative_slope=0.01)",
    "tanh": '"tanh"', "sigmoid": '"sigmoid"', "gelu": '"gelu"', "elu": '"elu"',
    "softplus": '"softplus"', "sin": "keras.ops.sin", "square": "keras.ops.square",
}

_BODY = '''
import numpy as np  # noqa: E402

model = keras.Sequential([keras.Input((1,))] + [
    keras.layers.Dense(WIDTH if layer < DEPTH else 1,
                       activation={activation} if layer < DEPTH else None, use_bias=BIAS)
    for layer in range(DEPTH + 1)])
# Keras's kernel is (fan_in, fan_out): the transpose of W
model.set_weights([a for w, b in INITIAL for a in ([np.array(w).T] + ([np.array(b)] if BIAS else []))])
OPTIMIZERS = {{  # Keras's defaults: Adam eps 1e-7, RMSprop rho 0.9 and eps 1e-7
    "adam": lambda lr: keras.optimizers.Adam(learning_rate=lr),
    "sgd": lambda lr: keras.optimizers.SGD(learning_rate=lr),
    # Keras keeps velocity = 0.9 velocity - lr g, torch buf = 0.9 buf + g then lr buf: the same
    # steps at one learning rate, not across a change of it
    "momentum": lambda lr: keras.optimizers.SGD(learning_rate=lr, momentum=0.9),
    "rmsprop": lambda lr: keras.optimizers.RMSprop(learning_rate=lr),
}}


class Log(keras.callbacks.Callback):
    """Prints the loss every LOG_EVERY epochs and keeps the last one."""

    loss = float("nan")

    def on_epoch_end(self, epoch, logs=None):
        Log.loss = loss = float(logs["loss"])
        epoch += 1
{log}

x, y = np.array(XS).reshape(-1, 1), np.array(YS).reshape(-1, 1)
n, name = len(XS), None
ends = [e for e, _, _ in SCHEDULE[1:]] + [EPOCHS]
for (start, new, lr), end in zip(SCHEDULE, ends):
    if new != name:  # a new optimizer (compile keeps the weights, not the optimizer's state)
        model.compile(optimizer=OPTIMIZERS[new](lr), loss="mse")
        name = new
    else:
        model.optimizer.learning_rate.assign(lr)
    if BATCH >= n:  # full batch: one fit for the whole stretch
        model.fit(x, y, batch_size=BATCH, epochs=end, initial_epoch=start, shuffle=False,
                  verbose=0, callbacks=[Log()])
        continue
    import torch  # the app's mini-batch order: the argsort of n uniform doubles from one
    # generator seeded SEED, drawn epoch by epoch

    if start == 0:
        shuffler = torch.Generator().manual_seed(SEED)
    for epoch in range(start, end):
        idx = torch.rand(n, generator=shuffler, dtype=torch.float64).argsort(stable=True).numpy()
        model.fit(x[idx], y[idx], batch_size=BATCH, epochs=epoch + 1, initial_epoch=epoch,
                  shuffle=False, verbose=0, callbacks=[Log()])
print(f"final loss: {{Log.loss!r}}")
'''


def keras_script(experiment: Experiment, schedule) -> str:
    """Returns a Python script that trains this experiment with Keras (torch backend unless one
    is set) and prints the loss as Keras's log does, ending with "final loss: <float>"."""
    network = experiment.network
    caveat = "" if network.init == "keras" else (
        "# The app ran this experiment with torch's conventions (init=torch: Adam's epsilon 1e-8\n"
        "# inside the bias correction, RMSprop alpha 0.99); Keras's optimizers differ, so this\n"
        "# run starts where the app's did but will not match its losses step for step.\n")
    head = ('"""Plateau Lab, taken home: this run in Keras, from the app\'s start. Run it with\n'
            '`python` and compare its last line with the app\'s loss readout (Keras trains in\n'
            'float32: expect agreement to about 1e-4, not to the last digit; less in a chaotic\n'
            'run, one that bounces around its minimum at a large rate and so magnifies rounding:\n'
            'there a start changed by 1e-15 can end several percent apart)."""\n\n'
            'import os\n\nos.environ.setdefault("KERAS_BACKEND", "torch")  # before importing keras\n'
            "import keras  # noqa: E402\n\n")
    return (head + seeds_note(experiment) + caveat + settings_block(experiment, schedule) + "\n" +
            start_block(experiment) +
            _BODY.format(activation=KERAS_ACTIVATIONS[network.activation],
                         log=print_block("        ", "epoch", "loss").rstrip("\n")))
