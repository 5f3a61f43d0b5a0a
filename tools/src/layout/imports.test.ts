import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importSpecifiers, layoutProblems, type PackageManifest, packageOf } from "./imports.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function manifest(dir: string, name: string, dependencies: Record<string, string> = {}, devDependencies: Record<string, string> = {}) {
  return { dir, name, dependencies, devDependencies, scripts: {} } satisfies PackageManifest;
}

describe("importSpecifiers", () => {
  it("finds static, side-effect, re-export, type-only and dynamic imports, not ones quoted in comments", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "@x/b";',
      'import "c";',
      'export { d } from "../d.js";',
      'export * from "e";',
      'const f = await import("f");',
      'import g, {\n  h,\n} from "g-h";',
      '// as in import z from "commented"',
      '/* import y from "block" */',
    ].join("\n");
    expect(importSpecifiers(text)).toEqual(["./a.js", "@x/b", "c", "../d.js", "e", "f", "g-h"]);
  });

  it("names the package of a bare specifier, nothing for builtins and paths", () => {
    expect(["@x/b/sub", "yaml", "tsx/esm/api", "node:fs", "fs/promises", "./a.js"].map(packageOf)).toEqual([
      "@x/b",
      "yaml",
      "tsx",
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("layoutProblems", () => {
  const api = manifest("packages/api", "@e/api", { yaml: "1" });
  const op = manifest("packages/operator", "@e/operator", { "@e/api": "0" }, { vitest: "4" });
  const root = manifest("", "e", {}, { typescript: "5" });

  it("accepts imports by name that the package declares, and relative ones inside it", () => {
    const files = [
      { path: "packages/operator/src/main.ts", text: 'import { x } from "@e/api";\nimport { y } from "./y.js";' },
      { path: "packages/operator/src/main.test.ts", text: 'import { it } from "vitest";' },
      { path: "packages/api/src/index.ts", text: 'import { parse } from "yaml";' },
    ];
    expect(layoutProblems(files, [api, op, root])).toEqual([]);
  });

  it("names each broken rule with its fix", () => {
    const files = [
      { path: "packages/operator/src/main.ts", text: 'import { x } from "../../api/src/x.js";\nimport { it } from "vitest";' },
      { path: "packages/operator/src/plan.ts", text: 'import { p } from "@e/operator";\nimport { q } from "@e/api/src/q.js";' },
      { path: "packages/api/src/index.ts", text: 'import { z } from "zod";' },
    ];
    expect(layoutProblems(files, [api, op, root])).toEqual([
      'packages/operator/src/main.ts: imports "../../api/src/x.js" from package @e/api by path: import it by name ("@e/api")',
      'packages/operator/src/main.ts: imports "vitest", which packages/operator/package.json does not declare: add it to dependencies (not devDependencies: this file ships)',
      'packages/operator/src/plan.ts: imports its own package "@e/operator" by name: use a relative import inside @e/operator',
      'packages/operator/src/plan.ts: imports "@e/api/src/q.js": import "@e/api" itself (its index.ts is its only entry point)',
      'packages/api/src/index.ts: imports "zod", which packages/api/package.json does not declare: add it to dependencies',
      'packages/api/package.json: declares "yaml", which none of its files imports: remove it',
    ]);
  });
});

describe("this repository", () => {
  const tracked = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((p) => p !== "" && existsSync(join(ROOT, p)));
  const manifests: PackageManifest[] = tracked
    .filter((p) => p === "package.json" || p.endsWith("/package.json"))
    .map((p) => {
      const json = JSON.parse(readFileSync(join(ROOT, p), "utf8"));
      const dir = dirname(p) === "." ? "" : dirname(p);
      return {
        dir,
        name: json.name,
        dependencies: json.dependencies ?? {},
        devDependencies: json.devDependencies ?? {},
        scripts: json.scripts ?? {},
      };
    });
  const sources = tracked
    .filter((p) => /\.(ts|mts|mjs|js)$/.test(p))
    .map((path) => ({ path, text: readFileSync(join(ROOT, path), "utf8") }));

  it("has packages and sources to check", () => {
    expect(manifests.length).toBeGreaterThan(10);
    expect(sources.length).toBeGreaterThan(100);
  });

  it("imports packages by name only, each declared by the package that imports it", () => {
    expect(layoutProblems(sources, manifests)).toEqual([]);
  });
});
