/** A request the API server answered with an error status, or that never got an answer (status 0). */
export class KubeError extends Error {
  override name = "KubeError";
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether retrying the same request later can succeed: the server was unreachable, overloaded or
 * failing, or the object changed under us. Anything else (422 Invalid, 403, 400) needs a different
 * request, so the reconciler reports it instead of retrying forever.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof KubeError)) return !(err instanceof TypeError || err instanceof RangeError);
  return err.status === 0 || err.status === 409 || err.status === 429 || err.status >= 500;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeError && err.status === 404;
}
