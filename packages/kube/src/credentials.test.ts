import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadCredentials } from "./credentials.js";

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = { server: "https://127.0.0.1:6443" }): string {
  const dir = mkdtempSync(join(tmpdir(), "creds-"));
  writeFileSync(join(dir, "ca.crt"), "CA");
  const file = join(dir, "config");
  writeFileSync(
    file,
    stringify({
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
      clusters: [{ name: "k", cluster }],
      users: [{ name: "u", user }],
    }),
  );
  return file;
}

describe("loadCredentials", () => {
  it("reads certificates from data or from files relative to the kubeconfig, and bearer tokens", async () => {
    const file = kubeconfig(
      {
        "client-certificate-data": Buffer.from("CERT").toString("base64"),
        "client-key-data": Buffer.from("KEY").toString("base64"),
        token: "t0k",
      },
      { server: "https://127.0.0.1:6443", "certificate-authority": "ca.crt" },
    );
    const creds = await loadCredentials(file, {});
    const options = await creds.requestOptions();
    expect(creds.server.href).toBe("https://127.0.0.1:6443/");
    expect([String(options.ca), String(options.cert), String(options.key)]).toEqual(["CA", "CERT", "KEY"]);
    expect(options.headers).toEqual({ Authorization: "Bearer t0k" });
  });

  it("names what is missing", async () => {
    await expect(loadCredentials(kubeconfig({}, {}), {})).rejects.toThrow('cluster "k" has no server');
  });
});
