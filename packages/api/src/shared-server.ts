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
