/** What liveness needs of an informer: how long it has gone without a list or watch. */
export interface WatchedInformer {
  readonly resource: string;
  downForMs(): number;
}

/**
 * Why a controller's caches are stale, for liveness: every informer without a list or watch for
 * longer than maxDownMs, or undefined. One message for every controller of the operator.
 */
export function informersProblem(informers: readonly WatchedInformer[], maxDownMs: number): string | undefined {
  const down = informers.filter((i) => i.downForMs() > maxDownMs);
  if (down.length === 0) return undefined;
  const worst = Math.max(...down.map((i) => i.downForMs()));
  return `informers ${down.map((i) => i.resource).join(", ")} without a list or watch for up to ${Math.round(worst / 1000)} s (most ${maxDownMs / 1000} s)`;
}
