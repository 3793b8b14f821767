import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { introspection, TokenError } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';
import { assertTokenError, tokenResponse } from '../exchange/helpers.js';

const client = { id: 'rs1' };
const post = (body: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  mockRequest({ method: 'POST', url: '/introspect', body, user: client, ...extra });
const now = () => Math.floor(Date.now() / 1000);

describe('middleware/introspection', () => {
  it('throws without a lookup function', () => {
    assert.throws(() => (introspection as any)(), /requires a lookup function/);
  });

  it('active token: active true plus the claims, no-store', async () => {
    let seen: any;
    const exp = now() + 60;
    const mw = introspection(async (ctx: any) => { seen = ctx; return { active: 'ignored', scope: 'read', client_id: 'c1', exp }; });
    const { res } = await run(mw, post({ token: 'tok', token_type_hint: 'access_token' }));
    assert.deepEqual(tokenResponse(res), { active: true, scope: 'read', client_id: 'c1', exp });
    assert.equal(seen.client, client);
    assert.equal(seen.token, 'tok');
    assert.equal(seen.tokenTypeHint, 'access_token');
  });

  for (const [name, claims] of [
    ['null', null], ['false', false], ['undefined', undefined], ['active: false', { active: false, scope: 'x' }],
    ['expired', { exp: 1000 }], ['not yet valid', { nbf: 4_000_000_000 }], ['a string', 'yes'],
  ] as const) {
    it(`inactive when the lookup gives ${name}`, async () => {
      const mw = introspection(function (_c: any, _t: any, done: any) { done(null, claims); } as any);
      const { res } = await run(mw, post({ token: 'tok' }));
      assert.deepEqual(tokenResponse(res), { active: false });
    });
  }

  it('clockTolerance allows a just-expired token', async () => {
    const mw = introspection({ clockTolerance: 30 }, async (_ctx: any) => ({ exp: now() - 5 }));
    const { res } = await run(mw, post({ token: 'tok' }));
    assert.equal(tokenResponse(res).active, true);
  });

  it('arities 4 and 5 get the hint and the body', async () => {
    const seen: unknown[][] = [];
    const four = introspection(function (c: any, t: any, h: any, done: any) { seen.push([c, t, h]); done(null, { sub: 'u' }); } as any);
    const five = introspection(function (c: any, t: any, h: any, b: any, done: any) { seen.push([c, t, h, b]); done(null, null); } as any);
    await run(four, post({ token: 't', token_type_hint: 'refresh_token' }));
    await run(five, post({ token: 't' }));
    assert.deepEqual(seen, [[client, 't', 'refresh_token'], [client, 't', undefined, { token: 't' }]]);
  });

  it('requires an authenticated caller', async () => {
    const mw = introspection(async () => { throw new Error('must not be called'); });
    const { err } = await run(mw, post({ token: 'tok' }, { user: undefined }));
    assertTokenError(err, 'Client authentication required', 'invalid_client', 401);
  });

  for (const [name, body] of [['missing token', {}], ['array token', { token: ['a'] }], ['object hint', { token: 'a', token_type_hint: { a: 1 } }]] as const) {
    it(`invalid_request for ${name}`, async () => {
      const mw = introspection(async () => { throw new Error('must not be called'); });
      const { err } = await run(mw, post(body as any));
      assert.ok(err instanceof TokenError && err.code === 'invalid_request' && err.status === 400, 'invalid_request 400');
    });
  }

  it('a rejected lookup goes to next', async () => {
    const mw = introspection(async () => { throw new Error('db'); });
    const { err } = await run(mw, post({ token: 'a' }));
    assert.equal((err as Error).message, 'db');
  });
});

describe('middleware/introspection claims', () => {
  it('an own __proto__ key in the claims does not change the response prototype', async () => {
    const mw = introspection(async (_ctx: any) => JSON.parse('{"sub":"u","__proto__":{"polluted":true}}'));
    const { res } = await run(mw, post({ token: 'tok' }));
    const body = tokenResponse(res);
    assert.deepEqual(body, { active: true, sub: 'u' });
    assert.equal(res.body!.includes('polluted'), false, 'no polluted field');
  });
});
