/**
 * The operator's V8 heap flags, as NODE_OPTIONS: the operator Deployment's container environment
 * (stacks), the operator image's own ENV (deploy/docker/operator.Dockerfile, a test checks it) and
 * bench/operator.ts all pass this one value, so the benchmark measures the heap that users run.
 *
 * Why these sizes (BENCHMARKS.md, Operator): at 10,000 EdgeModels on 500 nodes the operator keeps
 * about 7 KiB live per model (~70 MiB), but with V8's defaults its resident peak reached 358 MiB,
 * over the Deployment's memory limit: V8 grows the heap far past the live set before it collects.
 * With old space capped at 160 MiB (over twice that live set, so full collections stay rare) and
 * 2 MiB semi-spaces (16 MiB by default on 64-bit), a 10,000-model run on the same loaded machine
 * peaked at 231 MiB. The limit in the Deployment leaves room above that for what is not V8's heap.
 * A fleet whose live set nears the cap needs a larger cap and a larger memory limit together.
 */
export const OPERATOR_NODE_OPTIONS = "--max-old-space-size=160 --max-semi-space-size=2";
