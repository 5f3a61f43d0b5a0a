import { command, type Parsed } from "@edgefleet/kit";
import { buildTopic } from "@edgefleet/telemetry";
import { BROKER_FLAGS, type TlsFiles, tlsFiles } from "./broker-flags.js";

const CLI = command({
  usage: "node --import tsx packages/gateway/src/retire.ts --broker-url URL --site SITE --node NODE [options]",
  about: `Retires an edge device from the telemetry gateways: publishes an empty retained message on its
birth topic (how MQTT deletes a retained message) with the retire identity (CN edgefleet-gateway-retire,
retire.crt and retire.key in the gateway's Secret), the one identity besides the node itself that the
broker's ACL lets write births. Every running gateway then
forgets the device (edgefleet_device_up goes, so EdgefleetDeviceOffline stops), and no gateway
learns it again at its next start. A device that comes back publishes its birth and is known again.`,
  flags: {
    ...BROKER_FLAGS,
    site: { type: "string", arg: "SITE", required: true, help: "the device's site (the topic's site segment)" },
    node: { type: "string", arg: "NODE", required: true, help: "the device's node name" },
  },
});

export const RETIRE_HELP = CLI.help;

export interface RetireOptions {
  brokerUrl: string;
  tls: TlsFiles;
  /** The node's birth topic. */
  topic: string;
}

export function parseRetireOptions(argv: string[]): Parsed<RetireOptions> {
  return CLI.parse(argv, (v) => ({
    brokerUrl: v["broker-url"],
    tls: tlsFiles(v),
    topic: buildTopic({ site: v.site, node: v.node, kind: "birth" }),
  }));
}
