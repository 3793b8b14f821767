/**
 * oauth4webapi's DPoP handle against a small Express app: the code flow
 * with PKCE and `dpop_jkt`, the nonce learned from `use_dpop_nonce` and the
 * request retried, the refresh token bound to the key, the protected
 * resource called with `DPoP` and `ath`, and client credentials with DPoP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import * as oauth from 'oauth4webapi';
import { buildApp } from './app.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** Run a request; when the server asks for a nonce (which the handle has just learned), run it once more. */
async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<{ result: T; retried: boolean }> {
  try {
    return { result: await attempt(), retried: false };
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    return { result: await attempt(), retried: true };
  }
}

describe('oauth4webapi with DPoP', () => {
  let server: http.Server;
  let base = '';
  let built: ReturnType<typeof buildApp>;
  let as: oauth.AuthorizationServer;
  before(async () => {
    built = buildApp({ nonceSecrets: ['oauth4webapi nonce secret, 32 bytes+'] });
    server = http.createServer(built.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    as = { issuer: base, authorization_endpoint: base + '/authorize', token_endpoint: base + '/token', dpop_signing_alg_values_supported: ['ES256'] };
  });
  after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

  it('code + PKCE + dpop_jkt, nonce retry, bound refresh, and the resource with ath', async () => {
    const client: oauth.Client = { client_id: 'spa' };
    const keyPair = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(client, keyPair);
    const redirectUri = 'https://spa.example/cb';
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('dpop_jkt', await DPoP.calculateThumbprint());

    const user = request.agent(base);
    await user.get('/login?user=alice').expect(200);
    const page = await user.get(url.pathname + url.search);
    assert.equal(page.status, 200, page.text);
    const decided = await user.post('/authorize/decision').type('form').send({ transaction_id: page.body.transactionID });
    assert.equal(decided.status, 302, decided.text);
    const params = oauth.validateAuthResponse(as, client, new URL(decided.headers.location), oauth.expectNoState);

    const { result: tokens, retried } = await withNonceRetry(async () => {
      const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, { DPoP, ...insecure });
      return oauth.processAuthorizationCodeResponse(as, client, response);
    });
    assert.equal(retried, true, 'the first request was answered use_dpop_nonce');
    assert.equal(tokens.token_type, 'dpop');
    const jkt = await DPoP.calculateThumbprint();
    assert.equal(built.tokens.get(tokens.access_token)!.cnf!.jkt, jkt);

    const resource = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(base + '/resource'), undefined, undefined, { DPoP, ...insecure });
    assert.equal(resource.status, 200);
    assert.deepEqual(await resource.json(), { user: 'alice', client: 'spa' });

    const refreshed = await withNonceRetry(async () => {
      const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, { DPoP, ...insecure });
      return oauth.processRefreshTokenResponse(as, client, response);
    });
    assert.equal(refreshed.result.token_type, 'dpop');
    assert.equal(built.tokens.get(refreshed.result.access_token)!.cnf!.jkt, jkt);

    // The new refresh token, used with another key, is refused.
    const other = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    await assert.rejects(withNonceRetry(async () => {
      const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.result.refresh_token!, { DPoP: other, ...insecure });
      return oauth.processRefreshTokenResponse(as, client, response);
    }), (err: any) => err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant');
  });

  it('client credentials with DPoP for a confidential client', async () => {
    const client: oauth.Client = { client_id: 'svc' };
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('EdDSA'));
    const { result } = await withNonceRetry(async () => {
      const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic('svc-secret'), {}, { DPoP, ...insecure });
      return oauth.processClientCredentialsResponse(as, client, response);
    });
    assert.equal(result.token_type, 'dpop');
    assert.equal(built.tokens.get(result.access_token)!.cnf!.jkt, await DPoP.calculateThumbprint());
  });
});
