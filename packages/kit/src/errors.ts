/**
 * What a caught value says, for logs, statuses and refusals: an Error's message, anything else
 * (a thrown string, a rejected non-Error) as text. Callers add their own context around it.
 */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
