/**
 * A server-side apply body as block YAML. Apply patches are YAML (or CBOR behind a feature gate),
 * and the API server's YAML parser reads a JSON document (YAML's flow style) markedly slower than
 * the same document in block style (bench/apiserver-writes.ts), so the body is written in block
 * style: every key and string a double-quoted scalar (JSON's escapes are YAML's too), numbers,
 * booleans and null as JSON writes them, an empty object or list as `{}` or `[]`.
 *
 * YAML refuses some characters raw in a double-quoted scalar that JSON leaves raw (DEL, C1
 * controls, U+2028/2029, which YAML 1.1 reads as line breaks, U+FEFF, U+FFFE/FFFF): the API
 * server answered such a body 400 "control characters are not allowed". They are escaped as
 * \uXXXX, which YAML reads as the same character.
 */
export function applyBody(body: unknown): string {
  if (!isNonEmpty(body)) return scalar(body);
  const lines: string[] = [];
  block(body, "", lines);
  return `${lines.join("\n")}\n`;
}

function scalar(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return typeof value === "string" ? escapeForYaml(text) : text;
}

function escapeForYaml(quoted: string): string {
  return quoted.replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** An object or list with something in it: written as a block; anything else fits on its key's line. */
function isNonEmpty(value: unknown): value is object {
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === "object" && value !== null && Object.values(value).some((v) => v !== undefined);
}

/** The lines of a non-empty object or list at an indentation; object fields left undefined are left out, as JSON does. */
function block(value: object, indent: string, lines: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (!isNonEmpty(item)) lines.push(`${indent}- ${scalar(item)}`);
      else if (Array.isArray(item)) {
        lines.push(`${indent}-`);
        block(item, `${indent}  `, lines);
      } else {
        // An object item starts on the dash's line: "- key: value", its other keys under the first.
        const first = lines.length;
        block(item, `${indent}  `, lines);
        lines[first] = `${indent}- ${lines[first]?.slice(indent.length + 2)}`;
      }
    }
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (isNonEmpty(item)) {
      lines.push(`${indent}${scalar(key)}:`);
      block(item, `${indent}  `, lines);
    } else lines.push(`${indent}${scalar(key)}: ${scalar(item)}`);
  }
}
