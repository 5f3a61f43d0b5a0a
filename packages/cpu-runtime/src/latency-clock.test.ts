import { describe, expect, it } from "vitest";
import { stopwatch } from "./latency-clock.js";

describe("stopwatch", () => {
  it("on the process's CPU clock, does not advance while the process waits", async () => {
    const cpu = stopwatch("process-cpu");
    const wall = stopwatch("wall");
    const [cpuStart, wallStart] = [cpu(), wall()];
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(wall() - wallStart).toBeGreaterThanOrEqual(190);
    // Waiting costs almost no CPU, however busy the rest of the machine is.
    expect(cpu() - cpuStart).toBeLessThan(100);
  });

  it("on the process's CPU clock, counts the work the process does", () => {
    const cpu = stopwatch("process-cpu");
    const start = cpu();
    let x = 0;
    while (cpu() - start < 20) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
  });

  it("on the process's CPU clock, adds the CPU time a worker process reports; wall time ignores it", () => {
    let worker = 0;
    const cpu = stopwatch("process-cpu", () => worker);
    const wall = stopwatch("wall", () => worker);
    const [cpuStart, wallStart] = [cpu(), wall()];
    worker = 5_000;
    expect(cpu() - cpuStart).toBeGreaterThanOrEqual(5_000);
    expect(wall() - wallStart).toBeLessThan(5_000);
  });
});
