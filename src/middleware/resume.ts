import { approve, callImmediate, callStore, consume, mergeLocals, once, prepareComplete, prepareImmediate, respond } from '../txn/transaction.js';
import { optionsFirst, type FactoryArgs } from '../lib/callback.js';
import type { Server } from '../server.js';
import { settingsOf } from '../settings/settings.js';
import type { SessionStoreOptions } from '../txn/session.js';
import type { Middleware, OAuth2Transaction } from '../types.js';
import type { CompleteFunction, ImmediateFunction } from './authorization.js';
import { traced, transactionAnnotator } from '../diagnostics/trace.js';

/**
 * Options of {@link Server.resume}.
 *
 * @group Core 1.x
 */
export interface ResumeOptions extends SessionStoreOptions {
  /** The request property holding the logged-in user. Default `'user'`. */
  userProperty?: string;
  /**
   * `false` returns the resume middleware without a transaction loader; a
   * middleware function replaces the default loader.
   */
  loadTransaction?: boolean | Middleware;
}

/** `(server, options?, immediate, complete?)`. */
const RESUME_ARGS: FactoryArgs = {
  server: 'oauth2orize.resume middleware requires a server argument',
  callbacks: ['oauth2orize.resume middleware requires an immediate function', undefined],
};

/**
 * Create middleware that continues a stored transaction after a detour, for
 * example a login or account-selection page, and asks `immediate` again.
 * Use it through `server.resume(...)`, which puts a transaction loader in
 * front of it.
 *
 * If `immediate` approves, the grant responds and the transaction is removed
 * when the response ends; otherwise the stored transaction is updated and
 * the next middleware renders the consent page. `res.locals` is merged into
 * `req.oauth2.locals`.
 */
export function resume<Client = any, User = any>(
  server: Server<any, any>,
  options: ResumeOptions | ImmediateFunction<Client, User> | undefined,
  immediate?: ImmediateFunction<Client, User> | CompleteFunction<Client, User>,
  complete?: CompleteFunction<Client, User>,
): Middleware {
  let opts: ResumeOptions;
  [opts, immediate, complete] = optionsFirst<ResumeOptions>(RESUME_ARGS, [server, options, immediate, complete]);
  const decide = prepareImmediate(immediate as Function);
  const completion = prepareComplete(complete);
  const userProperty = opts.userProperty || settingsOf(server).userProperty;

  return traced('resume', function resume(req, res, next) {
    const txn = req.oauth2 as OAuth2Transaction<any, any> | undefined;
    if (!txn) {
      return next(new Error('OAuth2orize requires transaction support. Did you forget oauth2orize.transactionLoader(...)?'));
    }
    txn.user = (req as unknown as Record<string, unknown>)[userProperty];
    mergeLocals(txn, res.locals);

    const immediated = once((err?: unknown, allow?: boolean, info?: Record<string, unknown> | null, locals?: Record<string, unknown> | null): void => {
      if (err) return next(err);
      if (allow) {
        approve(txn, info, locals);
        return consume(server, opts, req, res, (err) => {
          if (err) return next(err);
          respond(server, req, res, completion, next);
        });
      }
      txn.info = info as Record<string, unknown> | undefined; // null is kept, as 1.x did
      mergeLocals(txn, locals);
      const updated = (err: unknown, tid?: string): void => {
        if (err) return next(err);
        txn.transactionID = tid;
        next();
      };
      const store = server._txnStore;
      if (store.legacy === true) {
        const record = { protocol: 'oauth2', client: txn.client, redirectURI: txn.redirectURI, req: txn.req, info };
        store.update(server, opts, req, txn.transactionID!, record, updated);
      } else {
        callStore(store, 'update', [req, txn.transactionID, txn], updated);
      }
    });

    try {
      callImmediate(decide, txn, immediated);
    } catch (err) {
      return next(err);
    }
  }, transactionAnnotator);
}
