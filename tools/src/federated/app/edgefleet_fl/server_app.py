"""The ServerApp: federated averaging (Flower's FedAvg, weighted by samples) of the digits MLP over a
fraction of the devices per round, through SecAgg+ (Flower's SecAggPlusWorkflow) when the run's
config asks, with central DP (Flower's DifferentialPrivacyClientSideFixedClipping) when it asks,
for as many rounds as the privacy budget allows. Each round's figures go to OUT/rounds.jsonl as
the round ends, the result to OUT/result.json, the model to OUT/digits-federated.onnx with the data
tools/edgefleet model build measures it on."""

import json
import os
import random
import time

import numpy as np
import onnx
from digits import example_mlp, example_split, to_onnx_model
from flwr.common import Context, ndarrays_to_parameters
from flwr.server import Grid, LegacyContext, ServerApp, ServerConfig
from flwr.server.strategy import DifferentialPrivacyClientSideFixedClipping, FedAvg
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow

from .privacy import epsilon, rounds_within
from .task import evaluate, initial_weights, mlp_with

MODEL_FILE = "digits-federated.onnx"


class Rounds:
    """Each round's figures, written as a JSON line once the round's evaluation is in."""

    def __init__(self, path, privacy):
        self.path = path
        # (sample rate, noise multiplier, delta) with DP on, else None.
        self.privacy = privacy
        self.started = time.monotonic()
        self.fit = {}
        self.lines = []

    def sampled(self, server_round, count):
        self.started = time.monotonic()
        # As it stays when no aggregate comes (SecAgg+ halted: too few devices left to unmask).
        self.fit = {"round": server_round, "sampled": count, "participants": 0, "dropouts": count, "trainLoss": None}

    def aggregated(self, participants, train_loss):
        self.fit.update(participants=participants, dropouts=self.fit["sampled"] - participants, trainLoss=train_loss)

    def evaluated(self, server_round, loss, accuracy):
        if server_round == 0:
            return
        line = {**self.fit, "loss": loss, "accuracyPercent": accuracy, "seconds": time.monotonic() - self.started}
        if self.privacy:
            line["epsilon"] = epsilon(server_round, *self.privacy)
        self.lines.append(line)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")


class RecordedFedAvg(FedAvg):
    """Flower's FedAvg, telling Rounds whom it sampled and how many replied."""

    def __init__(self, rounds, **kwargs):
        super().__init__(**kwargs)
        self.rounds = rounds

    def configure_fit(self, server_round, parameters, client_manager):
        chosen = super().configure_fit(server_round, parameters, client_manager)
        self.rounds.sampled(server_round, len(chosen))
        return chosen

    def aggregate_fit(self, server_round, results, failures):
        aggregated = super().aggregate_fit(server_round, results, failures)
        self.rounds.aggregated(len(results), aggregated[1].get("train-loss"))
        return aggregated


class DeviceCalibratedDP(DifferentialPrivacyClientSideFixedClipping):
    """Flower's central DP wrapper with its noise scaled to the devices that did reply: it averages
    over them, so with dropouts the noise for the sampled count would fall short of the noise
    multiplier the accountant is told (privacy.py)."""

    def aggregate_fit(self, server_round, results, failures):
        self.num_sampled_clients = max(1, len(results))
        return super().aggregate_fit(server_round, results, failures)


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
    # Flower's FedAvg samples with Python's random module: seeded, the choice of devices repeats.
    random.seed(seed)
    per_round = max(2, int(devices * fraction))
    dp = bool(c["dp"])
    privacy = (per_round / devices, float(c["dp-noise-multiplier"]), float(c["dp-delta"])) if dp else None
    requested = int(c["rounds"])
    planned = rounds_within(float(c["dp-target-epsilon"]), requested, *privacy) if dp else requested
    rounds = Rounds(os.path.join(out, "rounds.jsonl"), privacy)

    (train_x, train_y), calibration, (eval_x, eval_y) = example_split()

    def evaluate_fn(server_round, weights, _config):
        loss, accuracy = evaluate(weights, eval_x, eval_y)
        rounds.evaluated(server_round, loss, accuracy)
        return loss, {"accuracy": accuracy}

    strategy = RecordedFedAvg(
        rounds,
        fraction_fit=fraction,
        min_fit_clients=per_round,
        # Every device registered before the first round: sampling is over all of them.
        min_available_clients=devices,
        fraction_evaluate=0.0,
        min_evaluate_clients=0,
        evaluate_fn=evaluate_fn,
        on_fit_config_fn=lambda server_round: {"server-round": server_round},
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
    legacy = LegacyContext(context=context, config=ServerConfig(num_rounds=planned), strategy=strategy)
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
        "roundsPlanned": planned,
        "rounds": rounds.lines,
        "seconds": seconds,
        "finalAccuracyPercent": evaluate(final, eval_x, eval_y)[1],
        "centralizedAccuracyPercent": float(100 * np.mean(central.predict(eval_x) == eval_y)),
        "epsilon": epsilon(len(rounds.lines), *privacy) if dp else None,
        "model": os.path.join(out, MODEL_FILE),
        "calibration": os.path.join(out, "digits-calibration.npz"),
        "evaluation": os.path.join(out, "digits-evaluation.npz"),
    }
    with open(os.path.join(out, "result.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)
