"""Each simulated device's share of the digits' training images, written before its SuperNode starts:
the data a device holds, which its ClientApp reads from the file its node config names (data-file).

    python -m edgefleet_fl.shards DIR DEVICES ALPHA SEED   writes DIR/device-0.npz ... (inputs, labels)
"""

import os
import sys

import numpy as np
from digits import example_split

from .task import CLASSES

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


def shard_file(directory, device):
    return os.path.join(directory, f"device-{device}.npz")


def write_shards(directory, devices, alpha, seed):
    (train_x, train_y), _, _ = example_split()
    os.makedirs(directory, exist_ok=True)
    for device, mine in enumerate(partition(train_y, devices, alpha, seed)):
        np.savez(shard_file(directory, device), inputs=train_x[mine], labels=train_y[mine])


if __name__ == "__main__":
    write_shards(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
