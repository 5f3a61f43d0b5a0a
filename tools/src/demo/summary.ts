import { table } from "../table.js";

/** What the demo shows of an EdgeModel: read from its status as the operator wrote it. */
export interface ModelSummary {
  readonly name: string;
  readonly version: string;
  /** status.observedGeneration == metadata.generation */
  readonly converged: boolean;
  /** Ready and Degraded are both set. */
  readonly settled: boolean;
  /** Progressing is True: some class is still rolling out. */
  readonly progressing: boolean;
  readonly ready: string;
  readonly degraded: string;
  readonly placements: readonly Placement[];
}

interface Placement {
  readonly hardwareClass: string;
  readonly nodes: number;
  readonly ready: number;
  readonly variant?: string;
  readonly runtime?: string;
  readonly reason?: string;
}

interface Condition {
  type?: string;
  status?: string;
}

interface EdgeModelLike {
  metadata?: { name?: string; generation?: number };
  spec?: { version?: string };
  status?: { observedGeneration?: number; conditions?: Condition[]; placements?: Placement[] };
}

export function summarize(obj: unknown): ModelSummary {
  const m = obj as EdgeModelLike;
  const cond = (type: string) => m.status?.conditions?.find((c) => c.type === type)?.status;
  return {
    name: m.metadata?.name ?? "?",
    version: m.spec?.version ?? "?",
    converged: m.status?.observedGeneration !== undefined && m.status.observedGeneration === m.metadata?.generation,
    settled: cond("Ready") !== undefined && cond("Degraded") !== undefined,
    progressing: cond("Progressing") === "True",
    ready: cond("Ready") ?? "Unknown",
    degraded: cond("Degraded") ?? "Unknown",
    placements: m.status?.placements ?? [],
  };
}

/** One block per model: its Ready/Degraded, then a row per hardware class. */
export function placementTable(models: readonly ModelSummary[]): string {
  return models
    .map((m) => {
      const rows = m.placements.map((p) => [
        `  ${p.hardwareClass}`,
        `${p.ready}/${p.nodes}`,
        p.variant ?? "-",
        p.runtime ?? "-",
        p.variant ? "" : (p.reason ?? ""),
      ]);
      const header = `${m.name} ${m.version}: Ready=${m.ready} Degraded=${m.degraded}`;
      return [header, table([["  CLASS", "READY", "VARIANT", "RUNTIME", "WHY NOT PLACED"], ...rows])].join("\n");
    })
    .join("\n\n");
}
