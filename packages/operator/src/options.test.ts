import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { optionsOf, useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { parseOptions } from "./options.js";

const tempDir = useTempDirs("operator-options");

describe("operator options", () => {
  it("has client-go's leader election defaults and a modest request rate", () => {
    const o = optionsOf(parseOptions([], {}));
    expect(o).toMatchObject({
      workers: 4,
      kubeQps: 50,
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2000,
      leaderElect: true,
      prometheusUrl: undefined,
      prometheusTimeoutSeconds: 5,
      analysisIntervalSeconds: 10,
      agentImage: "ghcr.io/edgefleet/edge-agent:0.1.0",
      artifactCaBundle: undefined,
      trustPolicySelector: undefined,
    });
    expect(optionsOf(parseOptions(["--trust-policy-selector", "site=a"], {})).trustPolicySelector).toBe("site=a");
    expect(optionsOf(parseOptions(["--agent-image=registry.local:5000/edgefleet/edge-agent:0.2.0"], {})).agentImage).toBe(
      "registry.local:5000/edgefleet/edge-agent:0.2.0",
    );
    expect(optionsOf(parseOptions(["--prometheus-url", "http://prom:9090", "--analysis-interval", "0.5"], {}))).toMatchObject({
      prometheusUrl: "http://prom:9090",
      analysisIntervalSeconds: 0.5,
    });
  });

  it("takes the artifact install deadline, and the MQTT broker for assignments with its site and identity", () => {
    expect(optionsOf(parseOptions([], {}))).toMatchObject({ artifactInstallDeadlineSeconds: undefined, assignments: undefined });
    expect(optionsOf(parseOptions(["--artifact-install-deadline", "2h"], {})).artifactInstallDeadlineSeconds).toBe(7200);
    expect(() => parseOptions(["--artifact-install-deadline", "5s"], {})).toThrow(/--artifact-install-deadline/);
    const mqtt = ["--mqtt-url", "mqtts://broker:8883", "--mqtt-site", "plant-3", "--mqtt-tls-cert", "c.pem", "--mqtt-tls-key", "k.pem"];
    expect(optionsOf(parseOptions(mqtt, {})).assignments).toEqual({
      url: "mqtts://broker:8883",
      site: "plant-3",
      cert: "c.pem",
      key: "k.pem",
    });
    expect(() => parseOptions(["--mqtt-url", "mqtts://broker:8883"], {})).toThrow("--mqtt-url and --mqtt-site go together");
    expect(() => parseOptions([...mqtt.slice(0, 4), "--mqtt-tls-cert", "c.pem"], {})).toThrow(
      "--mqtt-tls-cert and --mqtt-tls-key go together",
    );
    expect(() => parseOptions(["--mqtt-url", "mqtts://b:8883", "--mqtt-site", "Plant 3"], {})).toThrow(
      /--mqtt-site must be a lowercase DNS name/,
    );
  });

  it.each([
    [["--workers", "0"], '--workers must be a positive integer, got "0"'],
    [["--kube-qps", "fast"], '--kube-qps must be a positive number, got "fast"'],
    [["--leader-elect", "yes"], '--leader-elect must be true or false, got "yes"'],
    [["--log-level", "loud"], '--log-level must be one of debug, info, warn, error, got "loud"'],
    [
      ["--prometheus-url", "prom:9090"],
      '--prometheus-url must be an http:// or https:// URL such as http://prometheus:9090, got "prom:9090"',
    ],
    [["--analysis-interval", "0"], '--analysis-interval must be a positive number, got "0"'],
    [
      ["--agent-image", "https://ghcr.io/edge-agent"],
      '--agent-image must be an image reference such as ghcr.io/edgefleet/edge-agent:0.1.0, got "https://ghcr.io/edge-agent"',
    ],
    [
      ["--renew-deadline", "15000"],
      "--renew-deadline (15000 ms) must be shorter than --lease-duration (15 s): a leader must step down before a standby may take over",
    ],
    [
      ["--lease-duration", "5", "--renew-deadline", "4000", "--retry-period", "4000"],
      "--retry-period (4000 ms) must be shorter than --renew-deadline (4000 ms)",
    ],
  ])("rejects %j naming the flag", (argv, message) => {
    expect(() => parseOptions(argv, {})).toThrow(message);
  });

  it("takes the kubeconfig from KUBECONFIG's first path when no flag names one", () => {
    expect(optionsOf(parseOptions([], { KUBECONFIG: "/a/config:/b/config" })).kubeconfig).toBe("/a/config");
    expect(optionsOf(parseOptions(["--kubeconfig", "/c"], { KUBECONFIG: "/a" })).kubeconfig).toBe("/c");
  });

  it("reads --artifact-ca-bundle at start, refusing a file that is missing, empty or holds no certificate", () => {
    const dir = tempDir();
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const bundle = `${rootCertificates[0]}\n${rootCertificates[1]}\n`;
    expect(optionsOf(parseOptions([`--artifact-ca-bundle=${file("ca.pem", bundle)}`], {})).artifactCaBundle).toBe(bundle);
    expect(() => parseOptions([`--artifact-ca-bundle=${join(dir, "missing.pem")}`], {})).toThrow(
      /^--artifact-ca-bundle cannot be read: ENOENT/,
    );
    expect(() => parseOptions([`--artifact-ca-bundle=${file("empty.pem", "\n")}`], {})).toThrow(
      `--artifact-ca-bundle ${join(dir, "empty.pem")} is empty`,
    );
    expect(() =>
      parseOptions([`--artifact-ca-bundle=${file("key.pem", "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n")}`], {}),
    ).toThrow(`--artifact-ca-bundle ${join(dir, "key.pem")} holds no PEM certificate`);
  });

  it("takes --artifact-plain-http-registries as a checked list, empty by default", () => {
    expect(optionsOf(parseOptions([], {})).artifactPlainHttpRegistries).toEqual([]);
    expect(
      optionsOf(parseOptions(["--artifact-plain-http-registries=registry.site:5000, 10.0.0.7:5000"], {})).artifactPlainHttpRegistries,
    ).toEqual(["registry.site:5000", "10.0.0.7:5000"]);
    expect(() => parseOptions(["--artifact-plain-http-registries=http://registry.site"], {})).toThrow(
      '--artifact-plain-http-registries: "http://registry.site" is not a registry host[:port]',
    );
  });
});
