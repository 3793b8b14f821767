/**
 * End-to-end tests of the example authorization server
 * (examples/authorization-server), over real HTTP, with the OAuth client
 * library oauth4webapi on the client side. Each test starts its own copy of
 * the example on a free port with a fresh SQLite file.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import * as oauth from 'oauth4webapi';
import { type AppOptions, Browser, DEMO, type RunningExample, consentForm, loginCsrf, redirectTarget, signInThrough, startExample } from './helpers.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

interface Setup {
  app: RunningExample;
  as: oauth.AuthorizationServer;
  callback: string;
  implicitCallback: string;
}

/** Start the example and discover its metadata with oauth4webapi. */
async function setup(t: TestContext, options: AppOptions = {}): Promise<Setup> {
  const app = await startExample(options);
  t.after(() => app.close());
  const issuer = new URL(app.origin);
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure });
  const as = await oauth.processDiscoveryResponse(issuer, response);
  return { app, as, callback: app.url('/callback'), implicitCallback: app.url('/callback/implicit') };
}

const confidential: oauth.Client = { client_id: DEMO.confidential.id };
const confidentialAuth = oauth.ClientSecretBasic(DEMO.confidential.secret);
const publicClient: oauth.Client = { client_id: DEMO.public.id };

interface Authorization {
  browser: Browser;
  verifier: string;
  state: string;
  /** Where the server finally redirected the browser. */
  redirect: URL;
}

/**
 * Run the front-channel part of the code flow with PKCE: sign in, answer
 * the consent page (Allow unless `deny`), and return the redirect to the
 * client. A `browser` that is already signed in is reused.
 */
async function authorizeCode(
  s: Setup,
  options: { client?: oauth.Client; scope?: string; deny?: boolean; browser?: Browser; pkce?: boolean } = {},
): Promise<Authorization> {
  const { client = confidential, scope = 'profile email', deny = false, pkce = true } = options;
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(s.as.authorization_endpoint!);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('redirect_uri', s.callback);
  url.searchParams.set('scope', scope);
  url.searchParams.set('state', state);
  if (pkce) {
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
  }

  const browser = options.browser ?? new Browser();
  const res = options.browser ? await browser.get(url.href) : await signInThrough(browser, s.app, url.href);
  if (res.status !== 200) {
    return { browser, verifier, state, redirect: redirectTarget(res, s.app.origin) };
  }
  const consent = await res.text();
  const decision = await browser.post(s.app.url('/authorize/decision'), {
    ...consentForm(consent),
    ...(deny ? { cancel: 'Deny' } : {}),
  });
  return { browser, verifier, state, redirect: redirectTarget(decision, s.app.origin) };
}

/** Exchange the code in `auth.redirect` with oauth4webapi. */
async function exchange(
  s: Setup,
  auth: Authorization,
  options: { client?: oauth.Client; clientAuth?: oauth.ClientAuth; verifier?: string } = {},
) {
  const { client = confidential, clientAuth = confidentialAuth, verifier = auth.verifier } = options;
  const params = oauth.validateAuthResponse(s.as, client, auth.redirect, auth.state);
  const response = await oauth.authorizationCodeGrantRequest(s.as, client, clientAuth, params, s.callback, verifier, insecure);
  return oauth.processAuthorizationCodeResponse(s.as, client, response);
}

async function refresh(s: Setup, refreshToken: string) {
  const response = await oauth.refreshTokenGrantRequest(s.as, confidential, confidentialAuth, refreshToken, insecure);
  return oauth.processRefreshTokenResponse(s.as, confidential, response);
}

async function userinfo(s: Setup, accessToken: string) {
  return oauth.protectedResourceRequest(accessToken, 'GET', new URL(s.app.url('/api/userinfo')), undefined, undefined, insecure);
}

/**
 * Assert that `promise` fails with an OAuth error response carrying `code`.
 * The example renders RFC 6749 §5.2 statuses (`rfcStatus`): 400, except 401
 * for invalid_client.
 */
async function rejectsWithOAuthError(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof oauth.ResponseBodyError, `expected a ResponseBodyError, got ${String(err)}`);
    assert.equal(err.error, code);
    assert.equal(err.status, code === 'invalid_client' ? 401 : 400);
    return true;
  });
}

/** Assert that the API refused the call with a Bearer challenge carrying `code`. */
async function rejectsWithChallenge(promise: Promise<unknown>, status: number, code: string) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, `expected a challenge, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.equal(err.cause[0].scheme, 'bearer');
    assert.equal(err.cause[0].parameters.error, code);
    return true;
  });
}

// Every test has its own server and database, so they can run side by side;
// most of their time is spent waiting on scrypt (passwords, client secrets).
describe('example authorization server', { concurrency: 4 }, () => {
  test('metadata is discoverable and names the endpoints', async (t) => {
    const { app, as } = await setup(t);
    assert.equal(as.issuer, app.origin);
    assert.equal(as.authorization_endpoint, app.url('/authorize'));
    assert.equal(as.token_endpoint, app.url('/token'));
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
  });

  test('code flow with PKCE, then refresh, then the API (confidential client)', async (t) => {
    const s = await setup(t);
    const browser = new Browser();
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(s.as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: confidential.client_id,
      redirect_uri: s.callback,
      scope: 'profile email',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();

    // Signed out: the authorization endpoint sends the browser to the login page.
    const consentRes = await signInThrough(browser, s.app, url.href);
    assert.equal(consentRes.status, 200);
    const consent = await consentRes.text();
    assert.match(consent, new RegExp(DEMO.confidential.name.replace(/[()]/g, '\\$&')));
    assert.match(consent, /See your username and display name/);
    assert.match(consent, /See your email address/);
    assert.match(consent, /name="cancel"/);

    const decision = await browser.post(s.app.url('/authorize/decision'), {
      ...consentForm(consent),
    });
    const redirect = redirectTarget(decision, s.app.origin);
    assert.equal(`${redirect.origin}${redirect.pathname}`, s.callback);
    assert.equal(redirect.searchParams.get('state'), state);
    assert.ok(redirect.searchParams.get('code'), 'the redirect carries a code');
    // RFC 9207: the response names its issuer, which oauth4webapi checks against the metadata.
    assert.equal(redirect.searchParams.get('iss'), s.app.origin);
    assert.equal(s.as.authorization_response_iss_parameter_supported, true);

    const tokens = await exchange(s, { browser, verifier, state, redirect });
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 3600);
    assert.equal(tokens.scope, 'profile email');
    assert.equal(typeof tokens.access_token, 'string');
    assert.equal(typeof tokens.refresh_token, 'string');

    const refreshed = await refresh(s, tokens.refresh_token!);
    assert.equal(refreshed.expires_in, 3600);
    assert.equal(refreshed.scope, 'profile email');
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.ok(refreshed.refresh_token, 'rotation returns a new refresh token');
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);

    const res = await userinfo(s, refreshed.access_token);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      id: 1,
      username: DEMO.username,
      name: DEMO.name,
      email: 'alice@example.com',
      scope: 'profile email',
    });
  });

  test('public client: PKCE is required, and it authenticates with client_id alone', async (t) => {
    const s = await setup(t);

    // Without a code_challenge, oauth2orize's PKCE policy refuses the request before
    // `validate` runs, so it is an error page rather than a redirect to an unchecked URI.
    const browser = new Browser();
    const noPKCE = new URL(s.as.authorization_endpoint!);
    noPKCE.search = new URLSearchParams({ response_type: 'code', client_id: publicClient.client_id, redirect_uri: s.callback }).toString();
    const refused = await signInThrough(browser, s.app, noPKCE.href);
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('location'), null);
    assert.match(await refused.text(), /invalid_request/);

    const auth = await authorizeCode(s, { client: publicClient, browser });
    const tokens = await exchange(s, auth, { client: publicClient, clientAuth: oauth.None() });
    assert.equal(tokens.scope, 'profile email');
    assert.ok(tokens.refresh_token, 'a refresh token is issued');

    // A public client cannot use the grants that need a client secret.
    const response = await oauth.clientCredentialsGrantRequest(s.as, publicClient, oauth.None(), new URLSearchParams(), insecure);
    await rejectsWithOAuthError(oauth.processClientCredentialsResponse(s.as, publicClient, response), 'unauthorized_client');
  });

  test('issuer only: discovery, code + PKCE + iss, refresh, introspection, revocation', async (t) => {
    // oauth4webapi is given nothing but the issuer URL; everything else comes from discovery.
    const s = await setup(t);
    assert.equal(s.as.revocation_endpoint, s.app.url('/revoke'));
    assert.equal(s.as.introspection_endpoint, s.app.url('/introspect'));
    assert.deepEqual(s.as.code_challenge_methods_supported, ['S256']);

    const tokens = await exchange(s, await authorizeCode(s)); // validateAuthResponse checks iss
    const refreshed = await refresh(s, tokens.refresh_token!);

    const introspect = async (token: string, client = confidential, auth = confidentialAuth) =>
      oauth.processIntrospectionResponse(s.as, client, await oauth.introspectionRequest(s.as, client, auth, token, insecure));
    const active = await introspect(refreshed.access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, DEMO.confidential.id);
    assert.equal(active.scope, 'profile email');
    assert.equal(active.username, DEMO.username);
    assert.equal(typeof active.exp, 'number');
    assert.equal((await introspect(tokens.access_token)).active, true, 'rotation replaces the refresh token, not the access token');
    assert.equal((await introspect(tokens.refresh_token!)).active, false, 'a rotated-out refresh token is inactive');
    assert.equal((await introspect('not-a-token')).active, false);

    // The public client may neither introspect nor revoke another client's token.
    await assert.rejects(introspect(refreshed.access_token, publicClient, oauth.None()), (err: unknown) => {
      // 401 invalid_client, which carries a WWW-Authenticate challenge (RFC 6749 §5.2).
      assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, `expected a challenge, got ${String(err)}`);
      assert.equal(err.status, 401);
      return true;
    });
    const foreign = await oauth.revocationRequest(s.as, publicClient, oauth.None(), refreshed.refresh_token!, insecure);
    await oauth.processRevocationResponse(foreign);
    assert.equal((await introspect(refreshed.access_token)).active, true, "another client's revocation has no effect");

    // Revoking the refresh token revokes its grant: the access token dies with it.
    const revocation = await oauth.revocationRequest(s.as, confidential, confidentialAuth, refreshed.refresh_token!, insecure);
    assert.equal(await oauth.processRevocationResponse(revocation), undefined);
    assert.equal((await introspect(refreshed.access_token)).active, false);
    await rejectsWithOAuthError(refresh(s, refreshed.refresh_token!), 'invalid_grant');
    await rejectsWithChallenge(userinfo(s, refreshed.access_token), 401, 'invalid_token');
  });

  test('pushed authorization request (RFC 9126): push, authorize with request_uri, exchange', async (t) => {
    const s = await setup(t);
    assert.equal(s.as.pushed_authorization_request_endpoint, s.app.url('/par'));
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const push = (params: Record<string, string>) =>
      oauth
        .pushedAuthorizationRequest(s.as, confidential, confidentialAuth, new URLSearchParams(params), insecure)
        .then((response) => oauth.processPushedAuthorizationResponse(s.as, confidential, response));
    const pushed = await push({
      response_type: 'code',
      redirect_uri: s.callback,
      scope: 'profile',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    assert.match(pushed.request_uri, /^urn:ietf:params:oauth:request_uri:/);

    // Bad pushes are refused at the PAR endpoint, before any user is involved.
    await rejectsWithOAuthError(push({ response_type: 'code', redirect_uri: s.callback }), 'invalid_request'); // no PKCE
    await assert.rejects(push({ response_type: 'code', redirect_uri: 'https://evil.example/cb', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }));

    // The browser carries only client_id and request_uri.
    const url = new URL(s.as.authorization_endpoint!);
    url.search = new URLSearchParams({ client_id: confidential.client_id, request_uri: pushed.request_uri }).toString();
    const browser = new Browser();
    const consent = await signInThrough(browser, s.app, url.href);
    assert.equal(consent.status, 200);
    const decision = await browser.post(s.app.url('/authorize/decision'), consentForm(await consent.text()));
    const redirect = redirectTarget(decision, s.app.origin);
    const tokens = await exchange(s, { browser, verifier, state, redirect });
    assert.equal(tokens.scope, 'profile');

    // A request_uri is used once.
    const again = await browser.get(url.href);
    assert.equal(again.status, 400);
    assert.equal(again.headers.get('location'), null);
  });

  test('token exchange (RFC 8693) narrows an access token to fewer scopes', async (t) => {
    const s = await setup(t);
    const TYPE = 'urn:ietf:params:oauth:token-type:access_token';
    const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
    assert.ok(s.as.grant_types_supported?.includes(GRANT), 'metadata lists token exchange');
    const tokens = await exchange(s, await authorizeCode(s, { scope: 'profile email' }));
    const trade = (params: Record<string, string>, client = confidential, auth = confidentialAuth) =>
      oauth
        .genericTokenEndpointRequest(s.as, client, auth, GRANT, new URLSearchParams({ subject_token_type: TYPE, ...params }), insecure)
        .then((response) => oauth.processGenericTokenEndpointResponse(s.as, client, response));

    const narrow = await trade({ subject_token: tokens.access_token, scope: 'profile' });
    assert.equal(narrow.scope, 'profile');
    assert.equal(narrow.issued_token_type, TYPE);
    assert.equal(narrow.refresh_token, undefined);
    const me = (await (await userinfo(s, narrow.access_token)).json()) as Record<string, unknown>;
    assert.equal(me.username, DEMO.username);
    assert.equal('email' in me, false, 'the narrowed token does not reach the email');

    await rejectsWithOAuthError(trade({ subject_token: narrow.access_token, scope: 'profile email' }), 'invalid_scope');
    await rejectsWithOAuthError(trade({ subject_token: 'not-a-token' }), 'invalid_request');
    await rejectsWithOAuthError(trade({ subject_token: tokens.access_token }, publicClient, oauth.None()), 'unauthorized_client');
  });

  test('client_credentials: a token for the client itself, refused by the user API', async (t) => {
    const s = await setup(t);
    const response = await oauth.clientCredentialsGrantRequest(s.as, confidential, confidentialAuth, new URLSearchParams(), insecure);
    const tokens = await oauth.processClientCredentialsResponse(s.as, confidential, response);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 3600);
    assert.equal(tokens.refresh_token, undefined, 'no refresh token for client_credentials');

    await rejectsWithChallenge(userinfo(s, tokens.access_token), 403, 'insufficient_scope');

    // A wrong secret is invalid_client, 401, as OAuth JSON.
    const wrong = await fetch(s.app.url('/token'), {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO.confidential.id}:nope`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client');
  });

  test('password grant (turned on with legacyGrants) through genericTokenEndpointRequest', async (t) => {
    const s = await setup(t, { legacyGrants: ['password'] });
    assert.ok(s.as.grant_types_supported?.includes('password'), 'metadata advertises the password grant when it is on');
    const auth = oauth.ClientSecretPost(DEMO.confidential.secret);
    const grant = (password: string) =>
      oauth
        .genericTokenEndpointRequest(s.as, confidential, auth, 'password', new URLSearchParams({ username: DEMO.username, password, scope: 'profile' }), insecure)
        .then((response) => oauth.processGenericTokenEndpointResponse(s.as, confidential, response));

    const tokens = await grant(DEMO.password);
    assert.equal(tokens.scope, 'profile');
    assert.equal(tokens.expires_in, 3600);
    assert.ok(tokens.refresh_token, 'a refresh token is issued');

    const res = await userinfo(s, tokens.access_token);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.username, DEMO.username);
    assert.equal(body.scope, 'profile');
    assert.equal('email' in body, false, 'no email without the email scope');

    await rejectsWithOAuthError(grant('not-the-password'), 'invalid_grant');
  });

  test('denied consent redirects with access_denied and remembers nothing', async (t) => {
    const s = await setup(t);
    const denied = await authorizeCode(s, { deny: true });
    assert.equal(denied.redirect.searchParams.get('error'), 'access_denied');
    assert.equal(denied.redirect.searchParams.get('state'), denied.state);
    assert.equal(denied.redirect.searchParams.get('code'), null);
    assert.throws(
      () => oauth.validateAuthResponse(s.as, confidential, denied.redirect, denied.state),
      (err: unknown) => err instanceof oauth.AuthorizationResponseError && err.error === 'access_denied',
    );

    // Asking again shows the consent page again: a denial is not an approval.
    const again = await authorizeCode(s, { browser: denied.browser, deny: true });
    assert.equal(again.redirect.searchParams.get('error'), 'access_denied');
  });

  test('a wrong or missing PKCE verifier is invalid_grant', async (t) => {
    const s = await setup(t);
    const auth = await authorizeCode(s);
    await rejectsWithOAuthError(exchange(s, auth, { verifier: oauth.generateRandomCodeVerifier() }), 'invalid_grant');
    const params = oauth.validateAuthResponse(s.as, confidential, auth.redirect, auth.state);
    const noVerifier = await fetch(s.as.token_endpoint!, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO.confidential.id}:${DEMO.confidential.secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: s.callback }),
    });
    assert.equal(noVerifier.status, 400);
    assert.equal(((await noVerifier.json()) as { error: string }).error, 'invalid_grant');
    // exchange.code verifies before the app's issue runs, so a failed verification does not
    // spend the code; guessing is bounded by the failure limit on /token.
    const tokens = await exchange(s, auth);
    assert.ok(tokens.access_token, 'the right verifier still works');
  });

  test('a reused code is invalid_grant and revokes what the code produced', async (t) => {
    const s = await setup(t);
    const auth = await authorizeCode(s);
    const tokens = await exchange(s, auth);
    assert.equal((await userinfo(s, tokens.access_token)).status, 200);

    await rejectsWithOAuthError(exchange(s, auth), 'invalid_grant');

    await rejectsWithChallenge(userinfo(s, tokens.access_token), 401, 'invalid_token');
    await rejectsWithOAuthError(refresh(s, tokens.refresh_token!), 'invalid_grant');
  });

  test('the parent again within the grace window gets the same answer; any older token is invalid_grant and revokes its whole family', async (t) => {
    const s = await setup(t);
    const tokens = await exchange(s, await authorizeCode(s));
    const first = await refresh(s, tokens.refresh_token!);
    const second = await refresh(s, first.refresh_token!);

    // A client that refreshed twice in parallel: the immediate parent, within
    // the window (10 s by default), is answered with the rotation's response.
    const again = await refresh(s, first.refresh_token!);
    assert.equal(again.refresh_token, second.refresh_token);
    assert.equal(again.access_token, second.access_token);

    // A token older than the parent is a reuse.
    await rejectsWithOAuthError(refresh(s, tokens.refresh_token!), 'invalid_grant');

    // The token the legitimate client got from rotation is revoked too, and
    // so is the access token that came with it.
    await rejectsWithOAuthError(refresh(s, second.refresh_token!), 'invalid_grant');
    await rejectsWithChallenge(userinfo(s, second.access_token), 401, 'invalid_token');
  });

  test('a refresh may narrow the scope but not widen it', async (t) => {
    const s = await setup(t);
    const tokens = await exchange(s, await authorizeCode(s, { scope: 'profile' }));
    const widen = oauth
      .refreshTokenGrantRequest(s.as, confidential, confidentialAuth, tokens.refresh_token!, {
        ...insecure,
        additionalParameters: { scope: 'profile email' },
      })
      .then((response) => oauth.processRefreshTokenResponse(s.as, confidential, response));
    await rejectsWithOAuthError(widen, 'invalid_scope');
  });

  test('immediate: consent is skipped for approved scopes and asked for wider ones', async (t) => {
    const s = await setup(t);
    const first = await authorizeCode(s, { scope: 'profile' });
    assert.ok(first.redirect.searchParams.get('code'), 'the first request gets a code');

    // Same scope: no consent page, straight back to the client with a code.
    const url = new URL(s.as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: confidential.client_id,
      redirect_uri: s.callback,
      scope: 'profile',
      state: 'again',
      code_challenge: await oauth.calculatePKCECodeChallenge(first.verifier),
      code_challenge_method: 'S256',
    }).toString();
    const immediate = await first.browser.get(url.href);
    const target = redirectTarget(immediate, s.app.origin);
    assert.equal(target.pathname, '/callback');
    assert.equal(target.searchParams.get('state'), 'again');
    const tokens = await exchange(s, { ...first, state: 'again', redirect: target });
    assert.equal(tokens.scope, 'profile');

    // A wider scope needs consent again.
    url.searchParams.set('scope', 'profile email');
    const wider = await first.browser.get(url.href);
    assert.equal(wider.status, 200);
    assert.match(await wider.text(), /See your email address/);
  });

  test('implicit grant (turned on with legacyGrants) returns the token in the fragment', async (t) => {
    const s = await setup(t, { legacyGrants: ['implicit'] });
    assert.deepEqual(s.as.response_types_supported, ['code', 'token']);
    const browser = new Browser();
    const url = new URL(s.as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'token',
      client_id: confidential.client_id,
      redirect_uri: s.implicitCallback,
      scope: 'profile',
      state: 'implicit-state',
    }).toString();
    const consent = await (await signInThrough(browser, s.app, url.href)).text();
    const decision = await browser.post(s.app.url('/authorize/decision'), {
      ...consentForm(consent),
    });
    const target = redirectTarget(decision, s.app.origin);
    assert.equal(`${target.origin}${target.pathname}`, s.implicitCallback);
    assert.equal(target.search, '');
    const fragment = new URLSearchParams(target.hash.slice(1));
    assert.equal(fragment.get('token_type'), 'Bearer');
    assert.equal(fragment.get('expires_in'), '3600');
    assert.equal(fragment.get('state'), 'implicit-state');
    assert.equal(fragment.get('refresh_token'), null);
    const res = await userinfo(s, fragment.get('access_token')!);
    assert.equal(((await res.json()) as { username: string }).username, DEMO.username);
  });

  test('unregistered redirect URIs and unknown clients get an error page, not a redirect', async (t) => {
    const s = await setup(t);
    const browser = new Browser();
    const base = {
      response_type: 'code',
      client_id: confidential.client_id,
      scope: 'profile',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    };

    const wrongURI = new URL(s.app.url('/authorize'));
    wrongURI.search = new URLSearchParams({ ...base, redirect_uri: `${s.callback}/../evil` }).toString();
    const res = await signInThrough(browser, s.app, wrongURI.href);
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    assert.match(await res.text(), /redirect_uri is not registered/);

    // A prefix of, or an extension to, the registered URI is not a match either.
    const extended = new URL(wrongURI);
    extended.searchParams.set('redirect_uri', `${s.callback}?x=1`);
    assert.equal((await browser.get(extended.href)).status, 400);

    const unknown = new URL(wrongURI);
    unknown.searchParams.set('client_id', 'no-such-client');
    unknown.searchParams.set('redirect_uri', s.callback);
    const unknownRes = await browser.get(unknown.href);
    assert.equal(unknownRes.status, 403);
    assert.match(await unknownRes.text(), /Unknown client: no-such-client/);
  });

  test('a consent form cannot be submitted twice, or without signing in', async (t) => {
    const s = await setup(t);
    const browser = new Browser();
    const url = new URL(s.as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: confidential.client_id,
      redirect_uri: s.callback,
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    const consent = await (await signInThrough(browser, s.app, url.href)).text();
    const form = consentForm(consent);

    const first = await browser.post(s.app.url('/authorize/decision'), form);
    assert.ok(redirectTarget(first, s.app.origin).searchParams.get('code'), 'the first answer gets a code');

    // The transaction was removed when the first answer was sent.
    const replay = await browser.post(s.app.url('/authorize/decision'), form);
    assert.equal(replay.status, 403);
    assert.equal(replay.headers.get('location'), null);
    assert.match(await replay.text(), /Unable to load OAuth 2.0 transaction/);

    const stranger = await new Browser().post(s.app.url('/authorize/decision'), form);
    assert.equal(stranger.status, 401);
    assert.equal(stranger.headers.get('location'), null);
  });

  test('an unknown scope is redirected back as invalid_scope', async (t) => {
    const s = await setup(t);
    const auth = await authorizeCode(s, { scope: 'profile admin' });
    assert.equal(auth.redirect.searchParams.get('error'), 'invalid_scope');
    assert.equal(auth.redirect.searchParams.get('state'), auth.state);
  });

  test('pages escape what they echo, and login refuses off-site return_to', async (t) => {
    const s = await setup(t);
    const page = await (await fetch(s.app.url('/callback?state=%3Cscript%3Ealert(1)%3C/script%3E'))).text();
    assert.ok(!page.includes('<script>alert(1)</script>'), 'the state is not echoed as markup');
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the state is shown escaped');

    const browser = new Browser();
    const csrf_token = await loginCsrf(browser, s.app);
    const bad = await browser.post(s.app.url('/login'), { username: DEMO.username, password: 'wrong', return_to: '/', csrf_token });
    assert.equal(bad.status, 401);
    assert.match(await bad.text(), /Wrong username or password/);

    const ok = await browser.post(s.app.url('/login'), {
      username: DEMO.username,
      password: DEMO.password,
      return_to: '//evil.example/steal',
      csrf_token,
    });
    assert.equal(redirectTarget(ok, s.app.origin).href, s.app.url('/'));
  });
});
