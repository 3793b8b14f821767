/** The device authorization endpoint (RFC 8628 §3.1, §3.2), with mock requests. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { advertised } from '../../src/settings/settings.js';
import { mockRequest, run } from '../helpers/mock.js';

const client = { id: 'tv' };
const options = { verificationURI: 'https://as.example/device' };

describe('server.deviceAuthorization', () => {
  it('checks its arguments at construction', () => {
    const server = new Server();
    assert.throws(() => server.deviceAuthorization(undefined as any, () => {}), /verificationURI/);
    assert.throws(() => server.deviceAuthorization(options, undefined as any), /store callback/);
    assert.throws(() => server.deviceAuthorization({ ...options, interval: 0 }, () => {}), /interval must be a positive number/);
    assert.throws(() => server.deviceAuthorization({ ...options, expiresIn: Number.NaN }, () => {}), /expiresIn/);
  });

  it('stores a record through a callback-form store and answers §3.2 JSON', async () => {
    const server = new Server();
    let stored: any;
    const mw = server.deviceAuthorization({ ...options, expiresIn: 900, interval: 3, now: () => 1_000_000 }, (record, done) => {
      stored = record;
      done();
    });
    const { res, nextCalled } = await run(mw, mockRequest({ method: 'POST', body: { scope: 'a b' }, user: client, authInfo: { via: 'basic' } }));
    assert.equal(nextCalled, false);
    const body = JSON.parse(res.body!);
    assert.deepEqual(Object.keys(body), ['device_code', 'user_code', 'verification_uri', 'verification_uri_complete', 'expires_in', 'interval']);
    assert.equal(body.expires_in, 900);
    assert.equal(body.interval, 3);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(stored.deviceCode, body.device_code);
    assert.equal(stored.displayUserCode, body.user_code);
    assert.equal(stored.userCode, body.user_code.replace('-', ''));
    assert.equal(stored.client, client);
    assert.deepEqual(stored.scope, ['a', 'b']);
    assert.equal(stored.expiresAt.getTime(), 1_000_000 + 900_000);
    assert.equal(stored.status, 'pending');
    assert.deepEqual(stored.authInfo, { via: 'basic' });
  });

  it('merges extra parameters from a Promise-form store, and can leave out verification_uri_complete', async () => {
    const server = new Server();
    const mw = server.deviceAuthorization({ ...options, verificationURIComplete: false }, async (record) => {
      assert.equal(record.scope, undefined);
      return { message: 'hello' };
    });
    const { res } = await run(mw, mockRequest({ method: 'POST', body: {}, user: client }));
    const body = JSON.parse(res.body!);
    assert.equal(body.message, 'hello');
    assert.equal('verification_uri_complete' in body, false);
  });

  it('takes the value an async positional store resolves without calling done', async () => {
    const server = new Server();
    const mw = server.deviceAuthorization(options, async (_record, _done) => ({ message: 'resolved' }));
    const { res } = await run(mw, mockRequest({ method: 'POST', body: {}, user: client }));
    assert.equal(JSON.parse(res.body!).message, 'resolved');
  });

  it('uses a custom user-code generator and normalizer, and a custom complete URI', async () => {
    const server = new Server();
    let stored: any;
    const mw = server.deviceAuthorization({
      ...options,
      generateUserCode: () => '123-456',
      normalizeUserCode: (s) => s.replace(/\D/g, ''),
      verificationURIComplete: (code) => 'https://as.example/d/' + code,
    }, (record) => { stored = record; });
    const { res } = await run(mw, mockRequest({ method: 'POST', body: {}, user: client }));
    const body = JSON.parse(res.body!);
    assert.equal(body.user_code, '123-456');
    assert.equal(body.verification_uri_complete, 'https://as.example/d/123-456');
    assert.equal(stored.userCode, '123456');
  });

  it('splits scope on the configured separators', async () => {
    const server = new Server();
    let scope: unknown;
    const mw = server.deviceAuthorization({ ...options, scopeSeparator: [' ', ','] }, (record) => { scope = record.scope; });
    await run(mw, mockRequest({ method: 'POST', body: { scope: 'a,b' }, user: client }));
    assert.deepEqual(scope, ['a', 'b']);
  });

  const failures: Array<[string, object, string, number]> = [
    ['no authenticated client', { body: {} }, 'invalid_client', 401],
    ['an array scope', { body: { scope: ['a'] }, user: client }, 'invalid_request', 400],
    ['an object scope', { body: { scope: { $ne: 1 } }, user: client }, 'invalid_request', 400],
  ];
  for (const [what, init, code, status] of failures) {
    it(`fails with ${code} for ${what}`, async () => {
      const server = new Server();
      let called = false;
      const mw = server.deviceAuthorization(options, () => { called = true; });
      const { err } = await run(mw, mockRequest({ method: 'POST', ...init }));
      assert.equal((err as any)?.code, code);
      assert.equal((err as any).status, status);
      assert.equal(called, false);
    });
  }

  it('refuses the client when store resolves false, and passes store errors on', async () => {
    const server = new Server();
    let r = await run(server.deviceAuthorization(options, async () => false), mockRequest({ method: 'POST', body: {}, user: client }));
    assert.equal((r.err as any).code, 'unauthorized_client');
    const boom = new Error('db down');
    r = await run(server.deviceAuthorization(options, async () => { throw boom; }), mockRequest({ method: 'POST', body: {}, user: client }));
    assert.equal(r.err, boom);
    r = await run(server.deviceAuthorization(options, (_record, done) => done(boom)), mockRequest({ method: 'POST', body: {}, user: client }));
    assert.equal(r.err, boom);
  });

  it('asks for body parsing when there is no body', async () => {
    const server = new Server();
    const { err } = await run(server.deviceAuthorization(options, () => {}), mockRequest({ method: 'POST', user: client }));
    assert.match(String((err as Error).message), /requires body parsing/);
  });

  it('advertises the grant type, and the endpoint when given', () => {
    const server = new Server();
    server.deviceAuthorization(options, () => {});
    assert.deepEqual(advertised(server), { grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code'] });
    server.deviceAuthorization({ ...options, endpoint: 'https://as.example/device_authorization' }, () => {});
    assert.equal(advertised(server).device_authorization_endpoint, 'https://as.example/device_authorization');
    assert.deepEqual(advertised(server).grant_types_supported, ['urn:ietf:params:oauth:grant-type:device_code']);
  });
});
