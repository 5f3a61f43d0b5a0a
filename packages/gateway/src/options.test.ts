import { optionsOf } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { parseGatewayOptions } from "./options.js";

const base = ["--broker-url", "mqtts://broker:8883"];

describe("gateway options", () => {
  it("has defaults: a shared subscription, a persistent session, the operator's http address", () => {
    expect(optionsOf(parseGatewayOptions(base))).toMatchObject({
      brokerUrl: "mqtts://broker:8883",
      sharedGroup: "edgefleet-gateways",
      sessionExpirySeconds: 300,
      keepaliveSeconds: 30,
      deviceTimeoutMs: undefined,
      maxSeriesPerNode: 2_500,
      maxLabelValuesPerNode: 256,
      inferenceStaleMs: 600_000,
      httpAddress: "0.0.0.0:8080",
      logLevel: "info",
    });
  });

  it("subscribes unshared with an empty --shared-group, and only then times devices out by default", () => {
    expect(optionsOf(parseGatewayOptions([...base, "--shared-group="]))).toMatchObject({ sharedGroup: undefined, deviceTimeoutMs: 45_000 });
  });

  it.each([
    ["3", 3_000],
    ["2.5s", 2_500],
    ["500ms", 500],
    ["2m", 120_000],
    ["0", undefined],
  ])("takes --device-timeout %s", (value, ms) => {
    expect(optionsOf(parseGatewayOptions([...base, `--device-timeout=${value}`]))).toMatchObject({ deviceTimeoutMs: ms });
    expect(optionsOf(parseGatewayOptions([...base, "--shared-group=", `--device-timeout=${value}`]))).toMatchObject({
      deviceTimeoutMs: ms,
    });
  });

  it("answers --help without other flags", () => {
    expect(parseGatewayOptions(["--help"])).toEqual({ help: true });
  });

  it.each([
    [[], "--broker-url is required"],
    [["--broker-url", "http://b:1"], '--broker-url must use mqtt:// or mqtts://, got "http://"'],
    [["--broker-url", "broker"], "--broker-url must be a URL like mqtts://HOST:PORT"],
    [[...base, "--keepalive", "0"], '--keepalive must be a whole number of seconds from 1 to 65535, got "0"'],
    [[...base, "--session-expiry", "soon"], "--session-expiry must be a whole number of seconds"],
    [
      [...base, "--device-timeout", "soon"],
      '--device-timeout must be 0 (off) or from 100ms to 596h, in seconds or like 500ms, 45s, 2m, got "soon"',
    ],
    [[...base, "--device-timeout", "50ms"], "--device-timeout must be 0 (off) or from 100ms"],
    [[...base, "--shared-group", "a/b"], '--shared-group must not contain "/", "+" or "#", got "a/b"'],
    [[...base, "--tls-cert", "c.pem"], "--tls-cert and --tls-key go together"],
    [["--broker-url", "mqtt://b:1883", "--tls-ca", "ca.pem"], "--tls-ca, --tls-cert and --tls-key need an mqtts:// --broker-url"],
    [[...base, "--http-address", "8080"], "--http-address must be HOST:PORT"],
    [[...base, "--log-level", "loud"], '--log-level must be one of debug, info, warn, error, got "loud"'],
    [[...base, "--bogus"], "Unknown option '--bogus'"],
  ])("rejects %j naming the flag", (argv, message) => {
    expect(() => parseGatewayOptions(argv)).toThrow(message);
  });
});
