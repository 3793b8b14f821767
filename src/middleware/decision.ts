import { bodyParsingError } from '../lib/respond.js';
import { bodyOf } from '../lib/params.js';
import { call, optionsFirst, prepare, shape, type FactoryArgs } from '../lib/callback.js';
import { consume, mergeLocals, once, prepareComplete, respond } from '../txn/transaction.js';
import type { Server } from '../server.js';
import { settingsOf } from '../settings/settings.js';
import type { SessionStoreOptions } from '../txn/session.js';
import type { Middleware, OAuth2IncomingMessage, OAuth2Transaction, Bivariant } from '../types.js';
import type { CompleteFunction } from './authorization.js';
import { traced, transactionAnnotator } from '../diagnostics/trace.js';

/**
 * Options of {@link Server.decision}.
 *
 * @group Core 1.x
 */
export interface DecisionOptions extends SessionStoreOptions {
  /** Body field whose presence means the user denied. Default `'cancel'`. */
  cancelField?: string;
  /** The request property holding the logged-in user. Default `'user'`. */
  userProperty?: string;
  /** `false` returns the decision middleware without a transaction loader. */
  loadTransaction?: boolean;
}

/**
 * The context object of the Promise form of `parse`.
 *
 * @group Core 1.x
 */
export interface DecisionParseContext<Client = any, User = any> {
  /** The decision request (the consent form's post). */
  req: OAuth2IncomingMessage;
  /** The transaction being decided. */
  txn: OAuth2Transaction<Client, User>;
}

/**
 * `parse(req, done(err, ares, locals))`: reads the user's answer from the
 * consent form, e.g. the scopes they granted. `ares.allow`, when left unset,
 * is taken from the cancel field. The arity-1 form
 * `async ({ req, txn }) => ({ ares, locals })` returns the answer.
 *
 * @typeParam TReq - The request type `req` is declared with (as in
 *   `@types/oauth2orize`); any request type is accepted.
 *
 * @group Core 1.x
 */
export type DecisionParseFunction<Client = any, User = any, TReq = OAuth2IncomingMessage> = Bivariant<(
  req: TReq & DecisionParseContext<Client, User>,
  done: (err?: unknown, ares?: Record<string, unknown>, locals?: Record<string, unknown>) => void,
) => unknown>;

/**
 * What a context-form (async) `parse` resolves to.
 *
 * @group Core 1.x
 */
export interface DecisionParseResult {
  /** Fields merged into the decision (`ares`), such as the granted `scope`. */
  ares?: Record<string, unknown>;
  /** Values merged into `txn.locals`, for the grant. */
  locals?: Record<string, unknown>;
}

/**
 * `parse(req, done)` as 1.x calls it, whatever its arity but 1; the arity-1
 * form gets `{ req, txn }`. A result is `{ ares, locals }`.
 */
const PARSE = shape({
  positional: ['req'],
  values: ['req', 'txn'],
  result(r: DecisionParseResult | undefined, decided: (err: unknown, ares?: Record<string, unknown>, locals?: Record<string, unknown>) => void) {
    decided(null, r && r.ares, r && r.locals);
  },
});

/** `(server, options?, parse?, complete?)`. */
const DECISION_ARGS: FactoryArgs = { server: 'oauth2orize.decision middleware requires a server argument', callbacks: [undefined, undefined] };

/**
 * Create middleware that handles the user's decision, posted from the consent
 * page, and lets the grant respond (a code, a token, or `access_denied`).
 * The transaction is removed from the store when the response ends, so a
 * decision cannot be replayed. Use it through `server.decision(...)`, which
 * puts a transaction loader in front of it.
 *
 * @example
 * ```ts
 * app.post('/dialog/authorize/decision', login.ensureLoggedIn(), server.decision());
 * app.post('/dialog/authorize/decision', login.ensureLoggedIn(), server.decision((req, done) => {
 *   done(null, { scope: req.body.scope });
 * }));
 * ```
 */
export function decision<Client = any, User = any>(
  server: Server<any, any>,
  options: DecisionOptions | DecisionParseFunction | undefined,
  parse?: DecisionParseFunction | CompleteFunction<Client, User>,
  complete?: CompleteFunction<Client, User>,
): Middleware {
  let opts: DecisionOptions;
  [opts, parse, complete] = optionsFirst<DecisionOptions>(DECISION_ARGS, [server, options, parse, complete]);
  const read = prepare(PARSE, parse || ((_req: unknown, done: () => void) => done()));
  const completion = prepareComplete(complete);
  const cancelField = opts.cancelField || 'cancel';
  const userProperty = opts.userProperty || settingsOf(server).userProperty;

  return traced('decision', function decision(req, res, next) {
    const body = bodyOf(req);
    if (!body) return next(bodyParsingError());
    const txn = req.oauth2 as OAuth2Transaction<any, any> | undefined;
    if (!txn) {
      return next(new Error('OAuth2orize requires transaction support. Did you forget oauth2orize.transactionLoader(...)?'));
    }

    const decided = once((err?: unknown, ares?: Record<string, unknown>, locals?: Record<string, unknown>) => {
      if (err) return next(err);
      txn.user = (req as unknown as Record<string, unknown>)[userProperty];
      txn.res = (ares || {}) as OAuth2Transaction['res'] & object;
      mergeLocals(txn, locals);
      if (txn.res.allow === undefined) txn.res.allow = !body[cancelField];

      consume(server, opts, req, res, (err) => {
        if (err) return next(err);
        respond(server, req, res, completion, next);
      });
    });

    call(read, decided, 'throw', req, txn);
  }, transactionAnnotator);
}
