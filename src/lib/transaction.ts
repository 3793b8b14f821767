import { merge } from './merge.js';
import type { Server } from '../server.js';
import type { NextFunction, OAuth2IncomingMessage, OAuth2ServerResponse, OAuth2Transaction } from '../types.js';

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
  else store.remove(req, tid, ignore);
}

/** Merge `locals` into `txn.locals`, creating it when needed. */
export function mergeLocals(txn: OAuth2Transaction<any, any>, locals: unknown): void {
  if (!locals) return;
  txn.locals = txn.locals || {};
  merge(txn.locals, locals);
}

/** The `complete(cb)` offered to response handlers: runs the app's `complete`. */
export function completer<C, U>(
  complete: ((req: OAuth2IncomingMessage, txn: OAuth2Transaction<C, U>, cb: (err?: unknown) => void) => void) | undefined,
  req: OAuth2IncomingMessage,
  txn: OAuth2Transaction<C, U>,
): (cb: (err?: unknown) => void) => void {
  return function completing(cb) {
    if (!complete) return cb();
    complete(req, txn, cb);
  };
}

/** `done(err, allow, info, locals)` of `immediate`. */
export type ImmediateCallback = (err?: unknown, allow?: boolean, info?: Record<string, unknown>, locals?: Record<string, unknown>) => void;

/**
 * Call the app's `immediate` with the arguments its arity asks for. Both
 * `authorize` and `resume` use this.
 */
export function callImmediate(immediate: Function, txn: OAuth2Transaction<any, any>, done: ImmediateCallback): void {
  const areq = txn.req;
  switch (immediate.length) {
    case 7: return void immediate(txn.client, txn.user, areq.scope, areq.type, areq, txn.locals, done);
    case 6: return void immediate(txn.client, txn.user, areq.scope, areq.type, areq, done);
    case 5: return void immediate(txn.client, txn.user, areq.scope, areq.type, done);
    case 4: return void immediate(txn.client, txn.user, areq.scope, done);
    case 3: return void immediate(txn.client, txn.user, done);
    default: return void immediate(txn, done);
  }
}

/** Guard a callback so that only its first call has effect. */
export function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let called = false;
  return (...args: A) => {
    if (called) return;
    called = true;
    fn(...args);
  };
}

/**
 * Run the response handlers for an approved or decided transaction. When
 * none of them answers, the response type is unsupported.
 */
export function respond(
  server: Server<any, any>,
  req: OAuth2IncomingMessage,
  res: OAuth2ServerResponse,
  completing: (cb: (err?: unknown) => void) => void,
  next: NextFunction,
  unsupported: () => Error,
): void {
  server._respond(req.oauth2!, res, completing, (err) => {
    if (err) return next(err);
    next(unsupported());
  });
}
