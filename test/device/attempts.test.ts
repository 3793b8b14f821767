/**
 * The verification page's guessing limiter: lookups are counted per signed-in
 * user and per source address in an AttemptStore before they run, so that
 * parallel guesses with a slow (async) lookup are limited as sequential
 * ones are, a new session resets nothing, and instances sharing a
 * RedisAttemptStore share the limit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server.js';
import { MemoryAttemptStore, RedisAttemptStore } from '../../src/stores/attempts.js';
import { mockRequest, run } from '../helpers/mock.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { connect, type TestClient } from '../redis/clients.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup() {
  const server = new Server();
  server.serializeClient((c: any, done) => done(null, c.id));
  let looked = 0;
  // A slow lookup, as a database's is: every guess is in flight at once.
  const lookup = async () => { looked++; await sleep(5); return null; };
  return { server, lookup, looked: () => looked };
}

const guess = (i: number) => `BCDF${String(i).padStart(4, '0')}`;

async function statuses(mw: any, reqs: any[]): Promise<number[]> {
  const results = await Promise.all(reqs.map((req) => run(mw, req)));
  return results.map((r) => (r.err as any)?.status ?? 0);
}

describe('deviceVerification guessing limiter', () => {
  it('60 parallel guesses in one session with an async lookup: only maxAttempts are looked up', async () => {
    const { server, lookup, looked } = setup();
    const mw = server.deviceVerification({ maxAttempts: 10 }, lookup);
    // express-session gives each of the parallel requests its own copy of the stored session.
    const stored = {};
    const reqs = Array.from({ length: 60 }, (_, i) => mockRequest({ query: { user_code: guess(i) }, session: { ...stored }, user: { id: 'mallory' }, ip: '198.51.100.7' } as any));
    const got = await statuses(mw, reqs);
    assert.equal(looked(), 10);
    assert.equal(got.filter((s) => s === 400).length, 10);
    assert.equal(got.filter((s) => s === 429).length, 50);
  });

  it('a new session does not reset the count of a user', async () => {
    const { server, lookup, looked } = setup();
    const mw = server.deviceVerification({ maxAttempts: 3 }, lookup);
    const user = { id: 'mallory' };
    const once = (i: number) => run(mw, mockRequest({ query: { user_code: guess(i) }, session: {}, user, ip: `203.0.113.${i}` } as any));
    for (let i = 0; i < 3; i++) assert.equal(((await once(i)).err as any).status, 400);
    assert.equal(((await once(3)).err as any).status, 429, 'a fresh session and a fresh address, the same user');
    assert.equal(looked(), 3);
  });

  it('counts per address too: many users from one address stop at maxAddressAttempts', async () => {
    const { server, lookup, looked } = setup();
    const mw = server.deviceVerification({ maxAttempts: 3, maxAddressAttempts: 5 }, lookup);
    const reqs = Array.from({ length: 12 }, (_, i) => mockRequest({ query: { user_code: guess(i) }, session: {}, user: { id: `u${i}` }, ip: '198.51.100.9' } as any));
    const got = await statuses(mw, reqs);
    assert.equal(looked(), 5);
    assert.equal(got.filter((s) => s === 429).length, 7);
  });

  it('without a signed-in user, the address is held to maxAttempts; the socket address is used without req.ip', async () => {
    const { server, lookup, looked } = setup();
    const mw = server.deviceVerification({ maxAttempts: 2 }, lookup);
    const reqs = Array.from({ length: 5 }, (_, i) => mockRequest({ query: { user_code: guess(i) }, socket: { remoteAddress: '192.0.2.1' } } as any));
    const got = await statuses(mw, reqs);
    assert.equal(looked(), 2);
    assert.deepEqual(got.filter((s) => s === 429).length, 3);
    const other = await run(mw, mockRequest({ query: { user_code: guess(9) }, socket: { remoteAddress: '192.0.2.2' } } as any));
    assert.equal((other.err as any).status, 400, 'another address has its own count');
  });

  it('counts in the given attemptStore, and fails closed when the store fails', async () => {
    const { server, lookup } = setup();
    const store = new MemoryAttemptStore();
    const mw = server.deviceVerification({ attemptStore: store, maxAttempts: 5 }, lookup);
    await run(mw, mockRequest({ query: { user_code: guess(1) }, user: { id: 'alice' }, ip: '192.0.2.3' } as any));
    assert.equal(await store.count('device-user|alice'), 1);
    assert.equal(await store.count('device-addr|192.0.2.3'), 1);
    const broken = { hit: () => Promise.reject(new Error('redis down')), count: async () => 0, ttl: async () => 0, reset: async () => {} };
    const r = await run(server.deviceVerification({ attemptStore: broken }, lookup), mockRequest({ query: { user_code: guess(1) }, user: { id: 'alice' } } as any));
    assert.equal((r.err as Error).message, 'redis down');
  });

  it('checks the attemptStore option', () => {
    const { server, lookup } = setup();
    assert.throws(() => server.deviceVerification({ attemptStore: {} as any }, lookup), /attemptStore must be an AttemptStore/);
    assert.throws(() => server.deviceVerification({ maxAddressAttempts: 0 } as any, lookup), /maxAddressAttempts/);
  });
});

describe('deviceVerification guessing limiter shared by instances', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  let a: TestClient;
  let b: TestClient;
  before(async () => {
    redis = await startRedis();
    a = await connect('ioredis', redis.url);
    b = await connect('node-redis v5', redis.url);
  });
  after(async () => {
    if (a) await a.close();
    if (b) await b.close();
    if (redis) await redis.stop();
  });

  it('60 parallel guesses spread over two servers on one Redis: maxAttempts lookups in all', async () => {
    const one = setup();
    const two = setup();
    const mw1 = one.server.deviceVerification({ maxAttempts: 10, attemptStore: new RedisAttemptStore({ client: a.client, prefix: 'dv:' }) }, one.lookup);
    const mw2 = two.server.deviceVerification({ maxAttempts: 10, attemptStore: new RedisAttemptStore({ client: b.client, prefix: 'dv:' }) }, two.lookup);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      run(i % 2 ? mw1 : mw2, mockRequest({ query: { user_code: guess(i) }, session: {}, user: { id: 'mallory' }, ip: `203.0.113.${i}` } as any))));
    assert.equal(one.looked() + two.looked(), 10);
    assert.equal(results.filter((r) => (r.err as any)?.status === 429).length, 50);
  });
});
