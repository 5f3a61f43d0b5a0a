/** A request the runtime refuses, with the HTTP status and an OIP v2 error message naming the field. */
export class ProtocolError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 405 | 413 | 503,
    message: string,
  ) {
    super(message);
  }
}
