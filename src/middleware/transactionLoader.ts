import { callStore } from '../txn/transaction.js';
import type { Server } from '../server.js';
import type { SessionStoreOptions } from '../txn/session.js';
import type { Middleware } from '../types.js';
import { checkOptions, type OptionTable } from '../lib/checkOptions.js';
import { SESSION_STORE_OPTIONS } from '../txn/sessionOptions.js';

/** Options of {@link transactionLoader}: those of the transaction store. */
export type TransactionLoaderOptions = SessionStoreOptions;

/** What each option of {@link transactionLoader} accepts. */
const TRANSACTION_LOADER_OPTIONS = SESSION_STORE_OPTIONS satisfies OptionTable<TransactionLoaderOptions>;

/**
 * Create middleware that loads the pending transaction named by the request
 * (by default the `transaction_id` query or body parameter) from the store
 * into `req.oauth2`. It does nothing when `req.oauth2` is already set.
 */
export function transactionLoader(server: Server<any, any>, options?: TransactionLoaderOptions): Middleware {
  if (!server) throw new TypeError('oauth2orize.transactionLoader middleware requires a server argument');
  checkOptions('server.transactionLoader', options, TRANSACTION_LOADER_OPTIONS);
  const opts = options || {};

  return function transactionLoader(req, res, next) {
    void res;
    if (req.oauth2) return next();
    const loaded = (err: unknown, txn?: any): void => {
      if (err) return next(err);
      req.oauth2 = txn;
      next();
    };
    const store = server._txnStore;
    if (store.legacy === true) store.load(server, opts, req, loaded);
    else callStore(store, 'load', [req], loaded);
  };
}
