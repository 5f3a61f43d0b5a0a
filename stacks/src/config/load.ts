import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig } from "./parse.js";
import type { StackConfig } from "./types.js";

// The SDK's own test of whether a key was stored with --secret; internal, so looked up defensively.
const runtime = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret?: (key: string) => boolean };

/**
 * The running stack's validated configuration. A bad configuration stops the program before it
 * registers any resource, so nothing in the cluster is touched, with a RunError (printed without
 * a stack trace) that names every bad key and its fix.
 */
export function loadConfig(): StackConfig {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = new Set(Object.keys(raw).filter((key) => runtime.isConfigSecret?.(key) ?? true));
  try {
    return parseConfig(raw, secretKeys);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const stack = pulumi.getStack();
    throw runError(
      `${err.message}\nFix the configuration of stack ${stack} (stacks/Pulumi.${stack}.yaml) with \`pulumi config\`; see docs/pulumi.md.`,
    );
  }
}

/**
 * A RunError (Pulumi prints its message without a stack) whose stack is never formatted: the
 * SDK formats it anyway for tracing, through source-map-support, which takes ~15 s of CPU for an
 * ES-module program. The message is all the user needs.
 */
export function runError(message: string): pulumi.RunError {
  const err = new pulumi.RunError(message);
  err.stack = message;
  return err;
}
