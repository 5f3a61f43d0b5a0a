import type { Clock, Logger } from "@edgefleet/kit";
import type { RateLimitedQueue } from "@edgefleet/kube";
import { type Span, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { ControllerMetrics } from "../observe/metrics.js";

export interface WorkerOptions {
  queue: RateLimitedQueue;
  /** The controller's name, on each reconcile's span. */
  controller: string;
  metrics: ControllerMetrics;
  tracer: Tracer;
  clock: Clock;
  log: Logger;
  /** False once the controller stops leading: keys still queued are dropped. */
  leading: () => boolean;
  /** One reconcile; throws to be retried with backoff, returns when to look again if nothing else happens. */
  reconcile: (key: string, span: Span) => Promise<{ requeueAfterMs?: number | undefined }>;
}

/**
 * One worker of a controller: takes keys off the queue until it shuts down and owns the requeue
 * rules, as controller-runtime's reconcileHandler does: forget and add-after on success, a
 * rate-limited requeue on error. The reconciler only decides.
 */
export async function work(o: WorkerOptions): Promise<void> {
  for (;;) {
    const key = await o.queue.get();
    if (key === undefined) return;
    // Shutting down: the queue still hands out what it holds, but the next leader re-reads everything anyway.
    if (!o.leading()) {
      o.queue.done(key);
      continue;
    }
    o.metrics.activeWorkers(1);
    const started = o.clock.now();
    await o.tracer.startActiveSpan(
      "reconcile",
      { attributes: { "edgefleet.controller": o.controller, "edgefleet.key": key } },
      async (span) => {
        try {
          const { requeueAfterMs } = await o.reconcile(key, span);
          o.queue.forget(key);
          if (requeueAfterMs !== undefined) o.queue.addAfter(key, requeueAfterMs);
          o.metrics.reconciled(requeueAfterMs !== undefined ? "requeue_after" : "success", (o.clock.now() - started) / 1000);
        } catch (err) {
          span.recordException(err instanceof Error ? err : String(err));
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
          o.metrics.reconciled("error", (o.clock.now() - started) / 1000);
          o.log.warn("reconcile failed, retrying with backoff", { key, retries: o.queue.retries(key), error: String(err) });
          o.queue.addRateLimited(key);
        } finally {
          span.end();
          o.metrics.activeWorkers(-1);
          o.queue.done(key);
        }
      },
    );
  }
}
