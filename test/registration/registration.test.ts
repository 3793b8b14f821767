/**
 * Dynamic client registration (RFC 7591) against a small Express 5 app: metadata checks,
 * RFC 7591 §3.2.2 errors, initial access tokens and the policy hook, the throttle, the
 * tracing channel, the metadata field, and a registered client authenticating at the
 * token endpoint through server.authenticateClient().
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import fc from 'fast-check';
import oauth2orize, { loopbackPublicClientPolicy, TRACING_CHANNELS, type RegisteredClient, type RegistrationOptions } from '../../src/index.js';

interface App {
  base: string;
  clients: Map<string, RegisteredClient>;
  close(): Promise<void>;
}

/** An app with /register (options as given), /token behind authenticateClient over the registered clients, and metadata. */
async function start(options: RegistrationOptions = {}, { json = false }: { json?: boolean } = {}): Promise<App> {
  const http: HttpServer = createHttpServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients = new Map<string, RegisteredClient>();
  const server = oauth2orize.createServer<RegisteredClient>({ issuer: base });
  server.grant(oauth2orize.grant.code(() => 'code'));
  server.exchange(oauth2orize.exchange.code(() => 'at'));
  server.exchange(oauth2orize.exchange.clientCredentials(() => 'at-cc'));
  const app = express();
  const register = server.registration({ endpoint: base + '/register', throttle: false, ...options }, async (client) => {
    clients.set(client.clientId, client);
  });
  if (json) app.post('/register', express.json(), register, server.errorHandler());
  else app.post('/register', register, server.errorHandler());
  app.post('/token', express.urlencoded({ extended: false }), server.authenticateClient({
    methods: ['client_secret_basic', 'client_secret_post', 'none'],
    methodOf: (client) => client.metadata.token_endpoint_auth_method,
    secretOf: (client) => client.clientSecret,
  }, ({ clientId }) => clients.get(clientId) ?? null), server.token(), server.errorHandler());
  app.get('/.well-known/oauth-authorization-server', server.metadata({ issuer: base, metadata: { token_endpoint: '/token', authorization_endpoint: '/authorize' } }));
  http.on('request', app);
  return { base, clients, close: () => new Promise((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }) };
}

async function post(base: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(base + '/register', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const publicClient = { redirect_uris: ['http://127.0.0.1:33418/callback'], token_endpoint_auth_method: 'none', client_name: 'MCP Inspector' };

describe('server.registration: RFC 7591', () => {
  let app: App;
  before(async () => { app = await start(); });
  after(() => app.close());

  it('registers a public client: 201, client_id, no secret, defaults filled in', async () => {
    const r = await post(app.base, publicClient);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(typeof r.json.client_id, 'string');
    assert.equal(r.json.client_secret, undefined);
    assert.equal(r.json.client_secret_expires_at, undefined);
    assert.equal(typeof r.json.client_id_issued_at, 'number');
    assert.deepEqual(r.json.grant_types, ['authorization_code']);
    assert.deepEqual(r.json.response_types, ['code']);
    assert.deepEqual(r.json.redirect_uris, publicClient.redirect_uris);
    assert.equal(r.json.client_name, 'MCP Inspector');
    const stored = app.clients.get(r.json.client_id)!;
    assert.equal(stored.metadata.token_endpoint_auth_method, 'none');
  });

  it('registers a confidential client whose secret then works at the token endpoint', async () => {
    const r = await post(app.base, { grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic', unknown_field: 1 });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.equal(typeof r.json.client_secret, 'string');
    assert.ok(r.json.client_secret.length >= 40);
    assert.equal(r.json.client_secret_expires_at, 0);
    assert.equal(r.json.unknown_field, undefined, 'unknown metadata is dropped');
    const basic = Buffer.from(`${encodeURIComponent(r.json.client_id)}:${encodeURIComponent(r.json.client_secret)}`).toString('base64');
    const token = await fetch(app.base + '/token', { method: 'POST', headers: { authorization: 'Basic ' + basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    assert.equal(token.status, 200);
    assert.equal((await token.json() as any).access_token, 'at-cc');
  });

  it('answers invalid_client (401) at the token endpoint for an unknown or forgotten client_id', async () => {
    const attempts: Array<{ headers: Record<string, string>; body: string }> = [
      { headers: { authorization: 'Basic ' + Buffer.from('nobody:secret').toString('base64') }, body: 'grant_type=client_credentials' },
      { headers: {}, body: 'grant_type=client_credentials&client_id=nobody&client_secret=x' },
      { headers: {}, body: 'grant_type=authorization_code&code=c&client_id=nobody&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb' },
    ];
    for (const init of attempts) {
      const res = await fetch(app.base + '/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers }, body: init.body });
      assert.equal(res.status, 401, init.body);
      assert.equal((await res.json() as any).error, 'invalid_client');
      assert.match(res.headers.get('www-authenticate') || '', /^Basic /);
    }
  });

  it('advertises registration_endpoint', async () => {
    const res = await fetch(app.base + '/.well-known/oauth-authorization-server');
    const json = await res.json() as any;
    assert.equal(json.registration_endpoint, app.base + '/register');
  });

  const refusals: Array<[string, unknown, string]> = [
    ['a fragment in a redirect URI', { ...publicClient, redirect_uris: ['https://app.example/cb#x'] }, 'invalid_redirect_uri'],
    ['http on a non-loopback host', { ...publicClient, redirect_uris: ['http://app.example/cb'] }, 'invalid_redirect_uri'],
    ['http://localhost without allowLocalhost', { ...publicClient, redirect_uris: ['http://localhost:3000/cb'] }, 'invalid_redirect_uri'],
    ['a private-use scheme without allowPrivateUseSchemes', { ...publicClient, redirect_uris: ['com.example.app:/cb'] }, 'invalid_redirect_uri'],
    ['a relative redirect URI', { ...publicClient, redirect_uris: ['/cb'] }, 'invalid_redirect_uri'],
    ['no redirect URIs for the code grant', { token_endpoint_auth_method: 'none' }, 'invalid_redirect_uri'],
    ['redirect_uris not an array', { ...publicClient, redirect_uris: 'https://app.example/cb' }, 'invalid_client_metadata'],
    ['code without authorization_code', { ...publicClient, grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
    ['authorization_code without code', { ...publicClient, response_types: [] }, 'invalid_client_metadata'],
    ['implicit without a registered token grant', { ...publicClient, grant_types: ['authorization_code', 'implicit'], response_types: ['code', 'token'] }, 'invalid_client_metadata'],
    ['an unknown auth method', { ...publicClient, token_endpoint_auth_method: 'magic' }, 'invalid_client_metadata'],
    ['private_key_jwt without keys', { ...publicClient, token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
    ['jwks and jwks_uri together', { ...publicClient, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://app.example/jwks', jwks: { keys: [{ kty: 'EC' }] } }, 'invalid_client_metadata'],
    ['a private key in jwks', { ...publicClient, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', d: 'secret' }] } }, 'invalid_client_metadata'],
    ['eleven redirect URIs', { ...publicClient, redirect_uris: Array.from({ length: 11 }, (_, i) => `https://app.example/cb${i}`) }, 'invalid_client_metadata'],
    ['a 2001-character client_name', { ...publicClient, client_name: 'x'.repeat(2001) }, 'invalid_client_metadata'],
    ['a client_uri that is not a URL', { ...publicClient, client_uri: 'javascript:alert(1)' }, 'invalid_client_metadata'],
    ['a malformed scope', { ...publicClient, scope: 'a  b' }, 'invalid_client_metadata'],
    ['an array body', [publicClient], 'invalid_client_metadata'],
    ['a string body', '"hello"', 'invalid_client_metadata'],
  ];
  for (const [what, body, code] of refusals) {
    it(`refuses ${what}: 400 ${code}`, async () => {
      const r = await post(app.base, body);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error, code);
      assert.equal(typeof r.json.error_description, 'string');
    });
  }

  it('fast-check: any JSON body gets 201 or a clear RFC 7591 error, never a 500', async () => {
    const uri = fc.oneof(fc.webUrl({ withFragments: true, withQueryParameters: true }), fc.constantFrom('http://127.0.0.1:1/cb', 'http://[::1]/cb', 'com.x.y:/cb', '', '#', 'http://localhost/cb'), fc.string());
    const metadata = fc.record({
      redirect_uris: fc.oneof(fc.array(uri, { maxLength: 12 }), fc.anything()),
      grant_types: fc.oneof(fc.array(fc.constantFrom('authorization_code', 'implicit', 'client_credentials', 'refresh_token', 'x'), { maxLength: 4 }), fc.anything()),
      response_types: fc.oneof(fc.array(fc.constantFrom('code', 'token', 'code token', 'id_token', ''), { maxLength: 3 }), fc.anything()),
      token_endpoint_auth_method: fc.oneof(fc.constantFrom('none', 'client_secret_basic', 'private_key_jwt', 'client_secret_jwt', 'tls_client_auth', 'x'), fc.anything()),
      client_name: fc.oneof(fc.string(), fc.anything()),
      jwks: fc.anything(),
      jwks_uri: fc.oneof(fc.webUrl(), fc.anything()),
      scope: fc.oneof(fc.string(), fc.anything()),
      contacts: fc.anything(),
    }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(fc.oneof(metadata, fc.jsonValue()), async (body) => {
      const r = await post(app.base, JSON.stringify(body) ?? 'null');
      if (r.status === 201) return;
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.ok(['invalid_client_metadata', 'invalid_redirect_uri'].includes(r.json.error), r.json.error);
    }), { numRuns: 150 });
  });
});

describe('server.registration: options', () => {
  it('takes the body express.json() parsed', async () => {
    const app = await start({}, { json: true });
    try {
      assert.equal((await post(app.base, publicClient)).status, 201);
      assert.equal((await post(app.base, { ...publicClient, redirect_uris: ['http://x.example/'] })).json.error, 'invalid_redirect_uri');
    } finally {
      await app.close();
    }
  });

  it('reads the body itself, up to maxBodyBytes', async () => {
    const app = await start({ maxBodyBytes: 1024 });
    try {
      assert.equal((await post(app.base, publicClient)).status, 201);
      const big = await post(app.base, { ...publicClient, client_name: 'x'.repeat(2000) });
      assert.equal(big.status, 400);
      assert.match(big.json.error_description, /larger than 1024 bytes/);
      // Chunked, without a Content-Length: cut while reading.
      const chunked = await new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = httpRequest(app.base + '/register', { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
          let text = '';
          res.on('data', (c) => { text += c; });
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.write('{"client_name":"' + 'x'.repeat(600));
        req.write('x'.repeat(600) + '"}');
        req.end();
      });
      assert.equal(chunked.status, 400);
      assert.match(chunked.body.error_description, /larger than 1024 bytes/);
      const form = await fetch(app.base + '/register', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
      assert.equal(form.status, 400);
      assert.equal((await form.json() as any).error, 'invalid_client_metadata');
      const bad = await post(app.base, '{"redirect_uris": [');
      assert.equal(bad.json.error, 'invalid_client_metadata');
    } finally {
      await app.close();
    }
  });

  it('accepts localhost and private-use schemes when allowed', async () => {
    const app = await start({ allowLocalhost: true, allowPrivateUseSchemes: true });
    try {
      assert.equal((await post(app.base, { ...publicClient, redirect_uris: ['http://localhost:6274/cb', 'com.example.app:/oauth'] })).status, 201);
      const bare = await post(app.base, { ...publicClient, redirect_uris: ['myapp:/cb'] });
      assert.equal(bare.json.error, 'invalid_redirect_uri');
    } finally {
      await app.close();
    }
  });

  it('loopbackPublicClientPolicy: open for loopback public clients, an initial access token for the rest', async () => {
    const grants: unknown[] = [];
    const app = await start({
      policy: loopbackPublicClientPolicy,
      initialAccessToken: ({ token }) => (token === 'iat-good' ? { by: 'admin' } : null),
    });
    try {
      assert.equal((await post(app.base, publicClient)).status, 201);
      const web = { redirect_uris: ['https://app.example/cb'] };
      const anon = await post(app.base, web);
      assert.equal(anon.status, 401);
      assert.equal(anon.json.error, 'invalid_token');
      assert.equal(anon.headers.get('www-authenticate'), 'Bearer');
      const wrong = await post(app.base, web, { authorization: 'Bearer iat-bad' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
      const ok = await post(app.base, web, { authorization: 'Bearer iat-good' });
      assert.equal(ok.status, 201, JSON.stringify(ok.json));
      grants.push(app.clients.get(ok.json.client_id)!.initialAccess);
      assert.deepEqual(grants, [{ by: 'admin' }]);
      const malformed = await post(app.base, web, { authorization: 'Basic abc' });
      assert.equal(malformed.json.error, 'invalid_request');
    } finally {
      await app.close();
    }
  });

  it('a policy refuses with its own description; the default policy with initialAccessToken requires one', async () => {
    const app = await start({ policy: ({ metadata }) => (metadata.client_name === 'ok' ? true : 'Only clients named ok') });
    try {
      assert.equal((await post(app.base, { ...publicClient, client_name: 'ok' })).status, 201);
      const r = await post(app.base, publicClient);
      assert.equal(r.json.error, 'invalid_client_metadata');
      assert.equal(r.json.error_description, 'Only clients named ok');
    } finally {
      await app.close();
    }
    const guarded = await start({ initialAccessToken: (token: string, done: any) => done(null, token === 't') });
    try {
      assert.equal((await post(guarded.base, publicClient)).status, 401);
      assert.equal((await post(guarded.base, publicClient, { authorization: 'Bearer t' })).status, 201);
    } finally {
      await guarded.close();
    }
  });

  it('throttles per address: 429 with Retry-After past the limit', async () => {
    const app = await start({ throttle: { max: 2, window: 60 } });
    try {
      assert.equal((await post(app.base, publicClient)).status, 201);
      assert.equal((await post(app.base, { bad: true })).status, 400);
      const third = await post(app.base, publicClient);
      assert.equal(third.status, 429);
      assert.equal(third.json.error, 'temporarily_unavailable');
      const retry = Number(third.headers.get('retry-after'));
      assert.ok(retry > 0 && retry <= 60, String(retry));
    } finally {
      await app.close();
    }
  });

  it('issues secrets that expire after secretExpiresIn, on the given clock', async () => {
    const app = await start({ secretExpiresIn: 3600, now: () => 1_700_000_000_000, generateClientId: () => 'fixed-id' });
    try {
      const r = await post(app.base, { ...publicClient, token_endpoint_auth_method: 'client_secret_post' });
      assert.equal(r.json.client_id, 'fixed-id');
      assert.equal(r.json.client_id_issued_at, 1_700_000_000);
      assert.equal(r.json.client_secret_expires_at, 1_700_003_600);
    } finally {
      await app.close();
    }
  });

  it('publishes on the registration tracing channel', async () => {
    const app = await start();
    const seen: any[] = [];
    const handlers = { start() {}, end() {}, asyncStart() {}, asyncEnd: (ctx: any) => { seen.push({ ...ctx }); }, error() {} };
    const channel = diagnostics.tracingChannel(TRACING_CHANNELS.registration);
    channel.subscribe(handlers);
    try {
      await post(app.base, publicClient);
      await post(app.base, { ...publicClient, redirect_uris: ['http://evil.example/'] });
    } finally {
      channel.unsubscribe(handlers);
      await app.close();
    }
    assert.equal(seen.length, 2);
    assert.equal(seen[0].endpoint, 'registration');
    assert.equal(seen[0].outcome, 'success');
    assert.equal(seen[1].errorCode, 'invalid_redirect_uri');
  });

  it('checks its arguments at construction', () => {
    const server = oauth2orize.createServer();
    assert.throws(() => server.registration(undefined, undefined as any), /requires a store callback/);
    assert.throws(() => server.registration({ maxBodyBytes: -1 }, () => {}), /maxBodyBytes/);
    assert.throws(() => server.registration({ authMethods: ['magic' as any] }, () => {}), /authMethods/);
    assert.throws(() => server.registration({ throttle: { max: 0 } }, () => {}), /max/);
  });
});
