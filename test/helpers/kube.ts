import type { EdgeModel } from "@edgefleet/api";
import { rolloutEnded } from "@edgefleet/tools";
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";

/** Clients for the shared test cluster started by test/setup/cluster.ts. */
export function testCluster() {
  const kc = new KubeConfig();
  kc.loadFromFile(inject("kubeconfig"));
  return { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
}

/** Polls fn until it returns a value other than undefined, or fails after timeoutMs. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A namespace of its own for one test file, deleted afterwards by the caller. */
export async function freshNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/**
 * Waits until the model's rollout of version ended as want, reading it with read; throws at once,
 * with the operator's reason, when it ended otherwise.
 */
export function rolloutEndedAs(read: () => Promise<EdgeModel>, version: string, want: string, timeoutMs: number): Promise<EdgeModel> {
  return eventually(
    `rollout of ${version} ${want}`,
    async () => {
      const m = await read();
      const ending = rolloutEnded(m, version);
      if (ending !== undefined && ending !== want) throw new Error(`rollout of ${version} ended ${ending}: ${m.status?.rollout?.reason}`);
      return ending === want ? m : undefined;
    },
    timeoutMs,
  );
}
