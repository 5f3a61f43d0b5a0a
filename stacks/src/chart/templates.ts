import { allCRDs, LABELS } from "@edgefleet/api";
import { stringify } from "yaml";
import { DEFAULT_OTLP_PROTOCOL } from "../config/schema.js";
import { CONFIG_HASH } from "../platform/broker.js";
import type { KubeObject } from "../platform/manifest.js";
import { type PlatformManifests, platformManifests } from "../platform/manifests.js";
import { type Assignment, CLASSES, EXPRESSIONS, SENTINEL_MARKS, SENTINELS, SWITCH_GROUPS, type Switch, symbolicArgs } from "./symbols.js";

/** Chart files by path (Chart.yaml, templates/...). */
export type Files = Record<string, string>;

interface Rendered {
  /** The component it belongs to (its group in PlatformManifests), for the template's path. */
  readonly component: string;
  readonly object: KubeObject;
}

/** One render of the platform: objects by key (kind/name, a per-class object's class as the sentinel), plus per-class variants. */
function renderAll(on: Assignment): Map<string, Map<string, Rendered>> {
  const groups: PlatformManifests = platformManifests(symbolicArgs(on));
  const out = new Map<string, Map<string, Rendered>>();
  for (const [component, manifests] of Object.entries(groups)) {
    // Helm installs into the release's namespace; the user creates it (--create-namespace).
    if (component === "namespace") continue;
    for (const { object } of manifests) {
      const cls = object.metadata.labels?.[LABELS.hardwareClass];
      const name = cls ? object.metadata.name.replace(cls, SENTINELS.hardwareClass.text) : object.metadata.name;
      const key = `${object.kind}/${name}`;
      const variants = out.get(key) ?? new Map<string, Rendered>();
      variants.set(cls ?? "", { component, object });
      out.set(key, variants);
    }
  }
  return out;
}

/** Every assignment of the switches. */
function assignments(switches: readonly Switch[], base: Assignment): Assignment[] {
  return switches.reduce<Assignment[]>(
    (acc, s) =>
      acc.flatMap((a) => [
        { ...a, [s.name]: false },
        { ...a, [s.name]: true },
      ]),
    [base],
  );
}

const leafKey = (a: Assignment, switches: readonly Switch[]) => switches.map((s) => (a[s.name] ? "1" : "0")).join("");

/** The Helm labels: the objects say Pulumi manages them; in the chart, Helm does. */
function helmManaged(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(helmManaged);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === "app.kubernetes.io/managed-by" && v === "pulumi" ? "Helm" : helmManaged(v)]),
  );
}

/**
 * Hook annotations for an object whose kind a CRD of the chart defines. Helm 4 applies a hook
 * server-side, updating it in place on upgrade when its deletion policy is not the default
 * before-hook-creation (which would delete every EdgeRuntime and create it again under the
 * operator on each upgrade). Hooks are not release resources: uninstall removes them through the
 * CRD's deletion, which deletes every object of its kind.
 */
const CATALOG_HOOK = { "helm.sh/hook": "post-install,post-upgrade", "helm.sh/hook-delete-policy": "hook-failed" };

function catalogHook(object: KubeObject, ownGroups: ReadonlySet<string>): KubeObject {
  const group = object.apiVersion.split("/")[0] ?? "";
  if (!ownGroups.has(group)) return object;
  return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, ...CATALOG_HOOK } } };
}

/** YAML of one object as Helm template text: literal braces escaped, sentinels replaced. */
export function templateText(object: KubeObject, hashOf?: string, ownGroups: ReadonlySet<string> = new Set()): string {
  let text = stringify(helmManaged(catalogHook(object, ownGroups)), { lineWidth: 0 });
  text = text.replaceAll("{{", '{{ "{{" }}');
  if (hashOf !== undefined) {
    // The broker's config hash: of the ConfigMap as Helm renders it, so a changed site rolls the pod.
    text = text.replace(
      new RegExp(`(${CONFIG_HASH}: )\\S+`),
      `$1{{ include (print $.Template.BasePath "/${hashOf}") $ | sha256sum | trunc 16 | quote }}`,
    );
  }
  const all = [...Object.values(SENTINELS), ...EXPRESSIONS(DEFAULT_OTLP_PROTOCOL)];
  for (const { text: sentinel, helm } of all) {
    // A whole scalar as JSON (a site "123" stays a string); inside a longer string as it is.
    const whole = new RegExp(`^(\\s*(?:- |[^\\n]*?: ))${sentinel.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`, "gm");
    const quoted = /^\d+$/.test(sentinel) ? `{{ ${helm} }}` : `{{ ${helm} | toJson }}`;
    text = text.replace(whole, `$1${quoted}`).replaceAll(sentinel, `{{ ${helm} }}`);
  }
  for (const mark of SENTINEL_MARKS) {
    if (text.includes(mark))
      throw new Error(`a configuration value reached ${object.kind} ${object.metadata.name} transformed: ${mark} is left in it`);
  }
  return text;
}

/** Lines, a directive block (`{{- if` to its `{{- end }}`) as one token, so that merges keep blocks balanced. */
function tokens(text: string): string[] {
  const out: string[] = [];
  let block: string[] = [];
  let depth = 0;
  for (const line of text.split("\n").slice(0, -1)) {
    if (line.startsWith("{{- if ")) depth++;
    if (depth > 0) block.push(line);
    else out.push(line);
    if (line === "{{- end }}" && --depth === 0) {
      out.push(block.join("\n"));
      block = [];
    }
  }
  return out;
}

/**
 * Both texts under one condition: the lines they share as they are, each run of lines in which
 * they differ in an if/else on it (a longest-common-subsequence alignment of their tokens).
 */
function merge(condition: string, yes: string, no: string): string {
  const a = tokens(yes);
  const b = tokens(no);
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        a[i] === b[j]
          ? ((lcs[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lcs[i + 1] as number[])[j] as number, row[j + 1] as number);
    }
  }
  const out: string[] = [];
  let onlyYes: string[] = [];
  let onlyNo: string[] = [];
  const flush = () => {
    if (onlyYes.length && onlyNo.length) out.push(`{{- if ${condition} }}`, ...onlyYes, "{{- else }}", ...onlyNo, "{{- end }}");
    else if (onlyYes.length) out.push(`{{- if ${condition} }}`, ...onlyYes, "{{- end }}");
    else if (onlyNo.length) out.push(`{{- if not (${condition}) }}`, ...onlyNo, "{{- end }}");
    onlyYes = [];
    onlyNo = [];
  };
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    const here = (lcs[i] as number[])[j] as number;
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush();
      out.push(a[i++] as string);
      j++;
    } else if (j < b.length && (i === a.length || ((lcs[i] as number[])[j + 1] as number) === here)) onlyNo.push(b[j++] as string);
    else onlyYes.push(a[i++] as string);
  }
  flush();
  return out.length ? `${out.join("\n")}\n` : "";
}

/**
 * Template text choosing among the leaves by the switches, as a decision tree on them merged line
 * by line: a switch whose branches render alike is not tested, and lines alike in both branches
 * are written once.
 */
function decide(switches: readonly Switch[], leaf: (a: Assignment) => string, fixed: Assignment = {}): string {
  const [first, ...rest] = switches;
  if (!first) return leaf(fixed);
  const yes = decide(rest, leaf, { ...fixed, [first.name]: true });
  const no = decide(rest, leaf, { ...fixed, [first.name]: false });
  return yes === no ? yes : merge(first.helm, yes, no);
}

const fileName = (key: string) =>
  key.toLowerCase().replace("/", "-").replaceAll(SENTINELS.namespace.text, "release").replaceAll(`-${SENTINELS.hardwareClass.text}`, "");

/**
 * The chart's templates/: every object of platformManifests but the Namespace, each in its own
 * template under its component's folder. Switch groups are rendered one at a time (see
 * SWITCH_GROUPS); an object shaped by two groups is an error.
 *
 * The CRDs are templates, not crds/: Helm never upgrades nor deletes crds/, and `helm uninstall`
 * must leave no edgefleet object, as `pulumi destroy` does. Objects of the CRDs' own kinds (the
 * catalog) are then post-install/post-upgrade hooks (catalogHook): Helm checks every kind of the
 * release against the API server before it creates anything, when those kinds do not exist yet.
 */
export function chartTemplates(): Files {
  const base = Object.fromEntries(SWITCH_GROUPS.flat().map((s) => [s.name, true]));
  const tables = SWITCH_GROUPS.map((switches) => {
    const renders = new Map(assignments(switches, base).map((a) => [leafKey(a, switches), renderAll(a)]));
    return { switches, renders };
  });
  const keys = new Set(tables.flatMap((t) => [...t.renders.values()].flatMap((r) => [...r.keys()])));
  const ownGroups = new Set(allCRDs().map((crd) => crd.spec.group));
  const files: Files = {};
  const paths = new Map<string, string>();
  const pathOf = (key: string): string => {
    const known = paths.get(key);
    if (known) return known;
    for (const t of tables) {
      for (const r of t.renders.values()) {
        const found = r.get(key)?.values().next().value;
        if (found) {
          const path = `templates/${found.component}/${fileName(key)}.yaml`;
          paths.set(key, path);
          return path;
        }
      }
    }
    throw new Error(`no render has ${key}`);
  };
  for (const key of keys) {
    const path = pathOf(key);
    const hashOf = (o: KubeObject) =>
      (o.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations?.[
        CONFIG_HASH
      ] === undefined
        ? undefined
        : pathOf(`ConfigMap/${o.metadata.name}`).replace(/^templates\//, "");
    const textOf = (r: Map<string, Map<string, Rendered>>, cls: string) => {
      const found = r.get(key)?.get(cls);
      return found ? templateText(found.object, hashOf(found.object), ownGroups) : "";
    };
    // The groups whose switches change this object.
    const shaping = tables.filter(
      (t) => new Set([...t.renders.values()].map((r) => JSON.stringify([...(r.get(key)?.entries() ?? [])]))).size > 1,
    );
    if (shaping.length > 1) {
      throw new Error(
        `${key} depends on switches of two groups (${shaping.map((t) => t.switches.map((s) => s.name).join(",")).join(" and ")}): merge them in SWITCH_GROUPS`,
      );
    }
    const table = shaping[0] ?? tables[0];
    if (!table) throw new Error("no switch groups");
    const tree = (cls: string) =>
      decide(table.switches, (a) => textOf(table.renders.get(leafKey(a, table.switches)) as Map<string, Map<string, Rendered>>, cls));
    const perClass = [...table.renders.values()].some((r) => [...(r.get(key)?.keys() ?? [])].some((cls) => cls !== ""));
    if (perClass) {
      // One object per class of agent.hardwareClasses: a built-in class as rendered for it, any other with its name.
      const branches = CLASSES.map((cls, i) => {
        const body = tree(cls);
        return cls === SENTINELS.hardwareClass.text
          ? `{{- else }}\n${body}`
          : `{{- ${i ? "else if" : "if"} eq $class ${JSON.stringify(cls)} }}\n${body}`;
      });
      files[path] = `{{- range $class := $.Values.agent.hardwareClasses }}\n---\n${branches.join("")}{{- end }}\n{{- end }}\n`;
    } else {
      files[path] = tree("");
    }
  }
  return files;
}
