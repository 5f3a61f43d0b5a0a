import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FleetProfileError, loadFleetProfile, parseFleetProfile, spread, withCounts } from "./profile.js";

const DEFAULT = fileURLToPath(new URL("../../fleet/default.yaml", import.meta.url));

type Doc = { kind: unknown; name: unknown; sites: unknown[]; classes: (Record<string, unknown> & { capacity: Record<string, unknown> })[] };
const cls0 = (d: Doc) => d.classes[0] as Doc["classes"][number];

const minimal = (): Doc => ({
  kind: "FleetProfile",
  name: "t",
  sites: [{ name: "s1", region: "r", zone: "z1" }],
  classes: [
    { name: "cpu", count: 2, arch: "amd64", instanceType: "pc", accelerator: "none", capacity: { cpu: "4", memory: "8Gi", pods: "110" } },
  ],
});

describe("fleet profile", () => {
  it("loads the shipped default profile with four hardware classes", async () => {
    const p = await loadFleetProfile(DEFAULT);
    expect(p.classes.map((c) => c.name)).toEqual(["jetson-orin", "intel-nuc", "rpi5-coral", "x86-cpu"]);
    expect(p.classes.find((c) => c.name === "jetson-orin")?.capacity["nvidia.com/gpu"]).toBe("1");
    expect(p.classes.find((c) => c.name === "intel-nuc")?.capacity["npu.intel.com/accel"]).toBe("1");
  });

  it.each([
    [(d: Doc) => (d.kind = "Fleet"), 'kind: must be "FleetProfile"'],
    [(d: Doc) => (d.sites = []), "sites: must list at least one site"],
    [(d: Doc) => (cls0(d).count = -1), "classes[0].count: must be a whole number >= 0"],
    [(d: Doc) => (cls0(d).arch = "riscv"), "classes[0].arch: must be one of amd64, arm64"],
    [(d: Doc) => (cls0(d).capacity.cpu = "four"), 'classes[0].capacity.cpu: must be a quantity such as "4"'],
    [(d: Doc) => delete cls0(d).capacity.memory, "classes[0].capacity.memory: is required"],
    [(d: Doc) => (cls0(d).labels = { a: 1 }), 'classes[0].labels.a: must be a string (quote it: "1")'],
    [(d: Doc) => (cls0(d).labels = { "bad key!": "x" }), 'classes[0].labels: "bad key!" is not a valid label key'],
    [(d: Doc) => d.classes.push({ ...cls0(d) }), 'classes[1].name: "cpu" is listed twice'],
    [(d: Doc) => (cls0(d).name = "Jetson"), "classes[0].name: must be a DNS label"],
    [(d: Doc) => (cls0(d).osImage = "Ubuntu: 24.04"), "classes[0].osImage: must be 1-100 characters"],
    [(d: Doc) => (cls0(d).taints = [{ key: "k", effect: "Sometimes" }]), "classes[0].taints[0].effect: must be one of NoSchedule"],
  ])("rejects bad input naming the field (%#)", (mutate, message) => {
    const doc = minimal();
    mutate(doc);
    expect(() => parseFleetProfile(doc)).toThrow(FleetProfileError);
    expect(() => parseFleetProfile(doc)).toThrow(message);
  });

  it("names the file in load errors", async () => {
    await expect(loadFleetProfile("/nonexistent/profile.yaml")).rejects.toThrow("fleet profile /nonexistent/profile.yaml:");
  });
});

describe("node counts", () => {
  it("spreads a total in proportion with largest remainders, summing exactly", () => {
    expect(spread(1000, [5, 5, 5, 5])).toEqual([250, 250, 250, 250]);
    expect(spread(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(spread(7, [0, 0])).toEqual([4, 3]);
    expect(spread(4, [5, 5, 5, 5]).reduce((a, b) => a + b)).toBe(4);
  });

  it("applies --nodes and per-class counts, per-class winning", () => {
    const p = parseFleetProfile({ ...minimal(), classes: [cls0(minimal()), { ...cls0(minimal()), name: "gpu" }] });
    expect(withCounts(p, { total: 1000 }).classes.map((c) => c.count)).toEqual([500, 500]);
    expect(withCounts(p, { total: 10, perClass: { gpu: 1 } }).classes.map((c) => c.count)).toEqual([5, 1]);
  });

  it("rejects unknown classes with the known ones", () => {
    expect(() => withCounts(parseFleetProfile(minimal()), { perClass: { tpu: 3 } })).toThrow('no hardware class "tpu"; known: cpu');
  });
});
