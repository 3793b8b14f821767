import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { revocation, TokenError } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';
import { BODY_PARSING_MESSAGE, assertTokenError } from '../exchange/helpers.js';

const client = { id: 'c1' };
const post = (body: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
  mockRequest({ method: 'POST', url: '/revoke', ...(body ? { body } : {}), user: client, ...extra });

describe('middleware/revocation', () => {
  it('throws without a revoke function', () => {
    assert.throws(() => (revocation as any)(), /requires a revoke function/);
    assert.throws(() => (revocation as any)({}), /requires a revoke function/);
  });

  it('arity 1: context form, answers 200 with an empty body', async () => {
    let seen: any;
    const mw = revocation(async (ctx: any) => { seen = ctx; });
    const { res, nextCalled } = await run(mw, post({ token: 'abc', token_type_hint: 'refresh_token' }));
    assert.equal(nextCalled, false);
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, undefined);
    assert.equal(res.getHeader('Cache-Control'), 'no-store');
    assert.equal(seen.client, client);
    assert.equal(seen.token, 'abc');
    assert.equal(seen.tokenTypeHint, 'refresh_token');
    assert.deepEqual(seen.body, { token: 'abc', token_type_hint: 'refresh_token' });
  });

  it('arities 3, 4 and 5 get positional arguments', async () => {
    const calls: unknown[][] = [];
    const mws = [
      revocation(function (c: any, t: any, done: any) { calls.push([c, t]); done(); } as any),
      revocation(function (c: any, t: any, h: any, done: any) { calls.push([c, t, h]); done(); } as any),
      revocation({ userProperty: 'client' }, function (c: any, t: any, h: any, b: any, done: any) { calls.push([c, t, h, b]); done(); } as any),
    ];
    for (const mw of mws.slice(0, 2)) {
      const { res } = await run(mw, post({ token: 't1' }));
      assert.equal(res.statusCode, 200);
    }
    const { res } = await run(mws[2]!, post({ token: 't1' }, { user: undefined, client }));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(calls, [[client, 't1'], [client, 't1', undefined], [client, 't1', undefined, { token: 't1' }]]);
  });

  it('requires an authenticated client (401 invalid_client) and does not call revoke', async () => {
    let called = false;
    const mw = revocation(async () => { called = true; });
    const { err } = await run(mw, post({ token: 'abc' }, { user: undefined }));
    assertTokenError(err, 'Client authentication required', 'invalid_client', 401);
    assert.equal(called, false);
  });

  for (const [name, body] of [
    ['missing token', {}], ['empty token', { token: '' }], ['array token', { token: ['a', 'b'] }],
    ['object token', { token: { $ne: 1 } }], ['array hint', { token: 'a', token_type_hint: ['x'] }], ['empty hint', { token: 'a', token_type_hint: '' }],
  ] as const) {
    it(`invalid_request for ${name}`, async () => {
      const mw = revocation(async () => { throw new Error('must not be called'); });
      const { err } = await run(mw, post(body as any));
      assert.ok(err instanceof TokenError, 'a TokenError');
      assert.equal((err as TokenError).code, 'invalid_request');
      assert.equal((err as TokenError).status, 400);
    });
  }

  it('unsupported_token_type from the app renders 400 even when built without a status', async () => {
    const mw = revocation(async () => { throw new TokenError('Cannot revoke access tokens', 'unsupported_token_type'); });
    const { err } = await run(mw, post({ token: 'a', token_type_hint: 'access_token' }));
    assertTokenError(err, 'Cannot revoke access tokens', 'unsupported_token_type', 400);
  });

  it('passes other app errors on unchanged, ignores a second done', async () => {
    const boom = new Error('db down');
    const mw = revocation(function (_c: any, _t: any, done: any) { done(boom); done(); } as any);
    const { err } = await run(mw, post({ token: 'a' }));
    assert.equal(err, boom);
  });

  it('a thrown error in a positional callback goes to next', async () => {
    const mw = revocation(function (_c: any, _t: any, _done: any) { throw new Error('thrown'); } as any);
    const { err } = await run(mw, post({ token: 'a' }));
    assert.equal((err as Error).message, 'thrown');
  });

  it('requires body parsing', async () => {
    const mw = revocation(async () => {});
    const { err } = await run(mw, post(undefined));
    assert.equal((err as Error).message, BODY_PARSING_MESSAGE);
  });
});
