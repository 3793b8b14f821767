import { removeOnEnd } from '../txn/transaction.js';
import type { Server } from '../server.js';
import type { SessionStoreOptions } from '../txn/session.js';
import type { ErrorMiddleware } from '../types.js';
import { checkOptions, type OptionTable } from '../lib/checkOptions.js';
import { SESSION_STORE_OPTIONS } from '../txn/sessionOptions.js';

/**
 * Options of {@link Server.authorizationErrorHandler}: those of the transaction store.
 *
 * @group Core 1.x
 */
export type AuthorizationErrorHandlerOptions = SessionStoreOptions;

/** What each option of {@link authorizationErrorHandler} accepts. */
const AUTHORIZATION_ERROR_HANDLER_OPTIONS = SESSION_STORE_OPTIONS satisfies OptionTable<AuthorizationErrorHandlerOptions>;

/**
 * Create error middleware for the authorization endpoint that lets the
 * grants answer the error, usually by redirecting it to the client. When
 * `req.oauth2` is missing or no grant answers, the error is passed on. A
 * pending transaction is removed once the response ends.
 *
 * Use it through `server.authorizationErrorHandler()`, which puts a
 * transaction-loading wrapper in front of it.
 */
export function authorizationErrorHandler(server: Server<any, any>, options?: AuthorizationErrorHandlerOptions): ErrorMiddleware {
  if (!server) throw new TypeError('oauth2orize.authorizationErrorHandler middleware requires a server argument');
  checkOptions('server.authorizationErrorHandler', options, AUTHORIZATION_ERROR_HANDLER_OPTIONS);
  const opts = options || {};

  return function authorizationErrorHandler(err, req, res, next) {
    const txn = req.oauth2;
    if (!txn) return next(err);
    if (txn.transactionID && !txn._endProxied) removeOnEnd(server, opts, req, res);
    server._respondError(err, txn, res, (err) => next(err));
  };
}
