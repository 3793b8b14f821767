/**
 * The client configuration endpoint (RFC 7592) over clients registered with the
 * `management` option, in a small Express 5 app: read, update, delete, and the
 * registration access token.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import oauth2orize, { type RegisteredClient } from '../../src/index.js';

let http: HttpServer;
let base = '';
const clients = new Map<string, RegisteredClient>();

before(async () => {
  http = createHttpServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const server = oauth2orize.createServer<RegisteredClient>();
  const rules = { allowLocalhost: true };
  const management = { uri: (id: string) => `${base}/register/${id}` };
  const app = express();
  app.post('/register', server.registration({ ...rules, management, throttle: false }, (client) => { clients.set(client.clientId, structuredClone(client)); }), server.errorHandler());
  app.all('/register/:clientId', server.clientConfiguration({ ...rules, ...management }, {
    load: ({ clientId }) => clients.get(clientId) ?? null,
    update: (client) => { clients.set(client.clientId, structuredClone(client)); },
    remove: (clientId: string, done: (err?: unknown) => void) => { clients.delete(clientId); done(); },
  }), server.errorHandler());
  http.on('request', app);
});

after(async () => {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

async function send(method: string, url: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function register(extra: Record<string, unknown> = {}) {
  const r = await send('POST', base + '/register', undefined, { redirect_uris: ['http://localhost:7777/cb'], token_endpoint_auth_method: 'none', ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json;
}

describe('server.clientConfiguration: RFC 7592', () => {
  it('registration gives a registration access token and URI; only its hash is stored', async () => {
    const reg = await register();
    assert.equal(typeof reg.registration_access_token, 'string');
    assert.equal(reg.registration_client_uri, `${base}/register/${reg.client_id}`);
    const stored = clients.get(reg.client_id)!;
    assert.equal(typeof stored.registrationAccessTokenHash, 'string');
    assert.notEqual(stored.registrationAccessTokenHash, reg.registration_access_token);
  });

  it('GET reads the client with its token; another token, none, or another client\'s is 401 invalid_token', async () => {
    const a = await register({ client_name: 'A' });
    const b = await register({ client_name: 'B' });
    const read = await send('GET', a.registration_client_uri, a.registration_access_token);
    assert.equal(read.status, 200);
    assert.equal(read.json.client_name, 'A');
    assert.equal(read.json.client_id, a.client_id);
    assert.equal(read.json.registration_client_uri, a.registration_client_uri);
    assert.equal(read.headers.get('cache-control'), 'no-store');
    for (const token of [b.registration_access_token, 'nope', undefined]) {
      const r = await send('GET', a.registration_client_uri, token);
      assert.equal(r.status, 401, String(token));
      assert.equal(r.json.error, 'invalid_token');
      assert.match(r.headers.get('www-authenticate') || '', /^Bearer/);
    }
    const unknown = await send('GET', `${base}/register/unknown`, a.registration_access_token);
    assert.equal(unknown.status, 401);
  });

  it('PUT replaces the metadata after the same checks; moving to a secret method issues a secret', async () => {
    const a = await register();
    const uri = a.registration_client_uri;
    const t = a.registration_access_token;
    const bad = await send('PUT', uri, t, { client_id: a.client_id, redirect_uris: ['http://evil.example/cb'], token_endpoint_auth_method: 'none' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, 'invalid_redirect_uri');
    const other = await send('PUT', uri, t, { client_id: 'someone-else', redirect_uris: ['http://localhost:1/cb'] });
    assert.equal(other.json.error, 'invalid_request');
    const ok = await send('PUT', uri, t, { client_id: a.client_id, redirect_uris: ['http://localhost:9/cb'], token_endpoint_auth_method: 'client_secret_basic', client_name: 'renamed', registration_access_token: 'ignored' });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(ok.json.client_name, 'renamed');
    assert.equal(typeof ok.json.client_secret, 'string');
    assert.equal(ok.json.client_secret_expires_at, 0);
    assert.equal(ok.json.registration_access_token, t);
    assert.deepEqual(clients.get(a.client_id)!.metadata.redirect_uris, ['http://localhost:9/cb']);
    const back = await send('PUT', uri, t, { client_id: a.client_id, redirect_uris: ['http://localhost:9/cb'], token_endpoint_auth_method: 'none' });
    assert.equal(back.json.client_secret, undefined);
    assert.equal(clients.get(a.client_id)!.clientSecret, undefined);
  });

  it('DELETE removes the client: 204, then its token no longer works', async () => {
    const a = await register();
    const del = await send('DELETE', a.registration_client_uri, a.registration_access_token);
    assert.equal(del.status, 204);
    assert.equal(clients.has(a.client_id), false);
    assert.equal((await send('GET', a.registration_client_uri, a.registration_access_token)).status, 401);
  });

  it('checks its arguments at construction', () => {
    const server = oauth2orize.createServer();
    assert.throws(() => server.clientConfiguration(undefined as any, { load: () => null }), /uri/);
    assert.throws(() => server.clientConfiguration({ uri: () => '' }, {} as any), /load/);
  });
});
