"""What the server and the devices share: the digits MLP of the model builds (digits.py, beside
build.py in tools/src/model-build) as plain NumPy arrays, local training from the global weights
(FedAvg's SGD, with FedProx's proximal term when asked), evaluation, and which devices drop out of a
round.

NumPy only, on purpose: Flower runs every message a device handles in a process of its own, and
importing scikit-learn there cost more CPU than the training (shards.py and the ServerApp use it)."""

import hashlib

import numpy as np
from digits import HIDDEN_LAYERS

CLASSES = np.arange(10)
INPUTS = 64
# scikit-learn's MLPClassifier default L2 penalty (alpha), so the federated model is the central one's.
L2 = 1e-4


def initial_weights(seed):
    """Glorot-uniform weights and zero biases, as scikit-learn's MLP starts (weights first, then biases,
    layer by layer: scikit-learn's coefs_ then intercepts_)."""
    rng = np.random.default_rng(seed)
    sizes = [INPUTS, *HIDDEN_LAYERS, len(CLASSES)]
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        # scikit-learn's factor for its logistic output layer is 2, for the ReLU layers 6.
        bound = np.sqrt((2 if fan_out == len(CLASSES) else 6) / (fan_in + fan_out))
        weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
    return weights + [np.zeros(n) for n in sizes[1:]]


def _forward(weights, x):
    """Each layer's activations (ReLU hidden layers, softmax output), the input first."""
    layers = len(weights) // 2
    activations = [x]
    for i in range(layers):
        z = activations[-1] @ weights[i] + weights[layers + i]
        if i < layers - 1:
            activations.append(np.maximum(z, 0))
        else:
            z = z - z.max(axis=1, keepdims=True)
            e = np.exp(z)
            activations.append(e / e.sum(axis=1, keepdims=True))
    return activations


def probabilities(weights, x):
    return _forward(weights, x)[-1]


def _gradients(weights, x, y):
    """Cross-entropy loss and its gradients (with scikit-learn's L2 penalty) on one batch."""
    layers = len(weights) // 2
    activations = _forward(weights, x)
    n = len(y)
    p = activations[-1]
    loss = -np.log(np.clip(p[np.arange(n), y], 1e-12, None)).mean()
    loss += L2 / (2 * n) * sum(float((w**2).sum()) for w in weights[:layers])
    delta = p.copy()
    delta[np.arange(n), y] -= 1
    delta /= n
    grads = [None] * len(weights)
    for i in reversed(range(layers)):
        grads[i] = activations[i].T @ delta + L2 / n * weights[i]
        grads[layers + i] = delta.sum(axis=0)
        if i > 0:
            delta = (delta @ weights[i].T) * (activations[i] > 0)
    return loss, grads


def train(weights, x, y, epochs, batch_size, learning_rate, proximal_mu, seed):
    """Local training: epochs of minibatch SGD with momentum 0.9 from the global weights; with
    proximal_mu > 0, FedProx's proximal term mu/2 * ||w - global||^2 keeps the device's weights near
    the global ones (what non-IID shares pull apart). The new weights and the last epoch's mean loss."""
    rng = np.random.default_rng(seed)
    start = [np.array(w, dtype=np.float64) for w in weights]
    w = [a.copy() for a in start]
    velocity = [np.zeros_like(a) for a in w]
    loss = float("nan")
    for _ in range(epochs):
        order = rng.permutation(len(y))
        losses = []
        for begin in range(0, len(y), batch_size):
            batch = order[begin : begin + batch_size]
            batch_loss, grads = _gradients(w, x[batch], y[batch])
            losses.append(batch_loss * len(batch))
            for i, g in enumerate(grads):
                if proximal_mu:
                    g = g + proximal_mu * (w[i] - start[i])
                velocity[i] = 0.9 * velocity[i] - learning_rate * g
                w[i] += velocity[i]
        loss = float(sum(losses) / len(y))
    return w, loss


def evaluate(weights, x, y):
    """Log loss and accuracy (percent)."""
    p = probabilities(weights, x)
    loss = float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-15, None)).mean())
    return loss, float(100 * np.mean(p.argmax(axis=1) == y))


def drops_out(seed, server_round, device, rate):
    """Whether the device drops out of this round: the same answer on every run with this seed."""
    digest = hashlib.sha256(f"{seed}/{server_round}/{device}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def local_seed(seed, server_round, device):
    """The seed of a device's shuffling in a round: runs with the same seed train alike."""
    return int.from_bytes(hashlib.sha256(f"train/{seed}/{server_round}/{device}".encode()).digest()[:8], "big")
