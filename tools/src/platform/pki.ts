import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { certificateAuthority, type Issued } from "@edgefleet/kit";

/** The host name every local TLS certificate is issued for; URLs use it rather than 127.0.0.1. */
export const LOCAL_HOST = "localhost";

/**
 * The local platform's certificate authority, from a seed kept in the state directory: the same
 * derivation the Pulumi program uses for a site, so the broker runs its shipped TLS config.
 */
export function localPki(dir: string) {
  mkdirSync(dir, { recursive: true });
  const seedFile = join(dir, "seed");
  if (!existsSync(seedFile)) writeFileSync(seedFile, randomBytes(32).toString("hex"), { mode: 0o600 });
  const ca = certificateAuthority(readFileSync(seedFile, "utf8").trim(), "edgefleet local CA");
  const caFile = join(dir, "ca.crt");
  writeFileSync(caFile, ca.cert);
  return {
    seedFile,
    caFile,
    caPem: ca.cert,
    /** Writes cn's certificate and key as <dir>/<name>.crt and .key; returns the paths. */
    write(name: string, issued: Issued, into = dir): { cert: string; key: string } {
      mkdirSync(into, { recursive: true });
      const cert = join(into, `${name}.crt`);
      const key = join(into, `${name}.key`);
      writeFileSync(cert, issued.cert);
      writeFileSync(key, issued.key, { mode: 0o600 });
      return { cert, key };
    },
    issue: (cn: string, dnsNames: readonly string[] = []) => ca.issue(cn, dnsNames),
  };
}
export type LocalPki = ReturnType<typeof localPki>;
