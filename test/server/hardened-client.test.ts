/** The README's "Hardened setup" claim: a hardened token endpoint wants a client for every grant type, unless opted out. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import oauth2orize, { createServer } from '../../src/index.js';
import { mockRequest, run } from '../helpers/mock.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** Shaped as the library requires (aud the issuer, exp, jti); the app's issue does not verify it here. */
const ASSERTION = `${b64({ alg: 'RS256' })}.${b64({ iss: 'https://idp.example', sub: 'u1', aud: 'https://as.example', exp: Math.floor(Date.now() / 1000) + 600, jti: 'j1' })}.c2ln`;
const body = { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: ASSERTION };

function server() {
  const s = createServer({ issuer: 'https://as.example', hardened: true });
  s.exchange(oauth2orize.exchange.jwtBearer(async ({ claims }: any) => `at-${claims.sub}`));
  return s;
}

describe('hardened token endpoint and client authentication', () => {
  it('refuses jwtBearer without a client (401 invalid_client), though the exchange alone would not', async () => {
    const out = await run(server().token(), mockRequest({ method: 'POST', body } as any));
    assert.ok(out.nextCalled, 'the request fails');
    assert.equal((out.err as any).code, 'invalid_client');
    assert.equal((out.err as any).status, 401);
    const withClient = await run(server().token(), mockRequest({ method: 'POST', body, user: { id: 'c' } } as any));
    assert.equal(withClient.nextCalled, false, String(withClient.err));
    assert.equal(JSON.parse(withClient.res.body!).access_token, 'at-u1');
  });

  it('server.token({ requireClient: false }) opts one endpoint out', async () => {
    const out = await run(server().token({ requireClient: false }), mockRequest({ method: 'POST', body } as any));
    assert.equal(out.nextCalled, false, String(out.err));
    assert.equal(JSON.parse(out.res.body!).access_token, 'at-u1');
  });
});
