import { loadModel, RuntimeServer } from "@edgefleet/cpu-runtime";
import type { Logger } from "@edgefleet/kit";
import { Registry } from "prom-client";

/** One model version served by the real CPU runtime on a simulated node. */
export interface RuntimeInstance {
  readonly version: string;
  readonly sha256: string;
  /** The runtime's Open Inference Protocol v2 base URL. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

export interface RuntimeInstanceOptions {
  readonly namespace: string;
  readonly model: string;
  readonly version: string;
  readonly sha256: string;
  /** The verified file in the node's artifact cache. */
  readonly path: string;
  readonly log: Logger;
}

/**
 * Loads the artifact into onnxruntime and serves it on a free local port. One intra-op thread: a
 * simulated fleet shares the machine's cores, and a runtime per node must not take them all.
 */
export async function startRuntimeInstance(options: RuntimeInstanceOptions): Promise<RuntimeInstance> {
  // OIP v2 names the model without its namespace: one runtime serves one model of one namespace.
  const name = options.model;
  const server = new RuntimeServer({ name, version: options.version, registry: new Registry(), log: options.log });
  const model = await loadModel({ name, version: options.version, path: options.path, intraOpThreads: 1 });
  server.setModel(model);
  const address = await server.listen("127.0.0.1:0");
  return {
    version: options.version,
    sha256: options.sha256,
    baseUrl: `http://${address}`,
    async close() {
      await server.close();
      await server.release();
    },
  };
}
