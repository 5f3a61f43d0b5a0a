import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadToolchain } from "@edgefleet/tools";
import { afterAll, describe, expect, it } from "vitest";

const INSTALL = fileURLToPath(new URL("../../tools/toolchain/install.sh", import.meta.url));
// The toolchain this run uses, put on PATH as if the user had installed it.
const installed = loadToolchain().binDir;
const scratch = mkdtempSync(join(tmpdir(), "edgefleet-toolchain-"));

function install(args: string[], opts: { cache: string; path?: string }) {
  const r = spawnSync("bash", [INSTALL, ...args], {
    env: { ...process.env, EDGEFLEET_CACHE: opts.cache, PATH: opts.path ?? process.env.PATH, PULUMI_HOME: join(scratch, "pulumi-home") },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("the toolchain installer", () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("uses fitting binaries already on PATH and builds nothing", () => {
    const cache = join(scratch, "cache-path");
    const r = install([], { cache, path: `${installed}:${process.env.PATH}` });
    expect(r.status, r.out).toBe(0);
    expect(r.out).not.toMatch(/building/);
    const manifest = readFileSync(join(cache, "toolchain.env"), "utf8");
    for (const bin of [
      "KUBE_APISERVER",
      "ETCD",
      "KWOKCTL",
      "PULUMI",
      "PULUMI_LANGUAGE_NODEJS",
      "PULUMI_RESOURCE_KUBERNETES",
      "OTELCOL_EDGEFLEET",
      "COREDNS_EDGEFLEET",
      "KUBE_ROUTER",
    ]) {
      expect(manifest).toMatch(new RegExp(`^EDGEFLEET_${bin}=${installed}/`, "m"));
    }
    // The Python venv's commands resolve to the venv they link to: only that very venv fits.
    expect(manifest).toMatch(/^EDGEFLEET_MODEL_SIGNING=\S+\/python-tools\/py[\d.]+-[0-9a-f]{12}\/model_signing$/m);
    // Optional components are built only when named.
    expect(manifest).not.toMatch(/^EDGEFLEET_COSIGN=/m);
    expect(existsSync(join(cache, "toolchain"))).toBe(false);
  });

  it("does not take a binary on PATH whose version does not fit", () => {
    const fakeBin = join(scratch, "old-kwok");
    rmSync(fakeBin, { recursive: true, force: true });
    spawnSync("mkdir", ["-p", fakeBin]);
    // Only its version output matters here: an old kwokctl shadowing the right one.
    writeFileSync(join(fakeBin, "kwokctl"), "#!/bin/sh\necho 'kwokctl version v0.5.1 go1.22 (linux/amd64)'\n");
    chmodSync(join(fakeBin, "kwokctl"), 0o755);
    const r = install(["--list", "kwok"], { cache: join(scratch, "cache-list"), path: `${fakeBin}:${installed}:${process.env.PATH}` });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/^kwok\s+v0\.8\.0\s+\(not built\)$/m);
  });

  it("names an unknown component and the known ones", () => {
    const r = install(["kubelet"], { cache: join(scratch, "cache-bad") });
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("unknown component 'kubelet'; known: kubernetes etcd kwok pulumi pulumi-nodejs pulumi-kubernetes");
  });

  it("has --help", () => {
    const r = install(["--help"], { cache: join(scratch, "cache-help") });
    expect(r.status).toBe(0);
    expect(r.out).toContain("Usage: tools/toolchain/install.sh");
  });
});
