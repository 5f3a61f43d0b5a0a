import { type FederatedRound, PROGRESS_KEYS, type PushedTrainingFile, type TrainingBuildResult } from "@edgefleet/api";

/** What the coordinator has reported, read from the progress ConfigMap. */
export interface Progress {
  /** The nodes the job started with; a node's index is its data partition. */
  devices: string[];
  /** The nodes that joined the running job since, in the order they joined; partitions from devices.length on. */
  joined: string[];
  rounds: FederatedRound[];
  /** Lines of rounds.jsonl that are not a round; skipped, and reported. */
  invalidLines: number;
  /** Present once training has ended. */
  result?: { roundsPlanned: number; finalAccuracyPercent: number; epsilon: number | null; model: string; build?: TrainingBuildResult };
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** One round line as the app writes it (tools/src/federated/app server_app.py), or undefined. */
function round(line: string): FederatedRound | undefined {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line);
  } catch {
    return undefined;
  }
  const ints = ["round", "sampled", "participants", "dropouts"] as const;
  if (!ints.every((k) => Number.isInteger(r[k]) && (r[k] as number) >= 0) || !isNumber(r.loss) || !isNumber(r.accuracyPercent))
    return undefined;
  return {
    round: r.round as number,
    sampled: r.sampled as number,
    ...(Number.isInteger(r.available) && (r.available as number) >= 0 ? { available: r.available as number } : {}),
    participants: r.participants as number,
    dropouts: r.dropouts as number,
    ...(isNumber(r.trainLoss) ? { trainLoss: r.trainLoss } : {}),
    loss: r.loss,
    accuracyPercent: r.accuracyPercent,
    ...(isNumber(r.epsilon) ? { epsilon: r.epsilon } : {}),
    seconds: isNumber(r.seconds) ? r.seconds : 0,
  };
}

const pushedFile = (v: unknown): PushedTrainingFile | undefined => {
  const f = v as Partial<PushedTrainingFile> | null | undefined;
  return typeof f?.uri === "string" &&
    f.uri.startsWith("oci://") &&
    typeof f.sha256 === "string" &&
    /^[a-f0-9]{64}$/.test(f.sha256) &&
    Number.isInteger(f.sizeBytes) &&
    (f.sizeBytes ?? 0) > 0
    ? { uri: f.uri, sha256: f.sha256, sizeBytes: f.sizeBytes as number }
    : undefined;
};

/** result.json's build (TrainingBuildResult): the pushed files, or the coordinator's error; anything else is an error too. */
export function parseBuild(v: unknown): TrainingBuildResult | undefined {
  if (v === undefined || v === null) return undefined;
  const b = v as Record<string, unknown>;
  if (typeof b.error === "string") return { error: b.error };
  const source = pushedFile(b.source);
  const signatureUri = (b.source as { signatureUri?: unknown } | undefined)?.signatureUri;
  const calibration = pushedFile(b.calibration);
  const evaluation = pushedFile(b.evaluation);
  if (!source || typeof signatureUri !== "string" || !calibration || !evaluation)
    return {
      error: "the coordinator's result.json names no valid pushed source, calibration and evaluation (uri oci://, sha256, sizeBytes)",
    };
  return { source: { ...source, signatureUri }, calibration, evaluation };
}

/** The progress a ConfigMap's data holds; pure. */
export function parseProgress(data: Readonly<Record<string, string>> | undefined): Progress {
  const nodes = (key: string) => (data?.[key] ?? "").split("\n").filter((l) => l !== "");
  const lines = (data?.[PROGRESS_KEYS.rounds] ?? "").split("\n").filter((l) => l.trim() !== "");
  const parsed = lines.map(round);
  const rounds = parsed.filter((r): r is FederatedRound => r !== undefined);
  const progress: Progress = {
    devices: nodes(PROGRESS_KEYS.devices),
    joined: nodes(PROGRESS_KEYS.joined),
    rounds,
    invalidLines: parsed.length - rounds.length,
  };
  const text = data?.[PROGRESS_KEYS.result];
  if (text) {
    try {
      const r = JSON.parse(text) as Record<string, unknown>;
      if (Number.isInteger(r.roundsPlanned) && isNumber(r.finalAccuracyPercent) && typeof r.model === "string") {
        progress.result = {
          roundsPlanned: r.roundsPlanned as number,
          finalAccuracyPercent: r.finalAccuracyPercent,
          epsilon: isNumber(r.epsilon) ? r.epsilon : null,
          model: r.model,
        };
        const build = parseBuild(r.build);
        if (build) progress.result.build = build;
      }
    } catch {
      // Left out: the job is not over until the coordinator writes a whole result.
    }
  }
  return progress;
}
