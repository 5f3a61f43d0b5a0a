import { readFileSync } from "node:fs";
import type { InferenceTarget } from "../inference/target.js";

const FIELDS = ["baseUrl", "namespace", "model", "version", "variant", "runtime"] as const;

/**
 * The model versions this node serves, from a JSON file (an array of InferenceTarget), which
 * whatever deploys the runtimes writes. Read once at start; a bad file stops the agent with the
 * flag, the entry and the field named.
 */
export function readInferenceTargets(file: string): InferenceTarget[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`--inference-targets ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`--inference-targets ${file}: expected a JSON array of targets`);
  return parsed.map((entry: unknown, i) => {
    const where = `--inference-targets ${file}: entry ${i}`;
    if (typeof entry !== "object" || entry === null) throw new Error(`${where} is not an object`);
    const record = entry as Record<string, unknown>;
    for (const field of FIELDS)
      if (typeof record[field] !== "string" || record[field] === "") throw new Error(`${where}: ${field} must be a non-empty string`);
    if (!/^https?:\/\//.test(record.baseUrl as string))
      throw new Error(`${where}: baseUrl must be an http(s) URL, got "${record.baseUrl}"`);
    if (record.runtimeMetrics !== undefined && typeof record.runtimeMetrics !== "boolean")
      throw new Error(`${where}: runtimeMetrics must be true or false`);
    const target: InferenceTarget = {
      baseUrl: record.baseUrl as string,
      namespace: record.namespace as string,
      model: record.model as string,
      version: record.version as string,
      variant: record.variant as string,
      runtime: record.runtime as string,
      ...(record.runtimeMetrics === true ? { runtimeMetrics: true } : {}),
    };
    return target;
  });
}
