// Loads the TypeScript program with tsx, as stacks/main.mjs does for the real one.
import { register } from "tsx/esm/api";

register();

export default (await import("./program.ts")).default;
