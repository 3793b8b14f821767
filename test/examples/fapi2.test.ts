/**
 * The example's FAPI 2.0 mode (`FAPI2=1`), started as a process: oauth4webapi's
 * FAPI-style flow (discovery, PAR with `private_key_jwt` and DPoP, the
 * authorization endpoint with the `request_uri` alone, a 303 redirect with
 * `iss`, the code redeemed with `private_key_jwt`, PKCE and DPoP, the API
 * called with DPoP), and a table of what the mode refuses.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { SignJWT } from 'jose';
import { startMain, stopMain } from './mainProcess.js';
import { Browser, DEMO, consentForm, redirectTarget, signInThrough, type RunningExample } from './helpers.js';
import { proof } from '../dpop/proofs.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

// The example is plain JavaScript without declaration files: imported through a computed URL (as helpers.ts does).
const { FAPI_CLIENT }: { FAPI_CLIENT: { id: string; privateJwk: Record<string, string> } } =
  await import(new URL('../../examples/authorization-server/oauth/fapi2.js', import.meta.url).href);

async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    return attempt();
  }
}

describe('the example in FAPI 2.0 mode (FAPI2=1, main.js as a process)', () => {
  let child: ChildProcess;
  let dir: string;
  let app: Pick<RunningExample, 'origin' | 'url'>;
  let as: oauth.AuthorizationServer;
  let privateKey: oauth.CryptoKey;
  const client: oauth.Client = { client_id: FAPI_CLIENT.id };
  const browser = new Browser();
  let signedIn = false;

  before(async () => {
    const started = await startMain({ FAPI2: '1' });
    child = started.child;
    dir = started.dir;
    app = { origin: started.origin, url: (path: string) => new URL(path, started.origin).href };
    const issuer = new URL(app.origin);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
    privateKey = await crypto.subtle.importKey('jwk', { ...FAPI_CLIENT.privateJwk }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  });
  after(async () => { await stopMain(child, dir); });

  it('advertises only what the preset accepts', () => {
    assert.deepEqual(as.response_types_supported, ['code']);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.equal(as.require_pushed_authorization_requests, true);
    assert.equal(as.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(as.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(as.dpop_signing_alg_values_supported, ['PS256', 'ES256', 'EdDSA', 'Ed25519']);
  });

  /** PAR, then the authorization endpoint with the request_uri: the code, its verifier and state. */
  async function authorize(DPoP: oauth.DPoPHandle) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const params = new URLSearchParams({
      response_type: 'code', redirect_uri: app.url('/callback'), scope: 'profile', state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const par = await withNonceRetry(async () => oauth.processPushedAuthorizationResponse(as, client,
      await oauth.pushedAuthorizationRequest(as, client, oauth.PrivateKeyJwt(privateKey), params, { DPoP, ...insecure })));
    assert.ok(par.expires_in < 600);
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('request_uri', par.request_uri);
    let res = signedIn ? await browser.get(url.href) : await signInThrough(browser, app as RunningExample, url.href);
    signedIn = true;
    if (res.status === 200) res = await browser.post(app.url('/authorize/decision'), consentForm(await res.text()));
    assert.equal(res.status, 303, 'FAPI 2.0: 303 redirects');
    return { params: oauth.validateAuthResponse(as, client, redirectTarget(res, app.origin), state), verifier };
  }

  it('PAR + private_key_jwt + PKCE + DPoP: code, API call, refresh', async () => {
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const { params, verifier } = await authorize(DPoP);
    const tokens = await withNonceRetry(async () => oauth.processAuthorizationCodeResponse(as, client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.PrivateKeyJwt(privateKey), params, app.url('/callback'), verifier, { DPoP, ...insecure })));
    assert.equal(tokens.token_type, 'dpop');
    const res = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(app.url('/api/userinfo')), undefined, undefined, { DPoP, ...insecure });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { username: string }).username, DEMO.username);
    const refreshed = await withNonceRetry(async () => oauth.processRefreshTokenResponse(as, client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.PrivateKeyJwt(privateKey), tokens.refresh_token!, { DPoP, ...insecure })));
    assert.equal(refreshed.token_type, 'dpop');
  });

  const nowS = () => Math.floor(Date.now() / 1000);
  const assertion = (over: Record<string, unknown> = {}) => new SignJWT({
    iss: client.client_id, sub: client.client_id, aud: app.origin, jti: crypto.randomUUID(), iat: nowS(), exp: nowS() + 60, ...over,
  }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
  const jwtAuth = async (over?: Record<string, unknown>) => ({
    client_id: client.client_id,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await assertion(over),
  });
  const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(app.url(path), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body), redirect: 'manual' });
  const basic = { authorization: 'Basic ' + Buffer.from(`${DEMO.confidential.id}:${DEMO.confidential.secret}`).toString('base64') };
  const pkce = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
  const pushed = { response_type: 'code', redirect_uri: '', scope: 'profile', ...pkce };

  /** A token request with a DPoP proof (and the nonce, after the server asked for it). */
  const withProof = async (body: () => Promise<Record<string, string>>) => {
    const first = await post('/token', await body(), { dpop: proof({ htu: app.url('/token') }) });
    const nonce = first.headers.get('dpop-nonce');
    if (first.status !== 400 || !nonce) return first;
    return post('/token', await body(), { dpop: proof({ htu: app.url('/token'), nonce }) });
  };

  it('refuses an authorization request without PAR (a signed-in user): invalid_request', async () => {
    const url = app.url(`/authorize?${new URLSearchParams({ ...pushed, redirect_uri: app.url('/callback'), client_id: client.client_id, state: 's' })}`);
    const res = signedIn ? await browser.get(url) : await signInThrough(browser, app as RunningExample, url);
    signedIn = true;
    const target = res.headers.get('location');
    const error = target ? new URL(target, app.origin).searchParams.get('error') : /invalid_request/.test(await res.text()) ? 'invalid_request' : undefined;
    assert.ok(res.status === 303 || res.status === 400, String(res.status));
    assert.equal(error, 'invalid_request');
  });

  const rows: Array<[string, () => Promise<Response>, number, string]> = [
    ['response_type=token at PAR', async () => post('/par', { ...pushed, redirect_uri: app.url('/callback'), response_type: 'token', ...(await jwtAuth()) }), 400, 'unsupported_response_type'],
    ['a pushed request without PKCE', async () => post('/par', { response_type: 'code', redirect_uri: app.url('/callback'), ...(await jwtAuth()) }), 400, 'invalid_request'],
    ['a pushed request with plain PKCE', async () => post('/par', { ...pushed, redirect_uri: app.url('/callback'), code_challenge: 'x'.repeat(43), code_challenge_method: 'plain', ...(await jwtAuth()) }), 400, 'invalid_request'],
    ['a client secret at PAR (demo-confidential)', () => post('/par', { ...pushed, redirect_uri: app.url('/callback') }, basic), 401, 'invalid_client'],
    ['a public client at PAR (demo-public)', () => post('/par', { ...pushed, redirect_uri: app.url('/callback'), client_id: DEMO.public.id }), 401, 'invalid_client'],
    ['a client secret at the token endpoint', () => post('/token', { grant_type: 'client_credentials' }, basic), 401, 'invalid_client'],
    ['a token request without a DPoP proof', async () => post('/token', { grant_type: 'refresh_token', refresh_token: 'x', ...(await jwtAuth()) }), 400, 'invalid_dpop_proof'],
    ['an assertion whose aud is the token endpoint', async () => post('/token', { grant_type: 'refresh_token', refresh_token: 'x', ...(await jwtAuth({ aud: app.url('/token') })) }), 401, 'invalid_client'],
    ['an assertion whose aud is a list', async () => post('/token', { grant_type: 'refresh_token', refresh_token: 'x', ...(await jwtAuth({ aud: [app.origin] })) }), 401, 'invalid_client'],
    ['the password grant, with a proof', () => withProof(async () => ({ grant_type: 'password', username: DEMO.username, password: DEMO.password, ...(await jwtAuth()) })), 400, 'unsupported_grant_type'],
    ['a refresh token the client does not have, with a proof', () => withProof(async () => ({ grant_type: 'refresh_token', refresh_token: 'unknown', ...(await jwtAuth()) })), 400, 'invalid_grant'],
  ];
  for (const [what, send, status, error] of rows) {
    it(`refuses ${what}: ${status} ${error}`, async () => {
      const res = await send();
      const text = await res.text();
      assert.equal(res.status, status, text);
      assert.equal((JSON.parse(text) as { error: string }).error, error, text);
    });
  }
});
