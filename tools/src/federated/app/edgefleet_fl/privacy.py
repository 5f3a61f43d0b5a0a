"""The privacy budget: the epsilon a run has spent, by dp-accounting's RDP accountant, and how many
rounds a target epsilon allows.

Each round is one Gaussian mechanism on the average of the clipped updates (Flower's central DP with
client-side clipping: noise of standard deviation noise_multiplier * clipping_norm / participants,
each device weighted alike), applied to the devices sampled for the round. As DP-FedAvg (McMahan et
al., 2018) does, the accountant treats that sampling as Poisson with rate sampled / devices, where
devices are those the round sampled from: a job's devices come and go (the operator removes the
client of a device that stops being eligible and adds one for a device that becomes eligible), so
each round has its own rate, and a round with fewer devices to sample from costs more. A device that
drops out of a round it was sampled for only lowers its chance to be in that round's average.
"""

import logging

from dp_accounting import GaussianDpEvent, PoissonSampledDpEvent
from dp_accounting.rdp import RdpAccountant

# The accountant warns for each order below 2 whose series does not converge at large sampling
# rates; it leaves those orders out of the minimum, which is what it should do, so a run's log need
# not carry a hundred such lines a round.
logging.getLogger("absl").setLevel(logging.ERROR)


def epsilon_of(sample_rates, noise_multiplier, delta):
    """The epsilon of rounds sampled at these rates, one a round (RDP composes by adding, in any order)."""
    if not sample_rates:
        return 0.0
    accountant = RdpAccountant()
    for rate in sorted(set(sample_rates)):
        accountant.compose(PoissonSampledDpEvent(rate, GaussianDpEvent(noise_multiplier)), sample_rates.count(rate))
    return float(accountant.get_epsilon(delta))


def epsilon(rounds, sample_rate, noise_multiplier, delta):
    return epsilon_of([sample_rate] * rounds, noise_multiplier, delta)


def rounds_within(target_epsilon, most, sample_rate, noise_multiplier, delta):
    """The most rounds, up to `most`, whose epsilon stays within the target."""
    rounds = 0
    while rounds < most and epsilon(rounds + 1, sample_rate, noise_multiplier, delta) <= target_epsilon:
        rounds += 1
    return rounds
