"""The ClientApp each simulated device's SuperNode runs: local training of the global MLP on the
device's own images (the file its node config names, written by shards.py), or a dropout when the
device's seeded draw says so. SecAgg+ (secaggplus_mod) masks what it sends, and with DP on,
fixedclipping_mod clips its update first. Flower starts a process for every message, so this module
imports NumPy and Flower only, and reads the device's images only for a training message."""

import numpy as np
from flwr.client import ClientApp, NumPyClient
from flwr.client.mod import fixedclipping_mod, make_ffn, secaggplus_mod
from flwr.common import Context, Message

from .task import drops_out, local_seed, train
from .traffic import traffic_mod


class DeviceDropout(Exception):
    """Raised instead of a reply: the server sees the device fail the round, as when it goes offline."""


class Device(NumPyClient):
    def __init__(self, device, data_file, run_config):
        self.device = device
        self.data_file = data_file
        self.config = run_config

    def get_properties(self, config):
        # The server samples by this stable id (server_app.py, DeviceSampler), not by Flower's random node ids.
        return {"device": self.device}

    def fit(self, parameters, config):
        server_round = int(config["server-round"])
        seed = int(self.config["seed"])
        if drops_out(seed, server_round, self.device, float(self.config["dropout"])):
            raise DeviceDropout(f"device {self.device} drops out of round {server_round}")
        with np.load(self.data_file) as data:
            x, y = data["inputs"], data["labels"]
        weights, loss = train(
            parameters,
            x,
            y,
            int(self.config["local-epochs"]),
            int(self.config["batch-size"]),
            float(config["learning-rate"]),
            # Flower's FedProx strategy sends its mu in every training message; FedAvg none.
            float(config.get("proximal_mu", 0.0)),
            local_seed(seed, server_round, self.device),
        )
        # With DP on, every device weighs alike: the noise is calibrated to one device's clipped
        # update in an unweighted average (privacy.py).
        examples = 1 if self.config["dp"] else len(y)
        return weights, examples, {"train-loss": loss}


def client_fn(context: Context):
    return Device(int(context.node_config["partition-id"]), str(context.node_config["data-file"]), context.run_config).to_client()


def privacy_mods(msg: Message, ctxt: Context, call_next) -> Message:
    """SecAgg+ and DP clipping as the run's config asks: mods are fixed when the app is built, the
    config only known per message. Clipping runs inside SecAgg+, so the clipped update is what is masked."""
    mods = [mod for mod, on in ((secaggplus_mod, ctxt.run_config["secagg"]), (fixedclipping_mod, ctxt.run_config["dp"])) if on]
    return make_ffn(call_next, mods)(msg, ctxt)


app = ClientApp(client_fn=client_fn, mods=[traffic_mod, privacy_mods])
