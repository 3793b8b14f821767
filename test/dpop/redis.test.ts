/**
 * A proof replayed across two server instances sharing one real
 * redis-server through RedisReplayStore: the second instance refuses it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { RedisReplayStore, MemoryReplayStore } from '../../src/stores/replay.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { connect, type TestClient } from '../redis/clients.js';
import { buildApp, type AppOptions } from './app.js';
import { proof } from './proofs.js';

const basic = 'Basic ' + Buffer.from('svc:svc-secret').toString('base64');

describe('DPoP jti replay across two instances on Redis', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  let a: TestClient;
  let b: TestClient;
  const servers: http.Server[] = [];
  before(async () => {
    redis = await startRedis();
    a = await connect('ioredis', redis.url);
    b = await connect('node-redis v5', redis.url);
  });
  after(async () => {
    for (const s of servers) { s.closeAllConnections(); await new Promise<void>((r) => s.close(() => r())); }
    if (a) await a.close();
    if (b) await b.close();
    if (redis) await redis.stop();
  });

  /** Both instances behind one URL, as behind a load balancer: a proof names the same htu on either. */
  async function instance(opts: AppOptions): Promise<string> {
    const s = http.createServer(buildApp({ ...opts, dpop: { baseUrl: 'https://as.example' } }).app);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  const send = (base: string, p: string) =>
    request(base).post('/token').set('Authorization', basic).set('DPoP', p).type('form').send({ grant_type: 'client_credentials' });

  it('refuses on instance B a proof instance A accepted', async () => {
    const one = await instance({ replay: new RedisReplayStore({ client: a.client, prefix: 'dpop-test:' }) });
    const two = await instance({ replay: new RedisReplayStore({ client: b.client, prefix: 'dpop-test:' }) });
    const p = proof({ htu: 'https://as.example/token' });
    const first = await send(one, p);
    assert.equal(first.status, 200, first.text);
    const second = await send(two, p);
    assert.equal(second.status, 400, second.text);
    assert.equal(second.body.error, 'invalid_dpop_proof');
    assert.match(second.body.error_description, /jti was used before/);
  });

  it('(control) instances with their own memory stores both accept it', async () => {
    const one = await instance({ replay: new MemoryReplayStore() });
    const two = await instance({ replay: new MemoryReplayStore() });
    const p = proof({ htu: 'https://as.example/token' });
    assert.equal((await send(one, p)).status, 200);
    assert.equal((await send(two, p)).status, 200);
  });
});
