import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BROKER_IMAGE } from "@edgefleet/deploy";
import { certificateAuthority } from "@edgefleet/kit";
import { GATEWAY_MQTT_IDENTITY, parseConfig, platformManifests } from "@edgefleet/stacks";
import { ALL_NODES, buildTopic } from "@edgefleet/telemetry";
import { type BuiltImage, buildImages, freePort } from "@edgefleet/tools";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAs } from "../telemetry/tls-broker.js";
import { bundleFor, type Container, imageConfig, startContainer, unpack } from "./bundle.js";

/**
 * The broker image built here from Debian's mosquitto package (deploy/docker/mosquitto.Dockerfile)
 * run as the Pulumi program's broker pod runs it, with broker.image naming it: the Deployment's
 * command, user and read-only root, its ConfigMap and a TLS Secret mounted where the pod mounts
 * them. The container shares the host's network, so the one change to the rendered config is the
 * listener: a free port on 127.0.0.1 instead of 8883.
 */

const SITE = "plant-3";
const NODE = "line1-cam";

interface Mount {
  readonly name: string;
  readonly mountPath: string;
}
interface BrokerPod {
  readonly securityContext: { readonly runAsUser: number; readonly runAsGroup: number; readonly fsGroup: number };
  readonly containers: readonly {
    readonly image: string;
    readonly command: string[];
    readonly securityContext: { readonly readOnlyRootFilesystem: boolean };
    readonly volumeMounts: readonly Mount[];
  }[];
}

/** The broker's ConfigMap data and pod, as the Pulumi program renders them with broker.image set. */
function renderedBroker(image: string): { data: Record<string, string>; pod: BrokerPod } {
  const json = (v: unknown) => JSON.stringify(v);
  const config = parseConfig(
    {
      "edgefleet:cluster": json({ site: SITE }),
      "edgefleet:broker": json({ image }),
      "edgefleet:monitoring": json({ rolloutAnalysis: false }),
    },
    new Set(),
  );
  const { broker } = platformManifests({ ...config.platform, monitoring: { ...config.platform.monitoring, rulesAs: "ConfigMap" } });
  const objects = broker.map((m) => m.object);
  const configMap = objects.find((o) => o.kind === "ConfigMap") as unknown as { data: Record<string, string> } | undefined;
  const deployment = objects.find((o) => o.kind === "Deployment") as unknown as { spec: { template: { spec: BrokerPod } } } | undefined;
  if (!configMap || !deployment) throw new Error("the broker renders no ConfigMap or no Deployment");
  return { data: configMap.data, pod: deployment.spec.template.spec };
}

const work = mkdtempSync(join(tmpdir(), "edgefleet-broker-image-"));
const ca = certificateAuthority(randomBytes(16).toString("hex"));
const clients: MqttClient[] = [];
let built: BuiltImage;
let broker: Container | undefined;
let url: string;
let rootfs: string;

beforeAll(async () => {
  const [image] = await buildImages({ only: [BROKER_IMAGE.name], log: (line) => console.error(line) });
  if (!image) throw new Error("the broker image was not built");
  built = image;
  const { data, pod } = renderedBroker(built.reference);
  const [container] = pod.containers;
  if (!container) throw new Error("the broker pod has no container");
  expect(container.image).toBe(built.reference);

  const port = await freePort();
  // The certificate names localhost, as the pod's names its Service.
  const server = ca.issue("edgefleet-mqtt", ["localhost"]);
  const conf = data["mosquitto.conf"] ?? "";
  expect(conf).toContain("\nlistener 8883\n");
  const files: Record<string, Record<string, string>> = {
    config: { ...data, "mosquitto.conf": conf.replace("\nlistener 8883\n", `\nlistener ${port} 127.0.0.1\n`) },
    tls: { "ca.crt": ca.cert, "tls.crt": server.cert, "tls.key": server.key },
  };
  // Files as the kubelet mounts them: a ConfigMap's world-readable, the Secret's 0440 to the pod's fsGroup.
  const binds: Record<string, string> = {};
  for (const mount of container.volumeMounts) {
    const dir = join(work, mount.name);
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    for (const [name, content] of Object.entries(files[mount.name] ?? {})) {
      writeFileSync(join(dir, name), content);
      if (mount.name === "tls") {
        chownSync(join(dir, name), 0, pod.securityContext.fsGroup);
        chmodSync(join(dir, name), 0o440);
      }
    }
    binds[dir] = mount.mountPath;
  }
  const imageDir = join(work, "image");
  mkdirSync(imageDir);
  const [unpacked, config] = await Promise.all([unpack(built.archive, imageDir), imageConfig(built.archive)]);
  rootfs = join(unpacked, "rootfs");
  expect(config.User).toBe(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
  const runDir = join(work, "run");
  mkdirSync(runDir);
  const bundle = bundleFor(unpacked, runDir, config, {
    args: [],
    command: container.command,
    binds,
    readOnlyRoot: container.securityContext.readOnlyRootFilesystem,
  });
  broker = await startContainer("broker image", bundle, port);
  url = `mqtts://localhost:${port}`;
}, 600_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await broker?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function connect(name: string): Promise<MqttClient> {
  const client = await connectAs(url, name, ca.issue(name));
  clients.push(client);
  return client;
}

describe("the broker image", () => {
  it("is Debian's mosquitto package, under edgefleet's name rather than upstream's", () => {
    expect(built.reference).toMatch(/^ghcr\.io\/edgefleet\/mosquitto:/);
    expect(readFileSync(join(rootfs, "var/lib/dpkg/status"), "utf8")).toMatch(
      /^Package: mosquitto\nStatus: install ok installed\n(?:.+\n)*?Version: 2\.\d+\.\d+-/m,
    );
  });

  it("takes a node's telemetry to the gateway over TLS with client certificates, under the rendered ACL", async () => {
    const gateway = await connect(GATEWAY_MQTT_IDENTITY);
    await gateway.subscribeAsync(ALL_NODES, { qos: 1 });
    const received = new Promise<{ topic: string; payload: string }>((resolve) =>
      gateway.once("message", (topic, payload) => resolve({ topic, payload: payload.toString() })),
    );
    const node = await connect(NODE);
    const topic = buildTopic({ site: SITE, node: NODE, kind: "telemetry" });
    await node.publishAsync(topic, "{}", { qos: 1 });
    expect(await received).toEqual({ topic, payload: "{}" });
  });

  it("refuses a client without a certificate from the site's CA", async () => {
    const stranger = certificateAuthority(randomBytes(16).toString("hex")).issue(NODE);
    await expect(
      mqtt.connectAsync(url, { ca: ca.cert, cert: stranger.cert, key: stranger.key, reconnectPeriod: 0, connectTimeout: 5_000 }),
    ).rejects.toThrow();
  });
});
