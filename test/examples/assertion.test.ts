/**
 * The example's private_key_jwt client (RFC 7523 §2.2): oauth4webapi signs
 * the client assertion with the demo service's private key; the server
 * verifies it, refuses a replayed or foreign-signed one, and refuses an
 * assertion sent together with another credential.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import { DEMO, startExample } from './helpers.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const client: oauth.Client = { client_id: 'demo-jwt' };
/** The demo service's private key, as examples/authorization-server/storage/demo.js publishes it (kept here on purpose). */
const PRIVATE_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'jk0JY5JDlELNJYjBP5Iiz8YifEsLSLgCsxrVh945CZ4',
  y: 'oQL-96wJCLQ5Wh9ZTedK5gTsumH1ObFfSLACfggOgUU',
  d: 'eTs4SuvaGDm5aTv6WwdoZZNxQc0Asd_h2rUz5zxUiXQ',
};

async function setup(t: TestContext) {
  const app = await startExample();
  t.after(() => app.close());
  const issuer = new URL(app.origin);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  return { app, as };
}

describe('example: private_key_jwt client authentication', { timeout: 60_000 }, () => {
  test('a signed assertion gets a client_credentials token; metadata advertises it', async (t) => {
    const { as } = await setup(t);
    assert.ok(as.token_endpoint_auth_methods_supported?.includes('private_key_jwt'));
    assert.deepEqual(as.token_endpoint_auth_signing_alg_values_supported, ['ES256']);
    const key = await crypto.subtle.importKey('jwk', PRIVATE_JWK, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.PrivateKeyJwt(key), new URLSearchParams(), insecure);
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.refresh_token, undefined);
  });

  test('replayed, foreign-signed or doubled-up assertions are refused', async (t) => {
    const { app } = await setup(t);
    const sign = (key: ReturnType<typeof createPrivateKey>, jti: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer('demo-jwt')
        .setSubject('demo-jwt')
        .setAudience(app.origin)
        .setJti(jti)
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(key);
    const post = async (assertion: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) => {
      const res = await fetch(app.url('/token'), {
        method: 'POST',
        headers,
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          ...extra,
        }),
      });
      return { status: res.status, body: (await res.json()) as { error?: string; access_token?: string } };
    };

    const key = createPrivateKey({ key: PRIVATE_JWK, format: 'jwk' });
    const assertion = await sign(key, 'one');
    const first = await post(assertion);
    assert.equal(first.status, 200);
    assert.ok(first.body.access_token, 'a token');
    const replay = await post(assertion);
    assert.equal(replay.status, 401, 'the same jti twice');
    assert.equal(replay.body.error, 'invalid_client');

    const foreign = await post(await sign(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'two'));
    assert.equal(foreign.status, 401, 'signed with another key');
    assert.equal(foreign.body.error, 'invalid_client');

    const doubled = await post(await sign(key, 'three'), {}, {
      authorization: `Basic ${Buffer.from(`${DEMO.confidential.id}:${DEMO.confidential.secret}`).toString('base64')}`,
    });
    assert.equal(doubled.status, 400, 'an assertion plus HTTP Basic');
    assert.equal(doubled.body.error, 'invalid_request');
  });
});
