import { ownMessage } from './oauth2error.js';

/** Internal: a malformed request that is not an OAuth protocol error (400). */
export class BadRequestError extends Error {
  status = 400;
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    ownMessage(this, message);
    this.name = 'BadRequestError';
  }
}
