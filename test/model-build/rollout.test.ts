import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeModel } from "@edgefleet/api";
import { generateSigningKey } from "@edgefleet/edge-agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { startTestRegistry, type TestRegistry } from "../artifacts/oci-registry.js";
import { eventually, testCluster } from "../helpers/kube.js";
import { GOOD_LATENCY, phase, type RolloutSuite, rolloutSpec, seriesFor, startRolloutSuite } from "../rollout/fixture.js";
import { buildDigits, MODEL_CLI, runScript } from "./model-cli.js";

/*
 * A published build rolled out: the digits MLP built (ONNX static int8 and the source), published by
 * tools/edgefleet model publish to the real registry as version 2.0 of an EdgeModel running 1.0 on the
 * rollout suite's simulated fleet (kwok nodes of two CPU classes, the real operator, a real
 * Prometheus analysing the suite's exported telemetry), and promoted through every step.
 */

const { kc, core } = testCluster();
const key = generateSigningKey();
let suite: RolloutSuite;
let registry: TestRegistry;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "edgefleet-model-rollout-"));
  writeFileSync(join(work, "key.pem"), key.privateKeyPem);
  [, registry] = await Promise.all([buildDigits(work, "onnx-fp32,onnx-int8-static"), startTestRegistry(join(work, "registry"))]);
  // After the build: its processes starting beside the build's can miss their readiness deadlines on a loaded machine.
  suite = await startRolloutSuite({ kc, core, name: "published", prometheus: "real" });
}, 300_000);
afterAll(async () => {
  await suite?.dispose();
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("a published build", () => {
  it("rolls out as the model's new version, the static int8 build on the CPU classes", async () => {
    const exporter = suite.exporter;
    if (!exporter) throw new Error("no exporter");
    await exporter.set(seriesFor(suite, "digits", "1.0", GOOD_LATENCY));
    await suite.models.create("digits", rolloutSpec(suite.profile));
    await phase(suite.models, "digits", "Promoted");

    // What kubectl get -o yaml gives (server fields, status and all) is what publish starts from.
    const current = join(work, "digits.yaml");
    writeFileSync(current, stringify(await suite.models.get("digits")));
    const published = await runScript(MODEL_CLI, [
      "publish",
      ...["--build", join(work, "builds"), "--edgemodel", current, "--version", "2.0"],
      ...["--to", `oci://${registry.address}/models/digits`, "--key", join(work, "key.pem")],
      ...["--registry-auth", registry.publisherAuth, "--ca-file", registry.caFile],
    ]);
    expect(published.code, published.stderr).toBe(0);
    const next = parse(published.stdout) as EdgeModel;
    expect(next.spec.variants.map((v) => v.name)).toEqual(["onnx-int8-static", "onnx-fp32"]);

    await exporter.set(seriesFor(suite, "digits", "2.0", GOOD_LATENCY));
    await suite.models.patchSpec("digits", next.spec);
    const done = await eventually(
      "digits promoted to 2.0",
      async () => {
        const m = await suite.models.get("digits");
        return m?.status?.rollout?.phase === "Promoted" && m.status.stableVersion === "2.0" ? m : undefined;
      },
      120_000,
    );
    expect(done.status?.rollout?.lastAnalysis).toMatchObject({ verdict: "Pass" });
    expect(done.status?.placements?.map((p) => [p.hardwareClass, p.variant]).sort()).toEqual([
      ["rollout-a", "onnx-int8-static"],
      ["rollout-b", "onnx-int8-static"],
    ]);
    expect(done.spec.variants[0]?.profile?.accuracy?.evaluation.dataset).toBe("digits-evaluation.npz");
  });
});
