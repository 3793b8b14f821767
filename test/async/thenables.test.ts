/**
 * Context-form callbacks (arity 1) may return any thenable, not only a native Promise (the
 * docs say "Promises and other thenables": a Bluebird or a hand-written one). And a
 * rejection without a reason is an error, never a success nor a silent stall.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientCredentials } from '../../src/exchange/clientCredentials.js';
import { password } from '../../src/exchange/password.js';
import { Server } from '../../src/server.js';
import { exchangeWith, tokenResponse } from '../exchange/helpers.js';

const client = { id: 'c1' };

/** A minimal thenable that is not a Promise. */
function thenable<T>(value: T) {
  return { then(ok: (v: T) => void) { ok(value); } };
}

describe('non-native thenables in the context form', () => {
  it('exchange issue: ({ client }) => thenable of a token answers with the token', async () => {
    const mw = clientCredentials((({ client: c }: { client: typeof client }) => thenable(`tok-${c.id}`)) as any);
    const { res, nextCalled, err } = await exchangeWith(mw as any, { grant_type: 'client_credentials' }, { user: client });
    assert.equal(nextCalled, false, `expected a token response, got next(${String(err)})`);
    assert.deepEqual(tokenResponse(res), { access_token: 'tok-c1', token_type: 'Bearer' });
  });

  it('exchange issue: a thenable of { accessToken, refreshToken, params }', async () => {
    const mw = password(((_ctx: unknown) => thenable({ accessToken: 'a', refreshToken: 'r', params: { expires_in: 60 } })) as any);
    const { res } = await exchangeWith(mw as any, { grant_type: 'password', username: 'u', password: 'p' }, { user: client });
    assert.deepEqual(tokenResponse(res), { access_token: 'a', refresh_token: 'r', expires_in: 60, token_type: 'Bearer' });
  });

  it('deserializeClient link: (id) => thenable of a client', async () => {
    const server: any = new Server();
    server.deserializeClient((id: string) => thenable({ id, loaded: true }));
    const out = await new Promise<unknown[]>((resolve) => server.deserializeClient('c9', (...args: unknown[]) => resolve(args)));
    assert.equal(out[0], null);
    assert.deepEqual(out[1], { id: 'c9', loaded: true });
  });
});

describe('a context-form callback rejected without a reason', () => {
  it('reaches next() as an Error from an exchange issue (Promise rejected with null)', async () => {
    const mw = clientCredentials(((_ctx: unknown) => Promise.reject(null)) as any);
    const { err, nextCalled, res } = await exchangeWith(mw as any, { grant_type: 'client_credentials' }, { user: client });
    assert.equal(nextCalled, true, 'next must be called');
    assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
    // Not read as "no token" (which would be a TokenError, invalid_grant): it is a failure.
    assert.equal((err as Error).message, 'Callback rejected without a reason');
    assert.equal((err as { code?: unknown }).code, undefined);
    assert.equal(res.ended, false, 'no token response');
  });

  it('fails deserialization with an Error (thenable rejected with undefined)', async () => {
    const server: any = new Server();
    server.deserializeClient((_id: string) => ({ then(_ok: unknown, fail: (e?: unknown) => void) { fail(); } }));
    const out = await new Promise<unknown[]>((resolve) => server.deserializeClient('c9', (...args: unknown[]) => resolve(args)));
    assert.ok(out[0] instanceof Error, `expected an Error, got ${String(out[0])}`);
    // Not read as 'pass' to the next link (which would end in "Failed to deserialize client").
    assert.equal((out[0] as Error).message, 'Callback rejected without a reason');
  });
});
