import { builtinModules } from "node:module";
import { dirname, join, normalize, relative } from "node:path";
import ts from "typescript";

/**
 * The layout rules of this repository's packages, checked over its files: a package is imported
 * by name only, through its one entry point, never across package folders by relative path, and
 * its package.json declares exactly what it imports.
 */

export interface PackageManifest {
  /** Folder relative to the repository root; "" for the root. */
  readonly dir: string;
  readonly name: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
  /** Tools run by the package's scripts: declared but never imported. */
  readonly scripts: Readonly<Record<string, string>>;
}

export interface SourceFile {
  /** Path relative to the repository root. */
  readonly path: string;
  readonly text: string;
}

/** Every module specifier a TypeScript or JavaScript file imports or re-exports from, as the compiler reads it. */
export function importSpecifiers(text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map((f) => f.fileName);
}

const BUILTINS = new Set(builtinModules);

/** The npm package a bare specifier names ("@scope/name/sub" -> "@scope/name"), or undefined for builtins and paths. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
  if (specifier.startsWith("node:") || BUILTINS.has(specifier.split("/")[0] ?? "")) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The package a file belongs to: the one with the deepest folder above it. */
export function owner(path: string, manifests: readonly PackageManifest[]): PackageManifest | undefined {
  return manifests
    .filter((m) => m.dir === "" || path.startsWith(`${m.dir}/`))
    .reduce<PackageManifest | undefined>((best, m) => (best && best.dir.length >= m.dir.length ? best : m), undefined);
}

/** Test code may use devDependencies; what ships may not. */
export const isTestCode = (path: string) => /\.test\.[cm]?[jt]s$/.test(path) || path.split("/").includes("testing");

/** Every broken rule, one line each, naming the file, the import and the fix. */
export function layoutProblems(files: readonly SourceFile[], manifests: readonly PackageManifest[]): string[] {
  const problems: string[] = [];
  const used = new Map<PackageManifest, Set<string>>();
  const names = new Set(manifests.map((m) => m.name));
  for (const file of files) {
    const pkg = owner(file.path, manifests);
    if (!pkg) continue;
    const seen = used.get(pkg) ?? new Set<string>();
    used.set(pkg, seen);
    for (const spec of importSpecifiers(file.text)) {
      if (spec.startsWith(".")) {
        const target = normalize(join(dirname(file.path), spec));
        const other = owner(target, manifests);
        if (other && other !== pkg)
          problems.push(`${file.path}: imports "${spec}" from package ${other.name} by path: import it by name ("${other.name}")`);
        continue;
      }
      const name = packageOf(spec);
      if (!name) continue;
      seen.add(name);
      if (name === pkg.name) {
        problems.push(`${file.path}: imports its own package "${spec}" by name: use a relative import inside ${pkg.name}`);
        continue;
      }
      if (names.has(name) && spec !== name)
        problems.push(`${file.path}: imports "${spec}": import "${name}" itself (its index.ts is its only entry point)`);
      // Nothing ships from the root package: its files (test configuration) are development tools.
      const dev = isTestCode(file.path) || pkg.dir === "";
      const declared = name in pkg.dependencies || (dev && name in pkg.devDependencies);
      if (!declared) {
        const where = name in pkg.devDependencies ? "dependencies (not devDependencies: this file ships)" : "dependencies";
        problems.push(`${file.path}: imports "${name}", which ${join(pkg.dir, "package.json")} does not declare: add it to ${where}`);
      }
    }
  }
  // The root holds the repository's own tools (compiler, linter, types), which nothing imports.
  for (const [pkg, seen] of used) {
    if (pkg.dir === "") continue;
    const scripts = Object.values(pkg.scripts).join("\n");
    for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)])
      if (!seen.has(name) && !scripts.includes(name.split("/").at(-1) ?? name))
        problems.push(`${join(pkg.dir, "package.json")}: declares "${name}", which none of its files imports: remove it`);
  }
  return problems.map((p) => (p.startsWith("/") ? relative("/", p) : p));
}
