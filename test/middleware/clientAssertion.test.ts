import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jwtVerify } from 'jose';
import { clientAssertion, createServer, buildMetadata, TokenError } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';
import { assertTokenError } from '../exchange/helpers.js';
import { clientAssertionJwt, keyPair, rawJws, type TestKey } from '../helpers/jwt.js';

const TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ISSUER = 'https://as.example';
const AUD = 'https://as.example/token';
/** The issuer: the library checks aud against it and the endpoint URL (ISSUER + '/token'). */
const OPTS = { issuer: ISSUER };
/** For assertions built without a jti: the replay check off, as before it was built in. */
const NO_REPLAY = { issuer: ISSUER, replay: false as const };
const registered = { id: 'c1' };
const exp = () => Math.floor(Date.now() / 1000) + 60;
const shaped = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'ES256' }) => rawJws(header, claims);
const req = (body: Record<string, unknown>, extra: Record<string, unknown> = {}) => mockRequest({ method: 'POST', url: '/token', body, ...extra });

/** A verify callback that checks the signature with jose, as an app does. */
function verifier(key: TestKey) {
  return async ({ clientId, assertion }: any) => {
    if (clientId !== registered.id) return null;
    await jwtVerify(assertion, key.publicKey, { issuer: clientId, subject: clientId, audience: AUD });
    return registered;
  };
}

describe('middleware/clientAssertion', () => {
  it('throws without a verify function', () => {
    assert.throws(() => (clientAssertion as any)({}), /requires a verify function/);
  });

  it('authenticates a private_key_jwt client and sets req.user', async () => {
    const key = await keyPair();
    const assertion = await clientAssertionJwt(key, 'c1', AUD);
    const { err, nextCalled, req: r } = await run(clientAssertion(OPTS, verifier(key)), req({ client_assertion_type: TYPE, client_assertion: assertion, client_id: 'c1' }));
    assert.equal(nextCalled, true);
    assert.equal(err, undefined);
    assert.equal(r.user, registered);
  });

  it('a wrong signature (jose error) is invalid_client 401', async () => {
    const key = await keyPair();
    const assertion = await clientAssertionJwt(await keyPair(), 'c1', AUD);
    const { err, req: r } = await run(clientAssertion(OPTS, verifier(key)), req({ client_assertion_type: TYPE, client_assertion: assertion }));
    assertTokenError(err, 'Invalid client assertion', 'invalid_client', 401);
    assert.equal(r.user, undefined);
  });

  it('passes through when no assertion is sent, unless required', async () => {
    const mw = clientAssertion(OPTS, async (_ctx: any) => { throw new Error('not called'); });
    const a = await run(mw, req({ grant_type: 'x' }));
    assert.equal(a.nextCalled && a.err, undefined);
    const b = await run(clientAssertion({ ...OPTS, required: true }, async (_ctx: any) => null), req({}));
    assertTokenError(b.err, 'Client authentication required', 'invalid_client', 401);
  });

  it('positional forms (clientId, assertion, done) and (clientId, assertion, decoded, done)', async () => {
    const jws = shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: exp() });
    const seen: unknown[][] = [];
    const three = clientAssertion(NO_REPLAY, function (id: any, a: any, done: any) { seen.push([id, a]); done(null, registered); } as any);
    const four = clientAssertion(NO_REPLAY, function (id: any, _a: any, d: any, done: any) { seen.push([id, d.claims.aud]); done(null, registered); } as any);
    for (const mw of [three, four]) {
      const { req: r } = await run(mw, req({ client_assertion_type: TYPE, client_assertion: jws }));
      assert.equal(r.user, registered);
    }
    assert.deepEqual(seen, [['c1', jws], ['c1', AUD]]);
  });

  it('jti hook: fresh jti accepted, replay refused, missing jti refused', async () => {
    const used = new Set<string>();
    const mw = clientAssertion({ ...OPTS, userProperty: 'client', jti: async ({ jti }: any) => (used.has(jti) ? false : (used.add(jti), true)) },
      async (_ctx: any) => registered);
    const jws = shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: exp(), jti: 'j1' });
    const first = await run(mw, req({ client_assertion_type: TYPE, client_assertion: jws }));
    assert.equal(first.err, undefined);
    assert.equal(first.req.client, registered);
    const second = await run(mw, req({ client_assertion_type: TYPE, client_assertion: jws }));
    assertTokenError(second.err, 'Invalid client assertion: jti already used', 'invalid_client', 401);
    const none = await run(mw, req({ client_assertion_type: TYPE, client_assertion: shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: exp() }) }));
    assertTokenError(none.err, 'Invalid client assertion: jti is required', 'invalid_client', 401);
  });

  it('positional jti hook (jti, exp, client, done)', async () => {
    const seen: unknown[] = [];
    const mw = clientAssertion({ ...OPTS, jti: function (jti: any, e: any, c: any, done: any) { seen.push(jti, typeof e, c); done(null, false); } as any }, async (_ctx: any) => registered);
    const { err } = await run(mw, req({ client_assertion_type: TYPE, client_assertion: shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: exp(), jti: 'z' }) }));
    assert.deepEqual(seen, ['z', 'number', registered]);
    assert.ok(err instanceof TokenError && err.code === 'invalid_client', 'replay refused');
  });

  it('refuses more than one authentication method with invalid_request', async () => {
    const jws = shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: exp() });
    const mw = clientAssertion(OPTS, async (_ctx: any) => { throw new Error('not called'); });
    for (const extra of [
      { headers: { authorization: 'Basic YzE6cw==' } },
      { user: { id: 'other' } },
    ]) {
      const { err } = await run(mw, req({ client_assertion_type: TYPE, client_assertion: jws }, extra));
      assertTokenError(err, 'Client authenticated with more than one method', 'invalid_request', 400);
    }
    const { err } = await run(mw, req({ client_assertion_type: TYPE, client_assertion: jws, client_secret: 's' }));
    assertTokenError(err, 'Client authenticated with more than one method', 'invalid_request', 400);
  });

  const E = exp();
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['type without assertion', { client_assertion_type: TYPE }, 'invalid_request'],
    ['assertion without type', { client_assertion: 'a.b.c' }, 'invalid_request'],
    ['repeated assertion', { client_assertion_type: TYPE, client_assertion: ['a', 'b'] }, 'invalid_request'],
    ['object type', { client_assertion_type: { x: 1 }, client_assertion: 'a' }, 'invalid_request'],
    ['unknown type', { client_assertion_type: 'urn:x', client_assertion: shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: E }) }, 'invalid_client'],
    ['not a JWS', { client_assertion_type: TYPE, client_assertion: 'not-a-jwt' }, 'invalid_client'],
    ['alg none', { client_assertion_type: TYPE, client_assertion: shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: E }, { alg: 'none' }) }, 'invalid_client'],
    ['iss != sub', { client_assertion_type: TYPE, client_assertion: shaped({ iss: 'c2', sub: 'c1', aud: AUD, exp: E }) }, 'invalid_client'],
    ['no sub', { client_assertion_type: TYPE, client_assertion: shaped({ iss: 'c1', aud: AUD, exp: E }) }, 'invalid_client'],
    ['client_id mismatch', { client_assertion_type: TYPE, client_id: 'c2', client_assertion: shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: E }) }, 'invalid_client'],
    ['no exp', { client_assertion_type: TYPE, client_assertion: shaped({ iss: 'c1', sub: 'c1', aud: AUD }) }, 'invalid_client'],
    ['string exp', { client_assertion_type: TYPE, client_assertion: shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: '9' }) }, 'invalid_client'],
    ['no aud', { client_assertion_type: TYPE, client_assertion: shaped({ iss: 'c1', sub: 'c1', exp: E }) }, 'invalid_client'],
    ['huge', { client_assertion_type: TYPE, client_assertion: 'x'.repeat(200_000) }, 'invalid_client'],
  ];
  for (const [name, body, code] of cases) {
    it(`${code} for ${name}`, async () => {
      const mw = clientAssertion(OPTS, async (_ctx: any) => { throw new Error('must not be called'); });
      const { err, req: r } = await run(mw, req(body));
      assert.ok(err instanceof TokenError, `TokenError expected, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.equal(r.user, undefined);
    });
  }

  it('algorithms restricts alg before verify', async () => {
    const mw = clientAssertion({ ...NO_REPLAY, algorithms: ['RS256'] }, async (_ctx: any) => registered);
    const { err } = await run(mw, req({ client_assertion_type: TYPE, client_assertion: shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: exp() }) }));
    assertTokenError(err, 'Invalid client assertion: alg not allowed', 'invalid_client', 401);
  });

  it('a falsy client, and a non-jose error: invalid_client, the error as its cause', async () => {
    const jws = shaped({ iss: 'c1', sub: 'c1', aud: AUD, exp: exp() });
    const a = await run(clientAssertion(NO_REPLAY, async (_ctx: any) => false), req({ client_assertion_type: TYPE, client_assertion: jws }));
    assertTokenError(a.err, 'Invalid client assertion', 'invalid_client', 401);
    const boom = new Error('db');
    const b = await run(clientAssertion(NO_REPLAY, async (_ctx: any) => { throw boom; }), req({ client_assertion_type: TYPE, client_assertion: jws }));
    assertTokenError(b.err, 'Invalid client assertion', 'invalid_client', 401);
    assert.equal((b.err as Error).cause, boom);
  });

  it('server.clientAssertion advertises private_key_jwt for the chosen endpoints', () => {
    const server = createServer({ issuer: ISSUER });
    server.clientAssertion({ endpoints: ['token', 'revocation'], algorithms: ['ES256'] }, async (_ctx: any) => null);
    const doc = buildMetadata(server, { issuer: 'https://as.example' });
    assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(doc.revocation_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(doc.token_endpoint_auth_signing_alg_values_supported, ['ES256']);
    assert.equal(doc.introspection_endpoint_auth_methods_supported, undefined);
  });
});
