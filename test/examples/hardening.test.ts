/**
 * The example server against the attacks of a security review (RFC 9700, RFC 6749 §2.3,
 * RFC 6750 §2): each test mounts the attack over real HTTP and checks that it fails.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import * as oauth from 'oauth4webapi';
import {
  type AppOptions,
  Browser,
  BoundedMemoryStore,
  DEMO,
  type RunningExample,
  consentForm,
  hiddenField,
  loginCsrf,
  redirectTarget,
  signInThrough,
  startExample,
} from './helpers.js';

async function start(t: TestContext, options: AppOptions = {}): Promise<RunningExample> {
  const app = await startExample(options);
  t.after(() => app.close());
  return app;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** An authorization URL for the code flow, with a PKCE challenge unless `pkce` is false. */
async function codeURL(app: RunningExample, client: string, extra: Record<string, string> = {}, pkce = true) {
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(app.url('/authorize'));
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client,
    redirect_uri: app.url('/callback'),
    state: 'st',
    ...(pkce ? { code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' } : {}),
    ...extra,
  }).toString();
  return { url: url.href, verifier };
}

/** Sign in and approve: the code the confidential (or public) client receives, and its verifier. */
async function getCode(app: RunningExample, client: string = DEMO.confidential.id) {
  const browser = new Browser();
  const { url, verifier } = await codeURL(app, client);
  const consent = await (await signInThrough(browser, app, url)).text();
  const decision = await browser.post(app.url('/authorize/decision'), consentForm(consent));
  const code = redirectTarget(decision, app.origin).searchParams.get('code');
  assert.ok(code, 'a code');
  return { code, verifier, browser };
}

async function tokenRequest(app: RunningExample, body: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(app.url('/token'), { method: 'POST', headers, body: new URLSearchParams(body) });
  return { res, body: (await res.json()) as { error?: string; access_token?: string } };
}

describe('example hardening', { timeout: 120_000 }, () => {
  test('implicit and password grants are off by default, and not advertised', async (t) => {
    const app = await start(t);
    const meta = (await (await fetch(app.url('/.well-known/oauth-authorization-server'))).json()) as Record<string, string[]>;
    assert.deepEqual(meta.response_types_supported, ['code']);
    assert.deepEqual(meta.grant_types_supported, [
      'authorization_code',
      'client_credentials',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:token-exchange',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]);

    // response_type=token gets no token, only an error page (its redirect URI was never validated).
    const browser = new Browser();
    const implicit = new URL(app.url('/authorize'));
    implicit.search = new URLSearchParams({
      response_type: 'token',
      client_id: DEMO.confidential.id,
      redirect_uri: app.url('/callback/implicit'),
    }).toString();
    const res = await signInThrough(browser, app, implicit.href);
    assert.equal(res.headers.get('location'), null, 'no redirect carrying a token');
    assert.match(await res.text(), /unsupported_response_type/);

    const password = await tokenRequest(
      app,
      { grant_type: 'password', username: DEMO.username, password: DEMO.password },
      { authorization: basic(DEMO.confidential.id, DEMO.confidential.secret) },
    );
    assert.equal(password.body.error, 'unsupported_grant_type');
    assert.equal(password.body.access_token, undefined);
  });

  test('with the implicit grant on, the public client still cannot use it', async (t) => {
    const app = await start(t, { legacyGrants: ['implicit'] });
    const url = new URL(app.url('/authorize'));
    url.search = new URLSearchParams({
      response_type: 'token',
      client_id: DEMO.public.id,
      redirect_uri: app.url('/callback/implicit'),
    }).toString();
    const res = await signInThrough(new Browser(), app, url.href);
    const target = redirectTarget(res, app.origin);
    assert.equal(new URLSearchParams(target.hash.slice(1)).get('error'), 'unauthorized_client');
    assert.equal(new URLSearchParams(target.hash.slice(1)).get('access_token'), null);
  });

  test('PKCE with S256 is required of the confidential client too', async (t) => {
    const app = await start(t);
    const browser = new Browser();
    // oauth2orize's PKCE policy refuses these before `validate`: an error page, no redirect.
    const without = await codeURL(app, DEMO.confidential.id, {}, false);
    const refused = await signInThrough(browser, app, without.url);
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('location'), null, 'no redirect, so no code');
    assert.match(await refused.text(), /invalid_request/);

    const plain = await codeURL(app, DEMO.confidential.id, { code_challenge_method: 'plain' });
    const plainRefused = await browser.get(plain.url);
    assert.equal(plainRefused.status, 400);
    assert.equal(plainRefused.headers.get('location'), null);

    // And at the token endpoint, a code needs its verifier.
    const { code } = await getCode(app);
    const noVerifier = await tokenRequest(
      app,
      { grant_type: 'authorization_code', code, redirect_uri: app.url('/callback') },
      { authorization: basic(DEMO.confidential.id, DEMO.confidential.secret) },
    );
    assert.equal(noVerifier.body.error, 'invalid_grant');
  });

  test('login CSRF: a forged sign-in post is refused', async (t) => {
    const app = await start(t);
    const attacker = { username: DEMO.username, password: DEMO.password, return_to: '/' };

    // The victim's browser has no token for this session: 403, and no session is signed in.
    const victim = new Browser();
    const forged = await victim.post(app.url('/login'), attacker);
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /CSRF token/);
    assert.doesNotMatch(await (await victim.get(app.url('/'))).text(), /Signed in as/);

    // Even with a valid token, a cross-site post is refused by Origin or Sec-Fetch-Site.
    const csrf_token = await loginCsrf(victim, app);
    const crossOrigin = await victim.request(app.url('/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ ...attacker, csrf_token }),
    });
    assert.equal(crossOrigin.status, 403);
    const crossSite = await victim.request(app.url('/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      body: new URLSearchParams({ ...attacker, csrf_token }),
    });
    assert.equal(crossSite.status, 403);
    assert.doesNotMatch(await (await victim.get(app.url('/'))).text(), /Signed in as/);

    // The same form from the site itself works.
    const ok = await victim.post(app.url('/login'), { ...attacker, csrf_token }, );
    assert.equal(ok.status, 303);
  });

  test('logout and consent need the CSRF token', async (t) => {
    const app = await start(t);
    const browser = new Browser();
    const { url } = await codeURL(app, DEMO.confidential.id);
    const consent = await (await signInThrough(browser, app, url)).text();
    const form = consentForm(consent);

    const noToken = await browser.post(app.url('/authorize/decision'), { transaction_id: form.transaction_id });
    assert.equal(noToken.status, 403);
    assert.equal(noToken.headers.get('location'), null, 'no code without the token');
    const foreign = await browser.request(app.url('/authorize/decision'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams(form),
    });
    assert.equal(foreign.status, 403);

    // The transaction is still usable by the real form.
    const allowed = await browser.post(app.url('/authorize/decision'), form);
    assert.ok(redirectTarget(allowed, app.origin).searchParams.get('code'), 'the genuine form gets a code');

    const home = await (await browser.get(app.url('/'))).text();
    const logout = await browser.post(app.url('/logout'), {});
    assert.equal(logout.status, 403);
    assert.match(await (await browser.get(app.url('/'))).text(), /Signed in as/);
    const real = await browser.post(app.url('/logout'), { csrf_token: hiddenField(home, 'csrf_token') });
    assert.equal(real.status, 303);
    assert.doesNotMatch(await (await browser.get(app.url('/'))).text(), /Signed in as/);
  });

  test('failed sign-ins are limited per account, then per address, with 429 and Retry-After', async (t) => {
    const app = await start(t, { rateLimits: { loginPerAccount: 3, loginPerIP: 6 } });
    const browser = new Browser();
    const csrf_token = await loginCsrf(browser, app);
    const attempt = (username: string, password: string) =>
      browser.post(app.url('/login'), { username, password, return_to: '/', csrf_token });

    for (let i = 0; i < 3; i++) assert.equal((await attempt(DEMO.username, 'guess')).status, 401);
    const limited = await attempt(DEMO.username, DEMO.password);
    assert.equal(limited.status, 429, 'even the right password waits once the account is limited');
    assert.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After is set');

    // Other usernames from the same address: the per-address limit (6) stops them too.
    for (let i = 0; i < 2; i++) assert.equal((await attempt(`user${i}`, 'guess')).status, 401);
    assert.equal((await attempt('user9', 'guess')).status, 401);
    assert.equal((await attempt('user10', 'guess')).status, 429);
  });

  test('a burst of wrong client secrets at /token is cut off at the limit', async (t) => {
    const app = await start(t, { rateLimits: { tokenPerClient: 5, tokenPerIP: 100 }, trustProxy: true });
    const attacker = { 'x-forwarded-for': '203.0.113.66' };
    const wrong = () =>
      tokenRequest(app, { grant_type: 'client_credentials' }, { authorization: basic(DEMO.confidential.id, 'wrong'), ...attacker });
    const results = await Promise.all(Array.from({ length: 20 }, wrong));
    const statuses = results.map((r) => r.res.status);
    assert.equal(statuses.filter((s) => s === 401).length, 5, `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 15);
    const limited = results.find((r) => r.res.status === 429)!;
    assert.ok(Number(limited.res.headers.get('retry-after')) > 0, 'Retry-After is set');
    assert.equal(limited.body.error, 'temporarily_unavailable');

    // The right secret waits too from that address: the client is limited there, not just the secret.
    const right = await tokenRequest(
      app,
      { grant_type: 'client_credentials' },
      { authorization: basic(DEMO.confidential.id, DEMO.confidential.secret), ...attacker },
    );
    assert.equal(right.res.status, 429);

    // But only there: the client itself, from its own address, is not locked out.
    const elsewhere = await tokenRequest(
      app,
      { grant_type: 'client_credentials' },
      { authorization: basic(DEMO.confidential.id, DEMO.confidential.secret), 'x-forwarded-for': '198.51.100.7' },
    );
    assert.equal(elsewhere.res.status, 200);
  });

  test('grant errors are not failed authentications: a client that keeps getting invalid_grant is never throttled', async (t) => {
    const app = await start(t, { rateLimits: { tokenPerClient: 2, tokenPerIP: 2 } });
    for (let i = 0; i < 6; i++) {
      const { res, body } = await tokenRequest(
        app,
        { grant_type: 'refresh_token', refresh_token: 'not-a-token' },
        { authorization: basic(DEMO.confidential.id, DEMO.confidential.secret) },
      );
      assert.equal(body.error, 'invalid_grant', `request ${i + 1}: ${res.status}`);
    }
  });

  test('successful token requests are not counted as failures', async (t) => {
    const app = await start(t, { rateLimits: { tokenPerClient: 2, tokenPerIP: 2 } });
    for (let i = 0; i < 5; i++) {
      const ok = await tokenRequest(
        app,
        { grant_type: 'client_credentials' },
        { authorization: basic(DEMO.confidential.id, DEMO.confidential.secret) },
      );
      assert.equal(ok.res.status, 200);
    }
  });

  test('bearer tokens are accepted only in the Authorization header', async (t) => {
    const app = await start(t);
    const { code, verifier } = await getCode(app);
    const { body } = await tokenRequest(
      app,
      { grant_type: 'authorization_code', code, redirect_uri: app.url('/callback'), code_verifier: verifier },
      { authorization: basic(DEMO.confidential.id, DEMO.confidential.secret) },
    );
    const token = body.access_token!;
    const inQuery = await fetch(app.url(`/api/userinfo?access_token=${token}`));
    assert.equal(inQuery.status, 400);
    assert.equal(((await inQuery.json()) as { error: string }).error, 'invalid_request');
    assert.match(inQuery.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_request"/);
    const inHeader = await fetch(app.url('/api/userinfo'), { headers: { authorization: `Bearer ${token}` } });
    assert.equal(inHeader.status, 200);
  });

  test('a token request with two client authentication methods is invalid_request', async (t) => {
    const app = await start(t);
    const both = await tokenRequest(
      app,
      { grant_type: 'client_credentials', client_id: DEMO.confidential.id, client_secret: DEMO.confidential.secret },
      { authorization: basic(DEMO.confidential.id, DEMO.confidential.secret) },
    );
    assert.equal(both.res.status, 400);
    assert.equal(both.body.error, 'invalid_request');
    assert.equal(both.body.access_token, undefined);

    const mismatch = await tokenRequest(
      app,
      { grant_type: 'client_credentials', client_id: DEMO.public.id },
      { authorization: basic(DEMO.confidential.id, DEMO.confidential.secret) },
    );
    assert.equal(mismatch.body.error, 'invalid_request');

    // The revocation and introspection endpoints share the rule.
    for (const path of ['/revoke', '/introspect']) {
      const res = await fetch(app.url(path), {
        method: 'POST',
        headers: { authorization: basic(DEMO.confidential.id, DEMO.confidential.secret) },
        body: new URLSearchParams({ token: 'x', client_secret: DEMO.confidential.secret }),
      });
      assert.equal(res.status, 400, path);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_request', path);
    }

    const one = await tokenRequest(app, {
      grant_type: 'client_credentials',
      client_id: DEMO.confidential.id,
      client_secret: DEMO.confidential.secret,
    });
    assert.equal(one.res.status, 200, 'client_secret_post alone still works');
  });

  /** Sign in a new browser (optionally with extra headers on every request); returns the sign-in response. */
  async function signIn(app: RunningExample, headers: Record<string, string> = {}): Promise<{ browser: Browser; res: Response }> {
    const browser = new Browser();
    const page = await browser.request(app.url('/login'), { headers });
    const csrf_token = hiddenField(await page.text(), 'csrf_token');
    const res = await browser.request(app.url('/login'), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: DEMO.username, password: DEMO.password, return_to: '/', csrf_token }),
    });
    assert.equal(res.status, 303);
    return { browser, res };
  }

  const sessionCookie = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('example.sid=')) ?? '';

  test('sessions expire, the store is bounded, and cookies are Secure over HTTPS behind a proxy', async (t) => {
    const store = new BoundedMemoryStore({ max: 3 });
    const app = await start(t, { sessionStore: store, sessionMaxAge: 600_000, trustProxy: 1 });
    const { res: first } = await signIn(app);
    const cookie = sessionCookie(first);
    assert.match(cookie, /Expires=/, 'the session cookie has an expiry');
    assert.match(cookie, /HttpOnly/);
    assert.doesNotMatch(cookie, /Secure/, 'no Secure flag over plain HTTP');

    for (let i = 0; i < 5; i++) await signIn(app);
    assert.equal(store.size, 3, 'the store keeps at most max sessions');

    const { res: https } = await signIn(app, { 'x-forwarded-proto': 'https' });
    assert.match(sessionCookie(https), /; Secure/);
    const csrf = await fetch(app.url('/login'), { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(csrf.headers.get('set-cookie') ?? '', /^example\.csrf=.*; Secure/, 'the CSRF cookie too');
  });

  test('without trust proxy, a spoofed X-Forwarded-Proto does not change the cookie', async (t) => {
    const app = await start(t);
    const { res } = await signIn(app, { 'x-forwarded-proto': 'https' });
    const cookie = sessionCookie(res);
    assert.match(cookie, /example\.sid=/);
    assert.doesNotMatch(cookie, /Secure/);
  });

  test("the callback page's curl authenticates as the client that received the code", async (t) => {
    const app = await start(t);
    const pub = await getCode(app, DEMO.public.id);
    const pubPage = await (await fetch(app.url(`/callback?code=${pub.code}&state=st`))).text();
    assert.match(pubPage, new RegExp(`-d client_id=${DEMO.public.id}`));
    assert.doesNotMatch(pubPage, /-u demo-confidential/);

    const conf = await getCode(app, DEMO.confidential.id);
    const confPage = await (await fetch(app.url(`/callback?code=${conf.code}&state=st`))).text();
    assert.match(confPage, /-u demo-confidential:demo-confidential-secret/);
    assert.doesNotMatch(confPage, /client_id=demo-public/);

    const unknown = await (await fetch(app.url('/callback?code=not-a-real-code'))).text();
    assert.doesNotMatch(unknown, /curl/);
  });
});
