/**
 * Declaration merging: Express's `Request` gains the `oauth2` transaction
 * this package sets. The global `Express` namespace is the one
 * `@types/express` reads, and declaring it costs nothing when Express types
 * are absent.
 */
import type { OAuth2Transaction } from './types.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The OAuth 2.0 transaction, set by the oauth2orize middleware. */
      oauth2?: OAuth2Transaction<any, any>;
    }
  }
}

export {};
