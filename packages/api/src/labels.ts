/** Labels and label values edgefleet puts on, or reads from, Kubernetes objects. */
export const LABELS = {
  /** On Nodes: the hardware class, set by whoever provisions the device. */
  hardwareClass: "edgefleet.io/hardware-class",
  /** On Nodes: the device's main accelerator (nvidia-gpu, intel-npu, intel-gpu, edgetpu or none). */
  accelerator: "edgefleet.io/accelerator",
  /** On children: the EdgeModel they belong to. */
  model: "edgefleet.io/model",
  /** On children's pods: the variant and model version they run. */
  variant: "edgefleet.io/variant",
  modelVersion: "edgefleet.io/model-version",
  /** On a Shared runtime's server DaemonSet and pods: the server's name. */
  runtimeServer: "edgefleet.io/runtime-server",
  /** On the pods of a model on a Shared runtime: the server its model loader loads the model into. */
  modelServer: "edgefleet.io/model-server",
  managedBy: "app.kubernetes.io/managed-by",
  partOf: "app.kubernetes.io/part-of",
  arch: "kubernetes.io/arch",
} as const;

/**
 * Values of the edgefleet.io/accelerator node label: a node's main accelerator, or "none" for a
 * CPU-only node. Whoever provisions devices (the K3s site component, the local fleet) sets it.
 */
export const NODE_ACCELERATORS = ["nvidia-gpu", "intel-npu", "intel-gpu", "edgetpu", "none"] as const;
export type NodeAccelerator = (typeof NODE_ACCELERATORS)[number];

/** Value of app.kubernetes.io/managed-by on everything the operator creates. */
export const MANAGER = "edgefleet-operator";
