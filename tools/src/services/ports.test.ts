import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { claimPort, freePort, PORT_CLAIMS_DIR, PORT_RANGE } from "./ports.js";

const claimOf = (port: number) => join(PORT_CLAIMS_DIR, String(port));

describe("freePort", () => {
  it("hands out distinct ports of PORT_RANGE, each claimed for this process, below the kernel's ephemeral ports", async () => {
    const ports: number[] = [];
    for (let i = 0; i < 100; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(PORT_RANGE.first);
      expect(port).toBeLessThanOrEqual(PORT_RANGE.last);
      expect(readFileSync(claimOf(port), "utf8")).toBe(String(process.pid));
    }
    const [ephemeralFirst] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    expect(PORT_RANGE.last).toBeLessThan(ephemeralFirst ?? 0);
  });
});

describe("claimPort", () => {
  it("refuses a port a live process claimed, and takes over the claim of a process that is gone", async () => {
    const port = await freePort();
    // Claimed by this process: not again.
    expect(claimPort(port)).toBe(false);
    // Claimed by another live process (init): refused, the claim left as it was.
    writeFileSync(claimOf(port), "1");
    expect(claimPort(port)).toBe(false);
    expect(readFileSync(claimOf(port), "utf8")).toBe("1");
    // Claimed by a process that exited: taken over.
    const gone = spawnSync("true").pid;
    writeFileSync(claimOf(port), String(gone));
    expect(claimPort(port)).toBe(true);
    expect(readFileSync(claimOf(port), "utf8")).toBe(String(process.pid));
    rmSync(claimOf(port));
  });
});
