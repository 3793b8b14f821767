/**
 * The life of an authorization transaction, shared by `authorize`, `resume`,
 * `decision` and the device verification step: store it, load it, claim it
 * for the one request that answers it, remove it once answered, and answer
 * it through the server's response handlers.
 */
import { merge } from '../lib/merge.js';
import { call, callMethod, once, prepare, returnsResult, settle, shape, type Callback, type Shape } from '../lib/callback.js';

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
  TransactionHost,
} from '../types.js';

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

/** A store method given `n` values: declared without the callback parameter, it is the Promise form and returns its result. */
const STORE_METHOD: readonly Shape[] = [1, 2, 3].map((n) => {
  const positional = ['a', 'b', 'c'].slice(0, n);
  return shape({ positional, contextArities: [n], context: false });
});

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
  // An exception from code that ran after the store answered is not the
  // store's failure: it propagates rather than being reported twice.
  callMethod(STORE_METHOD[args.length - 1]!, store, fn, once((err: unknown, result?: unknown): void => cb(err, result)), 'done', args[0], args[1], args[2]);
}

/**
 * `claim` given 2 or 3 values: declared with no more parameters than that,
 * it returns its answer (the value form); with one more, it is the callback
 * form, whose Promise, if it returns one, can only add a failure.
 */
const CLAIM: readonly Shape[] = [2, 3].map((n) => {
  const positional = ['a', 'b', 'c'].slice(0, n);
  return shape({ positional, contextArities: [...Array(n + 1).keys()], context: false, resolvedIsResult: false });
});

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

  const claimShape = CLAIM[args.length - 2]!;
  if (!returnsResult(claimShape, claim)) {
    // Callback form: a Promise it may also return can only add a failure.
    const claimed = once((err: unknown, ok?: unknown) => answer(err || null, ok !== false));
    return callMethod(claimShape, store, claim, claimed, 'done', args[0], args[1], args[2]);
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

/**
 * `complete(req, txn, done)`, run after a grant is issued; the arity-1 form
 * `{ req, txn }` is awaited. Its result is nothing but "done".
 */
const COMPLETE = shape({ positional: ['req', 'txn'], result: (_value: unknown, done: (err?: unknown) => void) => done() });

/** Choose once how an app's `complete` is called; pass the result to {@link respond}. */
export function prepareComplete(complete: Function | undefined): Callback | undefined {
  return complete ? prepare(COMPLETE, complete) : undefined;
}

/** The `complete(cb)` offered to response handlers: runs the app's `complete`. */
export function completer(complete: Callback | undefined, req: OAuth2IncomingMessage, txn: OAuth2Transaction<any, any>): (cb: (err?: unknown) => void) => void {
  return function completing(cb) {
    if (!complete) return cb();
    call(complete, once(cb), 'throw', req, txn);
  };
}

/**
 * `immediate`, as 1.x calls it: `(client, user, done)`, then `scope`, `type`,
 * `areq` and `locals` before `done` for arities 4 to 7, `(txn, done)` for any
 * other arity, or the arity-1 context form. A resolved value is `allow`, or
 * `{ allow, info, locals }`.
 */
const IMMEDIATE = shape({
  positional: ['client', 'user'],
  extras: ['scope', 'type', 'areq', 'locals'],
  otherwise: ['txn'],
  context: (client, user, scope, type, areq, locals, txn) => ({ txn, client, user, scope, type, areq, locals }),
  result(value: unknown, done: ImmediateCallback) {
    if (value && typeof value === 'object') {
      const v = value as ImmediateResult;
      return done(null, v.allow, v.info, v.locals);
    }
    done(null, !!value);
  },
});

/** Choose once how an app's `immediate` is called; give the result to {@link callImmediate}. */
export function prepareImmediate(immediate: Function): Callback {
  return prepare(IMMEDIATE, immediate);
}

/**
 * Call the app's `immediate` (see {@link prepareImmediate}). Both
 * `authorize` and `resume` use this. An exception propagates to the caller.
 */
export function callImmediate(immediate: Callback, txn: OAuth2Transaction<any, any>, done: ImmediateCallback): void {
  const areq = txn.req;
  call(immediate, done, 'throw', txn.client, txn.user, areq.scope, areq.type, areq, txn.locals, txn);
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
  complete: Callback | undefined,
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
