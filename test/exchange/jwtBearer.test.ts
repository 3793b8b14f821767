import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jwtVerify } from 'jose';
import oauth2orize, { jwtBearer, createServer, TokenError } from '../../src/index.js';
import { assertTokenError, exchangeWith, tokenResponse } from './helpers.js';
import { clientAssertionJwt, keyPair, rawJws } from '../helpers/jwt.js';

const GT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** The library checks aud against the issuer and the token endpoint URL (the requests go to /token). */
const OPTS = { issuer: 'https://as.example' };
/** For the tests of the forms: the replay check off, so that one assertion serves every exchange. */
const NO_REPLAY = { ...OPTS, replay: false as const };
/** A well-shaped assertion (signature not meaningful): exp, aud, iat as the library requires them. */
const good = rawJws({ alg: 'ES256' }, { iss: 'idp', sub: 'alice', aud: 'https://as.example/token', exp: Math.floor(Date.now() / 1000) + 600 });

describe('exchange.jwtBearer', () => {
  it('is named after the grant type and is on the exchange bag', () => {
    const mw = jwtBearer(async (_ctx: any) => null);
    assert.equal(mw.name, GT);
    assert.equal(oauth2orize.exchange.jwtBearer, jwtBearer);
    const server = createServer();
    server.exchange(mw);
    assert.equal(server._exchanges[0]!.type, GT);
  });

  it('verifies a real assertion with jose in the app and issues', async () => {
    const key = await keyPair();
    const assertion = await clientAssertionJwt(key, 'idp', 'https://as.example/token');
    const mw = jwtBearer(OPTS, async ({ assertion: a, claims, header, scope }: any) => {
      assert.equal(header.alg, 'ES256');
      assert.equal(claims.iss, 'idp');
      const { payload } = await jwtVerify(a, key.publicKey, { audience: 'https://as.example/token', issuer: 'idp' });
      return { accessToken: 'at-' + payload.sub, params: { scope: scope.join(' ') } };
    });
    const { res } = await exchangeWith(mw, { grant_type: GT, assertion, scope: 'a b' });
    assert.deepEqual(tokenResponse(res), { access_token: 'at-idp', scope: 'a b', token_type: 'Bearer' });
  });

  it('a jose verification failure is invalid_grant, not a 500', async () => {
    const key = await keyPair();
    const other = await keyPair();
    const assertion = await clientAssertionJwt(other, 'idp', 'https://as.example');
    const mw = jwtBearer(OPTS, async ({ assertion: a }: any) => (await jwtVerify(a, key.publicKey)) && 'never');
    const { err } = await exchangeWith(mw, { grant_type: GT, assertion });
    assertTokenError(err, 'Invalid assertion', 'invalid_grant', 403);
  });

  it('positional arities 3 to 6', async () => {
    const seen: unknown[][] = [];
    const mws = [
      jwtBearer(NO_REPLAY, function (c: any, a: any, done: any) { seen.push([c, a]); done(null, 't'); } as any),
      jwtBearer(NO_REPLAY, function (c: any, a: any, s: any, done: any) { seen.push([c, a, s]); done(null, 't'); } as any),
      jwtBearer(NO_REPLAY, function (_c: any, _a: any, _s: any, b: any, done: any) { seen.push([b.grant_type]); done(null, 't'); } as any),
      jwtBearer(NO_REPLAY, function (_c: any, _a: any, _s: any, _b: any, i: any, done: any) { seen.push([i]); done(null, 't'); } as any),
    ];
    for (const mw of mws) {
      const { res } = await exchangeWith(mw, { grant_type: GT, assertion: good, scope: 'x' }, { user: 'cl', authInfo: 'ai' });
      assert.equal(tokenResponse(res).access_token, 't');
    }
    assert.deepEqual(seen, [['cl', good], ['cl', good, ['x']], [GT], ['ai']]);
  });

  it('falsy token: invalid_grant', async () => {
    const mw = jwtBearer(NO_REPLAY, function (_c: any, _a: any, done: any) { done(null, false); } as any);
    const { err } = await exchangeWith(mw, { grant_type: GT, assertion: good });
    assertTokenError(err, 'Invalid assertion', 'invalid_grant', 403);
  });

  it('requireClient', async () => {
    const mw = jwtBearer({ ...NO_REPLAY, requireClient: true }, async (_ctx: any) => 't');
    const { err } = await exchangeWith(mw, { grant_type: GT, assertion: good });
    assertTokenError(err, 'Client authentication required', 'invalid_client', 401);
  });

  const cases: Array<[string, unknown, string]> = [
    ['missing', undefined, 'invalid_request'],
    ['empty', '', 'invalid_request'],
    ['repeated', [good, good], 'invalid_request'],
    ['an object', { a: good }, 'invalid_request'],
    ['a number', 5, 'invalid_request'],
    ['two parts', 'a.b', 'invalid_grant'],
    ['alg none', rawJws({ alg: 'none' }, { iss: 'x' }), 'invalid_grant'],
    ['garbage', '...', 'invalid_grant'],
    ['huge', 'a'.repeat(100_000) + '.b.c', 'invalid_grant'],
    ['a JWE', 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d', 'invalid_grant'],
  ];
  for (const [name, assertion, code] of cases) {
    it(`${code} when the assertion is ${name}`, async () => {
      const mw = jwtBearer(OPTS, async (_ctx: any) => { throw new Error('must not be called'); });
      const body: Record<string, unknown> = { grant_type: GT };
      if (assertion !== undefined) body.assertion = assertion;
      const { err } = await exchangeWith(mw, body);
      assert.ok(err instanceof TokenError, `TokenError expected, got ${String(err)}`);
      assert.equal(err.code, code);
    });
  }
});
