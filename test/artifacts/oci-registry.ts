import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { certificateAuthority } from "@edgefleet/kit";
import { dockerConfig, type OciRegistry, startOciRegistry } from "@edgefleet/tools";
import { ISSUER, SERVICE, startTokenServer, type TokenServer } from "./token-server.js";

export const PUBLISHER = { username: "publisher", password: "publisher-secret" };
export const DEVICE = { username: "device", password: "device-secret" };

export interface TestRegistry extends OciRegistry {
  /** The CA that issued its certificate (PEM) and a file holding it. */
  ca: string;
  caFile: string;
  /** Docker config files with the publisher's and the device's credentials. */
  publisherAuth: string;
  deviceAuth: string;
  /** With bearer auth: the token endpoint, whose requests the test can read. */
  tokenServer: TokenServer | undefined;
  stop(): Promise<void>;
}

/**
 * The real OCI registry (CNCF Distribution, Debian's docker-registry) serving HTTPS with a
 * certificate of a private CA from the project's PKI, and requiring credentials of the publisher
 * and the devices: HTTP Basic (htpasswd), or Bearer tokens from a token endpoint of the same CA.
 */
export async function startTestRegistry(dir: string, auth: "basic" | "bearer" = "basic"): Promise<TestRegistry> {
  const ca = certificateAuthority(randomBytes(16).toString("hex"), "edgefleet OCI registry test CA");
  const issued = ca.issue("localhost", ["localhost"]);
  const tokenServer =
    auth === "bearer"
      ? await startTokenServer(dir, issued, {
          [PUBLISHER.username]: { password: PUBLISHER.password },
          [DEVICE.username]: { password: DEVICE.password, pullOnly: true },
        })
      : undefined;
  const registry = await startOciRegistry({
    dir: join(dir, "registry"),
    tls: { cert: issued.cert, key: issued.key },
    ...(tokenServer
      ? { token: { realm: tokenServer.realm, service: SERVICE, issuer: ISSUER, rootCertBundle: tokenServer.rootCertBundle } }
      : { users: { [PUBLISHER.username]: PUBLISHER.password, [DEVICE.username]: DEVICE.password } }),
  });
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.cert);
  const publisherAuth = join(dir, "publisher.json");
  const deviceAuth = join(dir, "device.json");
  writeFileSync(publisherAuth, dockerConfig(registry.address, PUBLISHER));
  writeFileSync(deviceAuth, dockerConfig(registry.address, DEVICE));
  return {
    ...registry,
    ca: ca.cert,
    caFile,
    publisherAuth,
    deviceAuth,
    tokenServer,
    stop: async () => {
      await registry.service.dispose();
      await tokenServer?.close();
    },
  };
}
