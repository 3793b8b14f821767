/**
 * Bounds on what one request or one session can make the server keep:
 * parameter lengths at the authorization, token and PAR endpoints (a clear
 * `invalid_request`), and the session store's byte limit. Real Express 5
 * apps over HTTP.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import oauth2orize, { SessionStore } from '../../src/index.js';
import { authApp, body, sessionIdOf, CLIENT_ID, type AuthApp } from './app.js';
import { listen, send, cookieOf, type Listening } from '../fuzz/harness.js';
import { MAX_PARAMETER_LENGTH, MAX_REQUEST_LENGTH } from '../../src/lib/params.js';

const authorize = (extra: string) => `/authorize?response_type=code&client_id=${CLIENT_ID}${extra}`;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

function storedIds(app: AuthApp, cookie: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    app.sessions.get(sessionIdOf(cookie), (err, sess: any) => (err ? reject(err) : resolve(Object.keys((sess && sess.authorize) || {}))));
  });
}

describe('parameter limits at the authorization endpoint', () => {
  const app = authApp();
  let target: Listening;
  before(async () => { target = await listen(app.app); });
  after(() => target.close());

  it('accepts parameters at their limits', async () => {
    const reply = await send(target, { method: 'GET', path: authorize('&state=' + 's'.repeat(MAX_PARAMETER_LENGTH)) });
    assert.equal(reply.status, 200, reply.text);
  });

  for (const [name, length] of [['state', MAX_PARAMETER_LENGTH + 1], ['scope', MAX_PARAMETER_LENGTH + 1], ['redirect_uri', MAX_PARAMETER_LENGTH + 1], ['code_challenge', 129], ['nonce', MAX_PARAMETER_LENGTH + 1]] as const) {
    it(`refuses a ${name} one character over its limit with invalid_request, storing nothing`, async () => {
      const reply = await send(target, { method: 'GET', path: authorize(`&${name}=` + 'a'.repeat(length)) });
      assert.equal(reply.status, 400, reply.text);
      assert.equal(body(reply).code, 'invalid_request');
      assert.equal(body(reply).message, `Invalid parameter: ${name} is too long (more than ${length - 1} characters)`);
      assert.equal(reply.headers['set-cookie'], undefined, 'no session was created');
    });
  }

  it('refuses a client_id over the limit', async () => {
    const reply = await send(target, { method: 'GET', path: `/authorize?response_type=code&client_id=${'c'.repeat(MAX_PARAMETER_LENGTH + 1)}` });
    assert.equal(reply.status, 400, reply.text);
    assert.equal(body(reply).code, 'invalid_request');
  });

  it('refuses a request whose parameters together exceed the limit (a POST body here)', async () => {
    const many = Array.from({ length: 10 }, (_, i) => `x${i}=${'v'.repeat(MAX_PARAMETER_LENGTH - 10)}`).join('&');
    // Node's header limit (16 KiB) stops such a URL first; a body or a pushed request can carry it.
    const post = express();
    const server = oauth2orize.createServer();
    server.grant(oauth2orize.grant.code((_c: any, _r: any, _u: any, done: any) => done(null, 'x')));
    post.use(express.urlencoded({ extended: false, limit: '1mb' }));
    post.post('/authorize', server.authorize((id: string, uri: any, done: any) => done(null, { id }, 'https://c.example/cb')),
      (_req, res) => { res.status(200).end('stored'); });
    post.use((err: any, _req: any, res: any, _next: any) => res.status(err.status || 500).json({ code: err.code, message: err.message }));
    const t = await listen(post);
    try {
      const r = await send(t, { method: 'POST', path: '/authorize', headers: FORM, body: `response_type=code&client_id=c1&${many}` });
      assert.equal(r.status, 400, r.text);
      assert.equal(body(r).message, `Request too large: its parameters hold more than ${MAX_REQUEST_LENGTH} characters`);
    } finally {
      await t.close();
    }
  });
});

describe('parameter limits at the token endpoint', () => {
  it('answers invalid_request as JSON for an oversized code, scope or grant_type', async () => {
    const server = oauth2orize.createServer();
    server.exchange(oauth2orize.exchange.code((_c: any, _code: any, _r: any, done: any) => done(null, 'AT')));
    server.exchange(oauth2orize.exchange.clientCredentials((_c: any, _s: any, done: any) => done(null, 'AT')));
    const app = express();
    app.use(express.urlencoded({ extended: false, limit: '1mb' }));
    app.post('/token', (req: any, _res: any, next: any) => { req.user = { id: 'c1' }; next(); }, server.token(), server.errorHandler());
    const t = await listen(app);
    try {
      for (const [form, name, limit] of [
        ['grant_type=authorization_code&code=' + 'c'.repeat(65_537), 'code', 65_536],
        ['grant_type=client_credentials&scope=' + 's'.repeat(MAX_PARAMETER_LENGTH + 1), 'scope', MAX_PARAMETER_LENGTH],
        ['grant_type=' + 'g'.repeat(MAX_PARAMETER_LENGTH + 1), 'grant_type', MAX_PARAMETER_LENGTH],
      ] as const) {
        const r = await send(t, { method: 'POST', path: '/token', headers: FORM, body: form });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.headers['content-type'], 'application/json');
        assert.deepEqual(body(r), { error: 'invalid_request', error_description: `Invalid parameter: ${name} is too long (more than ${limit} characters)` });
      }
      const ok = await send(t, { method: 'POST', path: '/token', headers: FORM, body: 'grant_type=authorization_code&code=' + 'c'.repeat(60_000) });
      assert.equal(ok.status, 200, ok.text);
    } finally {
      await t.close();
    }
  });
});

describe('parameter limits at the PAR endpoint', () => {
  it('refuses an oversized parameter, and a push over the total, with invalid_request; stores nothing', async () => {
    const server = oauth2orize.createServer();
    server.grant(oauth2orize.grant.code((_c: any, _r: any, _u: any, done: any) => done(null, 'x')));
    const pushed: unknown[] = [];
    const app = express();
    app.use(express.urlencoded({ extended: false, limit: '1mb' }));
    app.post('/par', (req: any, _res: any, next: any) => { req.user = { id: 'c1' }; next(); },
      server.pushedAuthorization({ clientID: (c: any) => c.id }, (id: string, _u: any, done: any) => done(null, { id }, 'https://c.example/cb'), (record: unknown) => { pushed.push(record); }),
      server.errorHandler());
    const t = await listen(app);
    try {
      const big = await send(t, { method: 'POST', path: '/par', headers: FORM, body: 'response_type=code&client_id=c1&state=' + 's'.repeat(MAX_PARAMETER_LENGTH + 1) });
      assert.equal(big.status, 400, big.text);
      assert.deepEqual(body(big), { error: 'invalid_request', error_description: `Invalid parameter: state is too long (more than ${MAX_PARAMETER_LENGTH} characters)` });
      const many = Array.from({ length: 12 }, (_, i) => `x${i}=${'v'.repeat(MAX_PARAMETER_LENGTH - 10)}`).join('&');
      const total = await send(t, { method: 'POST', path: '/par', headers: FORM, body: 'response_type=code&client_id=c1&' + many });
      assert.equal(total.status, 400, total.text);
      assert.equal(body(total).error, 'invalid_request');
      assert.equal(pushed.length, 0);
      const ok = await send(t, { method: 'POST', path: '/par', headers: FORM, body: 'response_type=code&client_id=c1&state=' + 's'.repeat(MAX_PARAMETER_LENGTH) });
      assert.equal(ok.status, 201, ok.text);
      assert.equal(pushed.length, 1);
    } finally {
      await t.close();
    }
  });
});

describe('the session store\'s byte limit', () => {
  it('is 256 KiB by default', () => {
    assert.equal(new SessionStore().maxBytes, 262144);
    assert.throws(() => new SessionStore({ maxBytes: 0 }), /maxBytes/);
  });

  it('evicts the oldest transactions of the session to stay under maxBytes; another session keeps its own', async () => {
    const app = authApp({ server: { store: new SessionStore({ maxTransactions: 1000, maxBytes: 40_000 }) } });
    const target = await listen(app.app);
    try {
      const other = await send(target, { method: 'GET', path: authorize('&state=small') });
      const otherCookie = cookieOf(other)!;
      const first = await send(target, { method: 'GET', path: authorize('&state=' + 's'.repeat(8000)) });
      const cookie = cookieOf(first)!;
      const ids = [body(first).transactionID as string];
      for (let i = 0; i < 30; i++) {
        const r = await send(target, { method: 'GET', path: authorize('&state=' + 's'.repeat(8000)), headers: { Cookie: cookie } });
        assert.equal(r.status, 200, r.text);
        ids.push(body(r).transactionID);
      }
      const kept = await storedIds(app, cookie);
      assert.ok(kept.length >= 3 && kept.length <= 5, `${kept.length} kept`);
      assert.deepEqual(kept, ids.slice(-kept.length), 'the newest are kept, in order');
      const size = await new Promise<number>((resolve) => app.sessions.get(sessionIdOf(cookie), (_e, s: any) => resolve(JSON.stringify(s.authorize).length)));
      assert.ok(size <= 40_000 + 200, `${size} characters of transactions in the session`);
      assert.equal((await storedIds(app, otherCookie)).length, 1, "the other session's transaction stays");
    } finally {
      await target.close();
    }
  });

  it('refuses with invalid_request a transaction larger than maxBytes on its own', async () => {
    const app = authApp({ server: { store: new SessionStore({ maxBytes: 2000 }) } });
    const target = await listen(app.app);
    try {
      const r = await send(target, { method: 'GET', path: authorize('&state=' + 's'.repeat(3000)) });
      assert.equal(r.status, 400, r.text);
      assert.equal(body(r).code, 'invalid_request');
      assert.equal(body(r).message, 'Authorization request too large to keep pending');
    } finally {
      await target.close();
    }
  });
});
