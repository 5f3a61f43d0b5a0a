import type { Field, Pattern, ValueOf } from "./schema.js";

/**
 * Small readers for parsed stack configuration. Each takes the value and the key it came from
 * (`edgefleet:cluster.k3s.hosts[1].address`) and records a problem naming that key instead of
 * throwing, so one `pulumi up` reports every mistake at once.
 */
export class Problems {
  readonly list: string[] = [];

  add(key: string, message: string): undefined {
    this.list.push(`${key}: ${message}`);
    return undefined;
  }
}

export type Obj = Record<string, unknown>;

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  return Array.isArray(v) ? "a list" : typeof v;
}

export function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value as an object whose keys are all known; unknown keys are problems (typos fail loudly). */
export function object(p: Problems, v: unknown, key: string, known: readonly string[]): Obj | undefined {
  if (!isObject(v)) return p.add(key, `must be an object with keys ${known.join(", ")}, got ${describe(v)}`);
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) p.add(`${key}.${k}`, `unknown key${suggest(k, known)}; known keys: ${known.join(", ")}`);
  }
  return v;
}

export function string(p: Problems, v: unknown, key: string, pattern?: Pattern): string | undefined {
  if (typeof v !== "string" || v === "") return p.add(key, `must be a non-empty string, got ${describe(v)}`);
  if (pattern && !pattern.re.test(v)) return p.add(key, `must be ${pattern.what}, got ${describe(v)}`);
  return v;
}

/** An http:// or https:// URL; `example` shows the fix. */
export function httpUrl(p: Problems, v: unknown, key: string, example: string): string | undefined {
  const s = string(p, v, key);
  if (s === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {}
  if (url?.protocol === "http:" || url?.protocol === "https:") return s;
  return p.add(key, `must be an http:// or https:// URL such as ${example}, got ${describe(s)}`);
}

export function boolean(p: Problems, v: unknown, key: string): boolean | undefined {
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  return p.add(key, `must be true or false, got ${describe(v)}`);
}

export function integer(p: Problems, v: unknown, key: string, min: number, max: number): number | undefined {
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    return p.add(key, `must be an integer from ${min} to ${max}, got ${describe(v)}`);
  }
  return n;
}

export function oneOf<T extends string>(p: Problems, v: unknown, key: string, values: readonly T[]): T | undefined {
  if (typeof v === "string" && (values as readonly string[]).includes(v)) return v as T;
  return p.add(key, `must be one of ${values.join(", ")}, got ${describe(v)}`);
}

export function list(p: Problems, v: unknown, key: string): unknown[] | undefined {
  return Array.isArray(v) ? v : p.add(key, `must be a list, got ${describe(v)}`);
}

export function stringMap(p: Problems, v: unknown, key: string): Record<string, string> | undefined {
  if (!isObject(v)) return p.add(key, `must be a map of strings, got ${describe(v)}`);
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    const s = string(p, value, `${key}.${k}`);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/** " (did you mean x?)" when a known key is one or two edits away. */
export function suggest(word: string, known: readonly string[]): string {
  const close = known.find((k) => editDistance(k.toLowerCase(), word.toLowerCase()) <= 2);
  return close ? ` (did you mean ${close}?)` : "";
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** A value read as its declared field (schema.ts) says: type, bounds, pattern. */
export function field<F extends Field>(p: Problems, f: F, v: unknown, key: string): ValueOf<F> | undefined {
  switch (f.kind) {
    case "boolean":
      return boolean(p, v, key) as ValueOf<F> | undefined;
    case "integer":
      return integer(p, v, key, f.min, f.max) as ValueOf<F> | undefined;
    case "string":
      return string(p, v, key, f.pattern) as ValueOf<F> | undefined;
    case "url":
      return httpUrl(p, v, key, f.example) as ValueOf<F> | undefined;
    case "enum":
      return oneOf(p, v, key, f.values) as ValueOf<F> | undefined;
    case "list": {
      const items = (list(p, v, key) ?? []).map((item, i) => string(p, item, `${key}[${i}]`, f.items.pattern));
      return (items.every((s) => s !== undefined) ? items : undefined) as ValueOf<F> | undefined;
    }
  }
}
