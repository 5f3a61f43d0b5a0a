"""The ServerApp: federated averaging (Flower's FedAvg, weighted by samples, or Flower's FedProx) of
the digits MLP over a fraction of the devices per round, sampled by stable device ids from the run's
seed, through SecAgg+ (Flower's SecAggPlusWorkflow) when the run's
config asks, with central DP (Flower's DifferentialPrivacyClientSideFixedClipping) when it asks,
for as many rounds as the privacy budget allows. Each round's figures go to OUT/rounds.jsonl as
the round ends, the result to OUT/result.json, the model to OUT/digits-federated.onnx with the data
tools/edgefleet model build measures it on."""

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
from digits import example_mlp, example_split, to_onnx_model
from flwr.common import Context, GetPropertiesIns, ndarrays_to_parameters
from flwr.server import Grid, LegacyContext, ServerApp, ServerConfig, SimpleClientManager
from flwr.server.strategy import DifferentialPrivacyClientSideFixedClipping, FedAvg, FedProx
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow

from .privacy import epsilon_of, rounds_within
from .task import CLASSES, evaluate, initial_weights

MODEL_FILE = "digits-federated.onnx"
# Devices asked their id at once (DeviceSampler._device_ids).
ASKS_AT_ONCE = 20


class Rounds:
    """Each round's figures, written as a JSON line once the round's evaluation is in, and with DP on
    the privacy budget: the rate each round sampled at, and whether the budget has stopped training."""

    def __init__(self, path, privacy):
        self.path = path
        # (noise multiplier, delta, target epsilon) with DP on, else None.
        self.privacy = privacy
        self.started = time.monotonic()
        self.fit = {}
        self.lines = []
        self.rates = []
        self.spent = False

    def epsilon(self, rates=None):
        noise, delta, _ = self.privacy
        return epsilon_of(self.rates if rates is None else rates, noise, delta)

    def affordable(self, count, available):
        """Whether the budget allows a round of `count` devices sampled from `available`; once it does
        not, no later round trains (the devices' count could grow again, the budget stays spent)."""
        if self.privacy and not self.spent and count > 0:
            self.spent = self.epsilon([*self.rates, count / available]) > self.privacy[2]
        return not self.spent

    def sampled(self, server_round, count, available):
        self.started = time.monotonic()
        if self.privacy and count > 0:
            self.rates.append(count / available)
        # As it stays when no aggregate comes (SecAgg+ halted: too few devices left to unmask).
        self.fit = {"round": server_round, "sampled": count, "available": available, "participants": 0, "dropouts": count, "trainLoss": None}

    def aggregated(self, participants, train_loss):
        self.fit.update(participants=participants, dropouts=self.fit["sampled"] - participants, trainLoss=train_loss)

    def evaluated(self, server_round, loss, accuracy):
        # Round 0 is the initial model; rounds after the budget ran out trained nothing.
        if server_round == 0 or self.spent:
            return
        line = {**self.fit, "loss": loss, "accuracyPercent": accuracy, "seconds": time.monotonic() - self.started}
        if self.privacy:
            line["epsilon"] = self.epsilon()
        self.lines.append(line)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")


class DeviceSampler(SimpleClientManager):
    """Flower's client manager, sampling by the devices' own ids (each device's partition-id, asked
    once with a get_properties message) from the run's seed: Flower's sampling is over node ids the
    SuperLink draws at random, so the devices of a round, and which of them drop out, would change
    from run to run with the same seed."""

    def __init__(self, seed):
        super().__init__()
        self.rng = np.random.default_rng(seed)
        self.by_device = None
        # How many devices the last sample drew from: a round's sampling rate is over them.
        self.population = 0

    def _device_ids(self):
        def ask(proxy):
            try:
                return int(proxy.get_properties(GetPropertiesIns({}), timeout=None, group_id=None).properties["device"])
            except ValueError:
                # Flower's error reply for a node gone meanwhile (a restarted SuperNode's old id).
                return None

        proxies = list(self.clients.values())
        # Each ask is a message, and each message a Python process on its device: asked all at once,
        # 100 simulated devices on 2 cores started 100 of them together, and the SuperLink's own
        # SuperExec, starved, timed out and took this ServerApp with it. 20 at a time, as many as a
        # round of 20 sampled devices starts.
        with ThreadPoolExecutor(max_workers=min(len(proxies), ASKS_AT_ONCE)) as pool:
            return {d: p for p, d in zip(proxies, pool.map(ask, proxies)) if d is not None}

    def sample(self, num_clients, min_num_clients=None, criterion=None):
        self.wait_for(min_num_clients or num_clients)
        if self.by_device is None or set(self.by_device.values()) != set(self.clients.values()):
            self.by_device = self._device_ids()
        devices = sorted(d for d, p in self.by_device.items() if criterion is None or criterion.select(p))
        self.population = len(devices)
        if num_clients > len(devices):
            return []
        return [self.by_device[d] for d in sorted(self.rng.choice(devices, num_clients, replace=False).tolist())]


class Recorded:
    """Telling Rounds whom the strategy (FedAvg or FedProx, the class it comes before) sampled and how
    many replied."""

    def __init__(self, rounds, **kwargs):
        super().__init__(**kwargs)
        self.rounds = rounds

    def configure_fit(self, server_round, parameters, client_manager):
        # Nobody is sampled once the privacy budget is spent: Flower cancels the round's training.
        if self.rounds.spent:
            return []
        chosen = super().configure_fit(server_round, parameters, client_manager)
        if not self.rounds.affordable(len(chosen), client_manager.population):
            return []
        self.rounds.sampled(server_round, len(chosen), client_manager.population)
        # Every device registered before the first round; later rounds sample those still there:
        # the operator removes the clients of devices that stop being eligible and adds clients for
        # devices that become eligible, whose SuperNodes Flower registers as they connect.
        self.min_available_clients = self.min_fit_clients
        return chosen

    def aggregate_fit(self, server_round, results, failures):
        aggregated = super().aggregate_fit(server_round, results, failures)
        self.rounds.aggregated(len(results), aggregated[1].get("train-loss"))
        return aggregated


class RecordedFedAvg(Recorded, FedAvg):
    pass


class RecordedFedProx(Recorded, FedProx):
    pass


class DeviceCalibratedDP(DifferentialPrivacyClientSideFixedClipping):
    """Flower's central DP wrapper with its noise scaled to the devices that did reply: it averages
    over them, so with dropouts the noise for the sampled count would fall short of the noise
    multiplier the accountant is told (privacy.py)."""

    def aggregate_fit(self, server_round, results, failures):
        self.num_sampled_clients = max(1, len(results))
        return super().aggregate_fit(server_round, results, failures)


def mlp_with(weights):
    """scikit-learn's MLP of the model builds (digits.py) holding these weights: what the ONNX export takes."""
    mlp = example_mlp()
    # One step on a blank image of each class builds the layers; their weights are replaced next.
    mlp.partial_fit(np.zeros((len(CLASSES), weights[0].shape[0])), CLASSES, classes=CLASSES)
    layers = len(weights) // 2
    mlp.coefs_ = [w.copy() for w in weights[:layers]]
    mlp.intercepts_ = [b.copy() for b in weights[layers:]]
    return mlp


def weighted_train_loss(metrics):
    examples = sum(n for n, _ in metrics)
    return {"train-loss": sum(n * m["train-loss"] for n, m in metrics) / examples} if examples else {}


app = ServerApp()


@app.main()
def main(grid: Grid, context: Context) -> None:
    c = context.run_config
    out = str(c["out"])
    os.makedirs(out, exist_ok=True)
    devices, fraction, seed = int(c["devices"]), float(c["fraction"]), int(c["seed"])
    per_round = max(2, int(devices * fraction))
    dp = bool(c["dp"])
    noise, delta, target = float(c["dp-noise-multiplier"]), float(c["dp-delta"]), float(c["dp-target-epsilon"])
    requested = int(c["rounds"])
    # Planned at the starting devices' rate; a round whose own rate would pass the target (fewer
    # devices to sample from than at the start) stops training before it (Rounds.affordable).
    planned = rounds_within(target, requested, per_round / devices, noise, delta) if dp else requested
    rounds = Rounds(os.path.join(out, "rounds.jsonl"), (noise, delta, target) if dp else None)

    (train_x, train_y), calibration, (eval_x, eval_y) = example_split()

    def evaluate_fn(server_round, weights, _config):
        loss, accuracy = evaluate(weights, eval_x, eval_y)
        rounds.evaluated(server_round, loss, accuracy)
        return loss, {"accuracy": accuracy}

    learning_rate, decay = float(c["learning-rate"]), float(c["learning-rate-decay"])
    fedprox = {"proximal_mu": float(c["proximal-mu"])} if c["strategy"] == "fedprox" else {}
    strategy = (RecordedFedProx if fedprox else RecordedFedAvg)(
        rounds,
        **fedprox,
        fraction_fit=fraction,
        min_fit_clients=per_round,
        # Every device registered before the first round: sampling is over all of them.
        min_available_clients=devices,
        fraction_evaluate=0.0,
        min_evaluate_clients=0,
        evaluate_fn=evaluate_fn,
        # The devices' learning rate falls round by round: late rounds move the model less, so the
        # devices sampled last (non-IID: a few classes each) pull it less far from the others.
        on_fit_config_fn=lambda server_round: {"server-round": server_round, "learning-rate": learning_rate * decay ** (server_round - 1)},
        initial_parameters=ndarrays_to_parameters(initial_weights(seed)),
        fit_metrics_aggregation_fn=weighted_train_loss,
    )
    if dp:
        strategy = DeviceCalibratedDP(
            strategy,
            noise_multiplier=float(c["dp-noise-multiplier"]),
            clipping_norm=float(c["dp-clipping-norm"]),
            num_sampled_clients=per_round,
        )
    legacy = LegacyContext(
        context=context, config=ServerConfig(num_rounds=planned), strategy=strategy, client_manager=DeviceSampler(seed)
    )
    # Every sampled device holds a share of every other's key; any half of them rebuild a dropped
    # device's masks.
    fit = SecAggPlusWorkflow(num_shares=1.0, reconstruction_threshold=0.5) if c["secagg"] else None
    started = time.monotonic()
    if planned > 0:
        DefaultWorkflow(fit_workflow=fit)(grid, legacy)
    seconds = time.monotonic() - started

    final = [np.asarray(a) for a in legacy.state.array_records["parameters"].to_numpy_ndarrays()]
    onnx.save(to_onnx_model(mlp_with(final), eval_x[:1]), os.path.join(out, MODEL_FILE))
    np.savez(os.path.join(out, "digits-calibration.npz"), inputs=calibration)
    np.savez(os.path.join(out, "digits-evaluation.npz"), inputs=eval_x, labels=eval_y)
    central = example_mlp().fit(train_x, train_y)
    result = {
        "roundsRequested": requested,
        # Fewer than planned when the budget ran out early (Rounds.affordable).
        "roundsPlanned": len(rounds.lines) if rounds.spent else planned,
        "rounds": rounds.lines,
        "seconds": seconds,
        "finalAccuracyPercent": evaluate(final, eval_x, eval_y)[1],
        "centralizedAccuracyPercent": float(100 * np.mean(central.predict(eval_x) == eval_y)),
        "epsilon": rounds.epsilon() if dp else None,
        "model": os.path.join(out, MODEL_FILE),
        "calibration": os.path.join(out, "digits-calibration.npz"),
        "evaluation": os.path.join(out, "digits-evaluation.npz"),
    }
    with open(os.path.join(out, "result.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)
