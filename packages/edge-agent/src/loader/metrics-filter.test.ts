import { describe, expect, it } from "vitest";
import { modelSeries } from "./metrics-filter.js";

const SERVER = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 1.5
# HELP edgefleet_runtime_inference_duration_seconds Duration of successful infer requests.
# TYPE edgefleet_runtime_inference_duration_seconds histogram
edgefleet_runtime_inference_duration_seconds_bucket{le="0.001",model="detector-aa",version="1"} 3
edgefleet_runtime_inference_duration_seconds_bucket{model="detector-aa",version="1",le="+Inf"} 4
edgefleet_runtime_inference_duration_seconds_bucket{model="detector-aa",le="0.005",version="1"} 4
edgefleet_runtime_inference_duration_seconds_bucket{model="other-bb",version="1",le="0.001"} 8
edgefleet_runtime_inference_duration_seconds_sum{model="detector-aa",version="1"} 0.002
edgefleet_runtime_inference_duration_seconds_sum{model="other-bb",version="1"} 9
edgefleet_runtime_inference_requests_total{model="detector-aa",version="1",result="success"} 3
edgefleet_runtime_inference_requests_total{model="detector-aab",version="1",result="success"} 7
`;

describe("modelSeries", () => {
  it("keeps the model's series whatever the order of their labels, relabelled with the EdgeModel's name and version, and the families' help", () => {
    expect(
      modelSeries(SERVER, "detector-aa", "detector", "1.2.0"),
    ).toBe(`# HELP edgefleet_runtime_inference_duration_seconds Duration of successful infer requests.
# TYPE edgefleet_runtime_inference_duration_seconds histogram
edgefleet_runtime_inference_duration_seconds_bucket{model="detector",version="1.2.0",le="0.001"} 3
edgefleet_runtime_inference_duration_seconds_bucket{model="detector",version="1.2.0",le="+Inf"} 4
edgefleet_runtime_inference_duration_seconds_bucket{model="detector",version="1.2.0",le="0.005"} 4
edgefleet_runtime_inference_duration_seconds_sum{model="detector",version="1.2.0"} 0.002
edgefleet_runtime_inference_requests_total{model="detector",version="1.2.0",result="success"} 3
`);
  });
});
