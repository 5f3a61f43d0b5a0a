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
# Draws tried before dealing every device a few images first: with many devices for the data set
# (100 devices share 1,078 images, about 10 each) no draw gives every one of them ten.
MAX_DRAWS = 1000


def _split_by_class(labels, indices, devices, alpha, rng):
    """These images split among the devices class by class, in Dirichlet(alpha) proportions."""
    shares = [[] for _ in range(devices)]
    for label in CLASSES:
        images = rng.permutation(indices[labels[indices] == label])
        cuts = (np.cumsum(rng.dirichlet([alpha] * devices)) * len(images)).astype(int)[:-1]
        for device, part in enumerate(np.split(images, cuts)):
            shares[device].extend(part.tolist())
    return shares


def partition(labels, devices, alpha, seed):
    """Indices of each device's images: for every class, its images split among the devices in
    Dirichlet(alpha) proportions (small alpha: each device sees few classes, i.e. non-IID), drawn
    again until every device has MIN_IMAGES_PER_DEVICE. When MAX_DRAWS draws do not get there, each
    device is first dealt an equal few images at random (at most half of its even share), and the
    rest is split as before: still non-IID, never without data."""
    if len(labels) < devices:
        raise ValueError(f"{devices} devices cannot each hold an image of {len(labels)}: use at most {len(labels)} devices")
    rng = np.random.default_rng(seed)
    everything = np.arange(len(labels))
    for _ in range(MAX_DRAWS):
        shares = _split_by_class(labels, everything, devices, alpha, rng)
        if min(len(s) for s in shares) >= MIN_IMAGES_PER_DEVICE:
            return [np.array(sorted(s)) for s in shares]
    dealt = max(1, min(MIN_IMAGES_PER_DEVICE, len(labels) // (2 * devices)))
    order = rng.permutation(everything)
    shares = _split_by_class(labels, order[dealt * devices :], devices, alpha, rng)
    return [np.array(sorted(s + order[d * dealt : (d + 1) * dealt].tolist())) for d, s in enumerate(shares)]


def shard_file(directory, device):
    return os.path.join(directory, f"device-{device}.npz")


def write_shards(directory, devices, alpha, seed):
    (train_x, train_y), _, _ = example_split()
    os.makedirs(directory, exist_ok=True)
    for device, mine in enumerate(partition(train_y, devices, alpha, seed)):
        np.savez(shard_file(directory, device), inputs=train_x[mine], labels=train_y[mine])


if __name__ == "__main__":
    write_shards(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
