import { certificateAuthority } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { brokerManifests } from "./broker.js";
import { MAX_GATEWAY_REPLICAS } from "./contract.js";
import { MAX_PACKET_BYTES, mosquittoAcl, mosquittoConfig } from "./mosquitto.js";

describe("Mosquitto", () => {
  it("accepts only TLS clients with a certificate, named by its CN, which is also the client id", () => {
    const conf = mosquittoConfig().split("\n");
    expect(conf).toEqual(
      expect.arrayContaining([
        "allow_anonymous false",
        "listener 8883",
        "cafile /mosquitto/tls/ca.crt",
        "acl_file /mosquitto/config/acl",
        "require_certificate true",
        "use_identity_as_username true",
        "use_username_as_clientid true",
      ]),
    );
    expect(conf).not.toContain("listener 1883");
  });

  it("takes packets up to the largest telemetry payload plus headers", () => {
    expect(MAX_PACKET_BYTES).toBe(65_536 + 4_096);
    expect(mosquittoConfig().split("\n")).toContain(`max_packet_size ${MAX_PACKET_BYTES}`);
  });

  it("takes paths, address and port from its caller (tests run the shipped config this way)", () => {
    const conf = mosquittoConfig({ tlsDir: "/tmp/b", aclFile: "/tmp/b/acl", port: 18883, host: "127.0.0.1" }).split("\n");
    expect(conf).toEqual(expect.arrayContaining(["listener 18883 127.0.0.1", "cafile /tmp/b/ca.crt", "acl_file /tmp/b/acl"]));
  });

  it("confines every node to its own topics, lets each gateway replica read them all, only the retire command clear births, only the operator write assignments", () => {
    const lines = mosquittoAcl({ site: "plant-3" })
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    const gateway = ["topic read edgefleet/v1/+/+/+", "topic write edgefleet/v1/control/rebirth"];
    expect(lines).toEqual([
      "pattern write edgefleet/v1/plant-3/%u/+",
      "pattern read edgefleet/v1/control/rebirth",
      "pattern read edgefleet/v1/control/assignments/plant-3/%u",
      ...Array.from({ length: MAX_GATEWAY_REPLICAS }, (_, i) => [`user edgefleet-telemetry-gateway-${i}`, ...gateway]).flat(),
      "user edgefleet-gateway-retire",
      "topic write edgefleet/v1/plant-3/+/birth",
      "user edgefleet-operator",
      "topic readwrite edgefleet/v1/control/assignments/plant-3/+",
    ]);
  });

  it("enforces the CA's revocation list when given one: in the ConfigMap, named by crlfile, a new list rolling the pod", () => {
    const ca = certificateAuthority("0123456789abcdef0123456789abcdef");
    const broker = (revocationList?: string) => {
      const objects = brokerManifests({ namespace: "ns", image: "m", tlsSecret: "t", ...(revocationList ? { revocationList } : {}) });
      const find = (kind: string) => objects.find((o) => o.object.kind === kind)?.object as unknown;
      const { data } = find("ConfigMap") as { data: Record<string, string> };
      const { spec } = find("Deployment") as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
      return { data, hash: spec.template.metadata.annotations["edgefleet.io/config-hash"] };
    };
    const none = broker();
    expect(Object.keys(none.data).sort()).toEqual(["acl", "mosquitto.conf"]);
    expect(none.data["mosquitto.conf"]).not.toContain("crlfile");
    const empty = broker(ca.revocationList([]));
    expect(empty.data["crl.pem"]).toBe(ca.revocationList([]));
    expect(empty.data["mosquitto.conf"]?.split("\n")).toContain("crlfile /mosquitto/config/crl.pem");
    const one = broker(ca.revocationList([{ cn: "pi", generation: 0 }]));
    expect(new Set([none.hash, empty.hash, one.hash]).size).toBe(3);
  });

  it("given the site's nodes, grants each its own topics by name and no pattern, so no other name may publish", () => {
    const lines = mosquittoAcl({ site: "plant-3", nodes: ["pi-1", "nuc-2"] })
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(lines.slice(0, 8)).toEqual([
      "user pi-1",
      "topic write edgefleet/v1/plant-3/pi-1/+",
      "topic read edgefleet/v1/control/rebirth",
      "topic read edgefleet/v1/control/assignments/plant-3/pi-1",
      "user nuc-2",
      "topic write edgefleet/v1/plant-3/nuc-2/+",
      "topic read edgefleet/v1/control/rebirth",
      "topic read edgefleet/v1/control/assignments/plant-3/nuc-2",
    ]);
    expect(lines.filter((l) => l.startsWith("pattern"))).toEqual([]);
    expect(lines[8]).toBe("user edgefleet-telemetry-gateway-0");
  });

  it("without a site, still confines each node to its own name", () => {
    expect(mosquittoAcl()).toContain("pattern write edgefleet/v1/+/%u/+\n");
  });
});
