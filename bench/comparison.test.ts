import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareResults, describeComparison, docSection, renderSection, replaceSection, tableText } from "./comparison.js";
import type { BenchResult, Figure } from "./result.js";

const figure = (name: string, value: number, better: Figure["better"] = "lower", noise = 0.1): Figure => ({
  name,
  value,
  unit: "s",
  better,
  noise,
});

const result = (figures: Figure[]): BenchResult => ({
  bench: "operator",
  commit: "abc1234",
  date: "2026-12-05T03:00:00Z",
  machine: "2 x test CPU, 8 GiB, node v24",
  load: { before: 0.5, after: 1.5 },
  args: ["--models", "1000"],
  figures,
});

describe("compareResults", () => {
  it("judges each figure against its noise and the direction that is better", () => {
    const recorded = result([figure("converge", 10), figure("rate", 100, "higher"), figure("rss", 200, "lower", 0.2), figure("gone", 1)]);
    const now = result([figure("converge", 12), figure("rate", 130, "higher"), figure("rss", 220), figure("fresh", 3)]);
    const c = compareResults(recorded, now);
    expect(c.compared.map((x) => `${x.figure} ${x.verdict} ${x.change.toFixed(2)}`)).toEqual([
      "converge worse 0.20",
      "rate better 0.30",
      "rss steady 0.10",
    ]);
    expect(c.notRemeasured).toEqual(["gone"]);
    expect(c.unrecorded).toEqual(["fresh"]);
  });

  it("treats a figure recorded as 0 as moved by any non-zero value", () => {
    const c = compareResults(result([figure("writes on restart", 0)]), result([figure("writes on restart", 2)]));
    expect(c.compared[0]?.verdict).toBe("worse");
    expect(describeComparison(c)[0]).toBe("operator: WORSE writes on restart: 0 -> 2 s (new (was 0), noise ±10%)");
  });

  it("names every moved figure, worse first, and says how many held", () => {
    const c = compareResults(
      result([figure("a", 10), figure("b", 10), figure("c", 10)]),
      result([figure("a", 5), figure("b", 20), figure("c", 10.5)]),
    );
    expect(describeComparison(c)).toEqual([
      "operator: WORSE b: 10 -> 20 s (+100%, noise ±10%)",
      "operator: BETTER a: 10 -> 5 s (-50%, noise ±10%)",
      "operator: 1 of 3 figures within their noise",
    ]);
  });
});

describe("settings", () => {
  it("names each setting the runs differ in before the figures, a record without it as not recorded", () => {
    const capped = { ...result([figure("rss", 200)]), settings: { NODE_OPTIONS: "--max-old-space-size=160" } };
    const c = compareResults(result([figure("rss", 300)]), capped);
    expect(c.settingsChanged).toEqual(['NODE_OPTIONS: (not recorded) -> "--max-old-space-size=160"']);
    expect(describeComparison(c)[0]).toBe(
      'operator: run with other settings than the record, so figures they move are not like for like: NODE_OPTIONS: (not recorded) -> "--max-old-space-size=160"',
    );
    expect(compareResults(capped, capped).settingsChanged).toEqual([]);
    expect(renderSection(capped)).toContain('`--models 1000`; settings `NODE_OPTIONS="--max-old-space-size=160"`.');
    expect(renderSection(result([]))).toContain("`--models 1000`.");
  });
});

describe("the BENCHMARKS.md sections", () => {
  it("replaces only the bench's own section, and names the markers when they are missing", () => {
    const r = result([figure("converge", 1.234)]);
    const doc = `intro\n<!-- bench:operator -->\nold\n<!-- /bench:operator -->\nafter\n`;
    const updated = replaceSection(doc, r);
    expect(updated.startsWith("intro\n")).toBe(true);
    expect(updated.endsWith("\nafter\n")).toBe(true);
    expect(docSection(updated, "operator")).toBe(renderSection(r));
    expect(renderSection(r)).toContain("| converge | 1.23 | s | lower | ±10% |");
    expect(() => replaceSection("no markers", r)).toThrow("<!-- bench:operator --> ... <!-- /bench:operator -->");
  });

  it("agree with every recorded result in bench/results", () => {
    const doc = readFileSync(new URL("../BENCHMARKS.md", import.meta.url), "utf8");
    const dir = new URL("results/", import.meta.url);
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
    for (const file of files) {
      const recorded = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as BenchResult;
      const section = docSection(doc, recorded.bench);
      expect(section, `BENCHMARKS.md has no section for ${file}: add its markers`).toBeDefined();
      expect(tableText(section ?? ""), `BENCHMARKS.md's section for ${file}: run bench/compare.ts --write-doc`).toBe(
        tableText(renderSection(recorded)),
      );
    }
  });
});
