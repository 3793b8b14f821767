/** Internal: a request refused outright, such as an unknown transaction (403). */
export class ForbiddenError extends Error {
  status = 403;
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ForbiddenError';
  }
}
