#!/usr/bin/env -S node --import tsx
import { jsonLogger, optionsOrExitCode } from "@edgefleet/kit";
import mqtt from "mqtt";
import { readTls } from "./broker-flags.js";
import { parseRetireOptions, RETIRE_HELP } from "./retire-options.js";

/** Clears a retired device's retained birth (retire-options.ts says why and what follows). */
async function main(argv: string[]): Promise<number> {
  const opts = await optionsOrExitCode(
    RETIRE_HELP,
    () => parseRetireOptions(argv),
    (o) => ({ ...o, pem: readTls(o.tls) }),
  );
  if (typeof opts === "number") return opts;
  const log = jsonLogger().with({ component: "retire-device" });
  try {
    // The broker makes the certificate's CN the client id: the retire identity's own, never a gateway replica's session.
    const client = await mqtt.connectAsync(opts.brokerUrl, {
      ...opts.pem,
      rejectUnauthorized: true,
      protocolVersion: 5,
      clientId: `edgefleet-retire-${process.pid}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    try {
      // QoS 1: the PUBACK says the broker took it (mqtt.js rejects on a refusal such as the ACL's).
      await client.publishAsync(opts.topic, "", { qos: 1, retain: true });
    } finally {
      await client.endAsync();
    }
    log.info("retained birth cleared: the gateways forget the device", { topic: opts.topic });
    return 0;
  } catch (err) {
    log.error("could not clear the retained birth", { topic: opts.topic, error: String(err) });
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
