import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeModel } from "@edgefleet/api";
import { generateSigningKey } from "@edgefleet/edge-agent";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import { startTestRegistry, type TestRegistry } from "../artifacts/oci-registry.js";
import { testCluster } from "../helpers/kube.js";
import {
  CLASSES,
  GOOD_LATENCY,
  phase,
  type RolloutSuite,
  rolloutSpec,
  SLOW_LATENCY,
  seriesFor,
  startRolloutSuite,
} from "../rollout/fixture.js";
import { buildDigits, MODEL_CLI, runScript } from "./model-cli.js";

/*
 * A published build rolled out: the digits MLP built (ONNX static int8 and the source), published by
 * tools/edgefleet model publish to the real registry as version 2.0 of an EdgeModel running 1.0 on the
 * rollout suite's simulated fleet (kwok nodes of two CPU classes, the real operator, a real
 * Prometheus analysing the suite's exported telemetry), applied and followed by publish --wait
 * through every step to Promoted (exit 0); then a slow 3.0 the operator rolls back (exit 1).
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
  const publish = (version: string, current: string, wait: string[]) =>
    runScript(MODEL_CLI, [
      "publish",
      ...["--build", join(work, "builds"), "--edgemodel", current, "--version", version],
      ...["--to", `oci://${registry.address}/models/digits`, "--key", join(work, "key.pem")],
      ...["--registry-auth", registry.publisherAuth, "--ca-file", registry.caFile],
      ...wait,
    ]);
  /** What kubectl get -o yaml gives (server fields, status and all): what publish starts from. */
  const current = async () => {
    const file = join(work, "digits.yaml");
    writeFileSync(file, stringify(await suite.models.get("digits")));
    return file;
  };
  const applyAndWait = ["--apply", "--wait", "--wait-timeout", "3m", "--kubeconfig", inject("kubeconfig")];

  it("rolls out as the model's new version with --apply --wait, the static int8 build on the CPU classes, and says what each class measured", async () => {
    const exporter = suite.exporter;
    if (!exporter) throw new Error("no exporter");
    await exporter.set(seriesFor(suite, "digits", "1.0", GOOD_LATENCY));
    await suite.models.create("digits", rolloutSpec(suite.profile));
    await phase(suite.models, "digits", "Promoted");

    // The devices' series of 2.0 exist before it is placed: analysis counts only the nodes placed on it.
    await exporter.set([...seriesFor(suite, "digits", "1.0", GOOD_LATENCY), ...seriesFor(suite, "digits", "2.0", GOOD_LATENCY)]);
    const published = await publish("2.0", await current(), applyAndWait);
    expect(published.code, published.stderr).toBe(0);
    const next = parse(published.stdout) as EdgeModel;
    expect(next.spec.variants.map((v) => v.name)).toEqual(["onnx-int8-static", "onnx-fp32"]);
    expect(published.stderr).toContain(`model publish: applied EdgeModel ${suite.ns}/digits version 2.0`);
    expect(published.stderr).toMatch(/model publish: 2\.0 (Progressing|Analysing) step \d\/3 \((25|50|100)%\)/);
    // The exporter's 20 ms land in the 10-25 ms bucket; it scores no evaluations.
    for (const cls of CLASSES)
      expect(published.stderr).toMatch(
        new RegExp(
          `model publish: ${cls} onnx-int8-static on onnx: p50 \\d+\\.\\d\\d ms, p95 (1\\d|2[0-5])\\.\\d\\d ms over \\d+ requests; no labelled samples scored`,
        ),
      );
    expect(published.stderr).toContain("model publish: Promoted: 2.0 promoted");

    const done = await suite.models.get("digits");
    expect(done?.status?.stableVersion).toBe("2.0");
    expect(done?.status?.placements?.map((p) => [p.hardwareClass, p.variant]).sort()).toEqual([
      ["rollout-a", "onnx-int8-static"],
      ["rollout-b", "onnx-int8-static"],
    ]);
    expect(done?.spec.variants[0]?.profile?.accuracy?.evaluation.dataset).toBe("digits-evaluation.npz");
  });

  it("exits 1 with --wait once the operator rolls the version back, saying why", async () => {
    const exporter = suite.exporter;
    if (!exporter) throw new Error("no exporter");
    await exporter.set([...seriesFor(suite, "digits", "2.0", GOOD_LATENCY), ...seriesFor(suite, "digits", "3.0", SLOW_LATENCY)]);
    const published = await publish("3.0", await current(), applyAndWait);
    expect(published.code, published.stderr).toBe(1);
    expect(published.stderr).toMatch(/model publish: RolledBack: rolled back to 2\.0: .*p95 latency 0\.\d+s > 0\.2s/);
    expect((await suite.models.get("digits"))?.status?.stableVersion).toBe("2.0");
  });
});
