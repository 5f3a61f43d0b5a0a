// Entry point of the Pulumi program (Pulumi.yaml's `main`). The program is ES-module TypeScript
// that imports the operator's sources; Pulumi's built-in ts-node cannot load that, and the
// toolchain's Node.js language host (v3.68) ignores Pulumi.yaml's `nodeargs`, so tsx is
// registered here, before the program is imported.
import { register } from "tsx/esm/api";

register();

export default (await import("./src/program.ts")).default;
