/**
 * The issue-10 rule for positional callbacks, on the endpoints and exchanges
 * added in 2.x: an `async` callback declared with a `done` that resolves a
 * value without calling `done` answers with that value; a `done` called
 * first wins over the resolved value.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientAssertion, introspection, jwtBearer, revocation, tokenExchange } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';
import { exchangeWith, tokenResponse } from '../exchange/helpers.js';
import { rawJws } from '../helpers/jwt.js';

const client = { id: 'c1' };
const post = (url: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  mockRequest({ method: 'POST', url, body, user: client, ...extra });
const AT = 'urn:ietf:params:oauth:token-type:access_token';

describe('async positional callbacks of the newer endpoints answer with their resolved value', () => {
  it('revocation: async (client, token, done) => true answers 200', async () => {
    const mw = revocation(async function (_c: unknown, _t: unknown, _done: unknown) { return true; } as any);
    const { res, nextCalled } = await run(mw, post('/revoke', { token: 'abc' }));
    assert.equal(nextCalled, false, 'next must not be called');
    assert.equal(res.statusCode, 200);
  });

  it('introspection: async (client, token, done) => claims answers active', async () => {
    const mw = introspection(async function (_c: unknown, _t: unknown, _done: unknown) { return { sub: 'alice', scope: 'read' }; } as any);
    const { res, nextCalled } = await run(mw, post('/introspect', { token: 'abc' }));
    assert.equal(nextCalled, false, 'next must not be called');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(JSON.parse(String(res.body)), { active: true, sub: 'alice', scope: 'read' });
  });

  it('introspection: done called first wins over the resolved value', async () => {
    const mw = introspection(async function (_c: unknown, _t: unknown, done: any) { done(null, { sub: 'from-done' }); return { sub: 'resolved' }; } as any);
    const { res } = await run(mw, post('/introspect', { token: 'abc' }));
    assert.deepEqual(JSON.parse(String(res.body)), { active: true, sub: 'from-done' });
  });

  it('tokenExchange: async (client, request, done) => result issues the token', async () => {
    const mw = tokenExchange(async function (_c: unknown, _r: unknown, _done: unknown) { return { accessToken: 'x1', issuedTokenType: AT }; } as any);
    const { res } = await exchangeWith(mw, { grant_type: mw.name, subject_token: 's', subject_token_type: AT }, { user: client });
    assert.deepEqual(tokenResponse(res), { access_token: 'x1', issued_token_type: AT, token_type: 'Bearer' });
  });

  it('jwtBearer: async (client, assertion, done) => token issues it', async () => {
    const mw = jwtBearer({ issuer: 'https://as.example' }, async function (_c: unknown, _a: unknown, _done: unknown) { return 'at-1'; } as any);
    const now = Math.floor(Date.now() / 1000);
    const assertion = rawJws({ alg: 'ES256' }, { iss: 'idp', sub: 'alice', aud: 'https://as.example', exp: now + 60, jti: 'j1' });
    const { res } = await exchangeWith(mw, { grant_type: mw.name, assertion });
    assert.deepEqual(tokenResponse(res), { access_token: 'at-1', token_type: 'Bearer' });
  });

  it('clientAssertion: async (clientId, assertion, done) => client authenticates it', async () => {
    const mw = clientAssertion({ issuer: 'https://as.example' }, async function (_id: unknown, _a: unknown, _done: unknown) { return client; } as any);
    const now = Math.floor(Date.now() / 1000);
    const assertion = rawJws({ alg: 'ES256' }, { iss: 'c1', sub: 'c1', aud: 'https://as.example/token', exp: now + 60, jti: 'j1' });
    const req = mockRequest({ method: 'POST', url: '/token', body: { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion } });
    const { err, nextCalled, req: r } = await run(mw, req);
    assert.equal(err, undefined, 'no error');
    assert.equal(nextCalled, true, 'next is called once authenticated');
    assert.equal((r as any).user, client);
  });
});
