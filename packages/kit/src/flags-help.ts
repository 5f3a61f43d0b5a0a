/** The --help text of a flag table: usage, what the program does, then one row per flag. */
import type { CommandSpec, Flag, Flags } from "./flags.js";

const WIDTH = 110;
/** Joins words the wrapping must not split, such as "default:" and its value. */
const KEEP = "\u00a0";
/** Flags whose name and value are wider than this put their description on the next line. */
const MAX_COLUMN = 32;

const ARG: Readonly<Record<Flag["type"], string>> = {
  switch: "",
  repeated: "VALUE",
  string: "VALUE",
  integer: "N",
  number: "N",
  seconds: "SECONDS",
  duration: "DUR",
  boolean: "BOOL",
  enum: "VALUE",
  list: "LIST",
  url: "URL",
  address: "HOST:PORT",
};

export function renderHelp<F extends Flags>(spec: CommandSpec<F>): string {
  const rows: { section: string; left: string; text: string }[] = [];
  let section = "Options";
  for (const [name, flag] of Object.entries(spec.flags)) {
    section = flag.section ?? section;
    const arg = flag.arg ?? ARG[flag.type];
    rows.push({ section, left: `  --${name}${arg ? ` ${arg}` : ""}`, text: describe(flag) });
  }
  rows.push({ section, left: "  -h, --help", text: "this help" });

  const column = Math.min(MAX_COLUMN, Math.max(...rows.map((r) => r.left.length)) + 2);
  const usage = typeof spec.usage === "string" ? [spec.usage] : spec.usage;
  const lines = [...usage.map((u, i) => `${i === 0 ? "Usage: " : "       "}${u}`), "", spec.about, ""];
  let heading: string | undefined;
  for (const row of rows) {
    if (row.section !== heading) lines.push(`${row.section}:`);
    heading = row.section;
    const [first = "", ...rest] = wrap(row.text, WIDTH - column);
    if (row.left.length + 2 > column) lines.push(row.left, `${" ".repeat(column)}${first}`);
    else lines.push(`${row.left.padEnd(column)}${first}`);
    for (const line of rest) lines.push(`${" ".repeat(column)}${line}`);
  }
  const footers = [
    ...(Object.values(spec.flags).some((f) => f.type === "duration")
      ? ["Durations are a number with ms, s, m or h (e.g. 500ms, 1s, 2m)."]
      : []),
    ...(spec.footer === undefined ? [] : [spec.footer]),
  ];
  return [...lines, ...footers.flatMap((f) => ["", f])].join("\n");
}

/** The flag's help, then in parentheses its choices, whether it is required, its variable and its default. */
function describe(flag: Flag): string {
  const notes: string[] = [];
  if (flag.type === "enum") notes.push(`one of ${flag.of.join(", ")}`);
  if (flag.type === "list") notes.push(`comma list of ${flag.of.join(", ")}`);
  if (flag.type === "url") notes.push(orList(flag.schemes.map((s) => `${s}://`)));
  if (flag.type === "duration" && flag.bareSeconds) notes.push("a bare number is seconds");
  if (flag.type === "duration" && flag.zeroIsOff) notes.push("0 turns it off");
  if (flag.type !== "switch" && flag.type !== "repeated") {
    if (flag.required) notes.push("required");
    if (flag.env !== undefined) notes.push(`env: ${flag.env}`);
    const shown = flag.defaultText ?? flag.default;
    if (shown !== undefined) notes.push(`default:${KEEP}${shown}`);
  }
  return notes.length === 0 ? flag.help : `${flag.help} (${notes.join("; ")})`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].map((l) => l.replaceAll(KEEP, " "));
}

/** "a", "a or b", "a, b or c". */
export function orList(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
