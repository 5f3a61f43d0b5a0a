import { loadModel, RuntimeServer } from "@edgefleet/cpu-runtime";
import { silentLogger } from "@edgefleet/kit";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { call, postJson } from "./oip.js";
import { testModels } from "./runtime-process.js";

const models = testModels();
afterAll(() => models.remove());

describe("CPU runtime while its model loads", () => {
  it("is live but answers 503 for readiness, metadata and infer, then serves once loaded", async () => {
    const registry = new Registry();
    const runtime = new RuntimeServer({ model: { name: "detector", version: "1.0.0" }, registry, log: silentLogger });
    const url = `http://${await runtime.listen("127.0.0.1:0")}`;
    try {
      expect((await call(`${url}/v2/health/live`)).status).toBe(200);
      expect(await call(`${url}/v2/health/ready`)).toEqual({ status: 503, body: { ready: false } });
      expect(await call(`${url}/v2/models/detector/ready`)).toEqual({ status: 503, body: { name: "detector", ready: false } });
      const metadata = await call(`${url}/v2/models/detector`);
      expect(metadata.status).toBe(503);
      expect(metadata.body.error).toMatch(/model "detector" version "1.0.0" is still loading/);
      expect((await postJson(`${url}/v2/models/detector/infer`, { inputs: [] })).status).toBe(503);
      // The name is known before loading: other names are still 404, not 503.
      expect((await postJson(`${url}/v2/models/other/infer`, { inputs: [] })).status).toBe(404);

      await runtime.setModel(await loadModel({ name: "detector", version: "1.0.0", path: models.path("detector-slow") }));
      expect(await call(`${url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
      expect((await call(`${url}/v2/models/detector`)).status).toBe(200);
      const text = await registry.metrics();
      expect(text).toContain('edgefleet_runtime_inference_requests_total{model="detector",version="1.0.0",result="unavailable"} 1');
      // Another model's name is the client's error, counted under the one model version served.
      expect(text).toContain('edgefleet_runtime_inference_requests_total{model="detector",version="1.0.0",result="client_error"} 1');
    } finally {
      await runtime.close();
      await runtime.release();
    }
  });
});
