import { createPrivateKey, X509Certificate } from "node:crypto";
import type { AddressInfo } from "node:net";
import { connect, createServer, type TLSSocket } from "node:tls";
import { describe, expect, it } from "vitest";
import { certificateAuthority, VALIDITY } from "./certificates.js";

const SEED = "0123456789abcdef0123456789abcdef";

describe("certificateAuthority", () => {
  const pki = certificateAuthority(SEED);
  const ca = new X509Certificate(pki.cert);

  it("is a self-signed CA with the fixed validity", () => {
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe("O=edgefleet\nCN=edgefleet MQTT CA");
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(new Date(ca.validFrom)).toEqual(VALIDITY.notBefore);
    expect(new Date(ca.validTo)).toEqual(VALIDITY.notAfter);
  });

  it("issues a broker certificate for its DNS names, signed by the CA", () => {
    const issued = pki.issue("edgefleet-mqtt", ["edgefleet-mqtt.edgefleet-system.svc"]);
    const cert = new X509Certificate(issued.cert);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe("DNS:edgefleet-mqtt.edgefleet-system.svc");
    expect(cert.checkHost("edgefleet-mqtt.edgefleet-system.svc")).toBe("edgefleet-mqtt.edgefleet-system.svc");
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    expect(issued.ca).toBe(pki.cert);
  });

  it("names an IPv4 address as an IP address, which TLS clients check against the address they dialled", () => {
    const cert = new X509Certificate(pki.issue("registry", ["localhost", "192.0.2.2"]).cert);
    expect(cert.subjectAltName).toBe("DNS:localhost, IP Address:192.0.2.2");
    expect(cert.checkIP("192.0.2.2")).toBe("192.0.2.2");
    expect(cert.checkHost("192.0.2.2")).toBeUndefined();
  });

  it("issues each node a client identity whose CN is the node name, with its own key", () => {
    const a = pki.issue("line1-jetson-1");
    const b = pki.issue("line1-pi-1");
    expect(new X509Certificate(a.cert).subject).toBe("O=edgefleet\nCN=line1-jetson-1");
    expect(new X509Certificate(a.cert).keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(new X509Certificate(a.cert).checkPrivateKey(createPrivateKey(a.key))).toBe(true);
    expect(a.key).not.toBe(b.key);
    expect(new X509Certificate(b.cert).serialNumber).not.toBe(new X509Certificate(a.cert).serialNumber);
  });

  it("gives byte-identical certificates for the same seed, and others for another", () => {
    expect(certificateAuthority(SEED).issue("n1")).toEqual(pki.issue("n1"));
    const other = certificateAuthority(`${SEED}x`);
    expect(other.cert).not.toBe(pki.cert);
    expect(new X509Certificate(other.issue("n1").cert).verify(ca.publicKey)).toBe(false);
  });

  it("works for TLS with client certificates: the server learns the node's name from its certificate", async () => {
    const server = pki.issue("edgefleet-mqtt", ["edgefleet-mqtt.edgefleet-system.svc"]);
    const node = pki.issue("line1-pi-1");
    const stranger = certificateAuthority(`${SEED}-other`).issue("line1-pi-1");
    const tls = createServer({ cert: server.cert, key: server.key, ca: pki.cert, requestCert: true, rejectUnauthorized: true });
    const seen: string[] = [];
    tls.on("secureConnection", (s: TLSSocket) => {
      seen.push(String(s.getPeerCertificate().subject.CN));
      s.end();
    });
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    const { port } = tls.address() as AddressInfo;
    const hello = (client: { cert: string; key: string }) =>
      new Promise<string>((resolve) => {
        const socket = connect({ port, host: "127.0.0.1", servername: "edgefleet-mqtt.edgefleet-system.svc", ca: pki.cert, ...client });
        socket.on("secureConnect", () => socket.on("end", () => resolve("accepted")));
        socket.on("error", () => resolve("refused"));
        socket.on("close", () => resolve("refused"));
      });
    try {
      expect(await hello(node)).toBe("accepted");
      expect(await hello(stranger)).toBe("refused");
      expect(seen).toEqual(["line1-pi-1"]);
    } finally {
      tls.close();
    }
  });
});
