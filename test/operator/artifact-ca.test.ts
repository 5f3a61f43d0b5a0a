import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { certificateAuthority, useTempDirs } from "@edgefleet/kit";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { EdgeModels } from "./edgemodels.js";
import { installApi } from "./install.js";
import { OperatorProcess } from "./operator-process.js";
import { operatorNamespace } from "./service-account.js";

/*
 * The operator's --artifact-ca-bundle as shipped: read at start, refused there when unusable, and
 * handed to every runtime pod's verify-artifact init container (test/artifacts/ca-bundle.test.ts
 * shows the install trusting it).
 */

const { kc, core } = testCluster();
const tempDir = useTempDirs("operator-artifact-ca");
const PLACEMENT = {
  nodeSelector: { "edgefleet.io/fleet-profile": "default", "edgefleet.io/hardware-class": "x86-cpu" },
  maxNodesPerClass: 1,
};
const BUNDLE = certificateAuthority("operator-artifact-ca-test", "site artifact CA").cert;

let ns: string;
let kubeconfig: string;
let operator: OperatorProcess | undefined;

beforeAll(async () => {
  await installApi(kc);
  ({ ns, kubeconfig } = await operatorNamespace(kc, core, "op-artifact-ca"));
});

afterAll(async () => {
  await operator?.stop();
  if (ns) await core.deleteNamespace({ name: ns }).catch(() => {});
});

describe("the operator's --artifact-ca-bundle", () => {
  it("gives every runtime pod's verify-artifact init container the bundle, and the runtime none", async () => {
    const file = join(tempDir(), "artifact-cas.pem");
    writeFileSync(file, BUNDLE);
    operator = new OperatorProcess({
      kubeconfig,
      namespace: ns,
      identity: "ca",
      extra: [`--artifact-ca-bundle=${file}`],
    });
    await operator.port();
    const models = new EdgeModels(kc, ns);
    await models.create("detector", { placement: PLACEMENT });
    const [ds] = await eventually("the model's DaemonSet", async () => {
      const list = await models.daemonSets();
      return list.length ? list : undefined;
    });
    const pod = ds?.spec?.template.spec;
    const init = pod?.initContainers?.find((c) => c.name === "verify-artifact");
    expect(init?.env?.find((e) => e.name === "EDGEFLEET_ARTIFACT_CA_BUNDLE")?.value).toBe(BUNDLE);
    expect(pod?.containers.flatMap((c) => c.env ?? []).map((e) => e.name)).not.toContain("EDGEFLEET_ARTIFACT_CA_BUNDLE");
  });

  it("exits 2 at start, naming the flag, when the file is missing or holds no certificate", () => {
    const start = (file: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "packages/operator/src/main.ts", `--artifact-ca-bundle=${file}`], {
        cwd: join(import.meta.dirname, "../.."),
        encoding: "utf8",
        timeout: 60_000,
      });
    const dir = tempDir();
    const missing = start(join(dir, "missing.pem"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--artifact-ca-bundle cannot be read: ENOENT");
    const key = join(dir, "key.pem");
    writeFileSync(key, "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n");
    const notCa = start(key);
    expect(notCa.status).toBe(2);
    expect(notCa.stderr).toContain(`--artifact-ca-bundle ${key} holds no PEM certificate`);
  });
});
