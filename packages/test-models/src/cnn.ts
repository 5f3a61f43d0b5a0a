import { seededRandom } from "@edgefleet/kit";
import { encodeModel, type FloatInitializer, type OnnxNode } from "./onnx.js";

/**
 * Small image classifiers with the interface of a detector: float32 input [batch,3,32,32] ->
 * Conv/Relu layers -> GlobalAveragePool -> Flatten -> Gemm -> Softmax, giving class scores
 * [batch,classes] that sum to 1. Weights come from a seeded PRNG, so the bytes never change.
 */

export const INPUT_NAME = "input";
export const OUTPUT_NAME = "scores";
export const IMAGE_SIZE = 32;
const CHANNELS = 3;
const KERNEL = 3;

export interface ConvLayer {
  channels: number;
  stride: number;
  /**
   * How many times the layer runs, each time on the previous one's output with the same weights
   * (default 1): more compute for the same file size. Needs as many channels in as out.
   */
  repeat?: number;
}

export interface CnnSpec {
  name: string;
  version: string;
  description: string;
  convs: ConvLayer[];
  classes: number;
  seed: number;
}

/** Uniform in [-limit, limit] with He's limit for fanIn, so activations neither vanish nor explode. */
function weights(random: () => number, count: number, fanIn: number): Float32Array {
  const limit = Math.sqrt(6 / fanIn);
  return Float32Array.from({ length: count }, () => (random() * 2 - 1) * limit);
}

export function buildCnn(spec: CnnSpec, producerVersion: string): Uint8Array {
  const random = seededRandom(spec.seed);
  const nodes: OnnxNode[] = [];
  const initializers: FloatInitializer[] = [];
  let previous = INPUT_NAME;
  let inChannels = CHANNELS;
  spec.convs.forEach(({ channels, stride, repeat = 1 }, i) => {
    if (!Number.isInteger(repeat) || repeat < 1)
      throw new RangeError(`${spec.name}: convs[${i}].repeat must be a positive integer, got ${repeat}`);
    if (repeat > 1 && channels !== inChannels)
      throw new RangeError(
        `${spec.name}: convs[${i}] repeats with ${inChannels} channels in and ${channels} out; a repeated layer needs as many in as out`,
      );
    const fanIn = inChannels * KERNEL * KERNEL;
    initializers.push(
      { name: `conv${i}.weight`, dims: [channels, inChannels, KERNEL, KERNEL], values: weights(random, channels * fanIn, fanIn) },
      { name: `conv${i}.bias`, dims: [channels], values: new Float32Array(channels) },
    );
    for (let r = 0; r < repeat; r++) {
      const id = r === 0 ? `${i}` : `${i}.${r}`;
      nodes.push(
        {
          opType: "Conv",
          inputs: [previous, `conv${i}.weight`, `conv${i}.bias`],
          outputs: [`conv${id}`],
          ints: { kernel_shape: [KERNEL, KERNEL], pads: [1, 1, 1, 1], strides: [stride, stride] },
        },
        { opType: "Relu", inputs: [`conv${id}`], outputs: [`relu${id}`] },
      );
      previous = `relu${id}`;
    }
    inChannels = channels;
  });
  initializers.push(
    { name: "fc.weight", dims: [spec.classes, inChannels], values: weights(random, spec.classes * inChannels, inChannels) },
    { name: "fc.bias", dims: [spec.classes], values: new Float32Array(spec.classes) },
  );
  nodes.push(
    { opType: "GlobalAveragePool", inputs: [previous], outputs: ["pooled"] },
    { opType: "Flatten", inputs: ["pooled"], outputs: ["features"] },
    { opType: "Gemm", inputs: ["features", "fc.weight", "fc.bias"], outputs: ["logits"], int: { transB: 1 } },
    { opType: "Softmax", inputs: ["logits"], outputs: [OUTPUT_NAME], int: { axis: 1 } },
  );
  return encodeModel({
    producerName: "edgefleet",
    producerVersion,
    docString: spec.description,
    graph: {
      name: spec.name,
      nodes,
      initializers,
      inputs: [{ name: INPUT_NAME, shape: ["batch", CHANNELS, IMAGE_SIZE, IMAGE_SIZE] }],
      outputs: [{ name: OUTPUT_NAME, shape: ["batch", spec.classes] }],
    },
  });
}
