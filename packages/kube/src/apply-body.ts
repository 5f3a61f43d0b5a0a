/**
 * A server-side apply body: JSON, which the API server reads through its YAML parser (apply patches
 * are YAML, or CBOR behind a feature gate). YAML refuses some characters raw in a double-quoted
 * scalar that JSON leaves raw (DEL, C1 controls, U+2028/2029, which YAML 1.1 reads as line breaks,
 * U+FEFF, U+FFFE/FFFF): the API server answered such a body 400 "control characters are not
 * allowed". They are escaped as \uXXXX, which both read as the same character.
 */
export function applyBody(body: unknown): string {
  return JSON.stringify(body).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
