import { X509Certificate } from "node:crypto";

/** One PEM certificate block; a bundle is one or more of them, text around them ignored as openssl does. */
export const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM bundle (CA certificates trusted for TLS), checked: each block must
 * parse, and there must be at least one, so a wrong file (a key, a DER file, an empty ConfigMap)
 * fails where it is configured rather than as an unexplained TLS error later. `source` names where
 * the text came from, for the error ("--artifact-ca-bundle /etc/ca.pem").
 */
export function certificateBundle(text: string, source: string): string {
  if (!text.trim()) throw new Error(`${source} is empty: give one or more PEM CA certificates (-----BEGIN CERTIFICATE-----)`);
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (!blocks.length) {
    throw new Error(
      `${source} holds no PEM certificate: give one or more CA certificates, each -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----`,
    );
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new Error(`${source}: certificate ${i + 1} of ${blocks.length} does not parse: ${(err as Error).message}`);
    }
  });
  return `${blocks.join("\n")}\n`;
}
