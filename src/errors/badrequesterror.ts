/** Internal: a malformed request that is not an OAuth protocol error (400). */
export class BadRequestError extends Error {
  status = 400;
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BadRequestError';
  }
}
