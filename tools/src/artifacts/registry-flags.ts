import { certificateBundle, readFlagFile } from "@edgefleet/kit";

/** The flags of the commands that push to an OCI registry (artifacts push, model publish). */
export const REGISTRY_FLAGS = {
  "registry-auth": {
    type: "string",
    arg: "FILE",
    section: "Registry",
    help: "docker config JSON with the registry's credentials (e.g. ~/.docker/config.json); anonymous without",
  },
  "ca-file": { type: "string", arg: "FILE", help: "PEM CA certificates trusted in addition to the public roots" },
  "plain-http": { type: "switch", help: "http:// instead of https:// (a local registry without TLS only)" },
} as const;

/** What pushArtifact takes from those flags' values, the files read and checked (errors name the flag). */
export function registryOptions(v: { "registry-auth"?: string | undefined; "ca-file"?: string | undefined; "plain-http": boolean }): {
  registryAuth?: string;
  extraCa?: string;
  plainHttp: boolean;
} {
  const auth = v["registry-auth"];
  const ca = v["ca-file"];
  return {
    ...(auth === undefined ? {} : { registryAuth: readFlagFile("registry-auth", auth).toString("utf8") }),
    ...(ca === undefined ? {} : { extraCa: certificateBundle(readFlagFile("ca-file", ca).toString("utf8"), `--ca-file ${ca}`) }),
    plainHttp: v["plain-http"],
  };
}
