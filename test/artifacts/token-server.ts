import { execFileSync } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, sign } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Issued } from "@edgefleet/kit";

export const ISSUER = "edgefleet-test-token-issuer";
export const SERVICE = "edgefleet-test-registry";

/** RFC 4648 base32 without padding, as libtrust writes key IDs. */
function base32(bytes: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + alphabet[(value << (5 - bits)) & 31] : out;
}

/** Distribution (libtrust) names a trusted key by the SHA-256 of its DER SPKI, 240 bits, base32, in groups of 4. */
function libtrustKeyId(spkiDer: Buffer): string {
  return (base32(createHash("sha256").update(spkiDer).digest().subarray(0, 30)).match(/.{4}/g) ?? []).join(":");
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString("base64url");

export interface TokenServer {
  /** The realm the registry's challenge names. */
  realm: string;
  /** The certificate Distribution trusts token signatures by (its auth.token.rootcertbundle). */
  rootCertBundle: string;
  /** Every token request: the Authorization's user (or "") and the scope asked for. */
  requests: { user: string; scope: string }[];
  close(): Promise<void>;
}

/**
 * A registry token endpoint as the Docker token spec describes it (what Harbor, GHCR or Docker
 * Hub run): HTTPS, HTTP Basic for the users it knows, an ES256 JWT granting the asked-for actions
 * on the repository, at most pull for `pullOnly` users. Distribution checks the token against the
 * key of `rootCertBundle`, a self-signed P-256 certificate made with openssl.
 */
export async function startTokenServer(
  dir: string,
  tls: Issued,
  users: Record<string, { password: string; pullOnly?: boolean }>,
): Promise<TokenServer> {
  const keyFile = join(dir, "token.key");
  const certFile = join(dir, "token.crt");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-subj",
      "/CN=edgefleet test token signer",
      "-days",
      "2",
    ],
    { stdio: "pipe" },
  );
  const key = createPrivateKey(readFileSync(keyFile));
  const kid = libtrustKeyId(createPublicKey(key).export({ type: "spki", format: "der" }));
  const requests: TokenServer["requests"] = [];

  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://token");
    const [user = "", password = ""] = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64")
      .toString("utf8")
      .split(":");
    const scope = url.searchParams.get("scope") ?? "";
    requests.push({ user, scope });
    const known = users[user];
    if (!known || known.password !== password)
      return void res.writeHead(401, { "content-type": "application/json" }).end('{"details":"bad credentials"}');
    // scope: repository:<name>:<actions>
    const [type = "", name = "", actions = ""] = scope.split(":");
    const granted = actions.split(",").filter((a) => a === "pull" || (a === "push" && !known.pullOnly));
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: "JWT", alg: "ES256", kid }));
    const claims = b64url(
      JSON.stringify({
        iss: ISSUER,
        sub: user,
        aud: url.searchParams.get("service"),
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: `${now}-${requests.length}`,
        access: [{ type, name, actions: granted }],
      }),
    );
    const signature = b64url(sign("sha256", Buffer.from(`${header}.${claims}`), { key, dsaEncoding: "ieee-p1363" }));
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    realm: `https://localhost:${port}/token`,
    rootCertBundle: certFile,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
