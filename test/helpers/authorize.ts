/**
 * Helpers for the authorization-endpoint tests (grants, response modes,
 * authorization/resume/decision middleware, transaction stores). Separate from
 * mock.ts, whose exports stay as they are.
 */
import assert from 'node:assert/strict';
import { MockResponse } from './mock.js';

/** Give a function the `length` that 1.x-style arity dispatch looks at. */
export function withArity<T extends (...args: any[]) => any>(n: number, fn: T): T {
  Object.defineProperty(fn, 'length', { value: n });
  return fn;
}

export interface Outcome {
  err: unknown;
  nextCalled: boolean;
  res: MockResponse;
}

/**
 * Call a grant's response handler `(txn, res, complete, next)` and wait for it
 * to either end the response or call `next`.
 */
export function callResponse(
  handler: (...args: any[]) => unknown,
  txn: any,
  opts: { res?: MockResponse; complete?: (cb: (err?: unknown) => void) => void; ms?: number } = {},
): Promise<Outcome> {
  const res = opts.res ?? new MockResponse();
  const complete = opts.complete ?? ((cb: (err?: unknown) => void) => cb());
  return settle(res, opts.ms, (next) => handler(txn, res, complete, next));
}

/** Call a grant's error handler `(err, txn, res, next)`. */
export function callError(handler: (...args: any[]) => unknown, error: unknown, txn: any, res: MockResponse = new MockResponse()): Promise<Outcome> {
  return settle(res, undefined, (next) => handler(error, txn, res, next));
}

function settle(res: MockResponse, ms = 1000, start: (next: (err?: unknown) => void) => unknown): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => reject(new Error('handler neither responded nor called next')), ms);
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(o);
    };
    res.once('finish', () => finish({ err: undefined, nextCalled: false, res }));
    try {
      start((err?: unknown) => finish({ err, nextCalled: true, res }));
    } catch (e) {
      clearTimeout(timer);
      reject(e);
    }
  });
}

/** Assert that an error looks like `AuthorizationError(message, code)` with `status`. */
export function assertOAuthError(err: unknown, message: string, code: string, status: number, name = 'AuthorizationError'): void {
  assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
  const e = err as any;
  assert.equal(e.name, name);
  assert.equal(e.message, message);
  assert.equal(e.code, code);
  assert.equal(e.status, status);
}

/** Assert an internal error (BadRequestError/ForbiddenError/Error) by name, message and status. */
export function assertHttpError(err: unknown, name: string, message: string, status?: number): void {
  assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
  const e = err as any;
  assert.equal(e.name, name);
  assert.equal(e.message, message);
  if (status !== undefined) assert.equal(e.status, status);
}

/** Assert that the mock response redirected (302) to exactly `location`. */
export function assertRedirect(res: MockResponse, location: string): void {
  assert.equal(res.ended, true, 'response should have ended');
  assert.equal(res.statusCode, 302);
  assert.equal(res.getHeader('Location'), location);
}

type Cb = (...args: any[]) => void;

/**
 * A transaction store in the legacy 1.x shape (`legacy === true`) that keeps
 * transactions in memory and records every call.
 */
export class RecordingLegacyStore {
  legacy = true;
  calls: Array<{ op: string; args: any[] }> = [];
  txns = new Map<string, any>();
  nextId = 1;
  loadResult: { err?: unknown; txn?: any } | undefined;

  load(server: unknown, options: unknown, req: unknown, cb: Cb): void {
    this.calls.push({ op: 'load', args: [server, options, req] });
    if (this.loadResult) return cb(this.loadResult.err ?? null, this.loadResult.txn);
    cb(null, undefined);
  }
  store(server: unknown, options: unknown, req: unknown, txn: any, cb: Cb): void {
    this.calls.push({ op: 'store', args: [server, options, req, txn] });
    const tid = 'legacy' + this.nextId++;
    this.txns.set(tid, txn);
    cb(null, tid);
  }
  update(server: unknown, options: unknown, req: unknown, tid: string, txn: any, cb: Cb): void {
    this.calls.push({ op: 'update', args: [server, options, req, tid, txn] });
    this.txns.set(tid, txn);
    cb(null, tid);
  }
  remove(options: unknown, req: unknown, tid: string, cb: Cb): void {
    this.calls.push({ op: 'remove', args: [options, req, tid] });
    this.txns.delete(tid);
    cb();
  }
  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}

/** A custom (non-legacy) store, called as `load(req, cb)`, `store(req, txn, cb)`, etc. */
export class RecordingStore {
  calls: Array<{ op: string; args: any[] }> = [];
  txns = new Map<string, any>();
  nextId = 1;
  loadResult: { err?: unknown; txn?: any } | undefined;
  storeError: unknown;

  load(req: unknown, cb: Cb): void {
    this.calls.push({ op: 'load', args: [req] });
    if (this.loadResult) return cb(this.loadResult.err ?? null, this.loadResult.txn);
    cb(null, undefined);
  }
  store(req: unknown, txn: any, cb: Cb): void {
    this.calls.push({ op: 'store', args: [req, txn] });
    if (this.storeError) return cb(this.storeError);
    const tid = 'custom' + this.nextId++;
    this.txns.set(tid, txn);
    cb(null, tid);
  }
  update(req: unknown, tid: string, txn: any, cb: Cb): void {
    this.calls.push({ op: 'update', args: [req, tid, txn] });
    this.txns.set(tid, txn);
    cb(null, tid);
  }
  remove(req: unknown, tid: string, cb: Cb): void {
    this.calls.push({ op: 'remove', args: [req, tid] });
    this.txns.delete(tid);
    cb();
  }
  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}
