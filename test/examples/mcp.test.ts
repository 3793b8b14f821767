/**
 * The example's demo MCP server (`/mcp`, examples/authorization-server/mcp/)
 * with the official MCP SDK client (`@modelcontextprotocol/sdk`): the client
 * finds its way to a token on its own, through the 401 challenge, the
 * protected-resource metadata (RFC 9728) and the server metadata (RFC 8414),
 * given only an `OAuthClientProvider` (the interface the SDK asks an app to
 * implement: storage for tokens and the code verifier, and "open this URL in
 * a browser"). The browser is driven over HTTP with a cookie jar, as in the
 * other example tests: sign-in form, consent form, redirect to the client.
 *
 * The client is the pre-registered public client `demo-public`; its
 * registered redirect URI is the example's own /callback page, which the
 * test reads the code from instead of letting the browser load it. When the
 * access token expires, the SDK refreshes it on its own.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import * as oauth from 'oauth4webapi';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { type Exchange, TestProvider, assertInOrder, recordingFetch, structured } from './mcpClient.js';
import { Browser, DEMO, type RunningExample, consentForm, redirectTarget, signInThrough, startExample } from './helpers.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

async function start(t: TestContext): Promise<RunningExample> {
  const app = await startExample();
  t.after(() => app.close());
  return app;
}

describe('the MCP SDK client against the example', () => {
  test('discovers the authorization server from the 401, signs the user in with PKCE, then lists and calls the tools', { timeout: 60_000 }, async (t) => {
    const app = await start(t);
    const mcpURL = new URL(app.url('/mcp'));
    const log: Exchange[] = [];
    const provider = new TestProvider(app.url('/callback'), { client_id: DEMO.public.id });

    // 1. No token yet: the SDK meets the 401, discovers, and asks for the browser.
    const first = new Client({ name: 'oauth2orize-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(mcpURL, { authProvider: provider, fetch: recordingFetch(log) });
    await assert.rejects(first.connect(transport), UnauthorizedError);
    await first.close();

    assertInOrder(log, [
      'POST /mcp 401',
      'GET /.well-known/oauth-protected-resource/mcp 200',
      'GET /.well-known/oauth-authorization-server 200',
    ]);
    const url = provider.authorizationURL;
    assert.ok(url, 'the SDK asked to open an authorization URL');
    assert.equal(`${url.origin}${url.pathname}`, app.url('/authorize'));
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('client_id'), DEMO.public.id);
    assert.equal(url.searchParams.get('redirect_uri'), app.url('/callback'));
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.match(url.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(url.searchParams.get('state'), provider.stateValue);
    // From the protected-resource metadata: its scopes, and its resource identifier (RFC 8707).
    assert.equal(url.searchParams.get('scope'), 'profile email');
    assert.equal(url.searchParams.get('resource'), mcpURL.href);

    // 2. The browser: sign in, consent, and the redirect back to the client.
    const browser = new Browser();
    const consent = await signInThrough(browser, app, url.href);
    assert.equal(consent.status, 200, 'the consent page');
    const decision = await browser.post(app.url('/authorize/decision'), consentForm(await consent.text()));
    const callback = redirectTarget(decision, app.origin);
    assert.equal(`${callback.origin}${callback.pathname}`, app.url('/callback'));
    // What the host app checks itself (the SDK leaves both to it): state, and iss (RFC 9207).
    assert.equal(callback.searchParams.get('state'), provider.stateValue);
    assert.equal(callback.searchParams.get('iss'), app.origin);
    const code = callback.searchParams.get('code');
    assert.ok(code, `a code in ${callback.href}`);

    // 3. The SDK exchanges the code (PKCE verifier, public client, resource).
    const beforeToken = log.length;
    await transport.finishAuth(code);
    const tokenRequest = log.slice(beforeToken).find((e) => e.path === '/token');
    assert.equal(tokenRequest?.status, 200);
    assert.equal(tokenRequest.form?.get('grant_type'), 'authorization_code');
    assert.equal(tokenRequest.form?.get('client_id'), DEMO.public.id);
    assert.equal(tokenRequest.form?.get('resource'), mcpURL.href);
    assert.ok(tokenRequest.form?.get('code_verifier'));
    const tokens = provider.tokens();
    assert.ok(tokens?.access_token);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.scope, 'profile email');
    assert.ok(tokens.refresh_token, 'a refresh token for the public client');

    // 4. Connected: the tools act for the signed-in user.
    const client = new Client({ name: 'oauth2orize-test', version: '1.0.0' });
    t.after(() => client.close());
    const before = log.length;
    await client.connect(new StreamableHTTPClientTransport(mcpURL, { authProvider: provider, fetch: recordingFetch(log) }));
    assert.deepEqual(client.getServerVersion(), { name: 'oauth2orize-example', version: '1.0.0' });

    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['connected_apps', 'whoami']);

    const me = structured(await client.callTool({ name: 'whoami' }));
    assert.equal(me.username, DEMO.username);
    assert.equal(me.name, DEMO.name);
    assert.equal(me.email, 'alice@example.com');
    assert.equal(me.client, DEMO.public.id);
    assert.deepEqual(me.scopes, ['profile', 'email']);

    const { apps } = structured(await client.callTool({ name: 'connected_apps' })) as { apps: { clientId: string; scopes: string[] }[] };
    assert.deepEqual(
      apps.map(({ clientId, scopes }) => ({ clientId, scopes })),
      [{ clientId: DEMO.public.id, scopes: ['email', 'profile'] }],
    );

    // Every /mcp request after the sign-in carried the token: none was refused.
    const after = log.slice(before);
    assert.ok(after.length > 0);
    assert.deepEqual(after.filter((e) => e.status === 401 || e.status === 403), []);

    // 5. The access token expires: the SDK meets a 401, refreshes on its own
    // (rotation: a new refresh token), and repeats the call.
    const { sqlite } = app.db as unknown as { sqlite: { prepare(sql: string): { run(): unknown } } };
    sqlite.prepare('UPDATE access_tokens SET expires_at = 1').run();
    const beforeRefresh = log.length;
    assert.equal(structured(await client.callTool({ name: 'whoami' })).username, DEMO.username);
    assertInOrder(log.slice(beforeRefresh), ['POST /mcp 401', 'POST /token 200', 'POST /mcp 200']);
    const refresh = log.slice(beforeRefresh).find((e) => e.path === '/token');
    assert.equal(refresh?.form?.get('grant_type'), 'refresh_token');
    assert.equal(refresh.form?.get('refresh_token'), tokens.refresh_token);
    assert.equal(refresh.form?.get('resource'), mcpURL.href);
    const refreshed = provider.tokens();
    assert.ok(refreshed?.refresh_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    t.diagnostic(log.map((e) => `${e.method} ${e.path} ${e.status}`).join(', '));
  });
});

describe('/mcp as a protected resource', () => {
  /** A client_credentials token, for `resource` when given: it acts for the client, not a user. */
  async function clientToken(app: RunningExample, resource?: string): Promise<string> {
    const res = await fetch(app.url('/token'), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${DEMO.confidential.id}:${DEMO.confidential.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...(resource ? { resource } : {}) }),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** POST a JSON-RPC ping to /mcp through oauth4webapi, which parses Bearer challenges (RFC 6750 §3). */
  function callMcp(app: RunningExample, token: string) {
    return oauth.protectedResourceRequest(
      token,
      'POST',
      new URL(app.url('/mcp')),
      new Headers({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' }),
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      insecure,
    );
  }

  async function rejectsWithChallenge(promise: Promise<unknown>, app: RunningExample, status: number, error: string, scope?: string) {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, `expected a challenge, got ${String(err)}`);
      assert.equal(err.status, status);
      const [challenge] = err.cause;
      assert.equal(challenge.scheme, 'bearer');
      assert.equal(challenge.parameters.error, error);
      assert.equal(challenge.parameters.resource_metadata, app.url('/.well-known/oauth-protected-resource/mcp'));
      assert.equal(challenge.parameters.scope, scope);
      return true;
    });
  }

  test('serves its protected-resource metadata at the RFC 9728 §3.1 path', async (t) => {
    const app = await start(t);
    const res = await fetch(app.url('/.well-known/oauth-protected-resource/mcp'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), {
      resource: app.url('/mcp'),
      authorization_servers: [app.origin],
      scopes_supported: ['profile', 'email'],
      bearer_methods_supported: ['header'],
      resource_name: 'oauth2orize example MCP server',
    });
  });

  test('the server metadata has what the MCP authorization spec asks of it', async (t) => {
    const app = await start(t);
    const metadata = (await (await fetch(app.url('/.well-known/oauth-authorization-server'))).json()) as Record<string, unknown>;
    assert.equal(metadata.issuer, app.origin);
    // The spec has clients refuse a server that does not list S256 (the SDK itself only
    // refuses a list without it), so the example must list it.
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.ok((metadata.response_types_supported as string[]).includes('code'));
    assert.ok((metadata.grant_types_supported as string[]).includes('authorization_code'));
    assert.ok((metadata.grant_types_supported as string[]).includes('refresh_token'));
    assert.ok((metadata.token_endpoint_auth_methods_supported as string[]).includes('none'), 'public clients');
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
  });

  test('a request without a token gets 401 naming the metadata, without an error code (RFC 6750 §3.1)', async (t) => {
    const app = await start(t);
    for (const method of ['POST', 'GET', 'DELETE']) {
      const res = await fetch(app.url('/mcp'), { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : null });
      assert.equal(res.status, 401, method);
      // Both schemes /mcp takes (RFC 6750 §3, RFC 9449 §7.1), neither with an error code.
      const metadata = `resource_metadata="${app.url('/.well-known/oauth-protected-resource/mcp')}"`;
      assert.equal(
        res.headers.get('www-authenticate'),
        `Bearer ${metadata}, DPoP ${metadata}, algs="ES256 EdDSA Ed25519 PS256 RS256"`,
        method,
      );
    }
    // Another scheme counts as no Bearer token.
    const basic = await fetch(app.url('/mcp'), { method: 'POST', headers: { authorization: 'Basic YTpi' } });
    assert.equal(basic.status, 401);
    assert.doesNotMatch(basic.headers.get('www-authenticate') ?? '', /error=/);
  });

  test('an unknown token gets 401 invalid_token', async (t) => {
    const app = await start(t);
    await rejectsWithChallenge(callMcp(app, 'not-a-token'), app, 401, 'invalid_token');
  });

  test('a revoked or expired token gets 401 invalid_token', async (t) => {
    const app = await start(t);
    const revoked = await userToken(app, 'profile');
    const expired = await userToken(app, 'profile');
    assert.equal((await callMcp(app, revoked)).status, 200);
    assert.equal((await callMcp(app, expired)).status, 200);

    const revocation = await fetch(app.url('/revoke'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: revoked, client_id: DEMO.public.id }),
    });
    assert.equal(revocation.status, 200);
    await rejectsWithChallenge(callMcp(app, revoked), app, 401, 'invalid_token');

    // The example keeps token digests; expire every token the way time would.
    const { sqlite } = app.db as unknown as { sqlite: { prepare(sql: string): { run(): unknown } } };
    sqlite.prepare('UPDATE access_tokens SET expires_at = 1').run();
    await rejectsWithChallenge(callMcp(app, expired), app, 401, 'invalid_token');
  });

  test('a token in the query, or malformed Bearer credentials, get 400 invalid_request', async (t) => {
    const app = await start(t);
    const token = await clientToken(app);
    const query = await fetch(app.url(`/mcp?access_token=${token}`), { method: 'POST' });
    assert.equal(query.status, 400);
    assert.match(query.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
    const malformed = await fetch(app.url('/mcp'), { method: 'POST', headers: { authorization: 'Bearer two tokens' } });
    assert.equal(malformed.status, 400);
    assert.match(malformed.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
  });

  test('a token that acts for a client, not a user, gets 403 insufficient_scope', async (t) => {
    const app = await start(t);
    await rejectsWithChallenge(callMcp(app, await clientToken(app, app.url('/mcp'))), app, 403, 'insufficient_scope', 'profile');
  });

  test('tokens are audience-bound: a token for another resource, or for none, gets 401 invalid_token', async (t) => {
    const app = await start(t);
    await rejectsWithChallenge(callMcp(app, await clientToken(app, 'https://other.example/api')), app, 401, 'invalid_token');
    await rejectsWithChallenge(callMcp(app, await clientToken(app)), app, 401, 'invalid_token');
    // A user token with the right scope, asked for another resource.
    await rejectsWithChallenge(callMcp(app, await userToken(app, 'profile', 'https://other.example/api')), app, 401, 'invalid_token');
  });

  test('a user token without the profile scope gets 403 insufficient_scope', async (t) => {
    const app = await start(t);
    const token = await userToken(app, 'email');
    await rejectsWithChallenge(callMcp(app, token), app, 403, 'insufficient_scope', 'profile');
  });

  test('with a valid token, POST speaks JSON-RPC, GET and DELETE get 405 (stateless), another Origin gets 403', async (t) => {
    const app = await start(t);
    const token = await userToken(app, 'profile');
    const res = await callMcp(app, token);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { jsonrpc: '2.0', id: 1, result: {} });
    for (const method of ['GET', 'DELETE']) {
      const other = await fetch(app.url('/mcp'), { method, headers: { authorization: `Bearer ${token}` } });
      assert.equal(other.status, 405, method);
      assert.equal(other.headers.get('allow'), 'POST');
    }
    const broken = await fetch(app.url('/mcp'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":',
    });
    assert.equal(broken.status, 400);
    assert.equal(((await broken.json()) as { error: { code: number } }).error.code, -32700);

    // A browser page of another origin (DNS rebinding) is refused; this origin is not.
    for (const [origin, status] of [['http://rebound.example:3000', 403], [app.origin, 200]] as const) {
      const res = await fetch(app.url('/mcp'), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, origin, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
      });
      assert.equal(res.status, status, origin);
    }
  });
});

/**
 * A user access token for the public client with `scope`, for `resource`
 * (default: /mcp), through the browser flow (oauth4webapi on the client
 * side), in a new browser session.
 */
async function userToken(app: RunningExample, scope: string, resource = app.url('/mcp')): Promise<string> {
  const issuer = new URL(app.origin);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  const client: oauth.Client = { client_id: DEMO.public.id };
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: app.url('/callback'),
    scope,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    resource,
  }).toString();
  const browser = new Browser();
  const consent = await signInThrough(browser, app, url.href);
  // Consent is skipped (a redirect at once) when this user approved these scopes before.
  const answer = consent.status === 200 ? await browser.post(app.url('/authorize/decision'), consentForm(await consent.text())) : consent;
  const params = oauth.validateAuthResponse(as, client, redirectTarget(answer, app.origin), oauth.skipStateCheck);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, app.url('/callback'), verifier, insecure);
  return (await oauth.processAuthorizationCodeResponse(as, client, response)).access_token;
}
