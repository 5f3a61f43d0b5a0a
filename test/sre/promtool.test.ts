import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { allRules, KIT_DIRS, ruleFiles, ruleTestFiles } from "@edgefleet/dashboards";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const PROMTOOL = "/usr/bin/promtool";

function promtool(...args: string[]) {
  const run = spawnSync(PROMTOOL, args, { cwd: KIT_DIRS.tests, encoding: "utf8", timeout: 120_000 });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}
interface TestFile {
  rule_files: string[];
  tests: { alert_rule_test?: AlertTest[] }[];
}

describe("Prometheus rules (real promtool)", () => {
  it("pass promtool check rules", () => {
    const { status, output } = promtool("check", "rules", ...ruleFiles().map((f) => f.path));
    expect(status, output).toBe(0);
  });

  it("pass their promtool unit tests", () => {
    const { status, output } = promtool("test", "rules", ...ruleTestFiles());
    expect(status, output).toBe(0);
  });

  it("have unit tests that see every alert both fire and stay quiet, and load every rule file", () => {
    const tests = ruleTestFiles().map((p) => parse(readFileSync(p, "utf8")) as TestFile);
    const cases = tests.flatMap((t) => t.tests.flatMap((c) => c.alert_rule_test ?? []));
    const seen = (alert: string, firing: boolean) => cases.some((c) => c.alertname === alert && (c.exp_alerts?.length ?? 0) > 0 === firing);
    const alerts = allRules().flatMap((r) => (r.alert ? [r.alert] : []));
    expect(alerts.length).toBeGreaterThan(15);
    expect(alerts.filter((a) => !seen(a, true)).map((a) => `${a} never fires in a test`)).toEqual([]);
    expect(alerts.filter((a) => !seen(a, false)).map((a) => `${a} is never tested quiet`)).toEqual([]);
    const loaded = new Set(tests.flatMap((t) => t.rule_files.map((f) => f.replace(/^\.\.\/rules\//, ""))));
    expect(
      ruleFiles()
        .map((f) => f.name)
        .filter((n) => !loaded.has(n)),
    ).toEqual([]);
  });
});
