/**
 * examples/minimal, as a new user takes it: server.ts copied alone into an empty folder that
 * holds only the packages its README's `npm install` line names, started with tsx, then every
 * flow it offers run against it with oauth4webapi (discovery, code with PKCE, the API,
 * refresh with rotation, client credentials) over real HTTP on a loopback port.
 * Needs `make build` (the copy loads the package from dist/).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { CookieClient, freePort, importedPackages, root, scratchApp, startScript, transactionId } from '../readme/readme.js';

const dir = path.join(root, 'examples', 'minimal');
const source = fs.readFileSync(path.join(dir, 'server.ts'), 'utf8');
const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const client: oauth.Client = { client_id: 'demo-app' };
const REDIRECT = 'http://localhost:8080/callback';

/** The packages of the README's `npm install` line, and the command after it. */
function commands(): { install: string; packages: string[]; run: string } {
  const m = /^(npm install (.+))\n(.+)$/m.exec(readme);
  assert.ok(m, 'the README has an npm install line followed by the command that runs the server');
  return { install: m[1], packages: m[2].trim().split(/\s+/).sort(), run: m[3].trim() };
}

describe('examples/minimal', { timeout: 120_000 }, () => {
  let as: oauth.AuthorizationServer;
  let base = '';
  let stop: () => Promise<void> = async () => {};
  let remove = () => {};

  before(async () => {
    const scratch = scratchApp({ 'server.ts': source }, commands().packages);
    remove = scratch.remove;
    // `npx tsx server.ts` is tsx's loader around node; the issuer is built from PORT, so pick a free one.
    const started = await startScript(scratch.dir, 'server.ts', /Authorization server on (http:\/\/localhost:\d+)/, await freePort(), [
      '--import',
      'tsx',
    ]);
    base = started.match;
    stop = started.stop;
    const issuer = new URL(base);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  });
  after(async () => {
    await stop();
    remove();
  });

  test('is under 150 lines, and its README has the two commands that run it', () => {
    const lines = source.trimEnd().split('\n').length;
    assert.ok(lines < 150, `server.ts has ${lines} lines`);
    const { install, packages, run } = commands();
    assert.deepEqual(packages, [...importedPackages(source), 'tsx'].sort());
    assert.equal(run, 'npx tsx server.ts');
    assert.ok(source.includes(`//   ${install}\n//   ${run}\n`), 'server.ts repeats them in its header');
  });

  test('the metadata names the endpoints and what the server offers', () => {
    assert.equal(as.issuer, base);
    assert.equal(as.authorization_endpoint, `${base}/authorize`);
    assert.equal(as.token_endpoint, `${base}/token`);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(as.response_types_supported, ['code']);
    assert.deepEqual([...(as.grant_types_supported ?? [])].sort(), ['authorization_code', 'client_credentials', 'refresh_token']);
    assert.equal(as.authorization_response_iss_parameter_supported, true);
  });

  /** Sign in, ask for a code with PKCE, allow; returns the verifier, the state and the redirect. */
  async function authorize(options: { pkce?: boolean } = {}) {
    const browser = new CookieClient();
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, state }).toString();
    if (options.pkce !== false) {
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
      url.searchParams.set('code_challenge_method', 'S256');
    }
    const first = await browser.fetch(url.href);
    assert.equal(first.headers.get('location'), '/login');
    const login = await browser.post(`${base}/login`, { username: 'alice', password: 'wonderland' });
    assert.equal(login.headers.get('location'), url.pathname + url.search, 'back to the authorization request');
    const consent = await browser.fetch(url.href);
    if (consent.status !== 200) return { verifier, state, consent };
    const html = await consent.text();
    assert.match(html, /Demo App wants access to your account/);
    const decision = await browser.post(`${base}/authorize/decision`, { transaction_id: transactionId(html) });
    assert.equal(decision.status, 302);
    return { verifier, state, consent, redirect: new URL(decision.headers.get('location')!) };
  }

  test('code with PKCE, the API, then refresh with rotation', async () => {
    const { verifier, state, redirect } = await authorize();
    assert.equal(`${redirect!.origin}${redirect!.pathname}`, REDIRECT);
    const params = oauth.validateAuthResponse(as, client, redirect!, state); // checks iss too
    const auth = oauth.ClientSecretBasic('demo-secret');
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 3600);
    assert.ok(tokens.refresh_token);

    const me = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${base}/api/me`), undefined, undefined, insecure);
    assert.deepEqual(await me.json(), { client: 'demo-app', user: '1', scope: '' });

    // The code is single use.
    const replay = oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier, insecure);
    await assert.rejects(replay.then((r) => oauth.processAuthorizationCodeResponse(as, client, r)), { error: 'invalid_grant' });

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    // The old refresh token is used up.
    const again = oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure);
    await assert.rejects(again.then((r) => oauth.processRefreshTokenResponse(as, client, r)), { error: 'invalid_grant' });
  });

  test('a wrong code_verifier is invalid_grant; a request without PKCE is refused before consent', async () => {
    const { state, redirect } = await authorize();
    const params = oauth.validateAuthResponse(as, client, redirect!, state);
    const wrong = oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretBasic('demo-secret'), params, REDIRECT, oauth.generateRandomCodeVerifier(), insecure);
    await assert.rejects(wrong.then((r) => oauth.processAuthorizationCodeResponse(as, client, r)), { error: 'invalid_grant' });

    const { consent } = await authorize({ pkce: false });
    assert.equal(consent.status, 400);
    assert.equal(consent.headers.get('location'), null);
  });

  test('client credentials, with the secret in the body', async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost('demo-secret'), new URLSearchParams(), insecure);
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    assert.equal(tokens.refresh_token, undefined);
    const me = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.deepEqual(await me.json(), { client: 'demo-app', user: null, scope: '' });
  });

  test('client authentication: a wrong secret is a JSON invalid_client; Basic credentials are form-decoded', async () => {
    const wrong = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic('nope'), new URLSearchParams(), insecure);
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic realm="oauth2"/);
    assert.equal(((await wrong.clone().json()) as { error: string }).error, 'invalid_client');
    await assert.rejects(oauth.processClientCredentialsResponse(as, client, wrong), oauth.WWWAuthenticateChallengeError);
    // RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic; "demo%2Dapp" is "demo-app".
    const encoded = Buffer.from('demo%2Dapp:demo%2Dsecret').toString('base64');
    const res = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${encoded}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    assert.equal(res.status, 200);
    const bad = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('demo-app:%E0%A4%A').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    assert.equal(bad.status, 401, 'a malformed escape is a failed authentication, not a 500');
  });
});
