/**
 * A host's pinned SSH host key: the OpenSSH public key line (`ssh-ed25519 AAAA...`), as
 * `ssh-keyscan` prints it after the host name. The line, not a fingerprint alone, because it
 * names the key's algorithm: the connection then asks the host for that algorithm only, so a
 * host that also has an RSA key cannot present that one and fail a pin of its ed25519 key.
 */
export interface PinnedHostKey {
  /** The key's type as the line names it: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ... */
  readonly type: string;
  /** The key blob, base64, exactly as the server sends it in the key exchange. */
  readonly blob: string;
}

/** Key types and the host-key algorithms a client may negotiate for each (RSA keys sign with SHA-2 too). */
export const HOST_KEY_ALGORITHMS: Readonly<Record<string, readonly string[]>> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

/**
 * Reads `TYPE BASE64 [comment]` (an optional leading host name, as ssh-keyscan prints, is
 * skipped); undefined unless the type is known and the blob's own type field agrees with it.
 */
export function parseHostKey(line: string): PinnedHostKey | undefined {
  const fields = line.trim().split(/\s+/);
  const start = fields.findIndex((f) => f in HOST_KEY_ALGORITHMS);
  const type = fields[start];
  const blob = fields[start + 1];
  if (start < 0 || type === undefined || blob === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return undefined;
  const bytes = Buffer.from(blob, "base64");
  // The blob starts with its own type as an SSH string: uint32 length, then the name.
  const length = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
  if (length < 0 || bytes.subarray(4, 4 + length).toString("latin1") !== type) return undefined;
  return { type, blob };
}
