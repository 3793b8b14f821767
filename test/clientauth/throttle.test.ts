/**
 * `authenticateClient` with the built-in throttle (`createThrottle`), over HTTP:
 * - wrong secrets from one address do not block the right secret from another (Express
 *   `trust proxy` with X-Forwarded-For, and two real loopback source addresses);
 * - after the limit, the same client from the same address gets 429 with `Retry-After`,
 *   even with the right secret, until the window ends on the server's clock;
 * - a hardened server throttles by default, one throttle for every endpoint it guards;
 * - a device polling for five minutes (on the injected clock) is never throttled, since
 *   `authorization_pending` and `slow_down` are no failed authentications;
 * - two instances on one real redis-server share their counters.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createThrottle, RedisAttemptStore, type ClientThrottle } from '../../src/index.js';
import { startClientAuthApp, type Running } from './app.js';
import { haveRedis, startRedis, type RedisServer } from '../redis/server.js';
import { connect, type TestClient } from '../redis/clients.js';

const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

interface Answer { status: number; retryAfter: string | undefined; body: Record<string, unknown> }

/** POST a form to `path` with plain node:http, from `localAddress` when given. */
function post(s: Running, path: string, form: Record<string, string>, headers: Record<string, string> = {}, localAddress?: string): Promise<Answer> {
  const body = new URLSearchParams(form).toString();
  const url = new URL(s.base + path);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, agent: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...headers },
    }, (res) => {
      let text = '';
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'], body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const token = (s: Running, secret: string, headers: Record<string, string> = {}, localAddress?: string) =>
  post(s, '/token', { grant_type: 'client_credentials' }, { authorization: basic('app', secret), ...headers }, localAddress);

describe('throttling of client authentication', () => {
  describe('per client and address (trust proxy, X-Forwarded-For)', () => {
    let s: Running;
    before(async () => {
      s = await startClientAuthApp({ trustProxy: true, auth: { throttle: true } });
      s.clients.set('app', { client_id: 'app', client_secret: 'right' });
    });
    after(async () => { await s.close(); });

    it('wrong secrets from address A block A after 10, and never the right secret from address B', async () => {
      const a = { 'x-forwarded-for': '203.0.113.1' };
      const b = { 'x-forwarded-for': '198.51.100.2' };
      for (let i = 0; i < 10; i++) assert.equal((await token(s, 'wrong', a)).status, 401, `failure ${i + 1}`);
      const blocked = await token(s, 'right', a);
      assert.equal(blocked.status, 429, 'A is blocked, even with the right secret');
      assert.equal(blocked.body.error, 'temporarily_unavailable');
      assert.ok(Number(blocked.retryAfter) > 0 && Number(blocked.retryAfter) <= 900, `Retry-After ${blocked.retryAfter}`);
      assert.match(String(blocked.body.error_description), /retry in \d+ seconds/);
      const fromB = await token(s, 'right', b);
      assert.equal(fromB.status, 200, 'B authenticates');
      assert.ok(fromB.body.access_token);
    });

    it('a burst of parallel wrong secrets (a slow check) is cut off at the limit, as a sequence would be', async () => {
      const e = { 'x-forwarded-for': '203.0.113.5' };
      s.clients.set('slow', { client_id: 'slow', client_secret: 'right', delay: 20 });
      const results = await Promise.all(Array.from({ length: 25 }, () =>
        post(s, '/token', { grant_type: 'client_credentials' }, { authorization: basic('slow', 'wrong'), ...e })));
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((x) => x === 401).length, 10, statuses.join(','));
      assert.equal(statuses.filter((x) => x === 429).length, 15);
    });

    it('the window ends on the server clock; a success clears the pair', async () => {
      const c = { 'x-forwarded-for': '203.0.113.3' };
      for (let i = 0; i < 10; i++) await token(s, 'wrong', c);
      assert.equal((await token(s, 'right', c)).status, 429);
      s.clock.t += 901_000;
      assert.equal((await token(s, 'right', c)).status, 200, 'after the window');
      for (let i = 0; i < 9; i++) await token(s, 'wrong', c);
      assert.equal((await token(s, 'right', c)).status, 200, 'nine failures, then a success');
      for (let i = 0; i < 9; i++) await token(s, 'wrong', c);
      assert.equal((await token(s, 'right', c)).status, 200, 'the success cleared the count');
    });

    it('the same throttle guards every endpoint the authenticator is mounted on', async () => {
      const d = { 'x-forwarded-for': '203.0.113.4' };
      for (let i = 0; i < 5; i++) await token(s, 'wrong', d);
      for (let i = 0; i < 5; i++) {
        const res = await post(s, '/revoke', { token: 'x' }, { authorization: basic('app', 'wrong'), ...d });
        assert.equal(res.status, 401);
      }
      assert.equal((await post(s, '/introspect', { token: 'x' }, { authorization: basic('app', 'right'), ...d })).status, 429);
    });
  });

  describe('two real loopback addresses', () => {
    let s: Running;
    before(async () => {
      s = await startClientAuthApp({ auth: { throttle: createThrottle({ maxFailures: 3 }) } });
      s.clients.set('app', { client_id: 'app', client_secret: 'right' });
    });
    after(async () => { await s.close(); });

    it('127.0.0.2 is blocked after its failures; 127.0.0.1 still authenticates', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await token(s, 'wrong', {}, '127.0.0.2')).status, 401);
      assert.equal((await token(s, 'right', {}, '127.0.0.2')).status, 429);
      assert.equal((await token(s, 'right', {}, '127.0.0.1')).status, 200);
    });
  });

  describe('a hardened server', () => {
    let s: Running;
    before(async () => {
      s = await startClientAuthApp({ server: { hardened: true } });
      s.clients.set('app', { client_id: 'app', client_secret: 'right' });
    });
    after(async () => { await s.close(); });

    it('throttles by default (10 failures per client and address)', async () => {
      for (let i = 0; i < 10; i++) assert.equal((await token(s, 'wrong')).status, 401);
      const blocked = await token(s, 'right');
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.retryAfter) > 0);
    });
  });

  describe('a device polling for five minutes', () => {
    let s: Running;
    before(async () => {
      s = await startClientAuthApp({ server: { hardened: true } });
      s.clients.set('tv', { client_id: 'tv', token_endpoint_auth_method: 'none' });
    });
    after(async () => { await s.close(); });

    it('is never throttled: 60 polls of authorization_pending (and slow_down), then its token', async () => {
      const auth = await post(s, '/device_authorization', { client_id: 'tv' });
      assert.equal(auth.status, 200, JSON.stringify(auth.body));
      const deviceCode = String(auth.body.device_code);
      const poll = () => post(s, '/token', { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: 'tv' });
      const seen: string[] = [];
      // Sixty polls at the interval (five minutes and more, as slow_down raises it), and a few too fast.
      for (let i = 0; i < 60; i++) {
        s.clock.t += 5_000 + (s.devices.get(deviceCode)!.interval - 5) * 1000;
        const res = await poll();
        assert.equal(res.status, 400, `poll ${i + 1}: ${JSON.stringify(res.body)}`);
        seen.push(String(res.body.error));
        if (i % 20 === 0) {
          const tooFast = await poll();
          assert.equal(tooFast.body.error, 'slow_down');
        }
      }
      assert.ok(seen.every((e) => e === 'authorization_pending'), seen.join(','));
      s.devices.get(deviceCode)!.status = 'approved';
      s.clock.t += s.devices.get(deviceCode)!.interval * 1000;
      const done = await poll();
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.ok(done.body.access_token);
    });
  });

  describe('two instances on one redis-server', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
    let redis: RedisServer;
    let clients: TestClient[] = [];
    let one: Running;
    let two: Running;
    before(async () => {
      redis = await startRedis();
      clients = [await connect('node-redis v5', redis.url), await connect('ioredis', redis.url)];
      const throttleOf = (c: TestClient): ClientThrottle => createThrottle({ store: new RedisAttemptStore({ client: c.client }), maxFailures: 4 });
      one = await startClientAuthApp({ auth: { throttle: throttleOf(clients[0]!) } });
      two = await startClientAuthApp({ auth: { throttle: throttleOf(clients[1]!) } });
      for (const s of [one, two]) s.clients.set('app', { client_id: 'app', client_secret: 'right' });
    });
    after(async () => {
      await one?.close();
      await two?.close();
      for (const c of clients) await c.close();
      await redis?.stop();
    });

    it('failures at one instance count at the other', async () => {
      for (let i = 0; i < 2; i++) assert.equal((await token(one, 'wrong')).status, 401);
      for (let i = 0; i < 2; i++) assert.equal((await token(two, 'wrong')).status, 401);
      const blocked = await token(one, 'right');
      assert.equal(blocked.status, 429, 'four failures across both instances');
      assert.ok(Number(blocked.retryAfter) > 0);
      assert.equal((await token(two, 'right')).status, 429);
    });
  });
});
