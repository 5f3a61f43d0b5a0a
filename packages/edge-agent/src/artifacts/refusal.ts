import { errorMessage } from "@edgefleet/kit";
import type { ArtifactFailures } from "@edgefleet/telemetry";

export type ArtifactFailureReason = ArtifactFailures["reason"];

/**
 * Why an artifact was not installed. Every way an install can fail ends in one of these, so the
 * agent reports it under a bounded reason and the node keeps serving what it had.
 */
export class ArtifactRefusal extends Error {
  override readonly name = "ArtifactRefusal";
  constructor(
    readonly reason: ArtifactFailureReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Anything thrown while installing, as a refusal: unexpected errors are download failures. Once the
 * install's signal is aborted (its deadline), whatever the abort interrupted fails for that reason.
 */
export function asRefusal(err: unknown, signal?: AbortSignal): ArtifactRefusal {
  if (signal?.aborted && !(err instanceof ArtifactRefusal && err.reason !== "download-failed")) {
    const why: unknown = signal.reason;
    return new ArtifactRefusal("download-failed", errorMessage(why), { cause: err });
  }
  if (err instanceof ArtifactRefusal) return err;
  return new ArtifactRefusal("download-failed", errorMessage(err), { cause: err });
}
