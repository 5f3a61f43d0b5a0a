import { readFileSync } from "node:fs";

/** A Dockerfile read into what edgefleet's checks and image builder need: instructions and comments. */

export interface Instruction {
  /** Upper case: COPY, RUN, FROM, ... */
  readonly op: string;
  /** The rest of the instruction, continuation lines joined. */
  readonly args: string;
}

export interface Dockerfile {
  /** File name, e.g. operator.Dockerfile. */
  readonly name: string;
  /** Comment lines, without "#". */
  readonly comments: string[];
  readonly instructions: Instruction[];
}

export function parseDockerfile(name: string, text: string): Dockerfile {
  const comments: string[] = [];
  const instructions: Instruction[] = [];
  let pending = "";
  for (const line of text.split("\n")) {
    if (line.trimStart().startsWith("#")) {
      comments.push(line.trimStart().slice(1));
      continue;
    }
    pending += `${line.trimEnd().replace(/\\$/, "")} `;
    if (line.trimEnd().endsWith("\\")) continue;
    const [op = "", ...rest] = pending.trim().split(/\s+/);
    if (op !== "") instructions.push({ op: op.toUpperCase(), args: rest.join(" ") });
    pending = "";
  }
  return { name, comments, instructions };
}

export const readDockerfile = (path: string): Dockerfile =>
  parseDockerfile(path.slice(path.lastIndexOf("/") + 1), readFileSync(path, "utf8"));

export interface Copy {
  /** The stage of COPY --from=STAGE; undefined when it copies from the build context. */
  readonly from: string | undefined;
  readonly sources: string[];
  readonly dest: string;
}

export function copies(d: Dockerfile): Copy[] {
  return d.instructions
    .filter((i) => i.op === "COPY")
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
      const paths = words.filter((w) => !w.startsWith("--"));
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? "" };
    });
}

/** The paths, relative to the build context, that the image's COPY lines read from it. */
export const contextSources = (d: Dockerfile): string[] => [
  ...new Set(
    copies(d)
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources),
  ),
];
