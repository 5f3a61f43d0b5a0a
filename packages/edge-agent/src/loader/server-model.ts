import { createHash } from "node:crypto";
import { TRITON_MODEL_FILES, type TritonFormat } from "@edgefleet/api";

/** The version a loader loads its model under in the server: Triton's versions are numbers, and each loaded name holds one. */
export const SERVER_VERSION = "1";

/**
 * The name a model version goes by in a shared server: the EdgeModel's name (cut to fit) and a
 * hash of namespace/name, version and file. Each version has a name of its own, so during a
 * rollout the pod of the old version unloading it cannot unload the new one another pod just
 * loaded, and two models of one name in different namespaces never meet.
 */
export function serverModelName(namespace: string, name: string, version: string, sha256: string): string {
  const hash = createHash("sha256").update(`${namespace}/${name}\n${version}\n${sha256}`).digest("hex").slice(0, 16);
  return `${name.slice(0, 40)}-${hash}`;
}

/** The body of the model repository API's load request for the file, in the form Triton takes (the file in base64). */
export function loadRequest(format: TritonFormat, bytes: Buffer): string {
  const { platform, file } = TRITON_MODEL_FILES[format];
  return JSON.stringify({
    parameters: { config: JSON.stringify({ platform }), [`file:${SERVER_VERSION}/${file}`]: bytes.toString("base64") },
  });
}
