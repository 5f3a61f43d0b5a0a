import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { contextSources, parseDockerfile } from "@edgefleet/deploy";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { hashSources, type ImageInputs, inputKey } from "./inputs.js";

const tempDir = useTempDirs("image-inputs");

/** A build context with a Dockerfile copying a lockfile and one source folder. */
function context(): string {
  const dir = tempDir();
  mkdirSync(join(dir, "pkg/src/sub"), { recursive: true });
  writeFileSync(join(dir, "package-lock.json"), "{}");
  writeFileSync(join(dir, "pkg/src/main.ts"), "export {};\n");
  writeFileSync(join(dir, "pkg/src/sub/util.ts"), "export const x = 1;\n");
  writeFileSync(join(dir, "pkg/README.md"), "not copied\n");
  return dir;
}

const DOCKERFILE = `ARG BUILD_IMAGE=node:20
FROM \${BUILD_IMAGE} AS build
COPY package-lock.json ./
COPY pkg/src pkg/src
RUN npx esbuild pkg/src/main.ts \\
      --outfile=/out/main.mjs
FROM \${BUILD_IMAGE}
COPY --from=build /out/main.mjs /app/
`;

function keyOf(dir: string, change: Partial<ImageInputs> = {}): string {
  const sources = contextSources(parseDockerfile("x.Dockerfile", DOCKERFILE));
  return inputKey({
    dockerfile: DOCKERFILE,
    buildArgs: { BUILD_IMAGE: "base:1" },
    base: "b1",
    files: hashSources(dir, sources),
    ...change,
  });
}

describe("an image's input key", () => {
  it("reads only what the Dockerfile copies from the context, not what it copies between stages", () => {
    const sources = contextSources(parseDockerfile("x.Dockerfile", DOCKERFILE));
    expect(sources).toEqual(["package-lock.json", "pkg/src"]);
    expect([...hashSources(context(), sources).keys()]).toEqual(["package-lock.json", "pkg/src/main.ts", "pkg/src/sub/util.ts"]);
  });

  it("is the same for the same inputs, whatever order they were read in", () => {
    const dir = context();
    const files = hashSources(dir, ["pkg/src", "package-lock.json"]);
    const reversed = new Map([...files].reverse());
    const inputs = { dockerfile: DOCKERFILE, buildArgs: { A: "1", B: "2" }, base: "b1", files };
    expect(inputKey({ ...inputs, files: reversed, buildArgs: { B: "2", A: "1" } })).toBe(inputKey(inputs));
    expect(keyOf(dir)).toBe(keyOf(dir));
  });

  it("changes with a copied file's content, a new copied file, or its executable bit", () => {
    const dir = context();
    const before = keyOf(dir);
    writeFileSync(join(dir, "pkg/src/sub/util.ts"), "export const x = 2;\n");
    const edited = keyOf(dir);
    expect(edited).not.toBe(before);
    writeFileSync(join(dir, "pkg/src/new.ts"), "");
    const added = keyOf(dir);
    expect(added).not.toBe(edited);
    chmodSync(join(dir, "pkg/src/new.ts"), 0o755);
    expect(keyOf(dir)).not.toBe(added);
  });

  it("changes with the Dockerfile, a build argument or the base, not with files it does not copy", () => {
    const dir = context();
    const before = keyOf(dir);
    expect(keyOf(dir, { dockerfile: `${DOCKERFILE}USER 65532\n` })).not.toBe(before);
    expect(keyOf(dir, { buildArgs: { BUILD_IMAGE: "base:2" } })).not.toBe(before);
    expect(keyOf(dir, { base: "b2" })).not.toBe(before);
    writeFileSync(join(dir, "pkg/README.md"), "edited\n");
    expect(keyOf(dir)).toBe(before);
  });

  it("hashes a symlink as its target path", () => {
    const dir = context();
    symlinkSync("main.ts", join(dir, "pkg/src/link.ts"));
    const files = hashSources(dir, ["pkg/src"]);
    expect(files.get("pkg/src/link.ts")).not.toBe(files.get("pkg/src/main.ts"));
  });

  it("names a copied path that does not exist", () => {
    expect(() => hashSources(context(), ["pkg/lib"])).toThrow(/pkg\/lib: the Dockerfile copies it, but it does not exist/);
  });
});
