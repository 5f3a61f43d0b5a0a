// Micro-benchmark of what each of the operator's writes costs the API server, in kube-apiserver CPU
// time (utime + stime from /proc/<pid>/stat) per request. The real operator first converges N
// EdgeModels on a small kwok fleet of the bench's own (DaemonSet controller stopped, as in
// bench/operator.ts), and is stopped; the bench then repeats, N at a time, the writes it made,
// byte for byte, and variants of them:
//   - the EdgeModel create (the baseline the operator bench compares against);
//   - the status write of a first convergence (a merge patch of the whole status onto none), as a
//     merge patch and as a JSON patch, and the status write of a later change: the operator's
//     merge patch (every field of the new status) and one with only what changed;
//   - what the status write's cost depends on (--writes status): the same status written onto
//     copies of the EdgeModel CRD under other groups, as is, without its root CEL rule, without any
//     CEL rule, and with atomic lists in status (smaller managedFields); a status of the
//     observedGeneration and conditions alone; and the Event the operator posts on a transition;
//   - the DaemonSet create by server-side apply, its body rebuilt from the fields the operator's
//     apply owns: as JSON (what the operator sends), as block YAML (whether the API server's YAML
//     parser reads that faster), as CBOR (if the server accepts it), and a plain JSON create.
// Each figure is the median over rounds; the API server's idle CPU over the same time is subtracted.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as https from "node:https";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeModel, EdgeModelStatus } from "@edgefleet/api";
import { allCRDs, edgeModel } from "@edgefleet/api";
import { collectionPath, isNotFound, KubeClient, loadCredentials, objectPath, RESOURCES } from "@edgefleet/kube";
import { kubeconfigPath, kwokWorkdir } from "@edgefleet/tools";
import { stringify } from "yaml";
import { benchFlags, RESULT_FLAG } from "./flags.js";
import { benchResult, type Figure, writeResult } from "./result.js";
import { median } from "./stats.js";

/** What the bench reads of a DaemonSet; the rest travels as is. */
interface DaemonSet {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    annotations?: Record<string, string>;
    managedFields?: { manager?: string; operation?: string; fieldsV1?: object; time?: string }[];
    [field: string]: unknown;
  };
  spec?: unknown;
}

const values = await benchFlags({
  about: `Measures kube-apiserver CPU per write for the operator's writes (EdgeModel status, DaemonSet
server-side apply) and variants of them, against an EdgeModel create, on a kwok cluster of its own.`,
  flags: {
    models: { type: "integer", default: "2000", help: "EdgeModels converged by the operator, then written N at a time" },
    rounds: { type: "integer", default: "3", help: "passes over the N models per variant; the median is reported" },
    nodes: { type: "integer", default: "8", help: "the kwok fleet's nodes" },
    concurrency: { type: "integer", default: "32", help: "requests in flight at once" },
    writes: {
      type: "string",
      default: "all",
      check: {
        must: "be all, apply for the DaemonSet writes alone, or status for what a status write's cost depends on",
        test: /^(all|apply|status)$/,
      },
      help: "which writes to measure",
    },
    result: RESULT_FLAG,
  },
});
const loadBefore = loadavg()[0] ?? 0;
const CLUSTER = "bench-writes";
const NS = "writes";
const CLASSES = ["intel-nuc", "jetson-orin", "rpi5-coral", "x86-cpu"];
const MANAGER = "edgefleet-operator";
const stateDir = mkdtempSync(join(tmpdir(), "edgefleet-bench-writes-"));
const env = { ...process.env, EDGEFLEET_STATE_DIR: stateDir };
const kubeconfig = kubeconfigPath(CLUSTER, env);
const pidOf = (component: string) => Number(readFileSync(join(kwokWorkdir(env), "clusters", CLUSTER, "pids", `${component}.pid`), "utf8"));

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { env, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
}
const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", kubeconfig, ...args]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A process's CPU time so far (user + system), in milliseconds. */
function cpuMs(pid: number): number {
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Runs each request with bounded concurrency. */
async function each<T>(items: readonly T[], send: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: values.concurrency }, async () => {
      while (next < items.length) await send(items[next++] as T);
    }),
  );
}

/**
 * The fields an apply owns (managedFields' fieldsV1), picked out of the live object: the body the
 * manager sent, less what the server sets on its own.
 */
function owned(value: unknown, fields: Record<string, unknown>): unknown {
  if (Array.isArray(value)) {
    return value
      .filter((item) =>
        Object.keys(fields).some((key) => {
          if (key.startsWith("v:")) return JSON.stringify(item) === key.slice(2);
          if (!key.startsWith("k:")) return false;
          return Object.entries(JSON.parse(key.slice(2)) as Record<string, unknown>).every(
            ([k, v]) => (item as Record<string, unknown>)[k] === v,
          );
        }),
      )
      .map((item) => {
        if (typeof item !== "object" || item === null) return item;
        const key = Object.keys(fields).find(
          (k) =>
            k.startsWith("k:") &&
            Object.entries(JSON.parse(k.slice(2)) as Record<string, unknown>).every(([a, b]) => (item as Record<string, unknown>)[a] === b),
        );
        const sub = (fields[key ?? ""] ?? {}) as Record<string, unknown>;
        return Object.keys(sub).some((k) => k !== ".") ? owned(item, sub) : item;
      });
  }
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(fields)) {
    if (!key.startsWith("f:")) continue;
    const name = key.slice(2);
    const child = (value as Record<string, unknown>)[name];
    const inner = Object.keys(sub as object).filter((k) => k !== ".");
    out[name] = inner.length > 0 ? owned(child, sub as Record<string, unknown>) : child;
  }
  return out;
}

function applyBody(ds: DaemonSet): DaemonSet {
  const entry = ds.metadata?.managedFields?.find((f) => f.manager === MANAGER && f.operation === "Apply");
  if (!entry?.fieldsV1) throw new Error(`DaemonSet ${ds.metadata?.name} has no apply by ${MANAGER}`);
  const body = owned(ds, entry.fieldsV1 as Record<string, unknown>) as DaemonSet;
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    ...body,
    metadata: { ...body.metadata, name: ds.metadata?.name ?? "", namespace: NS },
  };
}

function startOperator(): ChildProcess {
  return spawn(
    process.execPath,
    [
      "packages/operator/dist/main.mjs",
      ...["--kubeconfig", kubeconfig, "--namespace", NS, "--leader-election-namespace", NS, "--identity", "bench"],
      ...["--http-address", "127.0.0.1:0", "--workers", "32", "--kube-qps", "1000", "--kube-burst", "2000"],
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
}

/** CBOR (RFC 8949) as the API server reads it: behind the self-described tag, definite lengths. */
function cbor(value: unknown): Buffer {
  const parts: Buffer[] = [Buffer.from([0xd9, 0xd9, 0xf7])];
  const head = (major: number, n: number) => {
    const m = major << 5;
    if (n < 24) parts.push(Buffer.from([m | n]));
    else if (n < 0x100) parts.push(Buffer.from([m | 24, n]));
    else if (n < 0x10000) parts.push(Buffer.from([m | 25, n >> 8, n & 0xff]));
    else {
      const b = Buffer.alloc(5);
      b[0] = m | 26;
      b.writeUInt32BE(n, 1);
      parts.push(b);
    }
  };
  const put = (v: unknown): void => {
    if (v === null || v === undefined) parts.push(Buffer.from([0xf6]));
    else if (typeof v === "boolean") parts.push(Buffer.from([v ? 0xf5 : 0xf4]));
    else if (typeof v === "number" && Number.isInteger(v)) head(v < 0 ? 1 : 0, v < 0 ? -1 - v : v);
    else if (typeof v === "number") {
      const b = Buffer.alloc(9);
      b[0] = 0xfb;
      b.writeDoubleBE(v, 1);
      parts.push(b);
    } else if (typeof v === "string") {
      const b = Buffer.from(v, "utf8");
      head(3, b.length);
      parts.push(b);
    } else if (Array.isArray(v)) {
      head(4, v.length);
      for (const x of v) put(x);
    } else {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      head(5, entries.length);
      for (const [k, x] of entries) {
        put(k);
        put(x);
      }
    }
  };
  put(value);
  return Buffer.concat(parts);
}

const figures: Figure[] = [];
const rows: string[] = [];
try {
  run("npm", ["run", "--silent", "--workspace", "@edgefleet/operator", "build"]);
  run("node", ["--import", "tsx", "tools/src/cluster/cli.ts", "start", "--nodes", String(values.nodes), "--name", CLUSTER]);
  process.kill(pidOf("kube-controller-manager"), "SIGTERM");
  kubectl("apply", "--server-side", "-f", "packages/api/crds/");
  kubectl("wait", "--for", "condition=Established", "crd/edgemodels.edgefleet.io", "crd/edgeruntimes.edgefleet.io");
  kubectl("apply", "--server-side", "-f", "packages/api/catalog/");
  kubectl("create", "namespace", NS);
  const apiserver = pidOf("kube-apiserver");
  const client = new KubeClient({ credentials: await loadCredentials(kubeconfig), qps: 5000, burst: 5000, maxSockets: 64 });
  const n = values.models;
  const modelsIn = (namespace: string): EdgeModel[] =>
    Array.from({ length: n }, (_, i) => {
      const m = edgeModel({ placement: { nodeSelector: { "edgefleet.io/hardware-class": CLASSES[i % CLASSES.length] ?? "" } } }, `m${i}`);
      return { ...m, metadata: { name: `m${i}`, namespace } };
    });

  await each(modelsIn(NS), (m) => client.request({ method: "POST", path: collectionPath(RESOURCES.edgeModels, NS), body: m }));
  const operator = startOperator();
  const listModels = () => client.request<{ items: EdgeModel[] }>({ method: "GET", path: collectionPath(RESOURCES.edgeModels, NS) });
  for (;;) {
    const items = (await listModels()).items;
    if (items.filter((m) => m.status?.observedGeneration === m.metadata.generation).length === n) break;
    if (operator.exitCode !== null) throw new Error(`the operator exited (${operator.exitCode})`);
    await sleep(2000);
  }
  operator.kill("SIGTERM");
  await new Promise((r) => operator.once("exit", r));
  await sleep(3000);
  const statuses = (await listModels()).items.map((m) => ({ name: m.metadata.name ?? "", status: m.status ?? {} }));
  const daemonSets = (await client.request<{ items: DaemonSet[] }>({ method: "GET", path: collectionPath(RESOURCES.daemonSets, NS) }))
    .items;
  const bodies = daemonSets.map(applyBody);
  console.error(
    `converged ${n} models (${daemonSets.length} DaemonSets); status ${JSON.stringify(statuses[0]?.status).length} B, apply ${JSON.stringify(bodies[0]).length} B`,
  );

  // The API server's own background CPU (kwok node leases, its controllers), per millisecond.
  const idle0 = cpuMs(apiserver);
  const idleT = performance.now();
  await sleep(5000);
  const idlePerMs = (cpuMs(apiserver) - idle0) / (performance.now() - idleT);

  /** Median CPU ms per request over the rounds; `prepare` runs unmeasured before each round. */
  async function measure(name: string, round: (r: number) => Promise<number>, prepare?: (r: number) => Promise<void>): Promise<number> {
    const perOp: number[] = [];
    for (let r = 0; r < values.rounds; r++) {
      await prepare?.(r);
      await sleep(500);
      const c0 = cpuMs(apiserver);
      const t0 = performance.now();
      const ops = await round(r);
      perOp.push((cpuMs(apiserver) - c0 - idlePerMs * (performance.now() - t0)) / ops);
    }
    const ms = median(perOp);
    rows.push(`| ${name} | ${ms.toFixed(2)} | ${perOp.map((x) => x.toFixed(2)).join(", ")} |`);
    figures.push({
      name: `${name}: API server CPU per request`,
      value: Math.round(ms * 100) / 100,
      unit: "ms",
      better: "lower",
      noise: 0.15,
    });
    console.error(rows.at(-1));
    return ms;
  }

  const statusPath = (name: string) => `${objectPath(RESOURCES.edgeModels, name, NS)}/status`;
  const patchStatus = (name: string, body: unknown, contentType: "application/merge-patch+json" | "application/json-patch+json") =>
    client.request({ method: "PATCH", path: statusPath(name), body, contentType: contentType as "application/merge-patch+json" });
  const clearStatus = () => each(statuses, ({ name }) => patchStatus(name, { status: null }, "application/merge-patch+json"));
  const dsPath = (ds: DaemonSet) => objectPath(RESOURCES.daemonSets, ds.metadata?.name ?? "", NS);
  const deleteDaemonSets = () =>
    each(bodies, (ds) =>
      client.request({ method: "DELETE", path: dsPath(ds) }).catch((err) => {
        if (!isNotFound(err)) throw err;
      }),
    );

  if (values.writes !== "apply") {
    await measure("EdgeModel create (baseline)", async (r) => {
      kubectl("create", "namespace", `base-${r}`);
      await each(modelsIn(`base-${r}`), (m) =>
        client.request({ method: "POST", path: collectionPath(RESOURCES.edgeModels, `base-${r}`), body: m }),
      );
      return n;
    });
  }
  if (values.writes === "status") await statusAnatomy();
  if (values.writes === "all") {
    await measure("status clear (merge patch status: null; setup only)", async () => {
      await clearStatus();
      return n;
    });
    await measure(
      "status onto none, merge patch (operator's first write)",
      async () => {
        await each(statuses, ({ name, status }) => patchStatus(name, { status }, "application/merge-patch+json"));
        return n;
      },
      async (r) => (r > 0 ? clearStatus() : undefined),
    );
    await measure(
      "status onto none, JSON patch",
      async () => {
        await each(statuses, ({ name, status }) =>
          patchStatus(name, [{ op: "add", path: "/status", value: status }], "application/json-patch+json"),
        );
        return n;
      },
      clearStatus,
    );
    // A later change: one condition's message, to and fro.
    const changed = (status: EdgeModelStatus, r: number): EdgeModelStatus => ({
      ...status,
      conditions: (status.conditions ?? []).map((c, i) => (i === 0 ? { ...c, message: `${c.message} (${r % 2})` } : c)),
    });
    await measure("status change, merge patch of the whole status (operator today)", async (r) => {
      await each(statuses, ({ name, status }) => patchStatus(name, { status: changed(status, r) }, "application/merge-patch+json"));
      return n;
    });
    await measure("status change, merge patch of what changed", async (r) => {
      await each(statuses, ({ name, status }) =>
        patchStatus(name, { status: { conditions: changed(status, r + 1).conditions } }, "application/merge-patch+json"),
      );
      return n;
    });
  }
  /**
   * The operator's first status write onto copies of the EdgeModel CRD (another group each) that
   * differ in one thing, and onto the real one with less in the body; then the Event a transition posts.
   */
  async function statusAnatomy(): Promise<void> {
    const base = allCRDs().find((c) => c.metadata.name === "edgemodels.edgefleet.io");
    if (!base) throw new Error("no EdgeModel CRD");
    type Schema = Record<string, unknown>;
    const strip = (schema: unknown, key: string): unknown =>
      Array.isArray(schema)
        ? schema.map((x) => strip(x, key))
        : typeof schema === "object" && schema !== null
          ? Object.fromEntries(Object.entries(schema).flatMap(([k, v]) => (k === key ? [] : [[k, strip(v, key)]])))
          : schema;
    const atomicLists = (schema: unknown): unknown => {
      if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return schema;
      const out: Schema = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, atomicLists(v)]));
      if (out["x-kubernetes-list-type"] === "map") {
        out["x-kubernetes-list-type"] = "atomic";
        delete out["x-kubernetes-list-map-keys"];
      }
      return out;
    };
    const noRootRule = (root: Schema): Schema => {
      const { "x-kubernetes-validations": _rules, ...rest } = root;
      return {
        ...rest,
        properties: {
          ...(rest.properties as Schema),
          metadata: { type: "object", properties: { name: { type: "string", maxLength: 63 } } },
        },
      };
    };
    const variants: [string, string, (root: Schema) => Schema][] = [
      ["as is", "same.bench.edgefleet.io", (root) => root],
      ["without the root CEL rule (metadata.name maxLength instead)", "noroot.bench.edgefleet.io", noRootRule],
      ["without any CEL rule", "nocel.bench.edgefleet.io", (root) => strip(noRootRule(root), "x-kubernetes-validations") as Schema],
      [
        "status lists atomic, no root rule",
        "atomic.bench.edgefleet.io",
        (root) => {
          const r = noRootRule(root);
          const props = r.properties as Schema;
          return { ...r, properties: { ...props, status: atomicLists(props.status) } };
        },
      ],
    ];
    for (const [, group, change] of variants) {
      const version = base.spec.versions[0];
      if (!version) throw new Error("the EdgeModel CRD has no version");
      const crd = {
        ...base,
        metadata: { ...base.metadata, name: `edgemodels.${group}` },
        spec: {
          ...base.spec,
          group,
          names: { ...base.spec.names, shortNames: [], categories: [] },
          versions: [{ ...version, schema: { openAPIV3Schema: change(version.schema.openAPIV3Schema as Schema) } }],
        },
      };
      await client.request({
        method: "PATCH",
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}?fieldManager=bench&force=true`,
        body: crd,
        contentType: "application/apply-patch+yaml" as "application/merge-patch+json",
      });
    }
    for (const [, group] of variants) kubectl("wait", "--for", "condition=Established", `crd/edgemodels.${group}`);
    for (const [label, group] of variants) {
      const collection = `/apis/${group}/v1alpha1/namespaces/${NS}/edgemodels`;
      await each(modelsIn(NS), (m) =>
        client.request({ method: "POST", path: collection, body: { ...m, apiVersion: `${group}/v1alpha1` } }),
      );
      const path = (name: string) => `${collection}/${name}/status`;
      const clear = () =>
        each(statuses, ({ name }) =>
          client.request({ method: "PATCH", path: path(name), body: { status: null }, contentType: "application/merge-patch+json" }),
        );
      await measure(
        `status onto none, CRD ${label}`,
        async () => {
          await each(statuses, ({ name, status }) =>
            client.request({ method: "PATCH", path: path(name), body: { status }, contentType: "application/merge-patch+json" }),
          );
          return n;
        },
        async (r) => (r > 0 ? clear() : undefined),
      );
    }
    const smallest = ({ observedGeneration, conditions }: EdgeModelStatus) => ({ observedGeneration, conditions });
    await measure(
      "status onto none, observedGeneration and conditions only",
      async () => {
        await each(statuses, ({ name, status }) => patchStatus(name, { status: smallest(status) }, "application/merge-patch+json"));
        return n;
      },
      clearStatus,
    );
    await measure("Event POST (a condition's transition)", async (r) => {
      await each(statuses, ({ name }) =>
        client.request({
          method: "POST",
          path: collectionPath(RESOURCES.events, NS),
          body: {
            apiVersion: "events.k8s.io/v1",
            kind: "Event",
            metadata: { name: `${name}.bench${r}`, namespace: NS },
            eventTime: new Date().toISOString().replace("Z", "000Z"),
            reportingController: "edgefleet.io/operator",
            reportingInstance: "bench",
            action: "Reconcile",
            type: "Warning",
            reason: "CapacityFallback",
            note: "1 of 1 hardware class(es) fell back: older models' placements hold what they prefer. intel-nuc runs ov-int8 on cpu, passing over intel-npu (held by writes/m0)",
            regarding: { apiVersion: "edgefleet.io/v1alpha1", kind: "EdgeModel", name, namespace: NS },
          },
        }),
      );
      return n;
    });
  }

  /** One request with a body sent as is (YAML, CBOR): the kube client sends JSON only. */
  const credentials = await loadCredentials(kubeconfig);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  const send = async (method: string, path: string, contentType: string, payload: Buffer): Promise<number> => {
    const tls = await credentials.requestOptions();
    return new Promise((resolve, reject) => {
      const headers = { ...tls.headers, Accept: "application/json", "Content-Type": contentType, "Content-Length": payload.length };
      const req = https.request(new URL(path, credentials.server), { ...tls, agent, method, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => {
          text += c;
        });
        res.on("end", () =>
          (res.statusCode ?? 0) < 300 ? resolve(res.statusCode ?? 0) : reject(new Error(`${res.statusCode}: ${text.slice(0, 300)}`)),
        );
      });
      req.on("error", reject);
      req.end(payload);
    });
  };
  const applyAs = (contentType: string, encode: (ds: DaemonSet) => Buffer) => async () => {
    await each(bodies, (ds) => send("PATCH", `${dsPath(ds)}?fieldManager=${MANAGER}&force=true`, contentType, encode(ds)));
    return bodies.length;
  };
  /** The DaemonSets as stored, less what differs between two creates of the same object. */
  const stored = async () => {
    const list = await client.request<{ items: DaemonSet[] }>({ method: "GET", path: collectionPath(RESOURCES.daemonSets, NS) });
    return JSON.stringify(
      list.items.map(({ metadata, spec }) => {
        const { uid, resourceVersion, creationTimestamp, generation, managedFields, ...rest } = metadata ?? {};
        return { metadata: rest, fields: managedFields?.map(({ time, ...f }) => f), spec };
      }),
    );
  };
  const applyJson = applyAs("application/apply-patch+yaml", (ds) => Buffer.from(JSON.stringify(ds)));
  if (values.writes !== "status") {
    await measure(
      "DaemonSet delete (setup only)",
      async () => {
        await deleteDaemonSets();
        return bodies.length;
      },
      async (r) => (r > 0 ? applyJson().then(() => {}) : undefined),
    );
    await measure("DaemonSet create by apply, JSON body as apply-patch+yaml (operator today)", applyJson, async (r) =>
      r > 0 ? deleteDaemonSets() : undefined,
    );
    const fromJson = await stored();
    await measure(
      "DaemonSet create by apply, block YAML (the yaml package)",
      applyAs("application/apply-patch+yaml", (ds) => Buffer.from(stringify(ds, { version: "1.1" }))),
      deleteDaemonSets,
    );
    const fromYaml = await stored();
    rows.push(`(the DaemonSets both bodies made: ${fromJson === fromYaml ? "identical" : "DIFFERENT"}, managedFields included)`);
    const cborAccepted = await send(
      "PATCH",
      `${dsPath(bodies[0] ?? {})}?fieldManager=${MANAGER}&force=true`,
      "application/apply-patch+cbor",
      cbor(bodies[0]),
    ).then(
      () => true,
      (err: Error) => {
        rows.push(
          `| DaemonSet apply as application/apply-patch+cbor | not accepted: ${err.message.slice(0, 120).replaceAll("|", "/")} | |`,
        );
        return false;
      },
    );
    if (cborAccepted)
      await measure("DaemonSet create by apply, CBOR body", applyAs("application/apply-patch+cbor", cbor), deleteDaemonSets);
    await measure(
      "DaemonSet create, plain JSON POST (no apply)",
      async () => {
        await each(bodies, (ds) =>
          client.request({ method: "POST", path: `${collectionPath(RESOURCES.daemonSets, NS)}?fieldManager=${MANAGER}`, body: ds }),
        );
        return bodies.length;
      },
      deleteDaemonSets,
    );
    // A later apply that changes one annotation: what a replan costs.
    const annotated = (ds: DaemonSet, r: number) => ({
      ...ds,
      metadata: { ...ds.metadata, annotations: { ...ds.metadata?.annotations, "bench/round": String(r) } },
    });
    await measure(
      "DaemonSet apply of a change, JSON body (operator today)",
      async (r) => {
        await each(bodies, (ds) =>
          send(
            "PATCH",
            `${dsPath(ds)}?fieldManager=${MANAGER}&force=true`,
            "application/apply-patch+yaml",
            Buffer.from(JSON.stringify(annotated(ds, r))),
          ),
        );
        return bodies.length;
      },
      async (r) =>
        r === 0
          ? deleteDaemonSets()
              .then(applyJson)
              .then(() => {})
          : undefined,
    );
    await deleteDaemonSets();
  }
  agent.destroy();
  client.close();
} finally {
  spawnSync("node", ["--import", "tsx", "tools/src/cluster/cli.ts", "delete", "--name", CLUSTER], { env, stdio: "ignore" });
  rmSync(stateDir, { recursive: true, force: true });
}

console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, node ${process.version}; ${values.models} models, ${values.rounds} rounds`,
);
console.log("| write | API server CPU per request (ms, median) | rounds |");
console.log("|---|---|---|");
for (const r of rows) console.log(r);
console.log(`load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after`);
writeResult(values.result, benchResult("apiserver-writes", loadBefore, figures, {}));
