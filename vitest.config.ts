import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/**/*.test.ts",
      "edge-agent/src/**/*.test.ts",
      "operator/src/**/*.test.ts",
      "stacks/src/**/*.test.ts",
      "tools/src/**/*.test.ts",
      "deploy/**/*.test.ts",
    ],
    // Integration suites share one real local cluster, started once by the global setup.
    globalSetup: ["test/setup/cluster.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores in CI: files run in parallel workers, each suite against the shared cluster.
    pool: "forks",
    maxWorkers: 2,
  },
});
