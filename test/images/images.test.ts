import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ARTIFACT_BLOBS_DIR,
  ARTIFACT_CACHE_DIR,
  DEFAULT_RUNTIMES,
  IMAGE_NAMES,
  IMAGE_UID,
  OPERATOR_NODE_OPTIONS,
  VERIFY_COMMAND,
} from "@edgefleet/api";
import { HELP as RUNTIME_HELP } from "@edgefleet/cpu-runtime";
import { PROGRAM_IMAGES } from "@edgefleet/deploy";
import { HELP as AGENT_HELP, INSTALL_HELP } from "@edgefleet/edge-agent";
import { HELP as GATEWAY_HELP, RETIRE_HELP } from "@edgefleet/gateway";
import { buildIrArtifact, HELP as OPENVINO_HELP } from "@edgefleet/openvino-runtime";
import { HELP as OPERATOR_HELP } from "@edgefleet/operator";
import { IMAGE_SIZE, INPUT_NAME, OUTPUT_NAME, writeModels } from "@edgefleet/test-models";
import { buildTfliteTestModel, HELP as TFLITE_HELP } from "@edgefleet/tflite-runtime";
import { type BuiltImage, buildImages, loadToolchain, TRAINER } from "@edgefleet/tools";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, postJson } from "../runtime/oip.js";
import { bundleFor, ContainerProcess, type ImageConfig, imageConfig, type RunSpec, runToExit, unpack } from "./bundle.js";

/**
 * edgefleet's images, built from deploy/docker by `tools/edgefleet images build` (cached by their
 * inputs: only the first run on a machine, or a run after a change, builds) and run as a node
 * would run them: unpacked into an OCI bundle and started with runc, as their own user.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every program each image ships: its entry point, and the ones pods start with a `command`. */
const PROGRAMS: Readonly<Record<string, readonly { command?: readonly string[]; help: string }[]>> = {
  [IMAGE_NAMES.operator]: [{ help: OPERATOR_HELP }],
  [IMAGE_NAMES.gateway]: [{ help: GATEWAY_HELP }, { command: ["/nodejs/bin/node", "/app/retire.mjs"], help: RETIRE_HELP }],
  [IMAGE_NAMES.agent]: [{ help: AGENT_HELP }, { command: VERIFY_COMMAND, help: INSTALL_HELP }],
  [IMAGE_NAMES.cpuRuntime]: [{ help: RUNTIME_HELP }],
  [IMAGE_NAMES.openvinoRuntime]: [{ help: OPENVINO_HELP }],
  [IMAGE_NAMES.tfliteRuntime]: [{ help: TFLITE_HELP }],
  [IMAGE_NAMES.modelBuild]: [{ help: modelCli(["--help"]).stdout }],
  [IMAGE_NAMES.federatedTrainer]: [{ help: TRAINER.help }],
};

/** tools/edgefleet model, as a checkout runs it (the model-build image runs its bundle). */
function modelCli(args: readonly string[]) {
  const run = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "tools/src/model-build/cli.ts"), ...args], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`tools/edgefleet model ${args.join(" ")}: ${run.stderr}`);
  return run;
}

const work = mkdtempSync(join(tmpdir(), "edgefleet-images-"));
const built = new Map<string, BuiltImage>();
const unpacked = new Map<string, Promise<{ dir: string; config: ImageConfig }>>();
let runs = 0;

/** The image unpacked once (its archive, as a node's runtime would take it), then a bundle per run. */
async function bundleOf(name: string, run: RunSpec) {
  const image = built.get(name);
  if (!image) throw new Error(`${name} was not built`);
  let done = unpacked.get(name);
  if (!done) {
    const dir = join(work, name);
    mkdirSync(dir);
    done = Promise.all([unpack(image.archive, dir), imageConfig(image.archive)]).then(([d, config]) => ({ dir: d, config }));
    unpacked.set(name, done);
  }
  const { dir, config } = await done;
  const runDir = join(work, `run-${++runs}`);
  mkdirSync(runDir);
  return { bundle: bundleFor(dir, runDir, config, run), rootfs: join(dir, "rootfs"), config };
}

beforeAll(async () => {
  for (const b of await buildImages({ log: (line) => console.error(line) })) built.set(b.name, b);
}, 3_600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(PROGRAM_IMAGES.map((i) => [i.name] as const))("image %s", (name) => {
  it("runs as uid 65532, with its files owned by root: readable, not writable by its user", async () => {
    const { rootfs, config } = await bundleOf(name, { args: [] });
    expect(config.User).toBe(`${IMAGE_UID}:${IMAGE_UID}`);
    const app = join(rootfs, "app");
    for (const file of readdirSync(app)) {
      const s = statSync(join(app, file));
      expect({ file, uid: s.uid, otherRead: (s.mode & 0o004) !== 0, otherWrite: (s.mode & 0o002) !== 0 }).toEqual({
        file,
        uid: 0,
        otherRead: true,
        otherWrite: false,
      });
    }
  });

  it("answers --help with exit 0 from every program it ships", async () => {
    for (const program of PROGRAMS[name] ?? []) {
      const { bundle } = await bundleOf(name, { args: ["--help"], ...(program.command ? { command: program.command } : {}) });
      const { code, stdout, stderr } = await runToExit(bundle);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      expect(stdout.trim()).toBe(program.help.trim());
    }
  });
});

describe("the operator image", () => {
  it("caps V8's heap with OPERATOR_NODE_OPTIONS from its own environment, without the Deployment's", async () => {
    const probe = "require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20 + ' ' + process.env.NODE_OPTIONS";
    const { bundle } = await bundleOf(IMAGE_NAMES.operator, { args: [], command: ["/nodejs/bin/node", "-p", probe] });
    const { code, stdout, stderr } = await runToExit(bundle);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const [limitMiB, ...options] = stdout.trim().split(" ");
    expect(options.join(" ")).toBe(OPERATOR_NODE_OPTIONS);
    // Old space and young generation; V8's default on a 64-bit machine is gigabytes.
    expect(Number(limitMiB)).toBeLessThan(200);
  });
});

describe("the federated-trainer image", () => {
  /** The federated venv's Flower pin, which the image installs. */
  const flower = /^flwr==(\S+)$/m.exec(readFileSync(join(ROOT, "tools/toolchain/python-federated-requirements.txt"), "utf8"))?.[1];

  it("runs edgefleet's Flower app with its own venv, as its user: the app and the digits model import, Flower's commands beside its python", async () => {
    const script =
      "PYTHONPATH=/app/federated/app:/app/model-build /opt/venv/bin/python -c " +
      "'import edgefleet_fl.server_app, edgefleet_fl.client_app, digits, flwr; print(flwr.__version__)' " +
      "&& test -x /opt/venv/bin/flower-superlink && test -x /opt/venv/bin/flower-supernode && test -x /usr/bin/setpriv";
    const { bundle } = await bundleOf(IMAGE_NAMES.federatedTrainer, { args: [], command: ["/bin/sh", "-c", script] });
    const { code, stdout, stderr } = await runToExit(bundle);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe(flower);
  });

  it("exits 1 outside a FederatedTraining's pod, naming the environment variable it lacks", async () => {
    const { bundle } = await bundleOf(IMAGE_NAMES.federatedTrainer, { args: ["coordinator"] });
    const { code, stdout } = await runToExit(bundle);
    expect(code).toBe(1);
    expect(stdout).toContain("EDGEFLEET_FL_JOB is not set");
  });
});

describe("the model-build image", () => {
  const example = join(work, "digits");
  const build = (targets: string) =>
    bundleOf(IMAGE_NAMES.modelBuild, {
      args: [
        ...["build", "--model", "/data/digits-mlp.onnx", "--calibration", "/data/digits-calibration.npz"],
        ...["--evaluation", "/data/digits-evaluation.npz", "--out", "/tmp/builds", "--targets", targets, "--json"],
      ],
      binds: { [example]: "/data" },
    });

  beforeAll(() => {
    modelCli(["example", "--out", example]);
  }, 300_000);

  it("builds and measures the digits example with its own Python tools, as its user", async () => {
    const { code, stdout, stderr } = await runToExit((await build("onnx-int8-dynamic,openvino-int8")).bundle);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as { targets: { target: string; verdict: string; accuracyPercent: number }[] };
    const verdicts = Object.fromEntries(result.targets.map((t) => [t.target, t.verdict]));
    expect(verdicts).toMatchObject({ "onnx-int8-dynamic": "written", "openvino-int8": "written" });
    for (const t of result.targets) expect(t.accuracyPercent).toBeGreaterThan(90);
  }, 300_000);

  it("refuses a tflite target at once, naming what the image leaves out", async () => {
    const { code, stderr } = await runToExit((await build("tflite-int8")).bundle);
    expect(code).toBe(1);
    expect(stderr).toContain("tflite-int8: this Python has no onnx2tf, tensorflow, ai_edge_litert: the model-build image leaves out");
  }, 120_000);
});

/** The catalog's runtimes edgefleet builds, each with the test model file its format takes. */
const CATALOG_RUNTIMES: readonly { runtime: string; image: string; model: (onnx: string, out: string) => Promise<void> }[] = [
  { runtime: "onnx", image: IMAGE_NAMES.cpuRuntime, model: async (onnx, out) => copyFileSync(onnx, out) },
  {
    runtime: "openvino",
    image: IMAGE_NAMES.openvinoRuntime,
    model: (onnx, out) => buildIrArtifact({ python: venvPython(), onnx, out, precision: "fp32" }),
  },
  {
    runtime: "tflite",
    image: IMAGE_NAMES.tfliteRuntime,
    model: (onnx, out) => buildTfliteTestModel({ python: venvPython(), onnx, out, precision: "fp32" }),
  },
];

/** The toolchain's venv-python, which writes the IR and .tflite test models here (not in the images). */
const venvPython = () => loadToolchain().bin("venv-python");

describe.each(CATALOG_RUNTIMES)("the catalog's $runtime runtime image", ({ runtime: catalogName, image, model: writeModel }) => {
  let runtime: ContainerProcess;
  let url: string;
  let expected: number[];
  const models = join(work, `artifacts-${catalogName}`);
  const shape = [1, 3, IMAGE_SIZE, IMAGE_SIZE];
  const pixels = Float32Array.from({ length: 3 * IMAGE_SIZE * IMAGE_SIZE }, (_, i) => ((i * 31) % 255) / 255);

  beforeAll(async () => {
    // The node's artifact cache as provisioning leaves it: owned by the images' user, a verified
    // model file (of the runtime's format, from the detector test model) under its sha256; the
    // runtime starts with the catalog's own arguments, from the catalog's image.
    const source = join(work, `models-${catalogName}`);
    const [onnx] = writeModels(source).filter((m) => m.name === "detector");
    if (!onnx) throw new Error("no detector test model");
    const file = join(source, `detector.${catalogName}`);
    await writeModel(join(source, onnx.fileName), file);
    const sha256 = createHash("sha256").update(readFileSync(file)).digest("hex");
    const blobs = join(models, ARTIFACT_BLOBS_DIR.slice(ARTIFACT_CACHE_DIR.length + 1));
    mkdirSync(blobs, { recursive: true });
    copyFileSync(file, join(blobs, sha256));
    chmodSync(join(blobs, sha256), 0o444);
    for (const dir of [models, join(models, "blobs"), blobs]) chownSync(dir, IMAGE_UID, IMAGE_UID);
    const session = await InferenceSession.create(join(source, onnx.fileName));
    expected = Array.from((await session.run({ [INPUT_NAME]: new Tensor("float32", pixels, shape) }))[OUTPUT_NAME]?.data as Float32Array);
    await session.release();

    const vars: Record<string, string> = {
      EDGEFLEET_MODEL: "detector",
      EDGEFLEET_MODEL_VERSION: "1.0.0",
      EDGEFLEET_ARTIFACT_SHA256: sha256,
    };
    const spec = DEFAULT_RUNTIMES.find((r) => r.metadata.name === catalogName)?.spec;
    expect(spec?.image).toBe(built.get(image)?.reference);
    const args = (spec?.args ?? [])
      .filter((a) => !a.startsWith("--http-address="))
      .map((a) => a.replace(/\$\((\w+)\)/g, (_, v: string) => vars[v] ?? `$(${v})`));
    const { bundle } = await bundleOf(image, {
      args: [...args, "--http-address=127.0.0.1:0"],
      binds: { [models]: ARTIFACT_CACHE_DIR },
    });
    runtime = new ContainerProcess(`${image} image`, bundle);
    await runtime.waitForLog("model loaded", { timeoutMs: 60_000 });
    url = `http://${(await runtime.waitForLog("listening")).address}`;
  }, 180_000);

  afterAll(async () => {
    await runtime?.stop();
  });

  it("serves the catalog's model from the node's artifact cache over OIP v2, as onnxruntime computes it", async () => {
    expect(await call(`${url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
    const { status, body } = await postJson(`${url}/v2/models/detector/infer`, {
      id: "image-1",
      inputs: [{ name: INPUT_NAME, shape, datatype: "FP32", data: Array.from(pixels) }],
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ model_name: "detector", model_version: "1.0.0", id: "image-1" });
    expect(body.outputs).toEqual([{ name: OUTPUT_NAME, datatype: "FP32", shape: [1, 10], data: expect.any(Array) }]);
    // The same model in another engine, in fp32: equal to float precision.
    const data = (body.outputs as { data: number[] }[])[0]?.data ?? [];
    expect(Math.max(...data.map((v, i) => Math.abs(v - (expected[i] ?? Number.NaN))))).toBeLessThan(1e-5);
  });
});
