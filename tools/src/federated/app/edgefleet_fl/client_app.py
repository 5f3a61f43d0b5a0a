"""The ClientApp each simulated device's SuperNode runs: local training of the global MLP on the
device's share of the digits, or a dropout when the device's seeded draw says so. SecAgg+
(secaggplus_mod) masks what it sends, and with DP on, fixedclipping_mod clips its update first."""

from flwr.client import ClientApp, NumPyClient
from flwr.client.mod import fixedclipping_mod, make_ffn, secaggplus_mod
from flwr.common import Context, Message

from .task import device_data, drops_out, train
from .traffic import traffic_mod


class DeviceDropout(Exception):
    """Raised instead of a reply: the server sees the device fail the round, as when it goes offline."""


class Device(NumPyClient):
    def __init__(self, device, run_config):
        self.device = device
        self.config = run_config
        self.x, self.y = device_data(device, int(run_config["devices"]), float(run_config["dirichlet-alpha"]), int(run_config["seed"]))

    def fit(self, parameters, config):
        server_round = int(config["server-round"])
        if drops_out(int(self.config["seed"]), server_round, self.device, float(self.config["dropout"])):
            raise DeviceDropout(f"device {self.device} drops out of round {server_round}")
        weights, loss = train(
            parameters,
            self.x,
            self.y,
            int(self.config["local-epochs"]),
            int(self.config["batch-size"]),
            float(self.config["learning-rate"]),
        )
        # With DP on, every device weighs alike: the noise is calibrated to one device's clipped
        # update in an unweighted average (privacy.py).
        examples = 1 if self.config["dp"] else len(self.y)
        return weights, examples, {"train-loss": loss}


def client_fn(context: Context):
    return Device(int(context.node_config["partition-id"]), context.run_config).to_client()


def privacy_mods(msg: Message, ctxt: Context, call_next) -> Message:
    """SecAgg+ and DP clipping as the run's config asks: mods are fixed when the app is built, the
    config only known per message. Clipping runs inside SecAgg+, so the clipped update is what is masked."""
    mods = [mod for mod, on in ((secaggplus_mod, ctxt.run_config["secagg"]), (fixedclipping_mod, ctxt.run_config["dp"])) if on]
    return make_ffn(call_next, mods)(msg, ctxt)


app = ClientApp(client_fn=client_fn, mods=[traffic_mod, privacy_mods])
