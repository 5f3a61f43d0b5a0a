import type { OperatorProcess } from "./operator-process.js";

/** Sum of a counter's samples whose labels match, from the operator's /metrics. */
export async function counter(op: OperatorProcess, family: string, labels: RegExp): Promise<number> {
  const { text } = await op.get("/metrics");
  let sum = 0;
  for (const [, l, v] of text.matchAll(new RegExp(`^${family}\\{([^}]*)\\} (\\S+)$`, "gm"))) if (labels.test(l ?? "")) sum += Number(v);
  return sum;
}

/** The operator's writes to the API server by verb (lease renewals are PUTs, reads GET and WATCH). */
export async function writes(op: OperatorProcess): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const verb of ["POST", "PATCH", "DELETE"])
    out[verb] = await counter(op, "edgefleet_kube_requests_total", new RegExp(`verb="${verb}"`));
  return out;
}
