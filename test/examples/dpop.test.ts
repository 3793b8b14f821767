/**
 * DPoP (RFC 9449) against the example, started as a process
 * (`node examples/authorization-server/main.js`), with oauth4webapi's DPoP
 * handle: the DPoP-bound public client `demo-dpop` through the code flow
 * with PKCE and `dpop_jkt` (the nonce learned from `use_dpop_nonce` and the
 * request retried), the protected API called with `DPoP` and `ath`, the
 * refresh token bound to the key, `/mcp` with the DPoP scheme, and client credentials with DPoP for the
 * confidential client, whose token introspects with `cnf.jkt`.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { startMain, stopMain } from './mainProcess.js';
import { Browser, DEMO, consentForm, redirectTarget, signInThrough, type RunningExample } from './helpers.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** Run a request; when the server asks for a nonce (which the DPoP handle has just learned), run it once more. */
async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<{ result: T; retried: boolean }> {
  try {
    return { result: await attempt(), retried: false };
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    return { result: await attempt(), retried: true };
  }
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === code);
}

describe('the example with DPoP (oauth4webapi, main.js as a process)', () => {
  let child: ChildProcess;
  let dir: string;
  let app: Pick<RunningExample, 'origin' | 'url'>;
  let as: oauth.AuthorizationServer;
  const dpopClient: oauth.Client = { client_id: 'demo-dpop' };
  const browser = new Browser();
  let signedIn = false;

  before(async () => {
    const started = await startMain();
    child = started.child;
    dir = started.dir;
    app = { origin: started.origin, url: (path: string) => new URL(path, started.origin).href };
    const issuer = new URL(app.origin);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  });
  after(async () => {
    await stopMain(child, dir);
  });

  /** The front channel for `demo-dpop`, with `dpop_jkt` of `DPoP`'s key: the code and the verifier. */
  async function authorize(DPoP: oauth.DPoPHandle): Promise<{ params: URLSearchParams; verifier: string }> {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', dpopClient.client_id);
    url.searchParams.set('redirect_uri', app.url('/callback'));
    url.searchParams.set('scope', 'profile');
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('dpop_jkt', await DPoP.calculateThumbprint());
    // RFC 8707: the token is also for /mcp, which takes only tokens whose audience it is.
    url.searchParams.set('resource', app.url('/mcp'));
    const res = signedIn ? await browser.get(url.href) : await signInThrough(browser, app as RunningExample, url.href);
    signedIn = true;
    let redirect: URL;
    if (res.status === 200) {
      const decision = await browser.post(app.url('/authorize/decision'), consentForm(await res.text()));
      redirect = redirectTarget(decision, app.origin);
    } else {
      redirect = redirectTarget(res, app.origin);
    }
    return { params: oauth.validateAuthResponse(as, dpopClient, redirect, state), verifier };
  }

  const redeem = (params: URLSearchParams, verifier: string, DPoP?: oauth.DPoPHandle) =>
    oauth.authorizationCodeGrantRequest(as, dpopClient, oauth.None(), params, app.url('/callback'), verifier, { ...(DPoP ? { DPoP } : {}), ...insecure })
      .then((response) => oauth.processAuthorizationCodeResponse(as, dpopClient, response));

  it('advertises DPoP in its metadata', () => {
    assert.deepEqual(as.dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256']);
  });

  it('code + PKCE + dpop_jkt, nonce retry, the API with DPoP and ath, refresh bound to the key', async () => {
    const key = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(dpopClient, key);
    const { params, verifier } = await authorize(DPoP);
    const { result: tokens, retried } = await withNonceRetry(() => redeem(params, verifier, DPoP));
    assert.equal(retried, true, 'the first proof had no nonce: use_dpop_nonce, then the retry');
    assert.equal(tokens.token_type, 'dpop');
    assert.ok(tokens.refresh_token);

    const api = new URL(app.url('/api/userinfo'));
    const res = await oauth.protectedResourceRequest(tokens.access_token, 'GET', api, undefined, undefined, { DPoP, ...insecure });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { username: string }).username, DEMO.username);

    // The same token as a bearer token: refused (RFC 9449 §7.2).
    const asBearer = await fetch(api, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(asBearer.status, 401);
    // With a proof by another key: refused.
    const otherKey = oauth.DPoP(dpopClient, await oauth.generateKeyPair('ES256'));
    await assert.rejects(
      oauth.protectedResourceRequest(tokens.access_token, 'GET', api, undefined, undefined, { DPoP: otherKey, ...insecure }),
      (err: unknown) => err instanceof oauth.WWWAuthenticateChallengeError && err.status === 401 && err.cause[0]!.scheme === 'dpop',
    );

    // /mcp takes the token with the DPoP scheme too, and refuses it as Bearer.
    const mcp = new URL(app.url('/mcp'));
    const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami' } });
    const mcpHeaders = () => new Headers({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
    const viaMcp = await oauth.protectedResourceRequest(tokens.access_token, 'POST', mcp, mcpHeaders(), call, { DPoP, ...insecure });
    assert.equal(viaMcp.status, 200);
    assert.match(await viaMcp.text(), new RegExp(DEMO.username));
    const mcpBearer = await fetch(mcp, { method: 'POST', headers: { ...Object.fromEntries(mcpHeaders()), authorization: `Bearer ${tokens.access_token}` }, body: call });
    assert.equal(mcpBearer.status, 401);
    assert.match(mcpBearer.headers.get('www-authenticate') ?? '', /error="invalid_token"/);

    // The refresh token is bound to the key: another key (after its own nonce round) is invalid_grant.
    const refreshWith = (handle: oauth.DPoPHandle, token: string) =>
      withNonceRetry(async () => oauth.processRefreshTokenResponse(as, dpopClient, await oauth.refreshTokenGrantRequest(as, dpopClient, oauth.None(), token, { DPoP: handle, ...insecure })));
    await rejectsWith(refreshWith(otherKey, tokens.refresh_token!), 'invalid_grant');
    const refreshed = (await refreshWith(DPoP, tokens.refresh_token!)).result;
    assert.equal(refreshed.token_type, 'dpop');
    assert.ok(refreshed.refresh_token);
    // The rotated refresh token is bound too.
    await rejectsWith(refreshWith(otherKey, refreshed.refresh_token!), 'invalid_grant');
    const again = await fetch(api, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    assert.equal(again.status, 401, 'the refreshed access token is bound as well');
  });

  it('refuses a code bound with dpop_jkt redeemed with another key, or without a proof', async () => {
    const DPoP = oauth.DPoP(dpopClient, await oauth.generateKeyPair('ES256'));
    const other = oauth.DPoP(dpopClient, await oauth.generateKeyPair('ES256'));
    const first = await authorize(DPoP);
    await rejectsWith(withNonceRetry(() => redeem(first.params, first.verifier, other)), 'invalid_grant');
    const second = await authorize(DPoP);
    await rejectsWith(redeem(second.params, second.verifier), 'invalid_grant');
  });

  it('client credentials with DPoP for the confidential client; introspection shows cnf.jkt and token_type DPoP', async () => {
    const client: oauth.Client = { client_id: DEMO.confidential.id };
    const auth = oauth.ClientSecretBasic(DEMO.confidential.secret);
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const { result: tokens } = await withNonceRetry(async () =>
      oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams(), { DPoP, ...insecure })));
    assert.equal(tokens.token_type, 'dpop');
    const info = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure));
    assert.equal(info.active, true);
    assert.equal(info.token_type, 'DPoP');
    assert.deepEqual(info.cnf, { jkt: await DPoP.calculateThumbprint() });
  });
});
