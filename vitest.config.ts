import { defineConfig } from "vitest/config";

// Two projects. unit: the tests beside the code (pure logic, files, child processes of this repo;
// no cluster, no broker), seconds. integration: test/, against the real local platform, whose
// cluster the global setup starts once for all its files.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores in CI: files run in parallel workers.
    pool: "forks",
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [
            "packages/*/src/**/*.test.ts",
            "stacks/src/**/*.test.ts",
            "tools/src/**/*.test.ts",
            "deploy/**/*.test.ts",
            "bench/**/*.test.ts",
          ],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          globalSetup: ["test/setup/cluster.ts"],
        },
      },
    ],
  },
});
