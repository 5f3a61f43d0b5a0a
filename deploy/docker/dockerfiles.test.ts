import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_RUNTIMES, imageReference, MODEL_BUILD_COMMAND, OPERATOR_NODE_OPTIONS, VERIFY_COMMAND } from "@edgefleet/api";
import { HELP as RUNTIME_HELP } from "@edgefleet/cpu-runtime";
import { HELP as AGENT_HELP, INSTALL_HELP } from "@edgefleet/edge-agent";
import { HELP as GATEWAY_HELP, RETIRE_HELP } from "@edgefleet/gateway";
import { HELP as OPENVINO_HELP, WORKER_FILES as OPENVINO_WORKER_FILES } from "@edgefleet/openvino-runtime";
import { HELP as OPERATOR_HELP } from "@edgefleet/operator";
import { HELP as TFLITE_HELP, WORKER_FILES as TFLITE_WORKER_FILES } from "@edgefleet/tflite-runtime";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { BROKER_IMAGE, copies, type Dockerfile, IMAGES, PROGRAM_IMAGES, readDockerfile } from "../index.js";

/**
 * Reads each Dockerfile and checks it against the repository in seconds, without building, so a
 * moved entry point or a new import fails here; test/images builds the images and runs them.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = join(ROOT, "deploy/docker");

/**
 * The model CLI's subcommand's --help, from the command users run (tools depends on this package,
 * so it is run, not imported).
 */
function modelHelp(subcommand: string): string {
  const run = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "tools/src/model-build/cli.ts"), subcommand, "--help"], {
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`tools/edgefleet model ${subcommand} --help: ${run.stderr}`);
  return run.stdout;
}

/** The federated trainer's --help (tools depends on this package, so it is run, not imported). */
function trainerHelp(): string {
  const run = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "tools/src/federated/trainer-main.ts"), "--help"], {
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`the federated trainer's --help: ${run.stderr}`);
  return run.stdout;
}

/** The --help text of every program each image runs: the flags its header names must be there. */
const HELPS: Readonly<Record<string, readonly string[]>> = {
  "model-build.Dockerfile": [modelHelp("job")],
  "federated-trainer.Dockerfile": [trainerHelp()],
  "edge-agent.Dockerfile": [AGENT_HELP, INSTALL_HELP],
  "gateway.Dockerfile": [GATEWAY_HELP, RETIRE_HELP],
  "operator.Dockerfile": [OPERATOR_HELP],
  "cpu-runtime.Dockerfile": [RUNTIME_HELP],
  "openvino-runtime.Dockerfile": [OPENVINO_HELP],
  "tflite-runtime.Dockerfile": [TFLITE_HELP],
};

/** The runtimes whose model runs in a Python worker: the worker's files, and the catalog entry the image serves. */
const PYTHON_RUNTIMES = [
  { dockerfile: "openvino-runtime.Dockerfile", workerFiles: OPENVINO_WORKER_FILES, catalog: "openvino", engine: "openvino" },
  { dockerfile: "tflite-runtime.Dockerfile", workerFiles: TFLITE_WORKER_FILES, catalog: "tflite", engine: "ai-edge-litert" },
];

/** The toolchain's Python pins (tools/toolchain/python-requirements.txt): package → version. */
const PYTHON_PINS = new Map(
  readFileSync(join(ROOT, "tools/toolchain/python-requirements.txt"), "utf8")
    .split("\n")
    .map((l) => /^([A-Za-z0-9._-]+)==(\S+)$/.exec(l.trim()))
    .filter((m) => m !== null)
    .map((m) => [m[1]?.toLowerCase() ?? "", m[2] ?? ""]),
);

const DOCKERFILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".Dockerfile"))
  .sort()
  .map((f) => readDockerfile(join(DIR, f)));
/** The Dockerfiles of edgefleet's own programs: Node.js bundles built from this repository. */
const PROGRAMS = PROGRAM_IMAGES.map((i) => readDockerfile(join(ROOT, i.dockerfile)));

interface Bundle {
  readonly entry: string;
  readonly outfile: string;
  readonly external: string[];
}

/**
 * Every `npx esbuild ENTRY ... --outfile=FILE` of the build's RUN instructions; with --outdir=DIR
 * (a split bundle), the entry's own file there: DIR/NAME.js, or the --out-extension:.js one.
 */
function bundles(d: Dockerfile): Bundle[] {
  return d.instructions
    .filter((i) => i.op === "RUN" && i.args.includes("esbuild "))
    .map((i) => {
      const words = i.args.slice(i.args.indexOf("esbuild ") + "esbuild ".length).split(/\s+/);
      const flag = (name: string) => words.filter((w) => w.startsWith(`--${name}`)).map((w) => w.slice(name.length + 3));
      const entry = words[0] ?? "";
      const outdir = flag("outdir")[0];
      const extension = flag("out-extension")[0]?.replace(/^\.js=/, "") ?? ".js";
      const outfile = outdir === undefined ? (flag("outfile")[0] ?? "") : posix.join(outdir, `${posix.basename(entry, ".ts")}${extension}`);
      return { entry, outfile, external: flag("external") };
    });
}

/** Where a build-stage file lands in the final image, through the image's COPY --from=build lines (of it or a folder above it). */
function shipped(d: Dockerfile, file: string): string[] {
  return copies(d)
    .filter((c) => c.from !== undefined)
    .flatMap((c) =>
      c.sources.flatMap((source) => {
        if (source === file) return [c.dest.endsWith("/") ? posix.join(c.dest, posix.basename(file)) : c.dest];
        // A folder's contents land in the destination folder.
        const folder = source.endsWith("/") ? source : `${source}/`;
        return file.startsWith(folder) ? [posix.join(c.dest, file.slice(folder.length))] : [];
      }),
    );
}

/** The image's ENV instructions, NAME="VALUE" or NAME=VALUE each. */
function environment(d: Dockerfile): Record<string, string> {
  return Object.fromEntries(
    d.instructions
      .filter((i) => i.op === "ENV")
      .map((i) => /^([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))$/.exec(i.args))
      .filter((m) => m !== null)
      .map((m) => [m[1] ?? "", m[2] ?? m[3] ?? ""]),
  );
}

function entrypoint(d: Dockerfile): string[] {
  const last = d.instructions.filter((i) => i.op === "ENTRYPOINT").at(-1);
  return last ? (JSON.parse(last.args) as string[]) : [];
}

const workspaces = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;

describe.each(PROGRAMS.map((d) => [d.name, d] as const))("%s", (name, d) => {
  it("copies only paths that exist, and every workspace's manifest for npm ci", () => {
    const sources = copies(d)
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources);
    expect(sources.filter((s) => !existsSync(join(ROOT, s)))).toEqual([]);
    expect(sources).toEqual(expect.arrayContaining(["package.json", "package-lock.json", ...workspaces.map((w) => `${w}/package.json`)]));
  });

  it("bundles entry points that exist, from sources the image copies", async () => {
    const copied = copies(d)
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources);
    const list = bundles(d);
    expect(list.length).toBeGreaterThan(0);
    for (const b of list) {
      expect(existsSync(join(ROOT, b.entry)), `${b.entry} exists`).toBe(true);
      const result = await build({
        entryPoints: [join(ROOT, b.entry)],
        bundle: true,
        platform: "node",
        format: "esm",
        external: b.external,
        write: false,
        metafile: true,
        logLevel: "silent",
      });
      const own = Object.keys(result.metafile.inputs)
        .map((f) => relative(ROOT, join(process.cwd(), f)))
        .filter((f) => !f.includes("node_modules/"));
      const uncopied = own.filter((f) => !copied.some((c) => f === c || f.startsWith(c.endsWith("/") ? c : `${c}/`)));
      expect(uncopied, `${b.entry} imports files the Dockerfile does not COPY`).toEqual([]);
    }
  });

  it("runs the file its build writes", () => {
    const [node, script] = entrypoint(d);
    expect(node).toMatch(/\/node$/);
    const written = bundles(d).flatMap((b) => shipped(d, b.outfile));
    expect(written).toContain(script);
  });

  it("names in its header only flags its programs take", () => {
    const helps = HELPS[name];
    if (!helps) throw new Error(`add ${name} to HELPS with the --help texts of the programs it runs`);
    // The docker buildx command lines are the header's only lines with docker's own flags.
    const flags = d.comments.filter((c) => !/^\s+(docker |-t )/.test(c)).flatMap((c) => c.match(/--[a-z][a-z0-9-]*/g) ?? []);
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((f) => !helps.some((h) => new RegExp(`${f}\\b`).test(h)))).toEqual([]);
  });
});

describe("images the platform runs", () => {
  const byName = new Map(DOCKERFILES.map((d) => [d.name, d]));

  it("gives the edge-agent image the artifact installer runtime pods run as their verify-artifact container", () => {
    const agent = byName.get("edge-agent.Dockerfile");
    if (!agent) throw new Error("no edge-agent.Dockerfile");
    const written = bundles(agent).flatMap((b) => shipped(agent, b.outfile));
    expect(written).toContain(VERIFY_COMMAND[1]);
  });

  it("gives the model-build image the command the operator's build Jobs run", () => {
    const image = byName.get("model-build.Dockerfile");
    if (!image) throw new Error("no model-build.Dockerfile");
    expect(MODEL_BUILD_COMMAND.slice(0, 2)).toEqual(entrypoint(image));
    // build.py beside the bundle, with the OpenVINO runtime's modules it imports (the CLI's PYTHONPATH).
    const besides = copies(image)
      .filter((c) => c.from === undefined && c.dest === "/app/")
      .flatMap((c) => c.sources);
    expect(besides.sort()).toEqual(["tools/src/model-build/build.py", ...OPENVINO_WORKER_FILES.map((f) => relative(ROOT, f))].sort());
    expect(environment(image).EDGEFLEET_VENV_PYTHON).toBe("/opt/venv/bin/python");
    const pip = image.instructions.filter((i) => i.op === "RUN" && i.args.includes("pip install")).map((i) => i.args);
    expect(pip).toEqual([expect.stringMatching(/--only-binary=:all:.*--constraint \/tmp\/constraints.txt .*\bonnxruntime\b.*\bnncf\b/)]);
  });

  it("caps the operator's V8 heap with OPERATOR_NODE_OPTIONS, as its Deployment and the benchmark do", () => {
    const operator = byName.get("operator.Dockerfile");
    if (!operator) throw new Error("no operator.Dockerfile");
    expect(environment(operator).NODE_OPTIONS).toBe(OPERATOR_NODE_OPTIONS);
  });

  it("has a Dockerfile for the catalog's CPU runtime image, tagged as the catalog names it", () => {
    const onnx = DEFAULT_RUNTIMES.find((r) => r.metadata.name === "onnx");
    const image = onnx?.spec.image ?? "";
    const repo = image.slice(0, image.lastIndexOf(":"));
    const runtime = byName.get(`${basename(repo)}.Dockerfile`);
    expect(runtime?.comments.join("\n")).toContain(`-t ${image} `);
  });

  it("lists every Dockerfile in IMAGES once, each header tagging it with its reference", () => {
    expect(IMAGES.map((i) => basename(i.dockerfile)).sort()).toEqual(DOCKERFILES.map((d) => d.name));
    for (const i of IMAGES) expect(byName.get(basename(i.dockerfile))?.comments.join("\n")).toContain(`-t ${imageReference(i.name)} `);
  });

  it("takes its base images as build arguments, defaulting to the public Node.js images", () => {
    for (const d of PROGRAMS) {
      const from = d.instructions.filter((i) => i.op === "FROM").map((i) => i.args);
      // A build stage, any stages for the target (the Python runtimes' venv), the runtime stage.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own variable syntax.
      expect(from.at(0), d.name).toBe("--platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build");
      expect(from.slice(1, -1), d.name).toEqual(from.slice(1, -1).map(() => expect.stringMatching(/^\$\{RUNTIME_IMAGE\} AS \w+$/)));
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own variable syntax.
      expect(from.at(-1), d.name).toBe("${RUNTIME_IMAGE}");
      const args = d.instructions.filter((i) => i.op === "ARG").map((i) => i.args);
      expect(args, d.name).toEqual(
        expect.arrayContaining([expect.stringMatching(/^BUILD_IMAGE=node:20/), expect.stringMatching(/^RUNTIME_IMAGE=\S*node/)]),
      );
    }
  });
});

describe.each(PYTHON_RUNTIMES)("the $dockerfile Python runtime", ({ dockerfile, workerFiles, catalog, engine }) => {
  const d = readDockerfile(join(DIR, dockerfile));
  const pipInstalls = d.instructions.filter((i) => i.op === "RUN" && i.args.includes("pip install"));

  it("copies the worker's Python files beside the bundle it runs, where the runtime looks for them", () => {
    const folder = posix.dirname(entrypoint(d)[1] ?? "");
    const besides = copies(d)
      .filter((c) => c.from === undefined && c.dest === `${folder}/`)
      .flatMap((c) => c.sources);
    expect(besides.sort()).toEqual(workerFiles.map((f) => relative(ROOT, f)).sort());
  });

  it("installs its engine with the toolchain's pins as constraints, binary wheels only", () => {
    const constraints = copies(d).find((c) => c.sources.includes("tools/toolchain/python-requirements.txt"))?.dest;
    expect(constraints).toBeDefined();
    expect(pipInstalls.map((i) => i.args)).toEqual([
      expect.stringMatching(new RegExp(`--only-binary=:all:.*--constraint ${constraints} .*\\b${engine}\\b`)),
    ]);
  });

  it("is the catalog's image for its format, listing the engine version the pins install", () => {
    const entry = DEFAULT_RUNTIMES.find((r) => r.metadata.name === catalog);
    expect(d.comments.join("\n")).toContain(`-t ${entry?.spec.image} `);
    expect(entry?.spec.supportedFormats.flatMap((f) => f.versions ?? [])).toEqual([PYTHON_PINS.get(engine)]);
  });

  it("points the runtime's --python at the venv it installs", () => {
    expect(environment(d).EDGEFLEET_VENV_PYTHON).toMatch(/^\/opt\/venv\/bin\/python3?$/);
    expect(pipInstalls[0]?.args).toContain("/opt/venv/bin/pip install");
  });
});

describe("the broker image", () => {
  const d = readDockerfile(join(ROOT, BROKER_IMAGE.dockerfile));
  const args = (op: string) => d.instructions.filter((i) => i.op === op).map((i) => i.args);

  it("installs Debian's mosquitto package on a Debian base taken as a build argument, and copies nothing else", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own variable syntax.
    expect(args("FROM")).toEqual(["${DEBIAN_IMAGE}"]);
    expect(args("ARG")).toEqual([expect.stringMatching(/^DEBIAN_IMAGE=debian:bookworm/)]);
    expect(args("RUN").join("\n")).toMatch(/apt-get install .*\bmosquitto\b/);
    expect(copies(d)).toEqual([]);
  });

  it("runs mosquitto from the PATH as uid and gid 1883, as the broker pod does", () => {
    expect(args("USER")).toEqual(["1883:1883"]);
    expect(args("ENTRYPOINT")).toEqual(['["/usr/sbin/mosquitto"]']);
  });
});
