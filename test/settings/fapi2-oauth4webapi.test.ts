/**
 * A FAPI 2.0-style flow by a standards client, oauth4webapi 3, against a `profile: 'fapi2'`
 * server over real sockets: discovery, a pushed authorization request authenticated with
 * `private_key_jwt` (ES256) and carrying an S256 PKCE challenge, the authorization endpoint
 * called with the `request_uri` alone (a 303 redirect whose response carries `iss`, which
 * oauth4webapi checks), the code redeemed with `private_key_jwt` and the verifier, and a
 * refresh, every request to the PAR and token endpoints with oauth4webapi's DPoP handle
 * (the preset requires sender-constrained tokens).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { generateKeyPair, exportJWK, type CryptoKey } from 'jose';
import { startFapiApp, type FapiRunning } from './fapi2-app.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const REDIRECT = 'https://rp.example/cb';

describe('FAPI 2.0 profile with oauth4webapi: PAR + private_key_jwt + PKCE', () => {
  let s: FapiRunning;
  let as: oauth.AuthorizationServer;
  let privateKey: CryptoKey;
  let DPoP: oauth.DPoPHandle;
  const client: oauth.Client = { client_id: 'rp' };

  before(async () => {
    s = await startFapiApp();
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    s.clients.set('rp', { client_id: 'rp', redirectURI: REDIRECT, jwk: { ...(await exportJWK(pair.publicKey)), alg: 'ES256' } });
    as = await oauth.processDiscoveryResponse(new URL(s.base), await oauth.discoveryRequest(new URL(s.base), { algorithm: 'oauth2', ...insecure }));
  });
  after(async () => { await s.close(); });

  it('discovers a document that lists only what the profile accepts', () => {
    assert.equal(as.issuer, s.base);
    assert.deepEqual(as.response_types_supported, ['code']);
    assert.deepEqual(as.grant_types_supported, ['authorization_code', 'refresh_token']);
    assert.deepEqual(as.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(as.token_endpoint_auth_signing_alg_values_supported, ['PS256', 'ES256', 'EdDSA', 'Ed25519']);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.equal(as.require_pushed_authorization_requests, true);
    assert.equal(as.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(as.dpop_signing_alg_values_supported, ['PS256', 'ES256', 'EdDSA', 'Ed25519']);
  });

  async function authorize(): Promise<{ code: URLSearchParams; verifier: string }> {
    const verifier = oauth.generateRandomCodeVerifier();
    const params = new URLSearchParams({
      response_type: 'code', redirect_uri: REDIRECT, scope: 'accounts', state: 'st-1',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const par = await oauth.processPushedAuthorizationResponse(as, client,
      await oauth.pushedAuthorizationRequest(as, client, oauth.PrivateKeyJwt(privateKey), params, { DPoP, ...insecure }));
    assert.ok(par.expires_in < 600, 'request_uri lifetime under 600 s');

    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('request_uri', par.request_uri);
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 303, 'FAPI 2.0: 303, never 307');
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.origin + location.pathname, REDIRECT);
    const code = oauth.validateAuthResponse(as, client, location, 'st-1');
    return { code, verifier };
  }

  it('completes the code flow and a refresh', async () => {
    const { code, verifier } = await authorize();
    const tokens = await oauth.processAuthorizationCodeResponse(as, client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.PrivateKeyJwt(privateKey), code, REDIRECT, verifier, { DPoP, ...insecure }));
    assert.match(tokens.access_token, /^at-/);
    assert.equal(tokens.token_type, 'dpop');
    assert.ok(tokens.refresh_token);
    const refreshed = await oauth.processRefreshTokenResponse(as, client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.PrivateKeyJwt(privateKey), tokens.refresh_token, { DPoP, ...insecure }));
    assert.match(refreshed.access_token, /^at-/);
  });

  it('refuses a code redeemed after 60 s (invalid_grant)', async () => {
    const { code, verifier } = await authorize();
    s.clock.t += 61_000;
    try {
      await assert.rejects(
        async () => oauth.processAuthorizationCodeResponse(as, client,
          await oauth.authorizationCodeGrantRequest(as, client, oauth.PrivateKeyJwt(privateKey), code, REDIRECT, verifier, { DPoP, ...insecure })),
        (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant' && err.status === 400,
      );
    } finally {
      s.clock.t -= 61_000;
    }
  });
});
