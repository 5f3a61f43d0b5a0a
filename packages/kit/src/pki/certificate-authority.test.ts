import { createPrivateKey, X509Certificate } from "node:crypto";
import type { AddressInfo } from "node:net";
import { connect, createServer, type TLSSocket } from "node:tls";
import { describe, expect, it } from "vitest";
import { certificateAuthority, DEFAULT_RENEWAL, type Issued, VALIDITY, validityWindow } from "./certificate-authority.js";

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

  /** A TLS server requiring a client certificate of the CA (and, given one, checking its CRL); hello says whether a client got through. */
  async function server(crl?: string) {
    const id = pki.issue("edgefleet-mqtt", ["edgefleet-mqtt.edgefleet-system.svc"]);
    const tls = createServer({
      cert: id.cert,
      key: id.key,
      ca: pki.cert,
      ...(crl ? { crl } : {}),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const seen: string[] = [];
    tls.on("secureConnection", (s: TLSSocket) => {
      seen.push(String(s.getPeerCertificate().subject.CN));
      s.end("ok");
    });
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    const { port } = tls.address() as AddressInfo;
    const hello = (client: { cert: string; key: string }) =>
      new Promise<string>((resolve) => {
        const socket = connect({ port, host: "127.0.0.1", servername: "edgefleet-mqtt.edgefleet-system.svc", ca: pki.cert, ...client });
        // Accepted only when the server says so: under TLS 1.3 the client's handshake completes before the server checks its certificate.
        socket.on("data", () => resolve("accepted"));
        socket.on("error", () => resolve("refused"));
        socket.on("close", () => resolve("refused"));
      });
    return { seen, hello, close: () => tls.close() };
  }

  it("works for TLS with client certificates: the server learns the node's name from its certificate", async () => {
    const tls = await server();
    try {
      expect(await tls.hello(pki.issue("line1-pi-1"))).toBe("accepted");
      expect(await tls.hello(certificateAuthority(`${SEED}-other`).issue("line1-pi-1"))).toBe("refused");
      expect(tls.seen).toEqual(["line1-pi-1"]);
    } finally {
      tls.close();
    }
  });

  it("re-issues one identity by its generation: a new key and serial, the others and generation 0 unchanged, reproducibly", () => {
    const [g0, g1, g2] = [0, 1, 2].map((g) => pki.issue("line1-pi-1", [], g)) as [Issued, Issued, Issued];
    expect(g0).toEqual(pki.issue("line1-pi-1"));
    expect(new Set([g0.key, g1.key, g2.key]).size).toBe(3);
    const serial = (i: Issued) => new X509Certificate(i.cert).serialNumber;
    const serials = [g0, g1, g2, pki.issue("line1-pi-2"), pki.issue("line1-pi-2", [], 1)].map(serial);
    expect(new Set([...serials, new X509Certificate(pki.cert).serialNumber]).size).toBe(serials.length + 1);
    // 16 bytes, positive, the top byte never 0: 126 bits from the seed.
    for (const s of serials) expect(s).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(pki.issue("line1-pi-1", [], 1)).toEqual(certificateAuthority(SEED).issue("line1-pi-1", [], 1));
    expect(new X509Certificate(g2.cert).subject).toBe("O=edgefleet\nCN=line1-pi-1");
    expect(() => pki.issue("x", [], -1)).toThrow(/generation must be a whole number/);
  });

  it("revokes by generation: a TLS server with the CA's CRL refuses the listed certificates and takes the others", async () => {
    const crl = pki.revocationList([
      { cn: "line1-pi-1", generation: 0 },
      { cn: "line1-pi-9", generation: 0 },
    ]);
    expect(crl).toMatch(/^-----BEGIN X509 CRL-----\n/);
    expect(crl).toBe(
      certificateAuthority(SEED).revocationList([
        { cn: "line1-pi-1", generation: 0 },
        { cn: "line1-pi-9", generation: 0 },
      ]),
    );
    const tls = await server(crl);
    try {
      expect(await tls.hello(pki.issue("line1-pi-1"))).toBe("refused");
      expect(await tls.hello(pki.issue("line1-pi-9"))).toBe("refused");
      expect(await tls.hello(pki.issue("line1-pi-1", [], 1))).toBe("accepted");
      expect(await tls.hello(pki.issue("line1-pi-2"))).toBe("accepted");
      expect(tls.seen).toEqual(["line1-pi-1", "line1-pi-2"]);
    } finally {
      tls.close();
    }
    // An empty list revokes nothing.
    const open = await server(pki.revocationList([]));
    try {
      expect(await open.hello(pki.issue("line1-pi-1"))).toBe("accepted");
    } finally {
      open.close();
    }
  });
});

describe("renewal", () => {
  const DAY = 86_400_000;
  const at = (iso: string) => ({ ...DEFAULT_RENEWAL, now: new Date(iso) });
  const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

  it("gives each time the window current then: at least the renewal margin left, backdated a day, never past the CA", () => {
    for (const iso of ["2025-01-01T00:00:00Z", "2025-12-02T00:00:00Z", "2027-06-15T12:00:00Z", "2034-12-31T00:00:00Z"]) {
      const now = new Date(iso);
      const w = validityWindow(at(iso));
      expect(w.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
      expect(w.notBefore.getTime()).toBeGreaterThanOrEqual(VALIDITY.notBefore.getTime());
      expect(w.notAfter.getTime()).toBeLessThanOrEqual(VALIDITY.notAfter.getTime());
      if (w.notAfter.getTime() < VALIDITY.notAfter.getTime())
        expect(w.notAfter.getTime() - now.getTime()).toBeGreaterThanOrEqual(DEFAULT_RENEWAL.renewBeforeDays * DAY);
    }
    // Windows step by lifetime − margin (335 days): 2025-12-01 is still window 0, 2025-12-02 window 1.
    expect([validityWindow(at("2025-11-30T00:00:00Z")).index, validityWindow(at("2025-12-02T00:00:00Z")).index]).toEqual([0, 1]);
    expect(validityWindow(undefined)).toEqual({ index: 0, ...VALIDITY });
    expect(() => validityWindow({ now: new Date(), lifetimeDays: 30, renewBeforeDays: 30 })).toThrow(/renewBeforeDays < lifetimeDays/);
  });

  it("renews a certificate in the next window with the same key and a new serial, byte-identical within one window", () => {
    const early = certificateAuthority(SEED, undefined, at("2026-03-01T00:00:00Z")).issue("pi");
    const later = certificateAuthority(SEED, undefined, at("2026-09-01T00:00:00Z")).issue("pi");
    const renewed = certificateAuthority(SEED, undefined, at("2026-12-01T00:00:00Z")).issue("pi");
    expect(later).toEqual(early);
    expect(renewed.key).toBe(early.key);
    expect(renewed.ca).toBe(early.ca);
    expect(serialOf(renewed.cert)).not.toBe(serialOf(early.cert));
    const [from, to] = [early, renewed].map((i) => new Date(new X509Certificate(i.cert).validTo).getTime());
    expect((to ?? 0) - (from ?? 0)).toBe(335 * DAY);
  });

  it("revokes a generation in every window up to the current one, so its renewals are cut off with it", () => {
    const now = certificateAuthority(SEED, undefined, at("2026-12-01T00:00:00Z"));
    const crl = now.revocationList([{ cn: "pi", generation: 0 }]);
    const serials = [at("2025-06-01T00:00:00Z"), at("2026-12-01T00:00:00Z")].map((r) =>
      serialOf(certificateAuthority(SEED, undefined, r).issue("pi").cert),
    );
    const der = Buffer.from(crl.replace(/-----[^-]+-----|\s/g, ""), "base64")
      .toString("hex")
      .toUpperCase();
    for (const serial of serials) expect(der).toContain(serial);
  });
});
