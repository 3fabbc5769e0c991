"""Real Keras (3.15.1, torch backend) as the independent answer, shared by the tests that use it.

The engine trains in float64; Keras trains in float32, its default and the student's. So the two
agree only to float32's precision, and FLOAT32_RTOL is that precision for runs of a few hundred
epochs:
- float32 keeps 24 bits, a unit roundoff u = 2^-24 = 6e-8; copying the engine's start into
  Keras already rounds every weight by up to u, and every step rounds again;
- those errors add up over T steps, at worst linearly: T u = 1.8e-5 for T = 300 epochs;
- Adam and RMSprop divide by sqrt(v): where a gradient component is tiny its step is a ratio of
  two rounded tiny numbers, which magnifies its relative error (measured: up to 1.6e-5 on the
  question's linear network after 8 Adam steps, under 2e-6 for SGD and momentum).
1e-4 is about five times the worst-case sum and 500 times below the RMSprop mismatch this
tolerance was set to catch (5e-2 to 3e-1 relative, before Keras's RMSprop was followed).
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported: no TensorFlow needed

import keras  # noqa: E402
import numpy as np  # noqa: E402

from models.engine.trainer import Trainer  # noqa: E402
from models.experiment import Experiment  # noqa: E402

FLOAT32_RTOL = 1e-4

KERAS_OPTIMIZERS = {
    "adam": lambda lr: keras.optimizers.Adam(learning_rate=lr),
    "sgd": lambda lr: keras.optimizers.SGD(learning_rate=lr),
    "momentum": lambda lr: keras.optimizers.SGD(learning_rate=lr, momentum=0.9),
    "rmsprop": lambda lr: keras.optimizers.RMSprop(learning_rate=lr),
}


def keras_model(trainer: Trainer) -> keras.Sequential:
    """Returns Dense(width, activation) x depth then Dense(1), holding network 0's parameters."""
    network = trainer.identity.network
    layers = [keras.Input((1,))]
    weights = []
    for layer, (w, b) in enumerate(zip(trainer.net.weights, trainer.net.biases, strict=True)):
        fan_out = w.shape[1]
        hidden = layer < len(trainer.net.weights) - 1
        layers.append(keras.layers.Dense(fan_out, activation=network.activation if hidden else None,
                                         use_bias=network.bias))
        weights.append(w[0].numpy().T.copy())  # Keras's kernel is (fan_in, fan_out)
        if network.bias:
            weights.append(b[0].numpy().reshape(-1).copy())
    model = keras.Sequential(layers)
    model.set_weights(weights)
    return model


def keras_fit(model: keras.Sequential, experiment: Experiment, callbacks: tuple = ()) -> np.ndarray:
    """Returns Keras's loss per epoch after training model (in place) for the experiment's
    optimizer, learning rate, batch size and epochs, with fit(shuffle=False)."""
    training = experiment.training
    model.compile(optimizer=KERAS_OPTIMIZERS[training.optimizer](training.lr), loss="mse")
    x = np.asarray(experiment.points.xs).reshape(-1, 1)
    y = np.asarray(experiment.points.ys).reshape(-1, 1)
    fitted = model.fit(x, y, batch_size=training.batch, epochs=training.epochs, shuffle=False,
                       verbose=0, callbacks=list(callbacks))
    return np.asarray(fitted.history["loss"])
