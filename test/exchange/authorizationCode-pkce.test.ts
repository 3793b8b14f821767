/** exchange.code with PKCE (unit, mock req/res): lookup forms, verification, server policy. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorizationCode } from '../../src/exchange/authorizationCode.js';
import { password } from '../../src/exchange/password.js';
import { resolveProfile } from '../../src/settings/profile.js';
import { attachProfile } from '../../src/settings/settings.js';
import { mockRequest, run } from '../helpers/mock.js';

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const record = { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' };

function req(body: Record<string, unknown>, profile?: ReturnType<typeof resolveProfile>) {
  const r = mockRequest({ method: 'POST', body: { grant_type: 'authorization_code', code: 'c1', ...body }, user: { id: 'client' } });
  attachProfile(r, profile);
  return r;
}

describe('exchange.code with pkce (issue 11)', () => {
  it('Promise lookup: the right verifier reaches issue, with codeVerifier in the context', async () => {
    let seen: any;
    const mw = authorizationCode({ pkce: { lookup: async ({ code }: any) => (code === 'c1' ? record : null) } }, async (ctx: any) => { seen = ctx; return 'at'; });
    const out = await run(mw, req({ code_verifier: VERIFIER }));
    assert.equal(out.nextCalled, false, String(out.err));
    assert.equal(JSON.parse(out.res.body!).access_token, 'at');
    assert.equal(seen.codeVerifier, VERIFIER);
  });

  it('callback lookup (code, client, done)', async () => {
    const calls: any[] = [];
    const lookup = (code: string, client: any, done: any) => { calls.push([code, client.id]); done(null, record); };
    const mw = authorizationCode({ pkce: { lookup } } as any, (_c: any, _code: any, _r: any, done: any) => done(null, 'at'));
    const bad = await run(mw, req({ code_verifier: VERIFIER.replace('d', 'e') }));
    assert.equal((bad.err as any).code, 'invalid_grant');
    const good = await run(mw, req({ code_verifier: VERIFIER }));
    assert.equal(good.nextCalled, false);
    assert.deepEqual(calls[0], ['c1', 'client']);
  });

  it('issue never runs when verification fails', async () => {
    let ran = 0;
    const mw = authorizationCode({ pkce: { lookup: async () => record } }, async (_ctx: any) => { ran++; return 'at'; });
    for (const body of [{}, { code_verifier: 'short' }, { code_verifier: VERIFIER.toUpperCase() }, { code_verifier: ['a'] }]) {
      const out = await run(mw, req(body));
      assert.ok(out.nextCalled, JSON.stringify(body));
      assert.ok(['invalid_grant', 'invalid_request'].includes((out.err as any).code), JSON.stringify(body));
    }
    assert.equal(ran, 0);
  });

  it('lookup failures: unknown code, a rejected lookup, a throwing lookup', async () => {
    const unknown = await run(authorizationCode({ pkce: { lookup: async () => undefined } }, async (_ctx: any) => 'at'), req({ code_verifier: VERIFIER }));
    assert.equal((unknown.err as any).code, 'invalid_grant');
    const rejected = await run(authorizationCode({ pkce: { lookup: async () => { throw new Error('db'); } } }, async (_ctx: any) => 'at'), req({ code_verifier: VERIFIER }));
    assert.equal((rejected.err as Error).message, 'db');
    const thrown = await run(authorizationCode({ pkce: { lookup: ((_a: any, _b: any, _c: any) => { throw new Error('sync'); }) as any } }, async (_ctx: any) => 'at'), req({ code_verifier: VERIFIER }));
    assert.equal((thrown.err as Error).message, 'sync');
  });

  it('a server policy without lookup is an internal error (500, no OAuth code); pkce: false opts out; no policy is 1.x', async () => {
    const profile = resolveProfile({ pkce: {} });
    const issue = async (_ctx: any) => 'at';
    const missing = await run(authorizationCode(issue), req({ code_verifier: VERIFIER }, profile));
    assert.equal((missing.err as any).code, undefined, 'not an OAuth error, so exposeErrors: false hides its message');
    assert.equal((missing.err as any).status, 500);
    assert.match((missing.err as Error).message, /pkce\.lookup/);
    const off = await run(authorizationCode({ pkce: false }, issue), req({ code_verifier: 'whatever' }, profile));
    assert.equal(off.nextCalled, false);
    const plain = await run(authorizationCode(issue), req({ code_verifier: 'whatever' }));
    assert.equal(plain.nextCalled, false);
  });

  it('the server policy is the default of the exchange\'s policy', async () => {
    const profile = resolveProfile({ pkce: { required: true } });
    const mw = authorizationCode({ pkce: { lookup: async () => ({}) } }, async (_ctx: any) => 'at');
    const out = await run(mw, req({}, profile));
    assert.equal((out.err as any).code, 'invalid_grant', 'a code issued without a challenge under a required policy');
    const optional = await run(mw, req({}));
    assert.equal(optional.nextCalled, false);
  });

  it('bad options throw at construction', () => {
    assert.throws(() => authorizationCode({ pkce: {} } as any, async (_ctx: any) => 'at'), /lookup/);
    assert.throws(() => authorizationCode({ pkce: { lookup: async () => null, required: 'public' } } as any, async (_ctx: any) => 'at'), /isPublic/);
  });
});

describe('exchange.password under the hardened profile', () => {
  it('is refused unless allowed', async () => {
    const mw = password(async (_ctx: any) => 'at');
    const body = { grant_type: 'password', username: 'a', password: 'b' };
    const r1 = mockRequest({ method: 'POST', body, user: {} });
    attachProfile(r1, resolveProfile({ issuer: 'https://as.example.com', hardened: true }));
    const refused = await run(mw, r1);
    assert.equal((refused.err as any).code, 'unsupported_grant_type');
    const r2 = mockRequest({ method: 'POST', body, user: {} });
    attachProfile(r2, resolveProfile({ issuer: 'https://as.example.com', hardened: { allowPassword: true } }));
    assert.equal((await run(mw, r2)).nextCalled, false);
  });
});
