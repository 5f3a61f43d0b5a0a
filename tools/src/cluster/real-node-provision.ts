import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IMAGE_UID } from "@edgefleet/api";
import type { CertificateAuthority } from "@edgefleet/kit";
import { NODE_DIRS, NODE_IDENTITY_DIR } from "@edgefleet/stacks";

/**
 * What a site's node provisioning puts on a host before the platform's pods run there, done for
 * the local real node as the K3s site does it over SSH (stacks/src/k3s: installCommand makes
 * NODE_DIRS, K3sSite.identity writes the identity): the agent's spool and the artifact cache,
 * owned by the images' user, and the node's own MQTT identity from the site's CA, 0640
 * root:root, which only the agent on that node reads. The paths are the host's own, which is one
 * reason a host has one real node.
 */
export function provisionRealNodeHost(node: string, mqttCa: CertificateAuthority): void {
  for (const dir of NODE_DIRS) {
    mkdirSync(dir.path, { recursive: true });
    chownSync(dir.path, IMAGE_UID, IMAGE_UID);
    chmodSync(dir.path, dir.mode);
  }
  mkdirSync(NODE_IDENTITY_DIR, { recursive: true });
  const issued = mqttCa.issue(node);
  const files = { "ca.crt": issued.ca, "tls.crt": issued.cert, "tls.key": issued.key };
  for (const [file, content] of Object.entries(files)) writeFileSync(join(NODE_IDENTITY_DIR, file), content, { mode: 0o640 });
}

/** Removes what provisionRealNodeHost made, with what the node's pods left in it (spool, cached artifacts). */
export function unprovisionRealNodeHost(): void {
  for (const dir of [NODE_IDENTITY_DIR, ...NODE_DIRS.map((d) => d.path)]) rmSync(dir, { recursive: true, force: true });
}
