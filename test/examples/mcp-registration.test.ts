/**
 * The example as an authorization server for MCP clients it has never seen:
 * the official MCP SDK client gets a client_id on its own, by dynamic
 * registration (RFC 7591, /register) or with a client ID metadata document
 * (its client_id is the URL of the document, served here by a local https
 * server with a CA made for the test), then signs in and calls the tools.
 * And the audience binding (RFC 8707) seen from the resource server's side:
 * introspection by the demo resource server's credential, down-scoping at
 * refresh, invalid_target.
 *
 * Everything runs on loopback. The example is started with its test-only
 * allowance for documents on loopback addresses and the test CA.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test, type TestContext } from 'node:test';
import * as oauth from 'oauth4webapi';
import { Browser, DEMO, MAIN_SCRIPT, type AppOptions, type RunningExample, consentForm, redirectTarget, signInThrough, startExample } from './helpers.js';
import { type Exchange, TestProvider, assertInOrder, connectThroughBrowser, structured } from './mcpClient.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const RESOURCE_SERVER = { id: 'demo-resource', secret: 'demo-resource-secret' };

async function start(t: TestContext, options: AppOptions = {}): Promise<RunningExample> {
  const app = await startExample(options);
  t.after(() => app.close());
  return app;
}

/** The example's SQLite handle, for reading what it stored. */
function sqliteOf(app: RunningExample) {
  return (app.db as unknown as { sqlite: { prepare(sql: string): { get(...args: unknown[]): unknown; run(...args: unknown[]): unknown } } }).sqlite;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** POST a form to the example, with Basic credentials when given. */
async function postForm(app: RunningExample, pathname: string, form: Record<string, string>, credentials?: { id: string; secret: string }) {
  return fetch(app.url(pathname), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(credentials ? { authorization: basic(credentials.id, credentials.secret) } : {}),
    },
    body: new URLSearchParams(form),
  });
}

describe('the MCP SDK client registers itself (RFC 7591)', () => {
  test('without client information, it registers at /register, signs in, calls the tools and refreshes', { timeout: 60_000 }, async (t) => {
    const app = await start(t);
    const log: Exchange[] = [];
    // A native app's callback on a loopback address; nothing listens there:
    // the test reads the code from the redirect.
    const provider = new TestProvider('http://127.0.0.1:47123/callback');
    let consentPage = '';
    const client = await connectThroughBrowser(app, provider, log, (html) => (consentPage = html));
    t.after(() => client.close());

    assertInOrder(log, [
      'POST /mcp 401',
      'GET /.well-known/oauth-protected-resource/mcp 200',
      'GET /.well-known/oauth-authorization-server 200',
      'POST /register 201',
      'POST /token 200',
      'POST /mcp 200',
    ]);
    const registered = provider.saved;
    assert.ok(registered?.client_id, 'the SDK saved its registration');
    assert.equal((registered as { client_secret?: string }).client_secret, undefined, 'a public client');
    // The consent page names the client and says it registered itself.
    assert.match(consentPage, /oauth2orize MCP test client/);
    assert.match(consentPage, /registered itself/);
    assert.match(consentPage, new RegExp(`<code>${app.url('/mcp')}</code>`));

    // Kept in the example's SQLite, as a public client requiring PKCE.
    const row = sqliteOf(app).prepare('SELECT * FROM clients WHERE id = ?').get(registered.client_id) as Record<string, unknown>;
    assert.equal(row.name, 'oauth2orize MCP test client');
    assert.equal(row.secret_hash, null);
    assert.deepEqual(JSON.parse(row.redirect_uris as string), ['http://127.0.0.1:47123/callback']);
    assert.ok(row.registered_at);

    const me = structured(await client.callTool({ name: 'whoami' }));
    assert.equal(me.username, DEMO.username);
    assert.equal(me.client, registered.client_id);

    // The access token expires: the SDK refreshes for the same resource.
    sqliteOf(app).prepare('UPDATE access_tokens SET expires_at = 1').run();
    const before = log.length;
    assert.equal(structured(await client.callTool({ name: 'whoami' })).username, DEMO.username);
    assertInOrder(log.slice(before), ['POST /mcp 401', 'POST /token 200', 'POST /mcp 200']);
  });

  test('a registered loopback redirect URI matches with any port, and nothing else changed', async (t) => {
    const app = await start(t);
    const res = await fetch(app.url('/register'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:5000/cb'], token_endpoint_auth_method: 'none', client_name: 'Loopback app' }),
    });
    assert.equal(res.status, 201);
    const { client_id } = (await res.json()) as { client_id: string };
    const authorize = (redirect: string) => {
      const url = new URL(app.url('/authorize'));
      url.search = new URLSearchParams({
        response_type: 'code', client_id, redirect_uri: redirect, scope: 'profile',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      }).toString();
      return url.href;
    };
    const browser = new Browser();
    const other = await signInThrough(browser, app, authorize('http://127.0.0.1:6123/cb'));
    assert.equal(other.status, 200, 'another port: the consent page');
    assert.match(await other.text(), /You will be sent back to <code>http:\/\/127\.0\.0\.1:6123\/cb<\/code>/);
    for (const uri of ['http://127.0.0.1:6123/other', 'http://localhost:5000/cb', 'https://127.0.0.1:5000/cb', 'http://127.0.0.1:5000/cb?x=1']) {
      const res = await browser.get(authorize(uri));
      assert.equal(res.status, 400, uri);
      assert.match(await res.text(), /redirect_uri is not registered/, uri);
    }
    // Only for public clients: the confidential demo client's localhost URI keeps its port.
    const confidential = new URL(app.url('/authorize'));
    confidential.search = new URLSearchParams({
      response_type: 'code', client_id: DEMO.confidential.id, redirect_uri: app.url('/callback').replace(/:\d+\//, ':1/'), scope: 'profile',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString();
    assert.equal((await browser.get(confidential.href)).status, 400);
  });

  test('registration is open only to public clients with loopback redirect URIs, and throttled', async (t) => {
    const app = await start(t, { rateLimits: { registrationsPerIP: 3 } });
    const register = (metadata: Record<string, unknown>) =>
      fetch(app.url('/register'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metadata) });

    // A confidential client, or an https redirect URI: refused by the policy
    // (the example takes no initial access tokens, so nobody else may register).
    const confidential = await register({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal(confidential.status, 400);
    assert.equal(((await confidential.json()) as { error: string }).error, 'invalid_client_metadata');
    const web = await register({ redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none' });
    assert.equal(web.status, 400);
    // Bad metadata: an RFC 7591 error.
    const fragment = await register({ redirect_uris: ['http://127.0.0.1/cb#x'], token_endpoint_auth_method: 'none' });
    assert.equal(fragment.status, 400);
    assert.equal(((await fragment.json()) as { error: string }).error, 'invalid_redirect_uri');

    const throttled = await register({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' });
    assert.equal(throttled.status, 429);
    assert.ok(throttled.headers.get('retry-after'));
  });

  test('the metadata advertises registration and client ID metadata documents; an unknown client gets invalid_client', async (t) => {
    const app = await start(t);
    const metadata = (await (await fetch(app.url('/.well-known/oauth-authorization-server'))).json()) as Record<string, unknown>;
    assert.equal(metadata.registration_endpoint, app.url('/register'));
    assert.equal(metadata.client_id_metadata_document_supported, true);
    // MCP clients register again only on invalid_client.
    const res = await postForm(app, '/token', { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'forgotten-client' });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
  });
});

describe('the MCP SDK client with a client ID metadata document', () => {
  let certs: { ca: string; key: string; cert: string };
  let documents: https.Server;
  let port = 0;
  const hits: string[] = [];
  const documentURL = () => `https://127.0.0.1:${port}/client.json`;
  const REDIRECT = 'http://127.0.0.1:47124/callback';

  before(async () => {
    certs = makeCertificates();
    documents = https.createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
      hits.push(req.url ?? '');
      if (req.url !== '/client.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(
        JSON.stringify({
          client_id: documentURL(),
          client_name: 'Document MCP client',
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }),
      );
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    port = (documents.address() as AddressInfo).port;
  });
  after(async () => {
    documents.closeAllConnections();
    await new Promise<void>((resolve) => documents.close(() => resolve()));
  });

  test('its client_id is the document URL: no registration, the consent page shows its name and host', { timeout: 60_000 }, async (t) => {
    const app = await start(t, { clientIdMetadata: { allowLoopback: true, ca: certs.ca } });
    const log: Exchange[] = [];
    const provider = new TestProvider(REDIRECT, undefined, documentURL());
    let consentPage = '';
    const client = await connectThroughBrowser(app, provider, log, (html) => (consentPage = html));
    t.after(() => client.close());

    assert.equal(provider.saved?.client_id, documentURL());
    assert.equal(log.filter((e) => e.path === '/register').length, 0, 'no registration');
    assert.ok(hits.includes('/client.json'), 'the example fetched the document');
    assert.match(consentPage, /Document MCP client/);
    assert.match(consentPage, new RegExp(`Published by <strong>127\\.0\\.0\\.1:${port}</strong>`));
    const token = log.find((e) => e.path === '/token');
    assert.equal(token?.form?.get('client_id'), documentURL());

    const me = structured(await client.callTool({ name: 'whoami' }));
    assert.equal(me.client, documentURL());
    assert.equal(me.username, DEMO.username);
  });

  test('main.js turns the allowance on with CIMD_DEV_LOOPBACK and CIMD_DEV_CA, and says so', { timeout: 60_000 }, async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oauth2orize-example-cimd-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'ca.pem'), certs.ca);
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DB_PATH: path.join(dir, 'example.sqlite'), CIMD_DEV_LOOPBACK: '1', CIMD_DEV_CA: path.join(dir, 'ca.pem') };
    delete env.REDIS_URL;
    const child = spawn(process.execPath, [fileURLToPath(MAIN_SCRIPT)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let origin: string | undefined;
    while (!(origin = /server: (http:\/\/localhost:\d+)\//.exec(stdout)?.[1])) {
      if (child.exitCode !== null) assert.fail(`main.js exited early (${child.exitCode}): ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    while (!/CIMD_DEV_LOOPBACK is on/.test(stderr)) await new Promise((resolve) => setTimeout(resolve, 20));
    const base = origin;
    const app = { origin: base, url: (p: string) => new URL(p, base).href } as RunningExample;

    const provider = new TestProvider(REDIRECT, undefined, documentURL());
    const client = await connectThroughBrowser(app, provider, []);
    t.after(() => client.close());
    assert.equal(structured(await client.callTool({ name: 'whoami' })).client, documentURL());
  });

  test('without the development allowance, a document on loopback is refused', async (t) => {
    const app = await start(t, { clientIdMetadata: { ca: certs.ca } });
    const before = hits.length;
    const url = new URL(app.url('/authorize'));
    url.search = new URLSearchParams({
      response_type: 'code', client_id: documentURL(), redirect_uri: REDIRECT, scope: 'profile',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString();
    const res = await signInThrough(new Browser(), app, url.href);
    assert.equal(res.status, 401);
    assert.match(await res.text(), /invalid_client/);
    assert.equal(hits.length, before, 'nothing fetched');
  });
});

describe('audience-bound tokens (RFC 8707) at the example', () => {
  /** Code flow for the confidential client with oauth4webapi, for `resources`; returns the token response. */
  async function codeFlow(app: RunningExample, resources: string[], tokenResource?: string[]) {
    const issuer = new URL(app.origin);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
    const client: oauth.Client = { client_id: DEMO.confidential.id };
    const auth = oauth.ClientSecretBasic(DEMO.confidential.secret);
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: client.client_id, redirect_uri: app.url('/callback'), scope: 'profile',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    for (const r of resources) url.searchParams.append('resource', r);
    const browser = new Browser();
    const consent = await signInThrough(browser, app, url.href);
    const answer = consent.status === 200 ? await browser.post(app.url('/authorize/decision'), consentForm(await consent.text())) : consent;
    const params = oauth.validateAuthResponse(as, client, redirectTarget(answer, app.origin), oauth.skipStateCheck);
    const extra = new URLSearchParams();
    for (const r of tokenResource ?? []) extra.append('resource', r);
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, app.url('/callback'), verifier, { ...insecure, additionalParameters: extra });
    return { as, client, auth, tokens: await oauth.processAuthorizationCodeResponse(as, client, response) };
  }

  const introspectAs = async (app: RunningExample, who: { id: string; secret: string }, token: string) =>
    (await (await postForm(app, '/introspect', { token }, who)).json()) as Record<string, unknown>;

  test('the demo resource server introspects tokens for /mcp and sees their aud; other tokens are inactive to it', async (t) => {
    const app = await start(t);
    const mcp = app.url('/mcp');
    const { tokens } = await codeFlow(app, [mcp, 'https://other.example/api'], [mcp]);
    // The token request narrowed the audience to /mcp.
    const seen = await introspectAs(app, RESOURCE_SERVER, tokens.access_token);
    assert.equal(seen.active, true);
    assert.deepEqual(seen.aud, [mcp]);
    assert.equal(seen.client_id, DEMO.confidential.id);
    // Its own client sees it too.
    assert.equal((await introspectAs(app, DEMO.confidential, tokens.access_token)).active, true);

    const other = await postForm(app, '/token', { grant_type: 'client_credentials', resource: 'https://other.example/api' }, DEMO.confidential);
    assert.equal(other.status, 200);
    const otherToken = ((await other.json()) as { access_token: string }).access_token;
    assert.deepEqual(await introspectAs(app, RESOURCE_SERVER, otherToken), { active: false });
    assert.deepEqual((await introspectAs(app, DEMO.confidential, otherToken)).aud, ['https://other.example/api']);
  });

  test('refresh may narrow the audience to granted resources, never widen it (invalid_target); a bad resource is refused', async (t) => {
    const app = await start(t);
    const mcp = app.url('/mcp');
    const { as, client, auth, tokens } = await codeFlow(app, [mcp, 'https://other.example/api']);
    assert.deepEqual((await introspectAs(app, DEMO.confidential, tokens.access_token)).aud, [mcp, 'https://other.example/api']);

    const widen = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, { ...insecure, additionalParameters: { resource: 'https://third.example/' } });
    await assert.rejects(oauth.processRefreshTokenResponse(as, client, widen), (err: unknown) => {
      assert.ok(err instanceof oauth.ResponseBodyError);
      assert.equal(err.error, 'invalid_target');
      return true;
    });
    const narrow = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, { ...insecure, additionalParameters: { resource: mcp } });
    const narrowed = await oauth.processRefreshTokenResponse(as, client, narrow);
    assert.deepEqual((await introspectAs(app, DEMO.confidential, narrowed.access_token)).aud, [mcp]);
    // The new refresh token keeps every resource of the grant.
    const wide = await oauth.refreshTokenGrantRequest(as, client, auth, narrowed.refresh_token!, { ...insecure, additionalParameters: { resource: 'https://other.example/api' } });
    assert.deepEqual((await introspectAs(app, DEMO.confidential, (await oauth.processRefreshTokenResponse(as, client, wide)).access_token)).aud, ['https://other.example/api']);

    // A resource with a fragment (RFC 8707 §2) at the token endpoint.
    const bad = await postForm(app, '/token', { grant_type: 'client_credentials', resource: 'https://other.example/api#frag' }, DEMO.confidential);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_target');
  });
});

/** A CA and a certificate for 127.0.0.1 signed by it, made with openssl in a temporary folder. */
function makeCertificates(): { ca: string; key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-cimd-ca-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=example MCP test CA');
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
    return {
      ca: readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
      key: readFileSync(path.join(dir, 'server.key'), 'utf8'),
      cert: readFileSync(path.join(dir, 'server.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
