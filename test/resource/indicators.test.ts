/**
 * Resource indicators (RFC 8707) end to end with a real client, oauth4webapi:
 * `resource` at the authorization and token endpoints (code, refresh,
 * client credentials), down-scoping, `invalid_target`, and introspection by
 * a resource server of the tokens meant for it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { startResourceApp, type RunningApp } from './app.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const publicClient: oauth.Client = { client_id: 'app', token_endpoint_auth_method: 'none' };
const rsClient: oauth.Client = { client_id: 'rs' };
const confClient: oauth.Client = { client_id: 'conf' };
const REDIRECT = 'https://app.example.com/cb';

async function expectTokenError(promise: Promise<unknown>, code: string, status = 400): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof oauth.ResponseBodyError, `expected a ResponseBodyError, got ${String(err)}`);
    assert.equal(err.error, code);
    assert.equal(err.status, status);
    return true;
  });
}

describe('resource indicators with oauth4webapi', () => {
  let s: RunningApp;
  let as: oauth.AuthorizationServer;
  before(async () => {
    s = await startResourceApp();
    as = { issuer: s.base, authorization_endpoint: s.base + '/authorize', token_endpoint: s.base + '/token', introspection_endpoint: s.base + '/introspect' };
  });
  after(async () => { await s.close(); });

  /** Authorize with the given resources; return the callback parameters. */
  async function authorize(resources: string[], scope = 'read'): Promise<URLSearchParams> {
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', 'app');
    url.searchParams.set('redirect_uri', REDIRECT);
    url.searchParams.set('scope', scope);
    url.searchParams.set('state', state);
    for (const r of resources) url.searchParams.append('resource', r);
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 302, await res.text());
    return oauth.validateAuthResponse(as, publicClient, new URL(res.headers.get('location')!), state);
  }

  async function redeem(params: URLSearchParams, resources: string[]) {
    const additionalParameters = resources.map((r) => ['resource', r]);
    const response = await oauth.authorizationCodeGrantRequest(as, publicClient, oauth.None(), params, REDIRECT, oauth.nopkce, { ...insecure, additionalParameters });
    return oauth.processAuthorizationCodeResponse(as, publicClient, response);
  }

  async function introspect(client: oauth.Client, secret: string, token: string) {
    const response = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(secret), token, insecure);
    return oauth.processIntrospectionResponse(as, client, response);
  }

  it('authorize with two resources, redeem for one of them: the token is for that one only', async () => {
    const params = await authorize([s.api, s.other]);
    const tokens = await redeem(params, [s.api]);
    assert.deepEqual(s.tokens.get(tokens.access_token)!.aud, [s.api]);
    assert.deepEqual(s.seen.at(-1), { grant: 'authorization_code', resource: [s.api] });
  });

  it('redeem without resource: the token is for every granted resource', async () => {
    const tokens = await redeem(await authorize([s.api, s.other]), []);
    assert.deepEqual(s.tokens.get(tokens.access_token)!.aud, [s.api, s.other]);
  });

  it('redeem for a resource outside the grant: invalid_target', async () => {
    await expectTokenError(redeem(await authorize([s.api]), [s.other]), 'invalid_target');
  });

  it('refresh narrows the audience to a subset (the positional issue reads the body), and refuses more', async () => {
    const tokens = await redeem(await authorize([s.api, s.other]), []);
    const refreshed = await oauth.processRefreshTokenResponse(as, publicClient,
      await oauth.refreshTokenGrantRequest(as, publicClient, oauth.None(), tokens.refresh_token!, { ...insecure, additionalParameters: [['resource', s.other]] }));
    assert.deepEqual(s.tokens.get(refreshed.access_token)!.aud, [s.other]);
    assert.deepEqual(s.seen.at(-1), { grant: 'refresh_token', resource: [s.other] });
    const narrow = await redeem(await authorize([s.api]), []);
    await expectTokenError(oauth.refreshTokenGrantRequest(as, publicClient, oauth.None(), narrow.refresh_token!, { ...insecure, additionalParameters: [['resource', s.other]] })
      .then((r) => oauth.processRefreshTokenResponse(as, publicClient, r)), 'invalid_target');
  });

  it('a bad resource at the token endpoint is invalid_target before issue runs: relative, fragment, too long, not a string', async () => {
    const before = s.seen.length;
    for (const bad of ['/api', 'https://other.example/api#frag', 'https://x.example/' + 'a'.repeat(3000), 'not a uri']) {
      await expectTokenError(oauth.clientCredentialsGrantRequest(as, confClient, oauth.ClientSecretBasic('conf-secret'), { resource: bad }, insecure)
        .then((r) => oauth.processClientCredentialsResponse(as, confClient, r)), 'invalid_target');
    }
    // A JSON body with an object where a string belongs.
    const res = await fetch(as.token_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from('conf:conf-secret').toString('base64') },
      body: JSON.stringify({ grant_type: 'client_credentials', resource: [{ a: 1 }] }),
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json() as any).error, 'invalid_target');
    assert.equal(s.seen.length, before, 'issue never ran');
  });

  it('a bad resource at the authorization endpoint is invalid_target (400), never a code', async () => {
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: REDIRECT, resource: 'https://other.example/api#frag' }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /invalid_target/);
  });

  it('the app refuses an unknown resource with invalid_target, through the code grant\'s redirect', async () => {
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: REDIRECT, state: 'xyz', resource: 'https://unknown.example/' }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.searchParams.get('error'), 'invalid_target');
    assert.equal(location.searchParams.get('state'), 'xyz');
  });

  it('client credentials for another audience: the token carries it, and the API refuses it', async () => {
    const tokens = await oauth.processClientCredentialsResponse(as, confClient,
      await oauth.clientCredentialsGrantRequest(as, confClient, oauth.ClientSecretBasic('conf-secret'), { resource: s.other, scope: 'read' }, insecure));
    assert.deepEqual(s.tokens.get(tokens.access_token)!.aud, [s.other]);
    await assert.rejects(oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(s.api), undefined, undefined, insecure), (err: unknown) => {
      assert.ok(err instanceof oauth.WWWAuthenticateChallengeError);
      assert.equal(err.status, 401);
      assert.equal(err.cause[0]!.parameters.error, 'invalid_token');
      return true;
    });
  });

  it('introspection: the resource server sees tokens for its audience (with aud), not others; the token\'s client sees its own', async () => {
    const mine = await redeem(await authorize([s.api]), []);
    const theirs = await redeem(await authorize([s.other]), []);
    const seen = await introspect(rsClient, 'rs-secret', mine.access_token);
    assert.equal(seen.active, true);
    assert.deepEqual(seen.aud, [s.api]);
    assert.equal(seen.client_id, 'app');
    assert.equal((await introspect(rsClient, 'rs-secret', theirs.access_token)).active, false);
    // Another confidential client, neither the token's client nor a resource server.
    assert.equal((await introspect(confClient, 'conf-secret', mine.access_token)).active, false);
    const cc = await oauth.processClientCredentialsResponse(as, confClient,
      await oauth.clientCredentialsGrantRequest(as, confClient, oauth.ClientSecretBasic('conf-secret'), { resource: s.other }, insecure));
    assert.equal((await introspect(confClient, 'conf-secret', cc.access_token)).active, true);
  });
});
