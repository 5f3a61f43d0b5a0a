import { Counter, type Registry } from "prom-client";
import { PUBLISH_RESULTS, type PublishResult } from "./publisher.js";

/** Each node's assignments message the operator publishes, by result, labels at zero. */
export function assignmentMetrics(registry: Registry): (result: PublishResult) => void {
  const counter = new Counter({
    name: "edgefleet_assignment_publishes_total",
    help: "Per-node assignments messages published on the broker, by result (published, cleared: a node with none, failed, truncated: a node with more runtimes than one message holds)",
    labelNames: ["result"],
    registers: [registry],
  });
  for (const result of PUBLISH_RESULTS) counter.inc({ result }, 0);
  return (result) => counter.inc({ result });
}
