import { type TLiteral, type TRecord, type TSchema, type TString, type TUnion, Type } from "@sinclair/typebox";

/**
 * TypeBox builders for the idioms of Kubernetes structural schemas. TypeBox expresses them in
 * plain JSON Schema (a union of literals, a record, an integer-or-string union) so that its own
 * validator works on them; openapi.ts rewrites them into the forms the API server accepts.
 */

/** One CEL validation rule, checked by the API server on every write. */
export interface CelRule {
  rule: string;
  /** Shown to the user on rejection; names the field and says what a valid value looks like. */
  message: string;
  /** JSONPath, relative to the schema the rule sits on, of the field the error is reported at. */
  fieldPath?: string;
}

export function cel(rule: string, message: string, fieldPath?: string): CelRule {
  return fieldPath === undefined ? { rule, message } : { rule, message, fieldPath };
}

interface Described {
  description: string;
}

/** A string restricted to the given values (emitted as `enum`). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Described & { default?: T[number] },
): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );
}

/** An object with arbitrary string keys (emitted as `additionalProperties`), like a Pod's nodeSelector. */
export function StringMap<V extends TSchema>(value: V, options: Described & { maxProperties?: number }): TRecord<TString, V> {
  return Type.Record(Type.String(), value, options);
}

// The pattern kube-openapi puts on resource.Quantity.
const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

/** A resource quantity such as `1`, `500m` or `2Gi`, written as a number or a string like in a Pod. */
export function Quantity(options: Described) {
  return Type.Union([Type.Integer(), Type.String()], { ...options, pattern: QUANTITY_PATTERN, "x-kubernetes-int-or-string": true });
}

/** A Kubernetes object name usable as a DNS label and a label value: at most 63 characters. */
export function DnsLabel(options: Described) {
  return Type.String({ ...options, minLength: 1, maxLength: 63, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" });
}

/** A dotted numeric version such as `1.20` or `10.3.0`. */
export function DottedVersion(options: Described) {
  return Type.String({ ...options, maxLength: 32, pattern: "^[0-9]+(\\.[0-9]+){0,3}$" });
}
