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
  managedBy: "app.kubernetes.io/managed-by",
  partOf: "app.kubernetes.io/part-of",
  arch: "kubernetes.io/arch",
} as const;

/** Value of app.kubernetes.io/managed-by on everything the operator creates. */
export const MANAGER = "edgefleet-operator";
