import { ApiextensionsV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { expect } from "vitest";

/** What an installed platform's API looks like, however it was installed: both CRDs established, the default catalog. */
export async function expectApiAndCatalog(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (const name of ["edgemodels.edgefleet.io", "edgeruntimes.edgefleet.io"]) {
    const crd = await ext.readCustomResourceDefinition({ name });
    expect(crd.status?.conditions?.find((c) => c.type === "Established")?.status).toBe("True");
  }
  const runtimes = (await kc
    .makeApiClient(CustomObjectsApi)
    .listClusterCustomObject({ group: "edgefleet.io", version: "v1alpha1", plural: "edgeruntimes" })) as {
    items: { metadata: { name: string } }[];
  };
  expect(runtimes.items.map((r) => r.metadata.name).sort()).toEqual(["onnx", "openvino", "tensorrt", "tflite"]);
}
