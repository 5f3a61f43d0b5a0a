import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { freePort } from "./ports.js";
import { Service } from "./service.js";

const tempDir = useTempDirs("service");

/** Listens on port; the first run (no marker file yet) exits on its own soon after. */
const flaky = (port: number, marker: string) => `
  const fs = require("node:fs");
  require("node:net").createServer().listen(${port}, "127.0.0.1");
  if (!fs.existsSync(${JSON.stringify(marker)})) setTimeout(() => { fs.writeFileSync(${JSON.stringify(marker)}, ""); process.exit(3); }, 300);
`;

/** A restartOnExit service running flaky(); with ranBefore, its marker exists and it never exits on its own. */
async function flakyService(name: string, ranBefore: boolean): Promise<{ service: Service; marker: string }> {
  const port = await freePort();
  const marker = join(tempDir(), "ran");
  if (ranBefore) writeFileSync(marker, "");
  const service = new Service({
    name,
    command: process.execPath,
    args: ["-e", flaky(port, marker)],
    readiness: { tcpPort: port },
    restartOnExit: true,
  });
  return { service, marker };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Service with restartOnExit", () => {
  it("starts again after it exits on its own, and says so in its output", async () => {
    const { service, marker } = await flakyService("flaky", false);
    await service.start();
    const first = service.pid;
    try {
      await until(() => existsSync(marker) && service.running && service.pid !== first, 10_000);
      expect(service.output()).toContain("flaky exited (3); restarting in 1s");
    } finally {
      await service.dispose();
    }
    expect(service.running).toBe(false);
  });

  it("stays stopped when it was stopped or killed on purpose", async () => {
    const { service } = await flakyService("steady", true);
    await service.start();
    await service.kill();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(service.running).toBe(false);
    expect(service.output()).not.toContain("restarting");
  });
});
