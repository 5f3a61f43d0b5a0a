import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "/work/main/operator/src/kube/client.ts";
import { edgeModel } from "/work/main/operator/src/testing/models.ts";

const [ns, n] = [process.argv[2]!, Number(process.argv[3])];
const kc = new KubeConfig();
kc.loadFromDefault();
const client = new KubeClient({ kubeConfig: kc, qps: 5000, burst: 5000 });
const CLASSES = ["intel-nuc", "jetson-orin", "rpi5-coral", "x86-cpu"];
let next = 0;
const t = performance.now();
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < n) {
      const i = next++;
      const m = edgeModel({ placement: { nodeSelector: { "edgefleet.io/hardware-class": CLASSES[i % 4]! } } }, `m${i}`);
      await client.request({
        method: "POST",
        path: `/apis/edgefleet.io/v1alpha1/namespaces/${ns}/edgemodels`,
        body: { ...m, metadata: { name: `m${i}`, namespace: ns } },
      });
    }
  }),
);
console.log(`created ${n} in ${((performance.now() - t) / 1000).toFixed(1)}s`);
client.close();
