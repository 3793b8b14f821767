/**
 * The life of an authorization transaction, shared by `authorize`, `resume`,
 * `decision` and the device verification step: store it, load it, claim it
 * for the one request that answers it, remove it once answered, and answer
 * it through the server's response handlers.
 */
import { merge } from '../lib/merge.js';
import { catchRejection, once, settle } from '../lib/async.js';

export { once };
import { AuthorizationError } from '../errors/authorizationerror.js';
import { ForbiddenError } from '../errors/forbiddenerror.js';
import { debug } from '../lib/debug.js';
import type {
  TransactionClaimCallback,
  AuthorizationResponse,
  ImmediateCallback,
  ImmediateResult,
  LegacyTransactionStore,
  NextFunction,
  OAuth2IncomingMessage,
  OAuth2ServerResponse,
  OAuth2Transaction,
  TransactionStore,
} from '../types.js';

/**
 * What these helpers use of the server: its transaction store and its
 * response handlers, through the members 1.x plugins also read (`_txnStore`,
 * `_respond`). The middleware pass the server itself, and a store in the 1.x
 * interface receives it as before.
 */
export interface TransactionHost {
  /** The transaction store. */
  _txnStore: TransactionStore;
  /**
   * Runs the response handlers registered for the transaction's type.
   * @param txn the transaction to answer
   * @param res the response
   * @param complete offered to the handlers, runs the app's `complete`
   * @param cb called without an error when no handler answered
   */
  _respond(txn: OAuth2Transaction<any, any>, res: OAuth2ServerResponse, complete: ((cb: (err?: unknown) => void) => void) | undefined, cb: (err?: unknown) => void): void;
}

/** The server as the 1.x store interface declares it: the host is that server, passed on unchanged. */
type LegacyServer = Parameters<LegacyTransactionStore['store']>[0];

/**
 * Arrange for the transaction to be removed from the store once the
 * response ends, by wrapping `res.end` once. This is how 1.x makes a
 * transaction single-use after its decision, and `_endProxied` tells later
 * middleware it has been done.
 */
export function removeOnEnd(server: TransactionHost, options: object, req: OAuth2IncomingMessage, res: OAuth2ServerResponse): void {
  const end = res.end;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    const txn = req.oauth2;
    const tid = txn && txn.transactionID;
    if (tid !== undefined) removeTransaction(server, options, req, tid);
    res.end = end;
    return (end as (...a: unknown[]) => unknown).apply(res, args);
  };
  res.end = wrapped as typeof res.end;
}

/** Remove a transaction through either store interface, ignoring the result. */
export function removeTransaction(server: TransactionHost, options: object, req: OAuth2IncomingMessage, tid: string): void {
  const store = server._txnStore;
  const ignore = (): void => {};
  if (store.legacy === true) store.remove(options, req, tid, ignore);
  else callStore(store, 'remove', [req, tid], ignore);
}

/**
 * Store a new transaction, in whichever interface the server's store has,
 * and record its ID on `txn`. A legacy store (the session store) gets
 * `record`, the 1.x shape it keeps; a request store gets `txn` itself.
 */
export function storeTransaction(
  server: TransactionHost,
  options: object,
  req: OAuth2IncomingMessage,
  txn: OAuth2Transaction<any, any>,
  record: object,
  cb: (err?: unknown) => void,
): void {
  const stored = (err: unknown, tid?: string): void => {
    if (err) return cb(err);
    txn.transactionID = tid;
    cb();
  };
  const store = server._txnStore;
  if (store.legacy === true) return store.store(server as LegacyServer, options, req, record, stored);
  callStore(store, 'store', [req, txn], stored);
}

/**
 * Call a method of a request-interface store (`load(req, cb)`,
 * `store(req, txn, cb)`, `update(req, tid, txn, cb)`, `remove(req, tid, cb)`).
 * A method declared without the callback parameter is the Promise form, and
 * its resolved value is the result.
 */
export function callStore(
  store: object,
  method: 'load' | 'store' | 'update' | 'remove',
  args: unknown[],
  cb: (err: unknown, result?: any) => void,
): void {
  const fn = (store as Record<string, Function>)[method]!;
  const done = once((err: unknown, result?: unknown): void => cb(err, result));
  const value = (value: unknown): void => done(null, value);
  try {
    if (fn.length === args.length) {
      return settle(fn.apply(store, args), value, done);
    }
    catchRejection(fn.apply(store, [...args, done]), done, fn, value);
  } catch (err) {
    // An exception from code that ran after the store answered is not the
    // store's failure; let it propagate rather than report it twice.
    if (done.called) throw err;
    done(err);
  }
}

/**
 * Claim the loaded transaction for the request that is about to answer it.
 * A store that implements `claim` answers whether this request won it, so
 * that two concurrent decisions on one transaction cannot both issue a
 * grant. Stores without `claim` are trusted, as in 1.x.
 *
 * `claim` follows the arity rule of the other store methods: declared with
 * one parameter more than it is given (`(options, req, tid, cb)` for a
 * legacy store, `(req, tid, cb)` otherwise), it answers `cb(err, ok)`;
 * otherwise its return value is the answer, a boolean or a Promise of one.
 * Only `false` refuses. A rejected Promise (or a throw from the value form)
 * refuses too: a store that cannot tell must not let the grant through. An
 * error passed to the callback is a failure of the store and goes to
 * `next(err)` unchanged.
 *
 * `done` is called synchronously when the store answers synchronously.
 */
export function claimTransaction(server: TransactionHost, options: object, req: OAuth2IncomingMessage, done: TransactionClaimCallback): void {
  const store = server._txnStore as { legacy?: boolean; claim?: Function };
  const tid = req.oauth2 && req.oauth2.transactionID;
  const claim = store.claim;
  if (typeof claim !== 'function' || tid === undefined) return done(null, true);
  const args: unknown[] = store.legacy === true ? [options, req, tid] : [req, tid];
  let answered = false;
  const answer: TransactionClaimCallback = (err, ok) => {
    if (answered) return;
    answered = true;
    done(err, ok);
  };
  const refuse = (err: unknown): void => {
    debug('claim of transaction %s refused by a rejection: %s', tid, err);
    answer(null, false);
  };

  if (claim.length > args.length) {
    // Callback form: a Promise it may also return can only add a failure.
    try {
      catchRejection(claim.apply(store, [...args, (err: unknown, ok?: unknown) => answer(err || null, ok !== false)]), (err) => answer(err));
    } catch (err) {
      if (answered) throw err;
      answer(err);
    }
    return;
  }
  let value: unknown;
  try {
    value = claim.apply(store, args);
  } catch (err) {
    return refuse(err);
  }
  settle(value, (ok: unknown) => answer(null, ok !== false), refuse);
}

/** Merge `locals` into `txn.locals`, creating it when needed. */
export function mergeLocals(txn: OAuth2Transaction<any, any>, locals: unknown): void {
  if (!locals) return;
  txn.locals = txn.locals || {};
  merge(txn.locals, locals);
}

/** The `complete(cb)` offered to response handlers: runs the app's `complete`. */
export function completer<C, U>(
  complete: ((req: any, txn: OAuth2Transaction<C, U>, cb: (err?: unknown) => void) => unknown) | undefined,
  req: OAuth2IncomingMessage,
  txn: OAuth2Transaction<C, U>,
): (cb: (err?: unknown) => void) => void {
  return function completing(cb) {
    if (!complete) return cb();
    const done = once(cb);
    if (complete.length === 1) {
      return settle((complete as unknown as (ctx: object) => unknown)({ req, txn }), () => done(), done);
    }
    catchRejection(complete(req, txn, done), done, complete, () => done());
  };
}

/**
 * Call the app's `immediate` with the arguments its arity asks for. Both
 * `authorize` and `resume` use this.
 */
export function callImmediate(immediate: Function, txn: OAuth2Transaction<any, any>, done: ImmediateCallback): void {
  const areq = txn.req;
  let returned: unknown;
  switch (immediate.length) {
    case 7: returned = immediate(txn.client, txn.user, areq.scope, areq.type, areq, txn.locals, done); break;
    case 6: returned = immediate(txn.client, txn.user, areq.scope, areq.type, areq, done); break;
    case 5: returned = immediate(txn.client, txn.user, areq.scope, areq.type, done); break;
    case 4: returned = immediate(txn.client, txn.user, areq.scope, done); break;
    case 3: returned = immediate(txn.client, txn.user, done); break;
    case 1: {
      const context = { txn, client: txn.client, user: txn.user, scope: areq.scope, type: areq.type, areq, locals: txn.locals };
      return settle(immediate(context), decided, done);
    }
    default: returned = immediate(txn, done);
  }
  catchRejection(returned, done, immediate, decided);

  // A resolved value: `allow`, or `{ allow, info, locals }`.
  function decided(value: unknown): void {
    if (value && typeof value === 'object') {
      const v = value as ImmediateResult;
      return done(null, v.allow, v.info, v.locals);
    }
    done(null, !!value);
  }
}

/**
 * Run the response handlers for an approved or decided transaction, with
 * the app's `complete` offered to them. When none of them answers, the
 * response type is unsupported.
 */
export function respond(
  server: TransactionHost,
  req: OAuth2IncomingMessage,
  res: OAuth2ServerResponse,
  complete: ((req: any, txn: OAuth2Transaction<any, any>, cb: (err?: unknown) => void) => unknown) | undefined,
  next: NextFunction,
): void {
  const txn = req.oauth2!;
  server._respond(txn, res, completer(complete, req, txn), (err) => {
    if (err) return next(err);
    next(new AuthorizationError('Unsupported response type: ' + txn.req.type, 'unsupported_response_type'));
  });
}

/** Record an approval (`immediate` said yes): `res = info || {}` with `allow = true`. */
export function approve(txn: OAuth2Transaction<any, any>, info: Record<string, unknown> | null | undefined, locals: unknown): void {
  txn.res = (info || {}) as AuthorizationResponse;
  txn.res.allow = true;
  mergeLocals(txn, locals);
}

/**
 * Take the loaded transaction for this request's answer: claim it (see
 * {@link claimTransaction}) and have it removed when the response ends.
 * `done(err)` gets the 1.x `ForbiddenError` when another request got there
 * first, or the store's error; `done()` means this request answers.
 */
export function consume(server: TransactionHost, options: object, req: OAuth2IncomingMessage, res: OAuth2ServerResponse, done: (err?: unknown) => void): void {
  const txn = req.oauth2!;
  claimTransaction(server, options, req, (err, ok) => {
    if (err) return done(err);
    if (!ok) return done(new ForbiddenError('Unable to load OAuth 2.0 transaction: ' + txn.transactionID));
    removeOnEnd(server, options, req, res);
    txn._endProxied = true;
    done();
  });
}
