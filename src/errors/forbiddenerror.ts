import { ownMessage } from './oauth2error.js';

/** Internal: a request refused outright, such as an unknown transaction (403). */
export class ForbiddenError extends Error {
  status = 403;
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    ownMessage(this, message);
    this.name = 'ForbiddenError';
  }
}
