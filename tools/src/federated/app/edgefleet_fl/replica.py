"""The rounds of `fl run`, replayed in one process without Flower: the same split (shards.py), the
same seeded sampling by device id (server_app.py, DeviceSampler), dropouts and local training
(task.py), averaged weighted by image counts as FedAvg and FedProx do (SecAgg+'s quantization
aside). Seconds instead of minutes, to tune the run's settings against central training.

    PYTHONPATH=tools/src/federated/app:tools/src/model-build federated-python -m edgefleet_fl.replica \\
        devices=20 fraction=0.5 rounds=15 local-epochs=20 learning-rate=0.05 learning-rate-decay=0.9 \\
        proximal-mu=0.01 dropout=0.1 batch-size=16 dirichlet-alpha=0.5 seed=1

prints each round's accuracy (percent) and the dropouts. proximal-mu=0 is FedAvg.
"""

import sys

import numpy as np
from digits import example_split

from .shards import partition
from .task import drops_out, evaluate, initial_weights, local_seed, train


def replay(devices, fraction, rounds, epochs, batch_size, learning_rate, decay, mu, dropout, alpha, seed):
    (train_x, train_y), _, (eval_x, eval_y) = example_split()
    shares = partition(train_y, devices, alpha, seed)
    weights = initial_weights(seed)
    rng = np.random.default_rng(seed)
    accuracies, dropouts = [], 0
    for server_round in range(1, rounds + 1):
        sampled = sorted(rng.choice(devices, max(2, int(devices * fraction)), replace=False).tolist())
        replies = []
        for device in sampled:
            if drops_out(seed, server_round, device, dropout):
                dropouts += 1
                continue
            x, y = train_x[shares[device]], train_y[shares[device]]
            rate = learning_rate * decay ** (server_round - 1)
            trained, _ = train(weights, x, y, epochs, batch_size, rate, mu, local_seed(seed, server_round, device))
            replies.append((trained, len(y)))
        if replies:
            total = sum(n for _, n in replies)
            weights = [sum(n * w[i] for w, n in replies) / total for i in range(len(weights))]
        accuracies.append(evaluate(weights, eval_x, eval_y)[1])
    return accuracies, dropouts


if __name__ == "__main__":
    c = dict(arg.split("=", 1) for arg in sys.argv[1:])
    accuracies, dropouts = replay(
        int(c.get("devices", 20)),
        float(c.get("fraction", 0.5)),
        int(c.get("rounds", 20)),
        int(c.get("local-epochs", 20)),
        int(c.get("batch-size", 16)),
        float(c.get("learning-rate", 0.05)),
        float(c.get("learning-rate-decay", 0.9)),
        float(c.get("proximal-mu", 0.0)),
        float(c.get("dropout", 0.1)),
        float(c.get("dirichlet-alpha", 0.5)),
        int(c.get("seed", 1)),
    )
    print("accuracy per round (%):", " ".join(f"{a:.1f}" for a in accuracies))
    print("dropouts:", dropouts)
