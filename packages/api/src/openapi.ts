import type { TSchema } from "@sinclair/typebox";

/** A node of an apiextensions.k8s.io/v1 openAPIV3Schema, as plain JSON. */
export type OpenAPISchema = { [key: string]: unknown };

/**
 * Turns a TypeBox schema into the OpenAPI v3 dialect of CustomResourceDefinitions: drops TypeBox's
 * symbols and `$id`, and rewrites the three JSON Schema forms Kubernetes does not take:
 * a union of string literals (or a lone literal) becomes `enum`, a record becomes `additionalProperties`, and a numeric
 * `exclusiveMinimum`/`exclusiveMaximum` becomes `minimum`/`maximum` with the boolean flag.
 */
export function toOpenAPI(schema: TSchema): OpenAPISchema {
  // A JSON round trip drops TypeBox's symbol-keyed metadata (Kind, OptionalKind).
  return convert(JSON.parse(JSON.stringify(schema)) as OpenAPISchema, "");
}

function convert(node: OpenAPISchema, path: string): OpenAPISchema {
  const {
    $id: _id,
    const: constant,
    anyOf,
    patternProperties,
    properties,
    items,
    additionalProperties,
    exclusiveMinimum,
    exclusiveMaximum,
    ...rest
  } = node;
  const out: OpenAPISchema = { ...rest };
  // TypeBox collapses a union of one literal into the literal.
  if (constant !== undefined) out.enum = [constant];
  if (Array.isArray(anyOf)) Object.assign(out, convertUnion(anyOf as OpenAPISchema[], path));
  if (patternProperties !== undefined) out.additionalProperties = convert(onlyPatternProperty(patternProperties, path), `${path}.*`);
  else if (typeof additionalProperties === "object" && additionalProperties !== null) {
    out.additionalProperties = convert(additionalProperties as OpenAPISchema, `${path}.*`);
  } else if (additionalProperties !== undefined) out.additionalProperties = additionalProperties;
  if (properties !== undefined) {
    out.properties = Object.fromEntries(
      Object.entries(properties as Record<string, OpenAPISchema>).map(([k, v]) => [k, convert(v, `${path}.${k}`)]),
    );
  }
  if (items !== undefined) out.items = convert(items as OpenAPISchema, `${path}[]`);
  if (typeof exclusiveMinimum === "number") Object.assign(out, { minimum: exclusiveMinimum, exclusiveMinimum: true });
  if (typeof exclusiveMaximum === "number") Object.assign(out, { maximum: exclusiveMaximum, exclusiveMaximum: true });
  return out;
}

function convertUnion(members: OpenAPISchema[], path: string): OpenAPISchema {
  if (members.every((m) => typeof m.const === "string")) return { type: "string", enum: members.map((m) => m.const) };
  // The one union a structural schema allows: int-or-string, whose members carry nothing but a type.
  return { anyOf: members.map((m) => convert(m, path)) };
}

function onlyPatternProperty(patternProperties: unknown, path: string): OpenAPISchema {
  const values = Object.values(patternProperties as Record<string, OpenAPISchema>);
  if (values.length !== 1 || values[0] === undefined) {
    throw new Error(`schema at ${path || "<root>"}: a map needs exactly one value schema; use StringMap from kube-schema.ts`);
  }
  return values[0];
}
