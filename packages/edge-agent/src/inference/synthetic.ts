/** A tensor as OIP v2 model metadata describes it; -1 (or a negative size) is an open dimension. */
export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

const NUMERIC = new Set(["FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"]);

/** Checks a model metadata response enough to build a request from it; throws naming what is wrong. */
export function parseInputs(metadata: unknown): TensorMetadata[] {
  const inputs = (metadata as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw new Error("model metadata has no inputs array");
  return inputs.map((input: Partial<TensorMetadata>, i) => {
    if (
      typeof input?.name !== "string" ||
      typeof input.datatype !== "string" ||
      !Array.isArray(input.shape) ||
      !input.shape.every(Number.isInteger)
    )
      throw new Error(`model metadata inputs[${i}] needs a name, a datatype and an integer shape`);
    return { name: input.name, datatype: input.datatype, shape: input.shape };
  });
}

/** An infer request body of zeros for the model's inputs, open dimensions taken as 1. */
export function syntheticRequest(inputs: readonly TensorMetadata[]): string {
  return JSON.stringify({
    id: "edgefleet-probe",
    inputs: inputs.map(({ name, datatype, shape }) => {
      if (!NUMERIC.has(datatype)) throw new Error(`input "${name}" is ${datatype}: the prober builds numeric inputs only`);
      const concrete = shape.map((d) => (d < 0 ? 1 : d));
      return { name, datatype, shape: concrete, data: new Array<number>(concrete.reduce((a, b) => a * b, 1)).fill(0) };
    }),
  });
}
