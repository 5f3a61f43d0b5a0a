import { ARTIFACT_CACHE_DIR, edgeModel, MODEL_REPOSITORY_DIR, SHA256, VISION_VARIANTS } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { desiredWorkloads } from "../rollout/workloads.js";
import { classNode, referenceFleet } from "../testing/fleet.js";
import { tensorRtCatalog } from "../testing/runtimes.js";
import { desiredDaemonSet, namedNodes } from "./daemonset.js";
import { plan } from "./plan.js";

/** The catalog with a per-model TensorRT runtime, one model per GPU: what these cases are about. */
const CATALOG = tensorRtCatalog();

function daemonSets(model = edgeModel(), nodes = referenceFleet()) {
  return desiredWorkloads({ stable: { model, plan: plan({ model, runtimes: CATALOG, nodes }) }, previousCanaries: () => [] }).daemonSets;
}

describe("the DaemonSets of a model not in a rollout", () => {
  it("builds one DaemonSet per placed class, owned by the EdgeModel and selecting its class's nodes", () => {
    const all = daemonSets();
    expect(all.map((d) => d.metadata?.name)).toEqual([
      "detector-intel-nuc",
      "detector-jetson-orin",
      "detector-rpi5-coral",
      "detector-x86-cpu",
    ]);
    const jetson = all[1];
    const { annotations, ...metadata } = jetson?.metadata ?? {};
    expect(Object.keys(annotations ?? {})).toEqual(["edgefleet.io/revision"]);
    expect(metadata).toEqual({
      name: "detector-jetson-orin",
      namespace: "vision",
      labels: {
        "edgefleet.io/model": "detector",
        "edgefleet.io/hardware-class": "jetson-orin",
        "edgefleet.io/track": "stable",
        "app.kubernetes.io/managed-by": "edgefleet-operator",
        "app.kubernetes.io/part-of": "edgefleet",
      },
      ownerReferences: [
        {
          apiVersion: "edgefleet.io/v1alpha1",
          kind: "EdgeModel",
          name: "detector",
          uid: "0b3c8a52-6a7e-4f0e-9a55-3f1d2c4b5a69",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(jetson?.spec?.selector.matchLabels).toEqual({
      "edgefleet.io/model": "detector",
      "edgefleet.io/hardware-class": "jetson-orin",
      "edgefleet.io/track": "stable",
    });
    const pod = jetson?.spec?.template;
    expect(pod?.metadata?.labels).toMatchObject({ "edgefleet.io/variant": "trt-fp16", "edgefleet.io/model-version": "2024.06.1" });
    expect(pod?.metadata?.annotations).toEqual({ "edgefleet.io/runtime": "tensorrt", "edgefleet.io/accelerator": "nvidia-gpu" });
    expect(pod?.spec?.nodeSelector).toEqual({ "edgefleet.io/hardware-class": "jetson-orin" });
    expect(pod?.spec?.affinity).toBeUndefined();
  });

  it("runs the chosen runtime's container with the accelerator's resources and the model's environment", () => {
    const model = edgeModel({ resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } } });
    const [container] = daemonSets(model).find((d) => d.metadata?.name === "detector-intel-nuc")?.spec?.template.spec?.containers ?? [];
    expect(container).toMatchObject({
      name: "runtime",
      image: "ghcr.io/edgefleet/openvino-runtime:0.1.0",
      args: [
        "--model-name=$(EDGEFLEET_MODEL)",
        "--model-version=$(EDGEFLEET_MODEL_VERSION)",
        "--model-path=/var/lib/edgefleet/artifacts/blobs/sha256/$(EDGEFLEET_ARTIFACT_SHA256)",
        "--model-sha256=$(EDGEFLEET_ARTIFACT_SHA256)",
        "--http-address=0.0.0.0:8080",
      ],
      ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
      resources: { limits: { memory: "2Gi", "npu.intel.com/accel": "1" }, requests: { cpu: "500m", memory: "1Gi" } },
      readinessProbe: { httpGet: { path: "/v2/health/ready", port: "http" }, periodSeconds: 1 },
      livenessProbe: { httpGet: { path: "/v2/health/live", port: "http" }, periodSeconds: 10 },
    });
    expect(Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]))).toEqual({
      EDGEFLEET_MODEL: "vision/detector",
      EDGEFLEET_MODEL_VERSION: "2024.06.1",
      EDGEFLEET_VARIANT: "ov-int8",
      EDGEFLEET_FORMAT: "openvino",
      EDGEFLEET_PRECISION: "int8",
      EDGEFLEET_ACCELERATOR: "intel-npu",
      EDGEFLEET_ARTIFACT_URI: "oci://ghcr.io/acme/models/detector:ov-int8",
      EDGEFLEET_ARTIFACT_SHA256: SHA256,
      EDGEFLEET_ARTIFACT_SIZE_BYTES: "12345678",
    });
  });

  it("requests no accelerator resources for a model that shares a device an older model's pods hold", () => {
    const shared = tensorRtCatalog({ maxModels: 4 });
    const model = edgeModel({ resources: { requests: { memory: "1Gi" } } });
    const holderSeat = { taken: () => 0, freeSlots: () => 3, holders: () => 1, members: () => ["vision/older"] };
    const p = plan({ model, runtimes: shared, nodes: referenceFleet(1), capacity: holderSeat });
    const jetson = desiredWorkloads({ stable: { model, plan: p }, previousCanaries: () => [] }).daemonSets.find(
      (d) => d.metadata?.name === "detector-jetson-orin",
    );
    expect(jetson?.spec?.template.spec?.containers[0]?.resources).toEqual({ requests: { memory: "1Gi" } });
    expect(p.classes.find((c) => c.hardwareClass === "jetson-orin")).toMatchObject({
      choice: { claim: { sharing: { role: "sharer" } }, sharedWith: ["vision/older"] },
    });
  });

  it("runs the model loader instead of the runtime on a Shared runtime, requesting no device and naming its node's server", () => {
    const model = edgeModel({ resources: { limits: { memory: "1Gi" } } });
    const p = plan({ model, runtimes: tensorRtCatalog({ maxModels: 4, serving: "Shared" }), nodes: referenceFleet(1) });
    const jetson = desiredWorkloads({ stable: { model, plan: p }, previousCanaries: () => [] }).daemonSets.find(
      (d) => d.metadata?.name === "detector-jetson-orin",
    );
    const server = "tensorrt-jetson-orin-nvidia-gpu-server";
    expect(jetson?.metadata?.labels?.["edgefleet.io/model-server"]).toBe(server);
    expect(jetson?.spec?.template.metadata?.labels?.["edgefleet.io/model-server"]).toBe(server);
    // The selector stays what it was: a DaemonSet's selector cannot change.
    expect(Object.keys(jetson?.spec?.selector.matchLabels ?? {})).not.toContain("edgefleet.io/model-server");
    const [loader] = jetson?.spec?.template.spec?.containers ?? [];
    expect(loader).toMatchObject({
      name: "model-loader",
      image: "ghcr.io/edgefleet/edge-agent:0.1.0",
      command: ["/nodejs/bin/node", "/app/model-loader.mjs"],
      args: ["--model-path=/var/lib/edgefleet/artifacts/blobs/sha256/$(EDGEFLEET_ARTIFACT_SHA256)"],
      ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
      // The memory the server will hold for the model, reserved on the node; no limit, no GPU.
      resources: { requests: { memory: "1Gi" } },
    });
    expect(loader?.env).toContainEqual({ name: "EDGEFLEET_MODEL_SERVER", value: `http://${server}.vision.svc:8080` });
    expect(loader?.env).toContainEqual({
      name: "EDGEFLEET_LOAD_KEY",
      valueFrom: { secretKeyRef: { name: `${server}-load-key`, key: "key" } },
    });
    expect(jetson?.spec?.template.spec?.initContainers?.[0]?.name).toBe("verify-artifact");
  });

  it("verifies the artifact in an init container of the agent image, with the runtime's model env, before the runtime starts", () => {
    const [onnx] = daemonSets(edgeModel(), [classNode("x86-cpu", 1)]);
    const pod = onnx?.spec?.template.spec;
    const [runtime] = pod?.containers ?? [];
    expect(pod?.volumes).toEqual([{ name: "artifact-cache", hostPath: { path: ARTIFACT_CACHE_DIR, type: "DirectoryOrCreate" } }]);
    expect(pod?.initContainers).toHaveLength(1);
    const verify = pod?.initContainers?.[0];
    expect(verify).toMatchObject({
      name: "verify-artifact",
      image: "ghcr.io/edgefleet/edge-agent:0.1.0",
      command: ["/nodejs/bin/node", "/app/install-artifact.mjs"],
      args: ["--cache-dir=/var/lib/edgefleet/artifacts"],
      volumeMounts: [{ name: "artifact-cache", mountPath: "/var/lib/edgefleet/artifacts", readOnly: false }],
      securityContext: { runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
    });
    // Same model contract as the runtime (which adds only its own env before it).
    const edgefleet = (runtime?.env ?? []).filter((e) => e.name.startsWith("EDGEFLEET_"));
    expect(verify?.env).toEqual(edgefleet);
    // No --artifact-ca-bundle: the install trusts the public roots alone.
    expect(verify?.env?.map((e) => e.name)).not.toContain("EDGEFLEET_ARTIFACT_CA_BUNDLE");
    expect(verify?.env?.map((e) => e.name)).toEqual(expect.arrayContaining(["EDGEFLEET_MODEL", "EDGEFLEET_ARTIFACT_SHA256"]));
    // The runtime reads the verified blob only, through a read-only mount of the same cache.
    expect(runtime?.volumeMounts).toEqual([{ name: "artifact-cache", mountPath: "/var/lib/edgefleet/artifacts", readOnly: true }]);
    expect(runtime?.args).toContain("--model-path=/var/lib/edgefleet/artifacts/blobs/sha256/$(EDGEFLEET_ARTIFACT_SHA256)");
    // No service-account token for the model's code (nor the install, which never calls the API).
    expect(pod?.automountServiceAccountToken).toBe(false);
  });

  it("runs the verify-artifact container from the verifier it is given, on both tracks, with its CA bundle", () => {
    const model = edgeModel();
    const nodes = [classNode("x86-cpu", 1)];
    const placed = plan({ model, runtimes: CATALOG, nodes }).classes.find((c) => c.placed);
    if (!placed?.placed) throw new Error("not placed");
    const caBundle = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const verifier = { image: "registry.local/edge-agent:dev", caBundle };
    for (const track of ["stable", "canary"] as const) {
      const pod = desiredDaemonSet({ model, placement: placed, track, nodes: {}, verifier }).spec?.template.spec;
      expect(pod?.initContainers?.map((c) => c.image)).toEqual(["registry.local/edge-agent:dev"]);
      // The bundle is the install's alone: the runtime downloads nothing.
      expect(pod?.initContainers?.[0]?.env?.at(-1)).toEqual({ name: "EDGEFLEET_ARTIFACT_CA_BUNDLE", value: caBundle });
      expect(pod?.containers[0]?.env?.map((e) => e.name)).not.toContain("EDGEFLEET_ARTIFACT_CA_BUNDLE");
    }
    const workloads = desiredWorkloads({
      stable: { model, plan: plan({ model, runtimes: CATALOG, nodes }) },
      previousCanaries: () => [],
      verifier,
    });
    const init = workloads.daemonSets[0]?.spec?.template.spec?.initContainers?.[0];
    expect(init?.image).toBe("registry.local/edge-agent:dev");
    expect(init?.env?.find((e) => e.name === "EDGEFLEET_ARTIFACT_CA_BUNDLE")?.value).toBe(caBundle);
    expect(init?.env?.map((e) => e.name)).not.toContain("EDGEFLEET_PLAIN_HTTP_REGISTRIES");
    const plain = desiredDaemonSet({
      model,
      placement: placed,
      track: "stable",
      nodes: {},
      verifier: { ...verifier, plainHttpRegistries: ["a:5000", "b"] },
    });
    expect(plain.spec?.template.spec?.initContainers?.[0]?.env?.at(-1)).toEqual({
      name: "EDGEFLEET_PLAIN_HTTP_REGISTRIES",
      value: "a:5000,b",
    });
  });

  it("passes the operator's install deadline to the verify-artifact container, and none (the install's 30m) unless given", () => {
    const model = edgeModel();
    const placed = plan({ model, runtimes: CATALOG, nodes: [classNode("x86-cpu", 1)] }).classes.find((c) => c.placed);
    if (!placed?.placed) throw new Error("not placed");
    const args = (verifier: Parameters<typeof desiredDaemonSet>[0]["verifier"]) =>
      desiredDaemonSet({ model, placement: placed, track: "stable", nodes: {}, ...(verifier ? { verifier } : {}) }).spec?.template.spec
        ?.initContainers?.[0]?.args;
    expect(args(undefined)).toEqual(["--cache-dir=/var/lib/edgefleet/artifacts"]);
    expect(args({ image: "registry.local/edge-agent:dev", installDeadlineSeconds: 7200 })).toEqual([
      "--cache-dir=/var/lib/edgefleet/artifacts",
      "--install-deadline=7200s",
    ]);
  });

  it("lays out a model repository for a runtime that reads one: the init container writes the pod's own volume, the runtime reads it, the agent probes its version", () => {
    const triton = CATALOG.map((r) =>
      r.metadata.name === "tensorrt" ? { ...r, spec: { ...r.spec, modelRepository: { layout: "triton" as const } } } : r,
    );
    const model = edgeModel();
    const placed = plan({ model, runtimes: triton, nodes: referenceFleet(1) }).classes.find((c) => c.hardwareClass === "jetson-orin");
    if (!placed?.placed) throw new Error("jetson-orin not placed");
    const pod = desiredDaemonSet({ model, placement: placed, track: "stable", nodes: {} }).spec?.template;
    expect(pod?.spec?.volumes).toContainEqual({ name: "model-repository", emptyDir: {} });
    const verify = pod?.spec?.initContainers?.[0];
    expect(verify?.args).toEqual([
      "--cache-dir=/var/lib/edgefleet/artifacts",
      `--model-repository=${MODEL_REPOSITORY_DIR}`,
      "--model-repository-layout=triton",
    ]);
    expect(verify?.volumeMounts).toContainEqual({ name: "model-repository", mountPath: MODEL_REPOSITORY_DIR, readOnly: false });
    expect(pod?.spec?.containers[0]?.volumeMounts).toEqual([
      { name: "artifact-cache", mountPath: ARTIFACT_CACHE_DIR, readOnly: true },
      { name: "model-repository", mountPath: MODEL_REPOSITORY_DIR, readOnly: true },
    ]);
    expect(pod?.metadata?.annotations).toMatchObject({ "edgefleet.io/served-version": "1" });
    // The other classes' runtimes read the cache's blob, as before.
    const cpu = plan({ model, runtimes: triton, nodes: [classNode("x86-cpu", 1)] }).classes.find((c) => c.placed);
    if (!cpu?.placed) throw new Error("x86-cpu not placed");
    const plain = desiredDaemonSet({ model, placement: cpu, track: "stable", nodes: {} }).spec?.template;
    expect(plain?.spec?.volumes?.map((v) => v.name)).toEqual(["artifact-cache"]);
    expect(plain?.metadata?.annotations).not.toHaveProperty("edgefleet.io/served-version");
  });

  it("passes a signature's URI and public key Secret to the runtime and to the verification", () => {
    const [first, ...rest] = VISION_VARIANTS;
    if (!first) throw new Error("no variants");
    const signed = {
      ...first,
      artifact: {
        ...first.artifact,
        signature: { uri: "https://keys.example.com/d.sig", publicKeyRef: { name: "cosign", key: "cosign.pub" } },
      },
    };
    const nuc = daemonSets(edgeModel({ variants: [signed, ...rest] }), [classNode("intel-nuc", 1)])[0];
    const signature = [
      { name: "EDGEFLEET_SIGNATURE_URI", value: "https://keys.example.com/d.sig" },
      { name: "EDGEFLEET_SIGNATURE_PUBLIC_KEY", valueFrom: { secretKeyRef: { name: "cosign", key: "cosign.pub" } } },
    ];
    expect(nuc?.spec?.template.spec?.containers[0]?.env?.slice(-2)).toEqual(signature);
    expect(nuc?.spec?.template.spec?.initContainers?.[0]?.env?.slice(-2)).toEqual(signature);
  });

  it("mounts an artifact's pull secret read-only into the verification only, and names the file in its env", () => {
    const [first, ...rest] = VISION_VARIANTS;
    if (!first) throw new Error("no variants");
    const pulled = { ...first, artifact: { ...first.artifact, pullSecretRef: { name: "models-registry" } } };
    const pod = daemonSets(edgeModel({ variants: [pulled, ...rest] }), [classNode("intel-nuc", 1)])[0]?.spec?.template.spec;
    expect(pod?.volumes?.[1]).toEqual({
      name: "registry-auth",
      secret: { secretName: "models-registry", items: [{ key: ".dockerconfigjson", path: "config.json" }], defaultMode: 0o444 },
    });
    const [verify] = pod?.initContainers ?? [];
    expect(verify?.volumeMounts?.[1]).toEqual({ name: "registry-auth", mountPath: "/etc/edgefleet/registry-auth", readOnly: true });
    expect(verify?.env?.at(-1)).toEqual({ name: "EDGEFLEET_REGISTRY_AUTH_FILE", value: "/etc/edgefleet/registry-auth/config.json" });
    // The runtime never sees the credentials.
    expect(pod?.containers[0]?.volumeMounts?.map((m) => m.name)).toEqual(["artifact-cache"]);
    expect(pod?.containers[0]?.env?.map((e) => e.name)).not.toContain("EDGEFLEET_REGISTRY_AUTH_FILE");
  });

  it("gives the runtime pods the model's tolerations, and none when it has none", () => {
    const tolerations = [{ key: "edgefleet.io/build-node", operator: "Exists" as const, effect: "NoSchedule" as const }];
    const nodes = [classNode("intel-nuc", 1)];
    expect(daemonSets(edgeModel({ placement: { tolerations } }), nodes)[0]?.spec?.template.spec?.tolerations).toEqual(tolerations);
    expect(daemonSets(edgeModel({}), nodes)[0]?.spec?.template.spec?.tolerations).toBeUndefined();
  });

  it("pins a limited or derived class's workload to its nodes by name, keeping the model's nodeSelector", () => {
    const model = edgeModel({ placement: { maxNodesPerClass: 2, nodeSelector: { "edgefleet.io/site": "a" } } });
    const site = { labels: { "edgefleet.io/site": "a" } };
    const nodes = [
      classNode("x86-cpu", 1, site),
      classNode("x86-cpu", 2, site),
      classNode("x86-cpu", 3, site),
      classNode("jetson-orin", 1, { ...site, unlabelled: true }),
    ];
    const [derived, limited] = daemonSets(model, nodes);
    expect(limited?.spec?.template.spec?.nodeSelector).toEqual({ "edgefleet.io/hardware-class": "x86-cpu", "edgefleet.io/site": "a" });
    // One value per metadata.name requirement is all the API server allows: one ORed term per node.
    expect(limited?.spec?.template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual(
      [
        { matchFields: [{ key: "metadata.name", operator: "In", values: ["x86-cpu-0001"] }] },
        { matchFields: [{ key: "metadata.name", operator: "In", values: ["x86-cpu-0002"] }] },
      ],
    );
    expect(limited && namedNodes(limited)).toEqual(["x86-cpu-0001", "x86-cpu-0002"]);
    expect(derived?.metadata?.name).toBe("detector-auto-arm64-nvidia-gpu-sm87");
    expect(derived?.spec?.template.spec?.nodeSelector).toEqual({ "edgefleet.io/site": "a" });
    expect(derived && namedNodes(derived)).toEqual(["jetson-orin-0001"]);
  });

  it("keeps names within 63 characters for long model and class names", () => {
    const model = edgeModel({}, "m".repeat(63));
    const names = daemonSets(model).map((d) => d.metadata?.name ?? "");
    expect(names.every((n) => n.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n))).toBe(true);
    expect(new Set(names).size).toBe(4);
  });

  it("refuses a model without a uid, which could not own its children", () => {
    const model = edgeModel();
    delete model.metadata.uid;
    expect(() => daemonSets(model)).toThrow("EdgeModel needs metadata.name, namespace and uid");
  });
});
