"""Bytes each device receives and sends, per message, appended as JSON lines to the file its
SuperNode's node config names (traffic-file): what tools/edgefleet fl run sums per device and round.
Counted as the message content's protobuf encoding (Flower's RecordDict message: arrays, metrics,
configs), so without the transport's framing and headers. Not Flower's message_size_mod: its
count_bytes fails on the empty lists SecAgg+'s messages carry."""

import json

from flwr.common import Context, Message
from flwr.common.serde import recorddict_to_proto


def encoded_bytes(msg: Message) -> int:
    return 0 if msg.has_error() else recorddict_to_proto(msg.content).ByteSize()


def traffic_mod(msg: Message, ctxt: Context, call_next) -> Message:
    reply = call_next(msg, ctxt)
    path = ctxt.node_config.get("traffic-file")
    if path:
        line = {"device": ctxt.node_config["partition-id"], "round": msg.metadata.group_id, "received": encoded_bytes(msg), "sent": encoded_bytes(reply)}
        # One short line per append: the devices' processes each write whole lines.
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
    return reply
