import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture } from "../testing/fixtures.js";
import type { CommandRunner } from "./command.js";
import { NVIDIA_SMI_ARGS, nvidiaSmiSensor, parseNvidiaSmi } from "./nvidia-smi.js";

const recorded = (name: string) => readFileSync(join(fixture("nvidia-smi"), name), "utf8");

describe("parseNvidiaSmi", () => {
  it("converts an idle H100's fields to base units; idle is not throttling", () => {
    expect(parseNvidiaSmi(recorded("h100.txt"))).toEqual({
      samples: [
        { metric: "gpu_temperature_celsius", unit: "celsius", value: 34, labels: { gpu: "0", model: "NVIDIA H100 80GB HBM3" } },
        { metric: "gpu_power_watts", unit: "watts", value: 71.23, labels: { gpu: "0", model: "NVIDIA H100 80GB HBM3" } },
        { metric: "gpu_utilization_ratio", unit: "ratio", value: 0, labels: { gpu: "0", model: "NVIDIA H100 80GB HBM3" } },
        { metric: "gpu_memory_used_bytes", unit: "bytes", value: 1024 * 1024, labels: { gpu: "0", model: "NVIDIA H100 80GB HBM3" } },
        { metric: "throttled", unit: "flag", value: 0, labels: { component: "gpu0" } },
      ],
      errors: [],
    });
  });

  it("reads several GPUs, flags a power cap and skips [N/A] fields", () => {
    const { samples, errors } = parseNvidiaSmi(recorded("two-a2.txt"));
    expect(errors).toEqual([]);
    expect(samples.map((s) => [s.metric, s.labels.gpu ?? s.labels.component, s.value])).toEqual([
      ["gpu_temperature_celsius", "0", 61],
      ["gpu_power_watts", "0", 58.91],
      ["gpu_utilization_ratio", "0", 0.97],
      ["gpu_memory_used_bytes", "0", 6020 * 1024 * 1024],
      ["throttled", "gpu0", 1],
      ["gpu_temperature_celsius", "1", 45],
      ["gpu_utilization_ratio", "1", 0.12],
      ["gpu_memory_used_bytes", "1", 1510 * 1024 * 1024],
      ["throttled", "gpu1", 0],
    ]);
  });

  it("keeps only what a Jetson's nvidia-smi supports", () => {
    expect(parseNvidiaSmi(recorded("jetson-orin.txt")).samples.map((s) => [s.metric, s.value])).toEqual([["gpu_utilization_ratio", 0.35]]);
  });

  it("counts a line with missing fields as an error", () => {
    const reading = parseNvidiaSmi(recorded("truncated.txt"));
    expect(reading.samples).toEqual([]);
    expect(reading.errors).toEqual([{ source: "nvidia-smi", message: 'expected 7 fields, got 6: "0, NVIDIA T4, 88, 70.02, 100, 14000"' }]);
  });
});

describe("nvidia-smi sensor", () => {
  it("runs nvidia-smi with the documented query", async () => {
    const calls: [string, readonly string[]][] = [];
    const run: CommandRunner = async (program, args) => {
      calls.push([program, args]);
      return recorded("h100.txt");
    };
    expect((await nvidiaSmiSensor({ run }).read()).samples).toHaveLength(5);
    expect(calls).toEqual([["nvidia-smi", NVIDIA_SMI_ARGS]]);
  });

  it("turns a missing nvidia-smi into a read error", async () => {
    const run: CommandRunner = () => Promise.reject(Object.assign(new Error("spawn nvidia-smi ENOENT"), { code: "ENOENT" }));
    expect(await nvidiaSmiSensor({ run }).read()).toEqual({ samples: [], errors: [{ source: "nvidia-smi", message: "ENOENT" }] });
  });
});
