import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EdgeModel } from "@edgefleet/api";
import type { KubeClient } from "@edgefleet/kube";
import type { LocalPlatform } from "../platform/local.js";
import { LOCAL_HOST } from "../platform/pki.js";
import { publishArtifact } from "../platform/registry.js";
import { servedEverywhere } from "../platform/serving.js";

/** The model the demo's build steps publish new versions of. */
export const DIGITS = "digits";

/** What a demo build step (--model-build, --federated-job) is given by the demo. */
export interface BuildStepOptions {
  root: string;
  client: KubeClient;
  platform: LocalPlatform;
  namespace: string;
  /** The demo's state directory: its pki/ holds the platform's CA, which the operator's --artifact-ca-bundle names. */
  dir: string;
  /** The demo's signing key, whose public key is in the namespace's PUBLIC_KEY_REF Secret. */
  privateKeyPem: string;
  say: (line: string) => void;
}

export interface ServedDigitsOptions extends Omit<BuildStepOptions, "dir"> {
  /** Where tools/edgefleet model example writes the digits MLP and its data. */
  work: string;
  version: string;
  hardwareClass: string;
  slo: NonNullable<EdgeModel["spec"]["slo"]>;
  rollout: NonNullable<EdgeModel["spec"]["rollout"]>;
}

/**
 * The EdgeModel a build step publishes into: the digits MLP (tools/edgefleet model example,
 * trained on scikit-learn's digits, written to work with its calibration and evaluation data)
 * signed on the platform's HTTPS registry as `version`, one onnx-fp32 variant, served on the
 * devices of one hardware class; resolves, once every placed device serves it, to its reader.
 */
export async function serveDigits(o: ServedDigitsOptions): Promise<() => Promise<EdgeModel>> {
  o.say("  training the digits MLP (tools/edgefleet model example) ...");
  const made = spawnSync("node", ["--import", "tsx", "tools/src/model-build/cli.ts", "example", "--out", o.work], {
    cwd: o.root,
    encoding: "utf8",
  });
  if (made.status !== 0) throw new Error(`tools/edgefleet model example failed: ${made.stderr}`);
  const artifact = publishArtifact({
    dir: o.platform.registryDir,
    baseUrl: `https://${LOCAL_HOST}:${o.platform.ports.artifacts}`,
    model: DIGITS,
    version: o.version,
    bytes: readFileSync(join(o.work, "digits-mlp.onnx")),
    privateKeyPem: o.privateKeyPem,
  });
  const path = `/apis/edgefleet.io/v1alpha1/namespaces/${o.namespace}/edgemodels`;
  const model: EdgeModel = {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "EdgeModel",
    metadata: { name: DIGITS, namespace: o.namespace },
    spec: {
      version: o.version,
      variants: [{ name: "onnx-fp32", format: "onnx", precision: "fp32", artifact, requirements: { accelerators: ["cpu"] } }],
      placement: { nodeSelector: { "edgefleet.io/hardware-class": o.hardwareClass } },
      slo: o.slo,
      rollout: o.rollout,
    } as EdgeModel["spec"],
  };
  await o.client.request({ method: "POST", path, body: model });
  const read = () => o.client.request<EdgeModel>({ method: "GET", path: `${path}/${DIGITS}` });
  const nodes = await servedEverywhere({
    prometheus: o.platform.prometheus,
    namespace: o.namespace,
    model: DIGITS,
    version: o.version,
    read,
    pollMs: 2_000,
    timeoutMs: 300_000,
  });
  o.say(`  ${DIGITS} ${o.version} (the digits MLP, onnx-fp32) served on ${nodes} ${o.hardwareClass} devices`);
  return read;
}
