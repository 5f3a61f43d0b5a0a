import { k3sSite, loadConfig } from "@edgefleet/stacks";

/**
 * The stack program's K3s half: the same config reader and K3sSite as stacks/src/program.ts,
 * without the platform (the test's hosts run no Kubernetes).
 */
export default async function program(): Promise<Record<string, unknown>> {
  const { cluster } = loadConfig();
  if (cluster.kind !== "k3s") throw new Error("this test program installs K3s sites only");
  return { kubeconfig: k3sSite(cluster, undefined).kubeconfig };
}
