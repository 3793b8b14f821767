/**
 * A real OAuth client, oauth4webapi 3, against the hardened test app over a
 * real socket: authorization code + PKCE (S256) with RFC 9207 `iss`
 * validation, and the negative cases with the RFCs' error codes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { modernApp, clients, type ModernAppOptions } from './app.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

interface Running { base: string; as: oauth.AuthorizationServer; cookie: string; close: () => Promise<void> }

/** Listen on a free port, then build the app with that origin as issuer. */
async function start(options: (issuer: string) => ModernAppOptions): Promise<Running> {
  const http: HttpServer = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const { app } = modernApp(options(base));
  http.on('request', app);
  const login = await fetch(base + '/login', { method: 'POST' });
  const cookie = (login.headers.get('set-cookie') || '').split(';')[0]!;
  assert.ok(cookie, 'session cookie');
  const as: oauth.AuthorizationServer = {
    issuer: base,
    authorization_endpoint: base + '/authorize',
    token_endpoint: base + '/token',
    authorization_response_iss_parameter_supported: true,
    code_challenge_methods_supported: ['S256'],
  };
  return { base, as, cookie, close: () => new Promise((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }) };
}

/** Start an authorization request with oauth4webapi's PKCE helpers; return the redirect. */
async function authorize(s: Running, clientId: string, extra: Record<string, string> = {}) {
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const url = new URL(s.as.authorization_endpoint!);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: clients[clientId]!.redirectURI, state,
    code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  }).toString();
  const res = await fetch(url, { headers: { cookie: s.cookie }, redirect: 'manual' });
  assert.equal(res.status, 302, await res.text());
  return { redirect: new URL(res.headers.get('location')!), verifier, state };
}

const publicClient: oauth.Client = { client_id: 'app', token_endpoint_auth_method: 'none' };
const confidential: oauth.Client = { client_id: 'appconf' };

async function redeem(s: Running, client: oauth.Client, auth: oauth.ClientAuth, redirect: URL, state: string, verifier: string, redirectUri: string) {
  const params = oauth.validateAuthResponse(s.as, client, redirect, state);
  const response = await oauth.authorizationCodeGrantRequest(s.as, client, auth, params, redirectUri, verifier, insecure);
  return oauth.processAuthorizationCodeResponse(s.as, client, response);
}

async function expectTokenError(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof oauth.ResponseBodyError, `expected a ResponseBodyError, got ${String(err)}`);
    assert.equal(err.error, code);
    assert.equal(err.cause && (err.cause as any).error, code);
    return true;
  });
}

describe('oauth4webapi against the hardened profile', () => {
  let s: Running;
  before(async () => { s = await start((issuer) => ({ server: { issuer, hardened: true } })); });
  after(async () => { await s.close(); });

  it('public client: code + PKCE with iss validated', async () => {
    const auth = await authorize(s, 'app');
    assert.equal(auth.redirect.searchParams.get('iss'), s.base);
    const tokens = await redeem(s, publicClient, oauth.None(), auth.redirect, auth.state, auth.verifier, clients.app!.redirectURI);
    assert.equal(tokens.token_type, 'bearer');
    assert.ok(tokens.access_token.startsWith('at-'));
  });

  it('confidential client (client_secret_basic): code + PKCE', async () => {
    const auth = await authorize(s, 'appconf');
    const tokens = await redeem(s, confidential, oauth.ClientSecretBasic('appconf-secret'), auth.redirect, auth.state, auth.verifier, clients.appconf!.redirectURI);
    assert.ok(tokens.access_token);
  });

  it('a wrong iss is caught by the client', async () => {
    const auth = await authorize(s, 'app');
    const other = { ...s.as, issuer: 'https://evil.example.com' };
    assert.throws(() => oauth.validateAuthResponse(other, publicClient, auth.redirect, auth.state), (err: any) => /iss/.test(err.message));
  });

  it('wrong verifier: invalid_grant', async () => {
    const auth = await authorize(s, 'app');
    await expectTokenError(redeem(s, publicClient, oauth.None(), auth.redirect, auth.state, oauth.generateRandomCodeVerifier(), clients.app!.redirectURI), 'invalid_grant');
  });

  it('missing verifier: invalid_grant', async () => {
    const auth = await authorize(s, 'app');
    const params = oauth.validateAuthResponse(s.as, publicClient, auth.redirect, auth.state);
    const response = await oauth.authorizationCodeGrantRequest(s.as, publicClient, oauth.None(), params, clients.app!.redirectURI, oauth.nopkce, insecure);
    await expectTokenError(oauth.processAuthorizationCodeResponse(s.as, publicClient, response), 'invalid_grant');
  });

  it('plain when refused: the authorization request fails with invalid_request', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(s.as.authorization_endpoint!);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: clients.app!.redirectURI, code_challenge: verifier, code_challenge_method: 'plain' }).toString();
    const res = await fetch(url, { headers: { cookie: s.cookie }, redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as any).code, 'invalid_request');
  });
});

describe('oauth4webapi: PKCE downgrade against an optional policy', () => {
  let s: Running;
  before(async () => { s = await start((issuer) => ({ server: { issuer, pkce: {} } })); });
  after(async () => { await s.close(); });

  it('a verifier sent for a code issued without a challenge: invalid_grant', async () => {
    const state = oauth.generateRandomState();
    const url = new URL(s.as.authorization_endpoint!);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: clients.app!.redirectURI, state }).toString();
    const res = await fetch(url, { headers: { cookie: s.cookie }, redirect: 'manual' });
    assert.equal(res.status, 302);
    const redirect = new URL(res.headers.get('location')!);
    await expectTokenError(redeem(s, publicClient, oauth.None(), redirect, state, oauth.generateRandomCodeVerifier(), clients.app!.redirectURI), 'invalid_grant');
  });
});
