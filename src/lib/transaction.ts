import { merge } from './merge.js';
import { catchRejection, once, settle } from './async.js';

export { once };
import { AuthorizationError } from '../errors/authorizationerror.js';
import { ForbiddenError } from '../errors/forbiddenerror.js';
import type { Server } from '../server.js';
import type { AuthorizationResponse, NextFunction, OAuth2IncomingMessage, OAuth2ServerResponse, OAuth2Transaction } from '../types.js';

/**
 * Arrange for the transaction to be removed from the store once the
 * response ends, by wrapping `res.end` once. This is how 1.x makes a
 * transaction single-use after its decision, and `_endProxied` tells later
 * middleware it has been done.
 */
export function removeOnEnd(server: Server<any, any>, options: object, req: OAuth2IncomingMessage, res: OAuth2ServerResponse): void {
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
export function removeTransaction(server: Server<any, any>, options: object, req: OAuth2IncomingMessage, tid: string): void {
  const store = server._txnStore;
  const ignore = (): void => {};
  if (store.legacy === true) store.remove(options, req, tid, ignore);
  else callStore(store, 'remove', [req, tid], ignore);
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
 * Stores that implement `claim` (the session store does) return `false` when
 * another request already claimed it, so two concurrent decisions on one
 * transaction cannot both issue a grant. Stores without `claim` are trusted.
 */
export function claimTransaction(server: Server<any, any>, options: object, req: OAuth2IncomingMessage): boolean {
  const store = server._txnStore as { legacy?: boolean; claim?: Function };
  const tid = req.oauth2 && req.oauth2.transactionID;
  if (typeof store.claim !== 'function' || tid === undefined) return true;
  return store.legacy === true ? store.claim(options, req, tid) !== false : store.claim(req, tid) !== false;
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

/** `done(err, allow, info, locals)` of `immediate`. */
export type ImmediateCallback = (err?: unknown, allow?: boolean, info?: Record<string, unknown> | null, locals?: Record<string, unknown> | null) => void;

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

/** What a context-form (async) `immediate` resolves to, when not a boolean. */
export interface ImmediateResult {
  allow: boolean;
  info?: Record<string, unknown>;
  locals?: Record<string, unknown>;
}

/**
 * Run the response handlers for an approved or decided transaction, with
 * the app's `complete` offered to them. When none of them answers, the
 * response type is unsupported.
 */
export function respond(
  server: Server<any, any>,
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
 * Returns the error to pass on when another request got there first.
 */
export function consume(server: Server<any, any>, options: object, req: OAuth2IncomingMessage, res: OAuth2ServerResponse): Error | undefined {
  const txn = req.oauth2!;
  if (!claimTransaction(server, options, req)) {
    return new ForbiddenError('Unable to load OAuth 2.0 transaction: ' + txn.transactionID);
  }
  removeOnEnd(server, options, req, res);
  txn._endProxied = true;
  return undefined;
}
