// Runs vitest and ends the output with one plain summary line ("tests: N passed, N failed,
// N skipped", plus the test files that failed, when any did: a file whose setup fails fails none
// of its tests, which it skips) that CI reads; the exit code is non-zero when any run failed.
//
// Without arguments the suite runs in two phases: everything but the end-to-end tests, two files
// at a time, then the end-to-end tests alone. Those run the whole platform (fleet simulator,
// broker, gateway, Prometheus, operator) and judge rollouts on measured inference latency, which
// two busy test files on a 2-core machine would turn into noise. Arguments run one vitest with them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const E2E = "test/e2e";
const args = process.argv.slice(2);
const phases = args.length ? [args] : [["--exclude", `${E2E}/**`], [E2E]];

const dir = mkdtempSync(join(tmpdir(), "edgefleet-vitest-"));
const totals = { passed: 0, failed: 0, skipped: 0, failedFiles: 0 };
let status = 0;
phases.forEach((phaseArgs, i) => {
  const report = join(dir, `report-${i}.json`);
  const run = spawnSync("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...phaseArgs], {
    stdio: "inherit",
  });
  if (run.status !== 0) status = run.status ?? 1;
  try {
    const r = JSON.parse(readFileSync(report, "utf8"));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + r.numTodoTests;
    // numFailedTestSuites counts a failed file's describe blocks too: count the files.
    totals.failedFiles += r.testResults.filter((file) => file.status === "failed").length;
  } catch {
    // No report: vitest failed before running tests; its exit code says so.
  }
});
rmSync(dir, { recursive: true, force: true });
const skipped = totals.skipped ? `, ${totals.skipped} skipped` : "";
const files = totals.failedFiles ? ` (${totals.failedFiles} test file${totals.failedFiles === 1 ? "" : "s"} failed)` : "";
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed${skipped}${files}`);
process.exit(status);
