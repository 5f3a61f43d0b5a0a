import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { allCRDs, type CustomResourceDefinition } from "./crds.js";
import { generatedFiles, REGENERATE_COMMAND } from "./manifests.js";
import type { OpenAPISchema } from "./openapi.js";

const packageDir = new URL("../", import.meta.url);

// The keywords of apiextensions.k8s.io/v1 JSONSchemaProps this API may use.
const KEYWORDS = new Set([
  ...[
    "type",
    "description",
    "format",
    "enum",
    "default",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
  ],
  ...["minItems", "maxItems", "minProperties", "maxProperties", "required", "properties", "items", "additionalProperties", "anyOf"],
  ...["x-kubernetes-int-or-string", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-validations"],
]);

/** Everything that keeps the schema from being structural, or from explaining itself in `kubectl explain`. */
function schemaProblems(node: OpenAPISchema, path: string): string[] {
  const out: string[] = [];
  const here = path || "<root>";
  for (const key of Object.keys(node)) if (!KEYWORDS.has(key)) out.push(`${here}: keyword ${key} is not allowed in a CRD schema`);
  if (path === ".metadata") return out;
  if (typeof node.description !== "string" || node.description.trim() === "") out.push(`${here}: no description`);
  const intOrString = node["x-kubernetes-int-or-string"] === true;
  if (intOrString) {
    if (JSON.stringify(node.anyOf) !== JSON.stringify([{ type: "integer" }, { type: "string" }]))
      out.push(`${here}: int-or-string must be anyOf integer, string`);
  } else {
    if (typeof node.type !== "string") out.push(`${here}: no type`);
    if (node.anyOf !== undefined) out.push(`${here}: anyOf is only for int-or-string`);
  }
  if ("exclusiveMinimum" in node && typeof node.exclusiveMinimum !== "boolean") out.push(`${here}: exclusiveMinimum must be a boolean`);
  if (node.type === "object" && node.properties === undefined && node.additionalProperties === undefined)
    out.push(`${here}: object with no fields`);
  if (node.type === "array" && node.items === undefined) out.push(`${here}: array with no items`);
  const items = node.items as OpenAPISchema | undefined;
  if (node["x-kubernetes-list-type"] === "map") {
    const required = (items?.required as string[] | undefined) ?? [];
    for (const key of (node["x-kubernetes-list-map-keys"] as string[] | undefined) ?? []) {
      if (!required.includes(key)) out.push(`${here}: list-map key ${key} must be required`);
    }
  }
  for (const [name, child] of Object.entries((node.properties as Record<string, OpenAPISchema> | undefined) ?? {}))
    out.push(...schemaProblems(child, `${path}.${name}`));
  if (items) out.push(...schemaProblems(items, `${path}[]`));
  if (typeof node.additionalProperties === "object") out.push(...schemaProblems(node.additionalProperties as OpenAPISchema, `${path}.*`));
  return out;
}

/** The schema node a printer column's JSONPath points at, if any. */
function resolve(schema: OpenAPISchema, jsonPath: string): OpenAPISchema | undefined {
  let node: OpenAPISchema | undefined = schema;
  for (const step of jsonPath
    .replace(/\[[^\]]*\]/g, "[]")
    .split(".")
    .slice(1)) {
    const name = step.replace("[]", "");
    node = (node?.properties as Record<string, OpenAPISchema> | undefined)?.[name];
    if (step.endsWith("[]")) node = node?.items as OpenAPISchema | undefined;
  }
  return node;
}

const versionOf = (crd: CustomResourceDefinition) => {
  const [v] = crd.spec.versions;
  if (!v) throw new Error(`${crd.metadata.name} has no version`);
  return v;
};

describe.each(allCRDs().map((crd) => [crd.metadata.name, crd] as const))("CRD %s", (_, crd) => {
  const version = versionOf(crd);
  const schema = version.schema.openAPIV3Schema;

  it("is structural, with a description on every field for kubectl explain", () => {
    expect(schemaProblems(schema, "")).toEqual([]);
  });

  it("has printer columns that point at fields of the schema", () => {
    for (const column of version.additionalPrinterColumns) {
      if (column.jsonPath.startsWith(".metadata.")) continue;
      expect(resolve(schema, column.jsonPath), column.jsonPath).toMatchObject({ type: column.type });
    }
  });

  it("joins the edgefleet category with a short name", () => {
    expect(crd.spec.names.categories).toEqual(["edgefleet"]);
    expect(crd.spec.names.shortNames).toHaveLength(1);
  });
});

describe("the CRDs", () => {
  it("are EdgeModel, FederatedTraining and EdgeModelBuild (namespaced, with a status subresource), EdgeRuntime and ModelTrustPolicy (cluster-scoped)", () => {
    expect(allCRDs().map((c) => [c.spec.names.kind, c.spec.scope, c.spec.names.shortNames[0], Boolean(versionOf(c).subresources)])).toEqual(
      [
        ["EdgeModel", "Namespaced", "em", true],
        ["EdgeRuntime", "Cluster", "ert", false],
        ["ModelTrustPolicy", "Cluster", "mtp", false],
        ["FederatedTraining", "Namespaced", "ft", true],
        ["EdgeModelBuild", "Namespaced", "emb", true],
      ],
    );
  });
});

describe("generated files", () => {
  it.each(generatedFiles().map((f) => [f.path, f.content] as const))("packages/api/%s is up to date", async (path, content) => {
    const onDisk = await readFile(new URL(path, packageDir), "utf8").catch(() => "(missing)");
    expect(
      onDisk === content,
      `packages/api/${path} is out of date with the TypeScript API: run \`${REGENERATE_COMMAND}\` and commit the result`,
    ).toBe(true);
  });
});
