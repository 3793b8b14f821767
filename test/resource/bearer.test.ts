/**
 * The bearer middleware and protected resource metadata with a real client,
 * oauth4webapi: its protected-resource request helper parses the
 * `WWW-Authenticate` challenges of the 401 and 403 answers, and its RFC 9728
 * discovery reads the metadata. Plus an issuer with a path (RFC 8414 §3.1).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import * as oauth from 'oauth4webapi';
import oauth2orize, { bearer, bearerTokenInfo, metadataPath, protectedResourceMetadataPath, protectedResourceMetadataURL } from '../../src/index.js';
import { startResourceApp, type RunningApp } from './app.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** The challenge oauth4webapi parsed from a refused protected-resource request. */
async function challengeOf(promise: Promise<Response>): Promise<{ status: number; scheme: string; parameters: Record<string, string | undefined> }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, `expected a challenge, got ${String(err)}`);
    assert.equal(err.cause.length, 1);
    return { status: err.status, scheme: err.cause[0]!.scheme, parameters: { ...err.cause[0]!.parameters } };
  }
  assert.fail('the request was not refused');
}

describe('bearer middleware with oauth4webapi', () => {
  let s: RunningApp;
  const mint = (scope: string, aud: string[], exp = Math.floor(Date.now() / 1000) + 300): string => {
    const token = 'tok' + Math.random().toString(36).slice(2);
    s.tokens.set(token, { active: true, client_id: 'app', sub: 'alice', scope, aud, exp });
    return token;
  };
  const get = (token: string, path = '/api') => oauth.protectedResourceRequest(token, 'GET', new URL(s.base + path), undefined, undefined, insecure);
  before(async () => { s = await startResourceApp(); });
  after(async () => { await s.close(); });

  it('lets a token for this resource with the scope through, and sets req.auth the MCP way', async () => {
    const token = mint('read', [s.api]);
    const res = await get(token);
    assert.equal(res.status, 200);
    const { auth } = await res.json() as any;
    assert.equal(auth.token, token);
    assert.equal(auth.clientId, 'app');
    assert.deepEqual(auth.scopes, ['read']);
    assert.equal(typeof auth.expiresAt, 'number');
    assert.equal(auth.resource, s.api);
    assert.equal(auth.extra.sub, 'alice');
  });

  it('no credentials: 401 with realm and resource_metadata, no error', async () => {
    const res = await fetch(s.api);
    assert.equal(res.status, 401);
    const header = res.headers.get('www-authenticate')!;
    assert.equal(header, `Bearer realm="api", resource_metadata="${protectedResourceMetadataURL(s.api)}"`);
    assert.doesNotMatch(header, /error/);
  });

  it('an unknown token, an expired one, one for another audience: 401 invalid_token with resource_metadata', async () => {
    for (const token of ['nope', mint('read', [s.api], Math.floor(Date.now() / 1000) - 1), mint('read', [s.other])]) {
      const c = await challengeOf(get(token));
      assert.equal(c.status, 401);
      assert.equal(c.scheme, 'bearer');
      assert.equal(c.parameters.error, 'invalid_token');
      assert.equal(c.parameters.resource_metadata, protectedResourceMetadataURL(s.api));
      assert.equal(c.parameters.realm, 'api');
      assert.ok(c.parameters.error_description);
    }
  });

  it('a token without the required scope: 403 insufficient_scope naming the scope', async () => {
    const c = await challengeOf(get(mint('write', [s.api])));
    assert.equal(c.status, 403);
    assert.equal(c.parameters.error, 'insufficient_scope');
    assert.equal(c.parameters.scope, 'read');
  });

  it('requireScope on one route: 403 insufficient_scope with that scope', async () => {
    const c = await challengeOf(get(mint('read', [s.api]), '/api/admin'));
    assert.equal(c.status, 403);
    assert.equal(c.parameters.error, 'insufficient_scope');
    assert.equal(c.parameters.scope, 'admin');
    assert.equal((await get(mint('read admin', [s.api]), '/api/admin')).status, 200);
  });

  it('malformed requests are invalid_request (400): a token in the query, a bad header, two ways at once', async () => {
    const token = mint('read', [s.api]);
    const query = await fetch(s.api + '?access_token=' + token);
    assert.equal(query.status, 400);
    assert.match(query.headers.get('www-authenticate')!, /error="invalid_request"/);
    assert.equal((await query.json() as any).error, 'invalid_request');
    for (const authorization of ['Bearer', 'Bearer a b', 'Bearer ' + 'x'.repeat(9000), 'Bearer "quoted"']) {
      const res = await fetch(s.api, { headers: { authorization } });
      assert.equal(res.status, 400, authorization.slice(0, 20));
      assert.match(res.headers.get('www-authenticate')!, /^Bearer realm="api", resource_metadata="[^"]+", error="invalid_request"/);
    }
    const both = await fetch(s.base + '/api/form', { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/x-www-form-urlencoded' }, body: 'access_token=' + token });
    assert.equal(both.status, 400);
  });

  it('another scheme is no bearer credential: 401 without error', async () => {
    const res = await fetch(s.api, { headers: { authorization: 'Basic YTpi' } });
    assert.equal(res.status, 401);
    assert.doesNotMatch(res.headers.get('www-authenticate')!, /error=/);
  });

  it('the form body is accepted only where allowBody is on', async () => {
    const token = mint('read', [s.api]);
    const form = await fetch(s.base + '/api/form', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'access_token=' + token });
    assert.equal(form.status, 200);
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.post('/x', bearer({ resource: s.api }, async (t) => s.tokens.get(t) ?? null), (_req, res) => { res.end('ok'); });
    const http = createServer(app);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/x`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'access_token=' + token });
      assert.equal(res.status, 401);
      assert.doesNotMatch(res.headers.get('www-authenticate')!, /error=/);
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('serves RFC 9728 metadata at the path-inserted well-known URL, which oauth4webapi discovers', async () => {
    assert.equal(protectedResourceMetadataPath(s.api), '/.well-known/oauth-protected-resource/api');
    const rs = await oauth.processResourceDiscoveryResponse(new URL(s.api), await oauth.resourceDiscoveryRequest(new URL(s.api), insecure));
    assert.equal(rs.resource, s.api);
    assert.deepEqual(rs.authorization_servers, [s.base]);
    assert.deepEqual(rs.scopes_supported, ['read', 'admin']);
    assert.deepEqual(rs.bearer_methods_supported, ['header']);
  });
});

describe('bearer middleware, in process', () => {
  function run(mw: any, req: any): Promise<{ status?: number; headers: Record<string, unknown>; body?: string; next?: unknown }> {
    return new Promise((resolve) => {
      const headers: Record<string, unknown> = {};
      const res: any = { statusCode: 200, setHeader: (k: string, v: unknown) => { headers[k.toLowerCase()] = v; }, end: (body?: string) => resolve({ status: res.statusCode, headers, body }) };
      mw(req, res, (err?: unknown) => resolve({ headers, next: err ?? 'next' }));
    });
  }

  it('calls verify in its three forms and keeps the verified claims typed', async () => {
    const claims = { client_id: 'c', scope: ['a'], aud: 'https://rs.example/' };
    const forms = [
      async (token: string) => (token === 't' ? claims : null),
      (token: string, done: any) => done(null, token === 't' ? claims : null),
      (token: string, req: any, done: any) => done(null, token === 't' && req.headers ? claims : null),
    ];
    for (const verify of forms) {
      const req: any = { headers: { authorization: 'Bearer t' } };
      const out = await run(bearer({ resource: 'https://rs.example/' }, verify as any), req);
      assert.equal(out.next, 'next');
      assert.deepEqual(bearerTokenInfo(req), claims);
      assert.deepEqual(req.auth.scopes, ['a']);
    }
  });

  it('passes verify\'s failure to next (the store failed, not the client)', async () => {
    const boom = new Error('store down');
    const out = await run(bearer(async () => { throw boom; }), { headers: { authorization: 'Bearer t' } });
    assert.equal(out.next, boom);
  });

  it('refuses tokens without aud when a resource is set, unless checkAudience is false', async () => {
    const verify = async () => ({ scope: 'a' });
    const refused = await run(bearer({ resource: 'https://rs.example/' }, verify), { headers: { authorization: 'Bearer t' } });
    assert.equal(refused.status, 401);
    const allowed = await run(bearer({ resource: 'https://rs.example/', checkAudience: false }, verify), { headers: { authorization: 'Bearer t' } });
    assert.equal(allowed.next, 'next');
  });

  it('checks its options at construction', () => {
    assert.throws(() => bearer({ resource: 'https://rs.example/#x' }, async () => null), /fragment/);
    assert.throws(() => bearer({ resource: 'http://rs.example/' }, async () => null), /https/);
    assert.throws(() => (bearer as any)({ resource: 'https://rs.example/' }), /verify/);
    assert.throws(() => (bearer as any)({ scope: ['a'] }, async () => null), /scope/);
  });
});

describe('an issuer with a path (RFC 8414 §3.1)', () => {
  it('oauth4webapi discovers the metadata at the path-inserted well-known URL', async () => {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}/tenant/one`;
    const server = oauth2orize.createServer({ issuer });
    const app = express();
    assert.equal(metadataPath(issuer), '/.well-known/oauth-authorization-server/tenant/one');
    app.get(metadataPath(issuer), server.metadata({ metadata: { token_endpoint: '/token', protected_resources: ['https://api.example/mcp'] } }));
    http.on('request', app);
    try {
      const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), { ...insecure, algorithm: 'oauth2' }));
      assert.equal(as.issuer, issuer);
      assert.equal(as.token_endpoint, issuer + '/token');
      assert.deepEqual(as.protected_resources, ['https://api.example/mcp']);
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe('bearer middleware, tracing', () => {
  it('publishes on the bearer tracing channel', async () => {
    const { tracingChannel } = await import('node:diagnostics_channel');
    const { TRACING_CHANNELS } = await import('../../src/index.js');
    const seen: unknown[] = [];
    const handlers = { start: (ctx: any) => seen.push(ctx.endpoint), end() {}, asyncStart() {}, asyncEnd: (ctx: any) => seen.push(ctx.status), error() {} };
    const channel = tracingChannel(TRACING_CHANNELS.bearer);
    channel.subscribe(handlers);
    try {
      const res: any = { statusCode: 200, setHeader() {}, end() { this.emit && this.emit('finish'); } };
      const { EventEmitter } = await import('node:events');
      Object.setPrototypeOf(res, EventEmitter.prototype);
      res.end = function () { this.emit('finish'); };
      await new Promise<void>((resolve) => {
        bearer(async () => null)({ headers: {} } as any, res, () => resolve());
        setImmediate(resolve);
      });
    } finally {
      channel.unsubscribe(handlers);
    }
    assert.equal(seen[0], 'bearer');
  });
});
