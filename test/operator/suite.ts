import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { freshNamespace } from "../helpers/kube.js";
import { EdgeModels } from "./edgemodels.js";
import { installApi } from "./install.js";
import { OperatorProcess } from "./operator-process.js";

/** A suite's own namespace with the API installed and a real operator process watching it. */
export interface OperatorSuite {
  readonly ns: string;
  readonly models: EdgeModels;
  readonly operator: OperatorProcess;
}

export async function startOperatorSuite(opts: {
  kc: KubeConfig;
  core: CoreV1Api;
  kubeconfig: string;
  name: string;
}): Promise<OperatorSuite> {
  await installApi(opts.kc);
  const ns = await freshNamespace(opts.core, `op-${opts.name}`);
  const operator = new OperatorProcess({ kubeconfig: opts.kubeconfig, namespace: ns, identity: opts.name });
  await operator.waitForLog("controller started");
  return { ns, models: new EdgeModels(opts.kc, ns), operator };
}
