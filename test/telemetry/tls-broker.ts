import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CertificateAuthority, certificateAuthority, type Issued } from "@edgefleet/kit";
import { GATEWAY_MQTT_IDENTITY, mosquittoAcl, mosquittoConfig } from "@edgefleet/stacks";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { type Mosquitto, startMosquitto } from "../helpers/mosquitto.js";

export const SITE = "plant-3";

/** Where the broker's directory holds the CA's revocation list, when it has one. */
export const CRL_FILE = "crl.pem";

export interface TlsBroker {
  readonly broker: Mosquitto;
  /** The site CA every identity here is issued by. */
  readonly ca: CertificateAuthority;
  /** mqtts://localhost:<port>: the broker's certificate names localhost. */
  readonly url: string;
  /** A client identity (CN = name) signed by the broker's CA. */
  identity(name: string): Issued;
  /** The identity's ca.crt, tls.crt and tls.key written into a directory of their own, as a node or the gateway keeps them. */
  identityDir(name: string): string;
  /** An MQTT 5 client with the identity of `name` (a node, or the gateway). */
  connect(name: string, options?: IClientOptions): Promise<MqttClient>;
  dispose(): Promise<void>;
}

/** The shipped Mosquitto config and ACL (the Pulumi program's generators) with a fresh CA, on a free port. */
export async function startTlsBroker({
  site = SITE,
  maxQueuedMessages,
  revocationList = false,
  nodes,
}: {
  site?: string;
  maxQueuedMessages?: number;
  /** Start with the CA's (empty) revocation list in CRL_FILE, as a Pulumi stack's broker has. */
  revocationList?: boolean;
  /** The only nodes the ACL lets publish, as a K3s stack's broker has; any when left out. */
  nodes?: readonly string[];
} = {}): Promise<TlsBroker> {
  const ca = certificateAuthority(randomBytes(16).toString("hex"));
  const server = ca.issue("edgefleet-mqtt", ["localhost"]);
  const broker = await startMosquitto({
    config: ({ port, dir }) =>
      mosquittoConfig({
        tlsDir: dir,
        aclFile: join(dir, "acl"),
        port,
        ...(maxQueuedMessages ? { maxQueuedMessages } : {}),
        ...(revocationList ? { crlFile: join(dir, CRL_FILE) } : {}),
      }),
    files: {
      "ca.crt": ca.cert,
      "tls.crt": server.cert,
      "tls.key": server.key,
      acl: mosquittoAcl({ site, ...(nodes ? { nodes } : {}) }),
      ...(revocationList ? { [CRL_FILE]: ca.revocationList([]) } : {}),
    },
  });
  const url = `mqtts://localhost:${broker.port}`;
  const clients = new Set<MqttClient>();
  return {
    broker,
    ca,
    url,
    identity: (name) => ca.issue(name),
    identityDir(name) {
      const dir = join(broker.dir, "identities", name);
      mkdirSync(dir, { recursive: true });
      const id = ca.issue(name);
      writeFileSync(join(dir, "ca.crt"), id.ca);
      writeFileSync(join(dir, "tls.crt"), id.cert);
      writeFileSync(join(dir, "tls.key"), id.key, { mode: 0o600 });
      return dir;
    },
    async connect(name, options = {}) {
      const client = await connectAs(url, name, ca.issue(name), options);
      clients.add(client);
      return client;
    },
    async dispose() {
      await Promise.all([...clients].map((c) => c.endAsync(true).catch(() => {})));
      await broker.dispose();
    },
  };
}

/** An MQTT 5 client of the broker at url with this identity (CN = name), as a node or the gateway connects. */
export function connectAs(url: string, name: string, id: Issued, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    protocolVersion: 5,
    clientId: `${name}-${randomBytes(3).toString("hex")}`,
    ca: id.ca,
    cert: id.cert,
    key: id.key,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
}

export { GATEWAY_MQTT_IDENTITY };
