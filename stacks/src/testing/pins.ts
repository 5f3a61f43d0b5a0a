import type { K3sChecksums } from "../config/types.js";
import { type PinnedHostKey, parseHostKey } from "../ssh/host-key.js";

/** An ed25519 host key line, as ssh-keyscan prints it (less the host name), for hosts in tests. */
export const HOST_KEY_LINE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII2AIbDZ30tNJHd6VZM8AWoZkD8jxZ6lNqtWU51O8EhN";
export const HOST_KEY = parseHostKey(HOST_KEY_LINE) as PinnedHostKey;

const sum = (digit: string) => digit.repeat(64);
/** Well-formed pins of a release's files (no real release's). */
export const CHECKSUMS = {
  installScript: sum("a"),
  binaries: { amd64: sum("b"), arm64: sum("c") },
  images: { amd64: sum("d"), arm64: sum("e") },
} as const satisfies K3sChecksums;
