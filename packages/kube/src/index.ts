/** @edgefleet/kube: Kubernetes plumbing: API client and credentials, informers, rate-limited work queue, leader election, API times. Everything other packages may import is exported here. */

export { CONTENT_TYPES, KubeClient, type RequestObserver } from "./client.js";
export { type Credentials, loadCredentials } from "./credentials.js";
export { isNotFound, isTransient, KubeError } from "./errors.js";
export { Informer, type InformerHandlers, type InformerMetrics, type InformerOptions } from "./informer.js";
export { LeaderElector, type LeaseTimings, leaseTimingsProblem } from "./leader/lease.js";
export {
  collectionPath,
  type KubeObject,
  managedBy,
  objectKey,
  objectPath,
  RESOURCES,
  type Resource,
  splitKey,
} from "./objects.js";
export type { WorkQueueMetrics } from "./queue/metrics.js";
export { RateLimitedQueue } from "./queue/rate-limited-queue.js";
export { defaultRateLimiter } from "./queue/rate-limiters.js";
export { kubeTime } from "./time.js";
