/**
 * The JavaScript Quick start (docs/guides/quick-start-javascript.md), as a newcomer would use it: app.mjs copied verbatim into an empty
 * folder that holds only the packages its `npm install` line names, run with `node app.mjs`,
 * then the whole authorization code flow against it (with fetch, and with the README's own
 * curl commands when curl is installed). Needs `make build` (it loads dist/).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CookieClient, freePort, importedPackages, marked, read, scratchApp, startScript, transactionId } from './readme.js';

const GUIDE = 'docs/guides/quick-start-javascript.md';
const app = marked('quickstart app.mjs', 'docs/guides/quick-start-javascript.md');
const curl = marked('quickstart curl', 'docs/guides/quick-start-javascript.md');

/** The packages of the guide's `npm install ...` line, above app.mjs. */
function installLine(): string[] {
  const text = read(GUIDE);
  const section = text.slice(0, text.indexOf('<!-- test: quickstart app.mjs -->'));
  const m = /^npm install (.+)$/m.exec(section);
  assert.ok(m, 'the Quick start has an npm install line');
  return m[1].trim().split(/\s+/).sort();
}

describe('JavaScript Quick start (app.mjs)', { timeout: 120_000 }, () => {
  let base = '';
  let stop: () => Promise<void> = async () => {};
  let remove = () => {};
  let output = () => '';

  /** A fresh PKCE pair, as a client makes one per authorization request. */
  const pkce = () => {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  };

  before(async () => {
    const packages = installLine();
    const scratch = scratchApp({ 'app.mjs': app.code }, packages);
    remove = scratch.remove;
    // app.mjs needs its port up front (it is part of its issuer URL), so pick a free one.
    const started = await startScript(scratch.dir, 'app.mjs', /Authorization server on (http:\/\/localhost:\d+)/, await freePort());
    base = started.match;
    stop = started.stop;
    output = started.output;
  });
  after(async () => {
    await stop();
    remove();
  });

  test('the npm install line names exactly the packages app.mjs imports', () => {
    assert.deepEqual(installLine(), importedPackages(app.code));
  });

  test('prints an authorization URL with a PKCE challenge, and its verifier', () => {
    const url = /^Open (\S+)$/m.exec(output())?.[1];
    const verifier = /code_verifier=(\S+)$/m.exec(output())?.[1];
    assert.ok(url && verifier, `unexpected output:\n${output()}`);
    const params = new URL(url).searchParams;
    assert.equal(params.get('redirect_uri'), `${base}/callback`);
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.equal(params.get('code_challenge'), createHash('sha256').update(verifier).digest('base64url'));
  });

  test('sign in, consent, code, token, API: the whole flow', async () => {
    const browser = new CookieClient();
    const { verifier, challenge } = pkce();
    const authorize = `${base}/authorize?response_type=code&client_id=demo-app&redirect_uri=${base}/callback&state=xyz&code_challenge=${challenge}&code_challenge_method=S256`;

    // Not signed in: to the login page, which posts back to /login.
    const first = await browser.fetch(authorize);
    assert.equal(first.status, 302);
    assert.equal(first.headers.get('location'), '/login');
    assert.match(await (await browser.fetch(`${base}/login`)).text(), /<form method="post" action="\/login">/);

    // A wrong password goes back to the login page.
    const wrong = await browser.post(`${base}/login`, { username: 'alice', password: 'nope' });
    assert.equal(wrong.headers.get('location'), '/login');

    // Signing in returns to the authorization request, which shows the consent page.
    const login = await browser.post(`${base}/login`, { username: 'alice', password: 'wonderland' });
    assert.equal(login.status, 302);
    assert.equal(login.headers.get('location'), authorize.slice(base.length));
    const consent = await browser.fetch(authorize);
    assert.equal(consent.status, 200);
    const html = await consent.text();
    assert.match(html, /Demo App wants to access your account/);

    // Allow: back to the client with a code and the state.
    const decision = await browser.post(`${base}/authorize/decision`, { transaction_id: transactionId(html) });
    assert.equal(decision.status, 302);
    const callback = new URL(decision.headers.get('location')!);
    assert.equal(`${callback.origin}${callback.pathname}`, `${base}/callback`);
    assert.equal(callback.searchParams.get('state'), 'xyz');
    assert.equal(callback.searchParams.get('iss'), base, 'the hardened profile adds iss (RFC 9207)');
    const code = callback.searchParams.get('code');
    assert.ok(code, `no code in ${callback.href}`);
    assert.match(await (await fetch(callback)).text(), new RegExp(`code: <code>${code}</code>`));

    const tokenRequest = (auth: string, codeVerifier = verifier) =>
      fetch(`${base}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: `${base}/callback`, code_verifier: codeVerifier }),
      });

    // A wrong client secret: a JSON invalid_client, and the code survives it.
    const badClient = await tokenRequest('demo-app:wrong');
    assert.equal(badClient.status, 401);
    assert.equal(((await badClient.json()) as { error: string }).error, 'invalid_client');

    // A wrong PKCE verifier (a stolen code without its verifier): invalid_grant.
    const stolen = await tokenRequest('demo-app:demo-secret', pkce().verifier);
    assert.equal(stolen.status, 400);
    assert.equal(((await stolen.json()) as { error: string }).error, 'invalid_grant');

    const res = await tokenRequest('demo-app:demo-secret');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const tokens = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.expires_in, 3600);

    // The code is single-use.
    const replay = await tokenRequest('demo-app:demo-secret');
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');

    const me = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.deepEqual(await me.json(), { username: 'alice', name: 'Alice', client: 'demo-app' });
    const anonymous = await fetch(`${base}/api/me?access_token=${tokens.access_token}`);
    assert.equal(anonymous.status, 401, 'a token in the query string is not accepted');
  });

  test('an authorization request without PKCE is refused', async () => {
    const browser = new CookieClient();
    await browser.post(`${base}/login`, { username: 'alice', password: 'wonderland' });
    const res = await browser.fetch(`${base}/authorize?response_type=code&client_id=demo-app&redirect_uri=${base}/callback&state=s3`);
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
  });

  test('Deny sends access_denied to the client', async () => {
    const browser = new CookieClient();
    await browser.post(`${base}/login`, { username: 'alice', password: 'wonderland' });
    const page = await browser.fetch(
      `${base}/authorize?response_type=code&client_id=demo-app&redirect_uri=${base}/callback&state=s2&code_challenge=${pkce().challenge}&code_challenge_method=S256`,
    );
    const denied = await browser.post(`${base}/authorize/decision`, { transaction_id: transactionId(await page.text()), cancel: 'deny' });
    const location = new URL(denied.headers.get('location')!);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 's2');
  });

  test('an unregistered redirect URI gets an error page, not a redirect', async () => {
    const browser = new CookieClient();
    await browser.post(`${base}/login`, { username: 'alice', password: 'wonderland' });
    const res = await browser.fetch(
      `${base}/authorize?response_type=code&client_id=demo-app&redirect_uri=https://evil.example/cb&code_challenge=${pkce().challenge}&code_challenge_method=S256`,
    );
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('location'), null);
    assert.match(await res.text(), /Unauthorized client/);
  });

  test('the README curl commands run the flow to the API', async (t) => {
    const missing = ['curl', 'openssl'].filter((tool) => !existsSync(`/usr/bin/${tool}`) && !existsSync(`/bin/${tool}`));
    if (missing.length > 0) {
      // CI installs both (.ci/run), so a missing tool there is a failure, not a skip.
      if (process.env.CI) assert.fail(`not installed: ${missing.join(', ')}; CI must provide them`);
      t.skip(`not installed: ${missing.join(', ')}`);
      return;
    }
    const script = curl.code.replace(/^BASE=.*$/m, `BASE=${base}`);
    assert.notEqual(script, curl.code, 'the curl block starts by setting BASE');
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { timeout: 30_000 });
    assert.deepEqual(JSON.parse(stdout), { username: 'alice', name: 'Alice', client: 'demo-app' });
  });
});
