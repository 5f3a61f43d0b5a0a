/** @edgefleet/operator: The edgefleet operator: placement planner, EdgeModel reconciler and staged rollouts. Everything other packages may import is exported here. */

export { CONTROLLER_NAME, EdgeModelController } from "./controller/controller.js";
export { apiEventRecorder, type EventNote, type EventRecorder } from "./controller/events.js";
export { federatedChildren } from "./federated/children.js";
export {
  type ControllerRecorders,
  type OperatorMetrics,
  type OperatorMetricsOptions,
  operatorMetrics,
} from "./observe/metrics.js";
export { HELP, parseOptions } from "./options.js";
export { namedNodes } from "./planner/daemonset.js";
export { canaryNodes } from "./rollout/nodes.js";
// Nodes shaped like the local platform's default fleet, for tests.
export { classNode } from "./testing/fleet.js";
