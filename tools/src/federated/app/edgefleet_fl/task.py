"""What the server and the devices share: the digits MLP of the model builds (digits.py, beside
build.py in tools/src/model-build), each device's share of the training images, local training from
the global weights, evaluation, and which devices drop out of a round."""

import hashlib

import numpy as np
from digits import HIDDEN_LAYERS, example_mlp, example_split

CLASSES = np.arange(10)
# A device with fewer images than this gets its share drawn again: FedAvg needs something to train on.
MIN_IMAGES_PER_DEVICE = 10


def partition(labels, devices, alpha, seed):
    """Indices of each device's images: for every class, its images split among the devices in
    Dirichlet(alpha) proportions (small alpha: each device sees few classes, i.e. non-IID)."""
    rng = np.random.default_rng(seed)
    while True:
        shares = [[] for _ in range(devices)]
        for label in CLASSES:
            images = rng.permutation(np.flatnonzero(labels == label))
            cuts = (np.cumsum(rng.dirichlet([alpha] * devices)) * len(images)).astype(int)[:-1]
            for device, part in enumerate(np.split(images, cuts)):
                shares[device].extend(part.tolist())
        if min(len(s) for s in shares) >= MIN_IMAGES_PER_DEVICE:
            return [np.array(sorted(s)) for s in shares]


def device_data(device, devices, alpha, seed):
    (train_x, train_y), _, _ = example_split()
    mine = partition(train_y, devices, alpha, seed)[device]
    return train_x[mine], train_y[mine]


def initial_weights(seed):
    """Glorot-uniform weights and zero biases, as scikit-learn's MLP starts (weights first, then biases,
    layer by layer)."""
    rng = np.random.default_rng(seed)
    sizes = [64, *HIDDEN_LAYERS, len(CLASSES)]
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        # scikit-learn's factor for its logistic output layer is 2, for the ReLU layers 6.
        bound = np.sqrt((2 if fan_out == len(CLASSES) else 6) / (fan_in + fan_out))
        weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float64))
    return weights + [np.zeros(n) for n in sizes[1:]]


def mlp_with(weights, **training):
    """The example MLP holding these weights, ready to train on from them (warm start) or to predict."""
    mlp = example_mlp()
    # One step on a blank image of each class builds the layers; the weights are replaced next, and the
    # optimizer is built again for the training settings on the first step from them.
    mlp.partial_fit(np.zeros((len(CLASSES), 64), np.float32), CLASSES, classes=CLASSES)
    mlp.set_params(**training)
    if training:
        del mlp._optimizer
    layers = len(weights) // 2
    mlp.coefs_ = [w.copy() for w in weights[:layers]]
    mlp.intercepts_ = [b.copy() for b in weights[layers:]]
    return mlp


def weights_of(mlp):
    return [*mlp.coefs_, *mlp.intercepts_]


def train(weights, x, y, epochs, batch_size, learning_rate):
    """Local training: epochs of SGD with momentum from the global weights; the new weights and the
    mean training loss of the last epoch."""
    mlp = mlp_with(weights, solver="sgd", learning_rate_init=learning_rate, momentum=0.9, batch_size=batch_size)
    for _ in range(epochs):
        mlp.partial_fit(x, y)
    return weights_of(mlp), float(mlp.loss_)


def evaluate(weights, x, y):
    """Log loss and accuracy (percent)."""
    from sklearn.metrics import log_loss

    mlp = mlp_with(weights)
    probabilities = mlp.predict_proba(x)
    return float(log_loss(y, probabilities, labels=CLASSES)), float(100 * np.mean(mlp.predict(x) == y))


def drops_out(seed, server_round, device, rate):
    """Whether the device drops out of this round: the same answer on every run with this seed."""
    digest = hashlib.sha256(f"{seed}/{server_round}/{device}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate
