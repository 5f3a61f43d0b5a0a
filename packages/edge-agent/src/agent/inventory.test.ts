import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { detectAccelerators, detectArch, inventory } from "./inventory.js";

const tempDir = useTempDirs("inventory");

describe("inventory", () => {
  it("maps Node's architecture names to the operator's and refuses others", () => {
    expect(detectArch("x64")).toBe("amd64");
    expect(detectArch("arm64")).toBe("arm64");
    expect(() => detectArch("riscv64")).toThrow(/"riscv64" .* pass --arch/);
  });

  it("finds accelerators by their drivers' device files below a root", () => {
    const root = tempDir();
    expect(detectAccelerators(root)).toEqual(["cpu"]);
    mkdirSync(join(root, "dev"));
    writeFileSync(join(root, "dev/nvhost-ctrl-gpu"), "");
    writeFileSync(join(root, "dev/apex_0"), "");
    expect(detectAccelerators(root)).toEqual(["cpu", "nvidia-gpu", "edgetpu"]);
  });

  it("lets flags override detection", () => {
    const hardware = inventory({
      hardwareClass: "orin-agx",
      arch: "arm64",
      accelerators: ["nvidia-gpu"],
      sensors: ["simulated"],
      root: "/nonexistent",
    });
    expect(hardware).toMatchObject({ hardwareClass: "orin-agx", arch: "arm64", accelerators: ["nvidia-gpu"], sensors: ["simulated"] });
    expect(hardware.cpuCount).toBeGreaterThan(0);
    expect(hardware.memoryBytes).toBeGreaterThan(0);
  });
});
