/**
 * The client-authentication throttle: failures counted per (client, address)
 * and per address, never per client alone; on the memory store with an
 * injected clock, and on Redis, where two instances share the counters.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createThrottle, normalizeAddress, type ClientThrottle } from '../../src/clientauth/throttle.js';
import { MemoryAttemptStore, RedisAttemptStore, type AttemptStore } from '../../src/stores/attempts.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { connect, type TestClient } from '../redis/clients.js';

const A = '198.51.100.1';
const B = '203.0.113.9';
const OPEN = { blocked: false, retryAfter: 0 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function fail(t: ClientThrottle, n: number, clientId: string | undefined, address: string): Promise<void> {
  for (let i = 0; i < n; i++) await t.failed(clientId, address);
}

describe('clientauth/createThrottle', () => {
  it('defaults: 10 failures per client and address, 100 per address, a 15-minute window', async () => {
    let now = 0;
    const t = createThrottle({ now: () => now });
    await fail(t, 9, 'c1', A);
    assert.deepEqual(await t.check('c1', A), OPEN);
    await t.failed('c1', A);
    assert.deepEqual(await t.check('c1', A), { blocked: true, retryAfter: 900 });
    now += 899_000;
    assert.deepEqual(await t.check('c1', A), { blocked: true, retryAfter: 1 });
    now += 1_000;
    assert.deepEqual(await t.check('c1', A), OPEN, 'the window ended');

    // 100 failures from one address, each against another client, block the address.
    for (let i = 0; i < 99; i++) await t.failed('x' + i, B);
    assert.deepEqual(await t.check('fresh', B), OPEN);
    await t.failed(undefined, B);
    assert.deepEqual(await t.check('fresh', B), { blocked: true, retryAfter: 900 });
    assert.deepEqual(await t.check(undefined, B), { blocked: true, retryAfter: 900 });
  });

  it('failures from address A never block the client from address B', async () => {
    const t = createThrottle({ maxFailures: 3 });
    await fail(t, 50, 'victim', A);
    assert.equal((await t.check('victim', A)).blocked, true);
    assert.deepEqual(await t.check('victim', B), OPEN);
    assert.deepEqual(await t.check('other', A), OPEN, 'another client from A is not blocked below the address limit');
  });

  it('counts per (client, address) and per address', async () => {
    const store = new MemoryAttemptStore();
    const t = createThrottle({ store, maxFailures: 2, maxAddressFailures: 5 });
    await t.failed('c1', A);
    await t.failed('c2', A);
    await t.failed(undefined, A);
    assert.deepEqual(await t.check('c1', A), OPEN);
    await t.failed('c1', A);
    assert.equal((await t.check('c1', A)).blocked, true, 'c1 reached 2 from A');
    assert.deepEqual(await t.check('c2', A), OPEN, 'c2 has 1 from A');
    await t.failed('c3', A);
    assert.equal((await t.check('c4', A)).blocked, true, 'A reached 5, whatever the client');
    assert.deepEqual(await t.check('c4', B), OPEN);
  });

  it('succeeded clears the pair, not the address', async () => {
    const t = createThrottle({ maxFailures: 3, maxAddressFailures: 5 });
    await fail(t, 2, 'c1', A);
    await t.succeeded('c1', A);
    await fail(t, 2, 'c1', A);
    assert.deepEqual(await t.check('c1', A), OPEN, 'the pair count restarted after the success');
    await t.succeeded('c1', A);
    await t.failed('c2', A);
    assert.equal((await t.check('c3', A)).blocked, true, 'the address count (5) stays');
  });

  it('a success from another address does not clear the pair', async () => {
    const t = createThrottle({ maxFailures: 2 });
    await fail(t, 2, 'c1', A);
    await t.succeeded('c1', B);
    assert.equal((await t.check('c1', A)).blocked, true);
  });

  it('retryAfter is the longer of the blocking windows', async () => {
    let now = 0;
    const t = createThrottle({ now: () => now, maxFailures: 1, maxAddressFailures: 2, window: 100 });
    await t.failed(undefined, A); // the address window starts at 0
    now += 40_000;
    await t.failed('c1', A); // the pair window starts at 40 s
    assert.deepEqual(await t.check('c1', A), { blocked: true, retryAfter: 100 }, 'both block; the pair for longer');
    assert.deepEqual(await t.check('c2', A), { blocked: true, retryAfter: 60 }, 'only the address blocks c2');
    await t.succeeded('c1', A);
    assert.deepEqual(await t.check('c1', A), { blocked: true, retryAfter: 60 }, 'the address still blocks');
  });

  it('groups IPv6 addresses by /64 and IPv4-mapped addresses with IPv4', async () => {
    const t = createThrottle({ maxFailures: 2 });
    await t.failed('c1', '2001:db8:1:2:aaaa::1');
    await t.failed('c1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff');
    assert.equal((await t.check('c1', '2001:db8:1:2::5')).blocked, true);
    assert.deepEqual(await t.check('c1', '2001:db8:1:3::5'), OPEN);
    await t.failed('c2', '::ffff:192.0.2.1');
    await t.failed('c2', '192.0.2.1');
    assert.equal((await t.check('c2', '::FFFF:192.0.2.1')).blocked, true);
    assert.equal(normalizeAddress('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(normalizeAddress('::'), '0:0:0:0::/64');
    assert.equal(normalizeAddress('::1'), '0:0:0:0::/64');
    assert.equal(normalizeAddress('1:2:3:4:5:6:7:8'), '1:2:3:4::/64');
    assert.equal(normalizeAddress('1:2:3::1.2.3.4'), '1:2:3:0::/64');
    assert.equal(normalizeAddress('::1.2.3.4'), '0:0:0:0::/64');
    assert.equal(normalizeAddress(' 10.0.0.1 '), '10.0.0.1');
    assert.equal(normalizeAddress('not an address'), 'not an address');
  });

  it('handles bad inputs: empty, huge, odd or non-string ids and addresses', async () => {
    const keys: string[] = [];
    const inner = new MemoryAttemptStore();
    const store: AttemptStore = {
      hit: (key, w) => { keys.push(key); return inner.hit(key, w); },
      count: (key) => inner.count(key),
      ttl: (key) => inner.ttl(key),
      reset: (key) => inner.reset(key),
    };
    const t = createThrottle({ store, maxFailures: 2, maxAddressFailures: 1000 });
    const odd: any[] = ['', 'x'.repeat(100_000), 'a|b', 'a#b', 'é', ' ', '-', '\u0000', undefined, null, 42, {}, ['c1'], { toString: () => 'c1' }];
    for (const id of odd) {
      for (const addr of odd) {
        await t.failed(id, addr);
        const d = await t.check(id, addr);
        assert.equal(typeof d.blocked, 'boolean');
        await t.succeeded(id, addr);
      }
    }
    for (const key of keys) {
      assert.ok(key.length <= 80, `key too long: ${key.length}`);
      assert.ok(/^[ac]\|[\x21-\x7e]+$/.test(key), `odd key ${JSON.stringify(key)}`);
    }
    // The parts cannot run into each other: 'a|b' as a client is not ('a', 'b').
    const t2 = createThrottle({ maxFailures: 1 });
    await t2.failed('a|b', 'c');
    assert.deepEqual(await t2.check('a', 'b|c'), OPEN);
    assert.equal((await t2.check('a|b', 'c')).blocked, true);
    // An id that is not a non-empty string counts for the address only.
    await t2.failed(['c9'] as any, A);
    await t2.failed('', A);
    assert.deepEqual(await t2.check('c9', A), OPEN);
    // A huge id is counted (under its hash), not dropped.
    const huge = 'h'.repeat(1_000_000);
    await t2.failed(huge, B);
    assert.equal((await t2.check(huge, B)).blocked, true);
    assert.deepEqual(await t2.check(huge.slice(1) + 'i', B), OPEN);
  });

  it('a store failure rejects', async () => {
    const broken: AttemptStore = {
      hit: async () => { throw new Error('down'); },
      count: async () => { throw new Error('down'); },
      ttl: async () => 0,
      reset: async () => { throw new Error('down'); },
    };
    const t = createThrottle({ store: broken });
    await assert.rejects(t.check('c', A), /down/);
    await assert.rejects(t.failed('c', A), /down/);
    await assert.rejects(t.succeeded('c', A), /down/);
  });

  it('checks its options at construction', () => {
    assert.throws(() => createThrottle({ maxFailures: 0 }), /maxFailures must be a positive integer/);
    assert.throws(() => createThrottle({ maxAddressFailures: 2.5 }), /maxAddressFailures must be a positive integer/);
    assert.throws(() => createThrottle({ window: 0 }), /window must be a positive number/);
    assert.throws(() => createThrottle({ window: Infinity }), /window must be a positive number/);
    assert.throws(() => createThrottle({ store: {} as any }), /store must be an AttemptStore/);
    assert.throws(() => createThrottle({ now: 1 as any }), /now must be a function/);
    assert.throws(() => createThrottle(null as any), /options must be an object/);
  });

  it('a device polling for 5 minutes is never throttled: only failures count', async () => {
    let now = 0;
    const t = createThrottle({ now: () => now });
    for (let s = 0; s < 300; s += 5) {
      assert.deepEqual(await t.check('device-client', A), OPEN);
      await t.succeeded('device-client', A); // the client authenticated; the grant answered authorization_pending
      now += 5_000;
    }
  });
});

describe('clientauth/createThrottle on Redis', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  let c1: TestClient;
  let c2: TestClient;
  before(async () => {
    redis = await startRedis();
    c1 = await connect('node-redis v5', redis.url);
    c2 = await connect('ioredis', redis.url);
  });
  after(async () => {
    if (c1) await c1.close();
    if (c2) await c2.close();
    if (redis) await redis.stop();
  });

  it('two instances (two clients, two stores, one redis-server) share the counters', async () => {
    const one = createThrottle({ store: new RedisAttemptStore({ client: c1.client, prefix: 'thr1:' }), maxFailures: 4 });
    const two = createThrottle({ store: new RedisAttemptStore({ client: c2.client, prefix: 'thr1:' }), maxFailures: 4 });
    await fail(one, 2, 'c1', A);
    await fail(two, 1, 'c1', A);
    assert.deepEqual(await two.check('c1', A), OPEN);
    await one.failed('c1', A);
    const d = await two.check('c1', A);
    assert.equal(d.blocked, true, 'the fourth failure, counted by the other instance, blocks');
    assert.ok(d.retryAfter > 890 && d.retryAfter <= 900, `retryAfter ${d.retryAfter}`);
    assert.deepEqual(await two.check('c1', B), OPEN, 'not from another address');
    await two.succeeded('c1', A);
    assert.deepEqual(await one.check('c1', A), OPEN, 'a success at one instance clears the pair at both');
  });

  it('the window is Redis\'s own TTL', async () => {
    const t = createThrottle({ store: new RedisAttemptStore({ client: c1.client, prefix: 'thr2:' }), maxFailures: 2, window: 1 });
    await fail(t, 2, 'c1', A);
    assert.deepEqual(await t.check('c1', A), { blocked: true, retryAfter: 1 });
    await sleep(1_100);
    assert.deepEqual(await t.check('c1', A), OPEN);
  });

  it('keys under the prefix: a for the address, c for the pair', async () => {
    const t = createThrottle({ store: new RedisAttemptStore({ client: c2.client, prefix: 'thr3:' }) });
    await t.failed('c1', A);
    const keys = (await c2.command('KEYS', 'thr3:*') as string[]).sort();
    assert.deepEqual(keys, [`thr3:a|${A}`, `thr3:c|c1|${A}`]);
  });
});
