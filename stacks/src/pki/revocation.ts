import type { IdentityGeneration } from "@edgefleet/kit";
import type { HostConfig, RevokedIdentity } from "../config/types.js";

/**
 * The MQTT certificates a K3s site no longer uses, which its CA's revocation list names: every
 * generation of a host before its current one (a re-issue revokes what it replaced), and every
 * generation up to the listed one of each revoked identity (a device removed from the site).
 */
export function revokedGenerations(cluster: {
  readonly hosts: readonly Pick<HostConfig, "name" | "mqttGeneration">[];
  readonly revokedMqttIdentities: readonly RevokedIdentity[];
}): IdentityGeneration[] {
  const through = (cn: string, last: number) => Array.from({ length: last + 1 }, (_, generation) => ({ cn, generation }));
  return [
    ...cluster.hosts.flatMap((h) => through(h.name, h.mqttGeneration - 1)),
    ...cluster.revokedMqttIdentities.flatMap((r) => through(r.name, r.generation)),
  ];
}
