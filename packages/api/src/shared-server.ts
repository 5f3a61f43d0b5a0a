/**
 * The contract between the operator and a model's pods on an EdgeRuntime with serving: Shared:
 * the node's shared server runs the runtime's image under explicit model control, and each model's
 * pod runs edgefleet's model loader (the edge-agent image) in place of the runtime, which loads
 * the verified file into that server (docs/placement.md).
 */

/** The edge-agent image's loader entry point (packages/edge-agent/src/loader/main.ts, bundled); it reads the EDGEFLEET_* environment. */
export const MODEL_LOADER_COMMAND = ["/nodejs/bin/node", "/app/model-loader.mjs"];

/** The header the shared server's model repository API requires (its --http-restricted-api model-repository:HEADER=$(EDGEFLEET_LOAD_KEY)). */
export const LOAD_KEY_HEADER = "edgefleet-load-key";

/** The load key, from the server's Secret: in the server's environment (for its args) and the loaders'. */
export const LOAD_KEY_ENV = "EDGEFLEET_LOAD_KEY";

/** The shared server's base URL, in the loaders' environment. */
export const MODEL_SERVER_ENV = "EDGEFLEET_MODEL_SERVER";

/**
 * The restricted-API setting of the load key in a server's args, Triton's HEADER=VALUE after the
 * APIs it restricts: the value from the server's environment ($(VAR), expanded by Kubernetes).
 */
export const LOAD_KEY_SETTING = `${LOAD_KEY_HEADER}=$(${LOAD_KEY_ENV})`;

/**
 * The args that start a shared server under explicit model control with its model repository API
 * restricted to the load key: Triton's flags, which edgefleet's CPU runtime takes as well.
 */
export const EXPLICIT_MODEL_CONTROL_ARGS = ["--model-control-mode=explicit", `--http-restricted-api=model-repository:${LOAD_KEY_SETTING}`];
