import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type LocalPlatform, PUBLIC_KEY_REF, signingKey } from "@edgefleet/tools";
import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { rawRequest } from "../operator/raw-api.js";

/**
 * The suite's signing key (kept in pkiDir), its public key given to the namespace as the
 * PUBLIC_KEY_REF Secret that signed variants name.
 */
export async function namespaceSigningKey(
  core: CoreV1Api,
  namespace: string,
  pkiDir: string,
): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const key = signingKey(pkiDir);
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: PUBLIC_KEY_REF.name }, stringData: { [PUBLIC_KEY_REF.key]: key.publicKeyPem } },
  });
  return key;
}

/** What an end-to-end suite set up around its local platform, to be taken down after it. */
export interface E2eSetup {
  kc: KubeConfig;
  core: CoreV1Api;
  platform?: LocalPlatform;
  /** kwok nodes the suite added. */
  nodes: readonly string[];
  ns?: string;
  dir?: string;
}

/**
 * Stops the suite's platform and deletes what it created. When a test failed, first prints the
 * ends of the named services' logs: they live in the temporary directory this deletes.
 */
export async function stopE2ePlatform(setup: E2eSetup, failed: boolean, logs: readonly string[], lines = 20): Promise<void> {
  const { kc, core, platform, ns, dir } = setup;
  if (failed && platform) {
    for (const name of logs) {
      const tail = readFileSync(join(platform.logs, `${name}.log`), "utf8")
        .trim()
        .split("\n")
        .slice(-lines)
        .join("\n");
      console.error(`--- last lines of ${name}.log ---\n${tail}`);
    }
  }
  await platform?.stop();
  for (const name of setup.nodes) await rawRequest(kc, { method: "DELETE", path: `/api/v1/nodes/${name}` }).catch(() => {});
  if (ns) await core.deleteNamespace({ name: ns }).catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
}
