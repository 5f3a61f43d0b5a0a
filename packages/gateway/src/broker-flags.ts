import { type Flags, type FlagValues, readFlagFile } from "@edgefleet/kit";

/** The broker and the gateway's TLS identity: the same flags for the gateway and its retire command. */
export const BROKER_FLAGS = {
  "broker-url": { type: "url", schemes: ["mqtt", "mqtts"], example: "mqtts://HOST:PORT", required: true, help: "the broker" },
  "tls-ca": { type: "string", arg: "FILE", defaultText: "the system CAs", help: "CA that signed the broker's certificate" },
  "tls-cert": { type: "string", arg: "FILE", help: "client certificate (its CN is the MQTT username and client id); needs --tls-key" },
  "tls-key": { type: "string", arg: "FILE", help: "its private key; needs --tls-cert" },
} as const satisfies Flags;

export interface TlsFiles {
  ca: string | undefined;
  cert: string | undefined;
  key: string | undefined;
}

/** The TLS files the flags name, checked against each other and the broker URL. */
export function tlsFiles(v: FlagValues<typeof BROKER_FLAGS>): TlsFiles {
  if ((v["tls-cert"] === undefined) !== (v["tls-key"] === undefined))
    throw new Error("--tls-cert and --tls-key go together: give both or neither");
  const tls = { ca: v["tls-ca"], cert: v["tls-cert"], key: v["tls-key"] };
  if (v["broker-url"].startsWith("mqtt:") && Object.values(tls).some((f) => f !== undefined))
    throw new Error("--tls-ca, --tls-cert and --tls-key need an mqtts:// --broker-url");
  return tls;
}

/** The PEM files the TLS flags name; one that cannot be read is a bad flag like any other. */
export function readTls(files: TlsFiles): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  return {
    ...(files.ca === undefined ? {} : { ca: readFlagFile("tls-ca", files.ca) }),
    ...(files.cert === undefined ? {} : { cert: readFlagFile("tls-cert", files.cert) }),
    ...(files.key === undefined ? {} : { key: readFlagFile("tls-key", files.key) }),
  };
}
