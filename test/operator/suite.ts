import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { EdgeModels } from "./edgemodels.js";
import { installApi } from "./install.js";
import { OperatorProcess } from "./operator-process.js";
import { operatorNamespace } from "./service-account.js";

/**
 * A suite's own namespace with the API installed and a real operator process watching it, run as
 * its own ServiceAccount with the RBAC the platform deploys.
 */
export interface OperatorSuite {
  readonly ns: string;
  /** The operator ServiceAccount's kubeconfig, for more operators of the suite. */
  readonly kubeconfig: string;
  readonly models: EdgeModels;
  readonly operator: OperatorProcess;
}

export async function startOperatorSuite(opts: { kc: KubeConfig; core: CoreV1Api; name: string }): Promise<OperatorSuite> {
  await installApi(opts.kc);
  const { ns, kubeconfig } = await operatorNamespace(opts.kc, opts.core, `op-${opts.name}`);
  const operator = new OperatorProcess({ kubeconfig, namespace: ns, identity: opts.name });
  await operator.waitForLog("controller started");
  return { ns, kubeconfig, models: new EdgeModels(opts.kc, ns), operator };
}
