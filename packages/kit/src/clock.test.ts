import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { systemClock } from "./clock.js";

const clockModule = fileURLToPath(new URL("./clock.ts", import.meta.url));

/** What a fresh process running this code prints before it exits on its own. */
async function printed(code: string): Promise<string> {
  const script = `import { systemClock } from ${JSON.stringify(clockModule)};\n${code}`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
  return stdout;
}

describe("systemClock", () => {
  it("lets a process whose only work is a timer or an interval exit, unless the timer keeps it alive", async () => {
    const fire = `() => console.log("fired")`;
    expect(
      await Promise.all([
        printed(`systemClock.setTimer(${fire}, 100);`),
        printed(`systemClock.setInterval(${fire}, 100);`),
        printed(`systemClock.setTimer(${fire}, 100, { keepAlive: true });`),
        printed(`systemClock.setTimer(${fire}, 100, { keepAlive: true })();`),
      ]),
    ).toEqual(["", "", "fired\n", ""]);
  });

  it("tells wall-clock time in epoch milliseconds", () => {
    const before = Date.now();
    const wall = systemClock.wallMs();
    expect(wall).toBeGreaterThanOrEqual(before);
    expect(wall).toBeLessThanOrEqual(Date.now());
  });
});
