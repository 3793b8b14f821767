/** Server#exchange registration and Server#_exchange dispatch. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { MockResponse, mockRequest } from '../helpers/mock.js';

function exchange(server: any, type: any, req: any, res: MockResponse): Promise<{ called: boolean; args: any[] }> {
  return new Promise((resolve) => {
    res.once('finish', () => resolve({ called: false, args: [] }));
    server._exchange(type, req, res, (...args: any[]) => resolve({ called: true, args }));
  });
}

describe('Server#exchange', () => {
  it('exchange(fn) registers under fn.name', () => {
    const server: any = new Server();
    function authorization_code(_req: any, _res: any, _next: any) {}
    assert.equal(server.exchange(authorization_code), server);
    assert.equal(server._exchanges.length, 1);
    assert.equal(server._exchanges[0].type, 'authorization_code');
    assert.equal(server._exchanges[0].handle, authorization_code);
  });

  it('exchange(type, fn) registers under the given type', () => {
    const server: any = new Server();
    function handler(_req: any, _res: any, _next: any) {}
    assert.equal(server.exchange('urn:ietf:params:oauth:grant-type:jwt-bearer', handler), server);
    assert.equal(server._exchanges[0].type, 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    assert.equal(server._exchanges[0].handle, handler);
  });

  it("stores '*' as type null", () => {
    const server: any = new Server();
    const handler = (_req: any, _res: any, next: any) => next();
    server.exchange('*', handler);
    assert.equal(server._exchanges[0].type, null);
  });

  it('chains and keeps order', () => {
    const server: any = new Server();
    function a(_q: any, _s: any, _n: any) {}
    function b(_q: any, _s: any, _n: any) {}
    server.exchange(a).exchange('x', b);
    assert.deepEqual(server._exchanges.map((l: any) => l.type), ['a', 'x']);
  });
});

describe('Server#_exchange', () => {
  it('with no exchanges calls back with no error', async () => {
    const server: any = new Server();
    const out = await exchange(server, 'password', mockRequest(), new MockResponse());
    assert.equal(out.called, true);
    assert.equal(out.args[0], undefined);
  });

  it('runs the exchange whose type matches and lets it respond', async () => {
    const server: any = new Server();
    const req = mockRequest({ body: { grant_type: 'password' } });
    const res = new MockResponse();
    let got: any[] = [];
    server.exchange('authorization_code', (_q: any, r: any) => r.end('wrong'));
    server.exchange('password', (q: any, r: any, n: any) => { got = [q, r, typeof n]; r.end('right'); });
    const out = await exchange(server, 'password', req, res);
    assert.equal(out.called, false);
    assert.equal(res.body, 'right');
    assert.equal(got[0], req);
    assert.equal(got[1], res);
    assert.equal(got[2], 'function');
  });

  it("runs '*' exchanges for every type, in registration order", async () => {
    const server: any = new Server();
    const order: string[] = [];
    server.exchange('*', (_q: any, _r: any, n: any) => { order.push('star1'); n(); });
    server.exchange('other', (_q: any, _r: any, n: any) => { order.push('other'); n(); });
    server.exchange('password', (_q: any, _r: any, n: any) => { order.push('password'); n(); });
    server.exchange('*', (_q: any, r: any, _n: any) => { order.push('star2'); r.end('done'); });
    const res = new MockResponse();
    const out = await exchange(server, 'password', mockRequest(), res);
    assert.equal(out.called, false);
    assert.deepEqual(order, ['star1', 'password', 'star2']);
  });

  it('calls back with no error when all matching exchanges call next()', async () => {
    const server: any = new Server();
    let count = 0;
    server.exchange('*', (_q: any, _r: any, n: any) => { count++; n(); });
    server.exchange('password', (_q: any, _r: any, n: any) => { count++; n(); });
    const out = await exchange(server, 'password', mockRequest(), new MockResponse());
    assert.equal(out.called, true);
    assert.equal(out.args[0], undefined);
    assert.equal(count, 2);
  });

  it('matches the type exactly', async () => {
    const server: any = new Server();
    let ran = false;
    server.exchange('password', (_q: any, _r: any, n: any) => { ran = true; n(); });
    await exchange(server, 'Password', mockRequest(), new MockResponse());
    await exchange(server, 'password ', mockRequest(), new MockResponse());
    assert.equal(ran, false);
  });

  it('stops at an error passed to next', async () => {
    const server: any = new Server();
    const boom = new Error('exchange failed');
    let laterRan = false;
    server.exchange('password', (_q: any, _r: any, n: any) => n(boom));
    server.exchange('*', (_q: any, _r: any, n: any) => { laterRan = true; n(); });
    const out = await exchange(server, 'password', mockRequest(), new MockResponse());
    assert.equal(out.args[0], boom);
    assert.equal(laterRan, false);
  });

  it('calls back with an error an exchange throws', async () => {
    const server: any = new Server();
    server.exchange('password', () => { throw new Error('thrown in exchange'); });
    const out = await exchange(server, 'password', mockRequest(), new MockResponse());
    assert.ok(out.args[0] instanceof Error);
    assert.equal(out.args[0].message, 'thrown in exchange');
  });
});
