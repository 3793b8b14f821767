/** Server#_respond and Server#_respondError: running the response-phase and error-phase handlers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { MockResponse } from '../helpers/mock.js';

type Outcome = { called: boolean; args: any[] };

function respond(server: any, txn: any, res: any, complete?: any): Promise<Outcome> {
  return new Promise((resolve) => {
    res.once('finish', () => resolve({ called: false, args: [] }));
    const cb = (...args: any[]) => resolve({ called: true, args });
    if (complete === undefined) server._respond(txn, res, cb);
    else server._respond(txn, res, complete, cb);
  });
}

function respondError(server: any, err: any, txn: any, res: any): Promise<Outcome> {
  return new Promise((resolve) => {
    res.once('finish', () => resolve({ called: false, args: [] }));
    server._respondError(err, txn, res, (...args: any[]) => resolve({ called: true, args }));
  });
}

const txnOf = (type: string) => ({ req: { type }, redirectURI: 'https://client.example.com/cb' });

describe('Server#_respond', () => {
  it('with no handler calls back with no error', async () => {
    const server: any = new Server();
    const out = await respond(server, txnOf('code'), new MockResponse());
    assert.equal(out.called, true);
    assert.equal(out.args[0], undefined);
  });

  it('calls an arity-3 handler as (txn, res, next)', async () => {
    const server: any = new Server();
    const txn = txnOf('code');
    const res = new MockResponse();
    let got: any[] = [];
    server.grant('code', 'response', function (t: any, r: any, next: any) {
      got = [t, r, typeof next];
      r.end('done');
    });
    const out = await respond(server, txn, res);
    assert.equal(out.called, false);
    assert.equal(got[0], txn);
    assert.equal(got[1], res);
    assert.equal(got[2], 'function');
    assert.equal(res.body, 'done');
  });

  it('calls an arity-4 handler with a complete function that defaults to calling back at once', async () => {
    const server: any = new Server();
    const res = new MockResponse();
    let completed = false;
    server.grant('code', 'response', function (_t: any, r: any, complete: any, _next: any) {
      assert.equal(typeof complete, 'function');
      complete(() => { completed = true; r.end('after complete'); });
    });
    const out = await respond(server, txnOf('code'), res);
    assert.equal(out.called, false);
    assert.equal(completed, true);
    assert.equal(res.body, 'after complete');
  });

  it('offers the given complete function to arity-4 handlers', async () => {
    const server: any = new Server();
    const res = new MockResponse();
    const calls: string[] = [];
    function complete(cb: any) { calls.push('complete'); cb(); }
    server.grant('code', 'response', function (_t: any, r: any, c: any, _next: any) {
      c(() => { calls.push('after'); r.end('ok'); });
    });
    const out = await respond(server, txnOf('code'), res, complete);
    assert.equal(out.called, false);
    assert.deepEqual(calls, ['complete', 'after']);
  });

  it('does not pass complete to arity-3 handlers', async () => {
    const server: any = new Server();
    const res = new MockResponse();
    let nextArg: any;
    server.grant('code', 'response', function (_t: any, r: any, next: any) {
      nextArg = next;
      r.end();
    });
    function complete(cb: any) { cb(); }
    await respond(server, txnOf('code'), res, complete);
    assert.notEqual(nextArg, complete);
  });

  it('next() moves on to the next matching handler, in order', async () => {
    const server: any = new Server();
    const res = new MockResponse();
    const order: string[] = [];
    server.grant('code', 'response', function (_t: any, _r: any, next: any) { order.push('first'); next(); });
    server.grant('token', 'response', function (_t: any, _r: any, next: any) { order.push('token'); next(); });
    server.grant('*', 'response', function (_t: any, _r: any, _c: any, next: any) { order.push('star'); next(); });
    server.grant('code', 'response', function (_t: any, r: any, _next: any) { order.push('last'); r.end(); });
    const out = await respond(server, txnOf('code'), res);
    assert.equal(out.called, false);
    assert.deepEqual(order, ['first', 'star', 'last']);
  });

  it('calls back with no error when every handler calls next()', async () => {
    const server: any = new Server();
    let count = 0;
    server.grant('code', 'response', function (_t: any, _r: any, next: any) { count++; next(); });
    server.grant('*', 'response', function (_t: any, _r: any, next: any) { count++; next(); });
    const out = await respond(server, txnOf('code'), new MockResponse());
    assert.equal(out.called, true);
    assert.equal(out.args[0], undefined);
    assert.equal(count, 2);
  });

  it('matches the type as an unordered list', async () => {
    const server: any = new Server();
    const res = new MockResponse();
    server.grant('id_token code', 'response', function (_t: any, r: any, _n: any) { r.end('hybrid'); });
    const out = await respond(server, txnOf('code id_token'), res);
    assert.equal(out.called, false);
    assert.equal(res.body, 'hybrid');
  });

  it('skips handlers for other types', async () => {
    const server: any = new Server();
    let ran = false;
    server.grant('token', 'response', function (_t: any, _r: any, _n: any) { ran = true; });
    const out = await respond(server, txnOf('code'), new MockResponse());
    assert.equal(ran, false);
    assert.equal(out.called, true);
    assert.equal(out.args[0], undefined);
  });

  it('calls back with an error a handler passes to next, and stops', async () => {
    const server: any = new Server();
    const boom = new Error('handler failed');
    let laterRan = false;
    server.grant('code', 'response', function (_t: any, _r: any, next: any) { next(boom); });
    server.grant('code', 'response', function (_t: any, _r: any, _n: any) { laterRan = true; });
    const out = await respond(server, txnOf('code'), new MockResponse());
    assert.equal(out.args[0], boom);
    assert.equal(laterRan, false);
  });

  it('calls back with an Error when a Promise-form handler rejects without a reason', async () => {
    const server: any = new Server();
    let laterRan = false;
    server.grant('code', 'response', function (_t: any, _r: any) { return Promise.reject(undefined); });
    server.grant('code', 'response', function (_t: any, _r: any, _n: any) { laterRan = true; });
    const out = await respond(server, txnOf('code'), new MockResponse());
    assert.equal(out.called, true);
    assert.ok(out.args[0] instanceof Error, `expected an Error, got ${String(out.args[0])}`);
    assert.equal(out.args[0].message, 'Handler rejected without a reason');
    assert.equal(laterRan, false, 'a rejection does not decline to the next handler');
  });

  it('calls back with an error a handler throws', async () => {
    const server: any = new Server();
    server.grant('code', 'response', function (_t: any, _r: any, _n: any) { throw new Error('thrown in handler'); });
    const out = await respond(server, txnOf('code'), new MockResponse());
    assert.ok(out.args[0] instanceof Error);
    assert.equal(out.args[0].message, 'thrown in handler');
  });
});

describe('Server#_respondError', () => {
  it('with no handler calls back with the original error', async () => {
    const server: any = new Server();
    const original = new Error('original');
    const out = await respondError(server, original, txnOf('code'), new MockResponse());
    assert.equal(out.called, true);
    assert.equal(out.args[0], original);
  });

  it('calls matching handlers as (err, txn, res, next) in order', async () => {
    const server: any = new Server();
    const original = new Error('original');
    const txn = txnOf('code');
    const res = new MockResponse();
    const seen: any[] = [];
    server.grant('token', 'error', function (_e: any, _t: any, _r: any, _n: any) { seen.push('token'); });
    server.grant('code', 'error', function (e: any, t: any, r: any, next: any) { seen.push(['code', e, t, r]); next(e); });
    server.grant('*', 'error', function (e: any, _t: any, r: any, _n: any) { seen.push('star'); r.end(e.message); });
    const out = await respondError(server, original, txn, res);
    assert.equal(out.called, false);
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0], ['code', original, txn, res]);
    assert.equal(seen[1], 'star');
    assert.equal(res.body, 'original');
  });

  it('calls back with the error when every handler passes it on', async () => {
    const server: any = new Server();
    const original = new Error('original');
    server.grant('code', 'error', function (e: any, _t: any, _r: any, next: any) { next(e); });
    server.grant('*', 'error', function (e: any, _t: any, _r: any, next: any) { next(e); });
    const out = await respondError(server, original, txnOf('code'), new MockResponse());
    assert.equal(out.args[0], original);
  });

  it('matches the type as an unordered list and skips other types', async () => {
    const server: any = new Server();
    const res = new MockResponse();
    server.grant('code', 'error', function (_e: any, _t: any, r: any, _n: any) { r.end('code'); });
    server.grant('id_token token', 'error', function (_e: any, _t: any, r: any, _n: any) { r.end('hybrid'); });
    await respondError(server, new Error('x'), txnOf('token id_token'), res);
    assert.equal(res.body, 'hybrid');
  });

  it('calls back with an error a handler throws', async () => {
    const server: any = new Server();
    server.grant('code', 'error', function () { throw new Error('thrown in error handler'); });
    const out = await respondError(server, new Error('original'), txnOf('code'), new MockResponse());
    assert.ok(out.args[0] instanceof Error);
    assert.equal(out.args[0].message, 'thrown in error handler');
  });
});
