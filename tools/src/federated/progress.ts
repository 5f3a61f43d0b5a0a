import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { PROGRESS_KEYS, type TrainingBuildResult } from "@edgefleet/api";
import type { Logger } from "@edgefleet/kit";
import { CONTENT_TYPES, type KubeClient } from "@edgefleet/kube";

/** Merges data into a job's progress ConfigMap (the coordinator's Role allows this patch and nothing else). */
export async function patchProgress(client: KubeClient, namespace: string, configMap: string, data: Record<string, string>): Promise<void> {
  await client.request({
    method: "PATCH",
    path: `/api/v1/namespaces/${namespace}/configmaps/${configMap}`,
    body: { data },
    contentType: CONTENT_TYPES.merge,
  });
}

export interface ProgressReportOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly configMap: string;
  /** Where the app writes its rounds, result and model, as this process sees it. */
  readonly out: string;
  /** The same directory as the pod sees it (spec.output.path): the result names the model there. */
  readonly podOut: string;
  /** With spec.build: hands the trained model on; called once, when the result is written. */
  readonly handOff?: () => Promise<TrainingBuildResult>;
  readonly log: Logger;
}

/**
 * A coordinator's reporting, the same in a trainer image and the fleet simulator: copies the app's
 * rounds.jsonl and result.json into the progress ConfigMap (the result's model as the pod sees it),
 * and with spec.build reports the result only with the hand-off's outcome, never before it: the
 * operator reads a result as final.
 */
export class ProgressReport {
  readonly #o: ProgressReportOptions;
  /** What the ConfigMap was last given, so an unchanged file is not written again. */
  #written = "";
  #handOff?: Promise<TrainingBuildResult>;

  constructor(options: ProgressReportOptions) {
    this.#o = options;
  }

  /** One pass; true once the result (and the hand-off's outcome) is in the ConfigMap. A failed write is logged and tried again next pass. */
  async report(): Promise<boolean> {
    const { out, podOut, log } = this.#o;
    const read = (f: string) => (existsSync(join(out, f)) ? readFileSync(join(out, f), "utf8") : undefined);
    const rounds = read(PROGRESS_KEYS.rounds);
    const resultText = read(PROGRESS_KEYS.result);
    if (rounds === undefined && resultText === undefined) return false;
    const data: Record<string, string> = {};
    if (rounds !== undefined) data[PROGRESS_KEYS.rounds] = rounds;
    if (resultText !== undefined) {
      const result = JSON.parse(resultText) as { model: string };
      const handOff = this.#o.handOff;
      if (handOff) this.#handOff ??= handOff();
      const build = this.#handOff ? { build: await this.#handOff } : {};
      data[PROGRESS_KEYS.result] = JSON.stringify({ ...result, model: join(podOut, basename(result.model)), ...build });
    }
    const text = JSON.stringify(data);
    if (text === this.#written) return resultText !== undefined;
    try {
      await patchProgress(this.#o.client, this.#o.namespace, this.#o.configMap, data);
      this.#written = text;
      return resultText !== undefined;
    } catch (err) {
      log.warn("progress not written; will retry", { error: String(err) });
      return false;
    }
  }
}
