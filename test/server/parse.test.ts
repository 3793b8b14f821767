/** Server#_parse: running the request parsers into one areq. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';

function parse(server: any, type: string | undefined, req: any): Promise<{ err: any; areq: any }> {
  return new Promise((resolve) => {
    server._parse(type, req, (err: any, areq: any) => resolve({ err, areq }));
  });
}

const req = () => ({ query: { client_id: 'c1', foo: 'bar' }, headers: { host: 'example.com' } });

describe('Server#_parse', () => {
  it('with no parsers gives an areq holding only the type', async () => {
    const server: any = new Server();
    const { err, areq } = await parse(server, 'code', req());
    assert.equal(err, null);
    assert.deepEqual(areq, { type: 'code' });
  });

  it('leaves type out when none is given', async () => {
    const server: any = new Server();
    server.grant('*', (r: any) => ({ host: r.headers.host }));
    const { err, areq } = await parse(server, undefined, req());
    assert.equal(err, null);
    assert.deepEqual(areq, { host: 'example.com' });
    assert.equal('type' in areq, false);
  });

  it('runs an arity-1 parser synchronously and merges what it returns', async () => {
    const server: any = new Server();
    let received: any;
    server.grant('code', function (r: any) { received = r; return { clientID: r.query.client_id }; });
    const request = req();
    const { err, areq } = await parse(server, 'code', request);
    assert.equal(err, null);
    assert.equal(received, request);
    assert.deepEqual(areq, { type: 'code', clientID: 'c1' });
  });

  it('runs an arity-2 parser with a callback', async () => {
    const server: any = new Server();
    server.grant('code', function (r: any, done: any) {
      setImmediate(() => done(null, { foo: r.query.foo }));
    });
    const { err, areq } = await parse(server, 'code', req());
    assert.equal(err, null);
    assert.deepEqual(areq, { type: 'code', foo: 'bar' });
  });

  it('merges in registration order, later values winning', async () => {
    const server: any = new Server();
    server.grant('*', function (_r: any) { return { a: 1, shared: 'first' }; });
    server.grant('code', function (_r: any, done: any) { done(null, { b: 2, shared: 'second' }); });
    server.grant('*', function (_r: any) { return { c: 3 }; });
    const { err, areq } = await parse(server, 'code', req());
    assert.equal(err, null);
    assert.deepEqual(areq, { type: 'code', a: 1, b: 2, c: 3, shared: 'second' });
  });

  it('merges two synchronous parsers last-wins, as utils-merge does in 1.x', async () => {
    const server: any = new Server();
    server.grant('*', function (_r: any) { return { a: 1, shared: 'first', nested: { from: 'first' } }; });
    server.grant('code', function (_r: any) { return { b: 2, shared: 'second', nested: { other: true } }; });
    const { err, areq } = await parse(server, 'code', req());
    assert.equal(err, null);
    // A shallow copy: the later parser's value replaces the earlier one, nested objects too.
    assert.deepEqual(areq, { type: 'code', a: 1, b: 2, shared: 'second', nested: { other: true } });
  });

  it('fails with an Error when an arity-1 parser rejects without a reason', async () => {
    const server: any = new Server();
    let laterRan = false;
    server.grant('*', function (_r: any) { return Promise.reject(null); });
    server.grant('*', function (_r: any) { laterRan = true; return {}; });
    const { err, areq } = await parse(server, 'code', req());
    assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
    assert.equal(err.message, 'Request parser rejected without a reason');
    assert.equal(areq, undefined);
    assert.equal(laterRan, false);
  });

  it('tolerates a parser that returns nothing', async () => {
    const server: any = new Server();
    server.grant('*', function (_r: any) { return undefined; });
    server.grant('*', function (_r: any, done: any) { done(null); });
    server.grant('*', function (_r: any) { return { ok: true }; });
    const { err, areq } = await parse(server, 'code', req());
    assert.equal(err, null);
    assert.deepEqual(areq, { type: 'code', ok: true });
  });

  it('runs only parsers whose type matches, as an unordered list', async () => {
    const server: any = new Server();
    const ran: string[] = [];
    server.grant('code', function (_r: any) { ran.push('code'); return { code: true }; });
    server.grant('token', function (_r: any) { ran.push('token'); return { token: true }; });
    server.grant('id_token code', function (_r: any) { ran.push('hybrid'); return { hybrid: true }; });
    server.grant('*', function (_r: any) { ran.push('*'); return { all: true }; });

    const { areq } = await parse(server, 'code id_token', req());
    assert.deepEqual(ran, ['hybrid', '*']);
    assert.deepEqual(areq, { type: 'code id_token', hybrid: true, all: true });

    ran.length = 0;
    const { areq: areq2 } = await parse(server, 'code', req());
    assert.deepEqual(ran, ['code', '*']);
    assert.deepEqual(areq2, { type: 'code', code: true, all: true });
  });

  it('with an unknown type runs only * parsers', async () => {
    const server: any = new Server();
    server.grant('code', function (_r: any) { return { code: true }; });
    server.grant('*', function (_r: any) { return { all: true }; });
    const { areq } = await parse(server, 'foo', req());
    assert.deepEqual(areq, { type: 'foo', all: true });
  });

  it('fails when a parser throws, and runs no further parser', async () => {
    const server: any = new Server();
    let laterRan = false;
    server.grant('*', function (_r: any) { throw new Error('parser threw'); });
    server.grant('*', function (_r: any) { laterRan = true; return {}; });
    const { err, areq } = await parse(server, 'code', req());
    assert.ok(err instanceof Error);
    assert.equal(err.message, 'parser threw');
    assert.equal(areq, undefined);
    assert.equal(laterRan, false);
  });

  it('fails when an async parser calls back with an error, and runs no further parser', async () => {
    const server: any = new Server();
    let laterRan = false;
    const boom = new Error('async parser failed');
    server.grant('*', function (_r: any, done: any) { setImmediate(() => done(boom)); });
    server.grant('*', function (_r: any) { laterRan = true; return {}; });
    const { err, areq } = await parse(server, 'code', req());
    assert.equal(err, boom);
    assert.equal(areq, undefined);
    assert.equal(laterRan, false);
  });

  it('passes a thrown error from a parser registered through a module', async () => {
    const server: any = new Server();
    server.grant({ name: 'code', request(_r: any) { throw new TypeError('bad'); } });
    const { err } = await parse(server, 'code', req());
    assert.ok(err instanceof TypeError);
  });
});
