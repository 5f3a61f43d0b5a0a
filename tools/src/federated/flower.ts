import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@edgefleet/kit";
import type { Toolchain } from "../cluster/toolchain.js";
import { LOCAL_HOST, localPki } from "../platform/pki.js";
import { freePort } from "../services/ports.js";
import { Service } from "../services/service.js";
import { RUN_MARKER, stopMarked } from "./processes.js";

/** edgefleet's Flower app (a directory `flwr run` packs and submits). */
export const APP_DIR = fileURLToPath(new URL("app", import.meta.url));
/** digits.py, which the app imports: the model builds' MLP. */
const MODEL_BUILD_DIR = fileURLToPath(new URL("../model-build", import.meta.url));
/** The name of the SuperLink connection in the Flower CLI's config. */
const CONNECTION = "edgefleet";

/** A SuperLink and SuperNodes, one per device, each a process of its own. */
export interface Federation {
  /** Submits the app with this run config and streams its logs to DIR/flwr-run.log until the run ends. */
  run(runConfig: string): Promise<void>;
  close(): Promise<void>;
}

export interface FederationOptions {
  readonly toolchain: Toolchain;
  readonly devices: number;
  /** Logs, Flower's home and the TLS files go here. */
  readonly dir: string;
  /** Where every device appends what it received and sent (traffic.py). */
  readonly trafficFile: string;
  readonly tls: boolean;
  readonly log: Logger;
}

/** Starting 20 Python processes at once on 2 cores takes a while. */
const START_TIMEOUT_MS = 300_000;

/**
 * The environment of every Flower process: Flower starts flower-superexec, flwr-serverapp and
 * flwr-clientapp by name, so the toolchain's wrappers of the federated venv come first on PATH; the
 * app imports digits.py; the run's marker (processes.ts) tells its processes apart; no telemetry
 * leaves the machine; Flower's state stays in the run's directory.
 */
function flowerEnv(toolchain: Toolchain, home: string, marker: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    [RUN_MARKER]: marker,
    PATH: `${dirname(toolchain.bin("flower-superexec"))}:${process.env.PATH ?? ""}`,
    PYTHONPATH: MODEL_BUILD_DIR,
    FLWR_HOME: home,
    FLWR_TELEMETRY_ENABLED: "0",
  };
}

/**
 * The kernel stops the child when this process dies, however it dies (util-linux's setpriv sets the
 * parent-death signal), as the fleet simulator runs its runtimes; Flower's own children
 * (flower-superexec, the app processes) watch their parent's pid and exit with it.
 */
const orphanProof = (command: string, args: readonly string[]) => ({
  command: "setpriv",
  args: ["--pdeathsig", "TERM", "--", command, ...args],
});

export async function startFederation(o: FederationOptions): Promise<Federation> {
  const home = join(o.dir, "flower-home");
  mkdirSync(home, { recursive: true });
  const marker = randomUUID();
  const env = flowerEnv(o.toolchain, home, marker);
  const port = await freePort();
  const host = o.tls ? LOCAL_HOST : "127.0.0.1";
  const services: Service[] = [];
  // Every process of the run at once, the SuperLink and SuperNodes among them: stopping those first
  // and one by one takes longer than a loaded machine's shutdown allows, and leaves their app
  // processes without a parent to watch. Then the services close their logs.
  const close = async () => {
    await stopMarked(marker);
    await Promise.all(services.map((s) => s.dispose()));
  };
  let linkTls: string[] = ["--insecure"];
  let nodeTls: string[] = ["--insecure"];
  let cliTls = "insecure = true";
  if (o.tls) {
    const pki = localPki(join(o.dir, "tls"));
    // The SuperNodes and the CLI dial localhost; the SuperLink's own SuperExec dials the address it binds.
    const server = pki.write("superlink", pki.issue(LOCAL_HOST, [LOCAL_HOST, "127.0.0.1"]));
    linkTls = ["--ssl-certfile", server.cert, "--ssl-keyfile", server.key, "--ssl-ca-certfile", pki.caFile];
    nodeTls = ["--root-certificates", pki.caFile];
    cliTls = `root-certificates = ${JSON.stringify(pki.caFile)}`;
  }
  try {
    const link = new Service({
      name: "Flower SuperLink",
      ...orphanProof(
        o.toolchain.bin("flower-superlink"),
        [
          ...linkTls,
          ["--host", "127.0.0.1", "--port", String(port)],
          // Offline: the app's dependencies are the federated venv's, never installed at run time.
          "--disable-runtime-dependency-installation",
        ].flat(),
      ),
      env,
      logFile: join(o.dir, "superlink.log"),
      readiness: { tcpPort: port },
      startTimeoutMs: START_TIMEOUT_MS,
      stopTimeoutMs: 10_000,
    });
    services.push(link);
    await link.start();
    o.log.info("SuperLink ready", { address: `${host}:${port}`, tls: o.tls });
    const nodes = await Promise.all(
      Array.from({ length: o.devices }, async (_, device) => {
        const runtimePort = await freePort();
        const node = new Service({
          name: `Flower SuperNode ${device}`,
          ...orphanProof(
            o.toolchain.bin("flower-supernode"),
            [
              ...nodeTls,
              ["--superlink", `${host}:${port}`],
              // Its Runtime API, which its app processes fetch their messages from.
              ["--host", "127.0.0.1", "--port", String(runtimePort)],
              ["--node-config", `partition-id=${device} num-partitions=${o.devices} traffic-file=${JSON.stringify(o.trafficFile)}`],
            ].flat(),
          ),
          env,
          logFile: join(o.dir, `supernode-${device}.log`),
          readiness: { tcpPort: runtimePort },
          startTimeoutMs: START_TIMEOUT_MS,
          stopTimeoutMs: 10_000,
        });
        services.push(node);
        await node.start();
        return node;
      }),
    );
    o.log.info("SuperNodes started", { devices: nodes.length });
  } catch (err) {
    await close();
    throw err;
  }
  writeFileSync(
    join(home, "config.toml"),
    `# Written by tools/edgefleet fl run: the SuperLink it started.\n[superlink]\ndefault = "${CONNECTION}"\n\n[superlink.${CONNECTION}]\naddress = "${host}:${port}"\n${cliTls}\n`,
  );
  return {
    close,
    run: (runConfig) => {
      const out = openSync(join(o.dir, "flwr-run.log"), "a");
      const { command, args } = orphanProof(o.toolchain.bin("flwr"), ["run", APP_DIR, CONNECTION, "--stream", "--run-config", runConfig]);
      const child = spawn(command, args, { env, stdio: ["ignore", out, out] });
      return new Promise((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code, signal) =>
          code === 0 ? resolve() : reject(new Error(`flwr run exited with ${code ?? signal}: see ${join(o.dir, "flwr-run.log")}`)),
        );
      });
    },
  };
}
