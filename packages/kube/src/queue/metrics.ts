/**
 * Where a work queue reports what it does, one method per metric of controller-runtime's
 * workqueue family (each labelled by the queue's name), so dashboards built for Go operators work
 * unchanged once a registry implements this.
 */
export interface WorkQueueMetrics {
  /** workqueue_depth: keys waiting to be processed. */
  depth(keys: number): void;
  /** workqueue_adds_total: one per add that was not already pending. */
  added(): void;
  /** workqueue_queue_duration_seconds: time a key waited from add to get. */
  queued(seconds: number): void;
  /** workqueue_work_duration_seconds: time from get to done. */
  worked(seconds: number): void;
  /** workqueue_retries_total: one per rate-limited re-add. */
  retried(): void;
}

export const noMetrics: WorkQueueMetrics = {
  depth() {},
  added() {},
  queued() {},
  worked() {},
  retried() {},
};
