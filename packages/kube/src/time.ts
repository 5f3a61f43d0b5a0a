/** A time as the API server writes a metav1.Time: RFC 3339 to the second (the milliseconds dropped). */
export function kubeTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
