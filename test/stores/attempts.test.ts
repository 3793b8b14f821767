/**
 * The attempt stores: MemoryAttemptStore on an injected clock, and
 * RedisAttemptStore against a real redis-server with each client (node-redis
 * v5, v4, ioredis), windows measured by Redis itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryAttemptStore, RedisAttemptStore, type AttemptStore } from '../../src/stores/attempts.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { CLIENT_KINDS, connect, connectCluster, type TestClient } from '../redis/clients.js';
import { startCluster, type RedisCluster } from '../redis/cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Behaviour every AttemptStore shares, whatever its clock. */
function common(make: () => AttemptStore) {
  it('counts hits per key, from 1', async () => {
    const store = make();
    assert.equal(await store.count('k'), 0);
    assert.equal(await store.hit('k', 60), 1);
    assert.equal(await store.hit('k', 60), 2);
    assert.equal(await store.hit('other', 60), 1);
    assert.equal(await store.count('k'), 2);
    assert.equal(await store.count('other'), 1);
  });

  it('reset forgets one key only', async () => {
    const store = make();
    await store.hit('k', 60);
    await store.hit('j', 60);
    await store.reset('k');
    assert.equal(await store.count('k'), 0);
    assert.equal(await store.ttl('k'), 0);
    assert.equal(await store.count('j'), 1);
    assert.equal(await store.hit('k', 60), 1, 'a new window starts after reset');
    await store.reset('never-seen');
  });

  it('ttl answers the whole seconds left of the window started by the first hit', async () => {
    const store = make();
    assert.equal(await store.ttl('k'), 0);
    await store.hit('k', 60);
    const t = await store.ttl('k');
    assert.ok(t > 55 && t <= 60, `ttl ${t}`);
    await store.hit('k', 600);
    const u = await store.ttl('k');
    assert.ok(u > 55 && u <= 60, `a later hit does not extend the window (${u})`);
  });

  it('hashes long keys and keeps keys apart that differ only after 200 characters', async () => {
    const store = make();
    const long = 'x'.repeat(5000);
    assert.equal(await store.hit(long + 'a', 60), 1);
    assert.equal(await store.hit(long + 'a', 60), 2);
    assert.equal(await store.hit(long + 'b', 60), 1);
    assert.equal(await store.count(long + 'a'), 2);
    assert.equal(await store.hit('#abc', 60), 1, 'a key like a hash marker is its own key');
    assert.equal(await store.hit('k|\u0000|\u{1F600}', 60), 1);
  });

  it('rejects (never throws) a bad window or a non-string key', async () => {
    const store = make();
    for (const w of [0, -1, NaN, Infinity, '60' as any, undefined as any]) {
      await assert.rejects(store.hit('k', w), /window must be a positive number of seconds/);
    }
    for (const k of [undefined, null, 5, {}, ['a']] as any[]) {
      await assert.rejects(store.hit(k, 60), /keys must be strings/);
      await assert.rejects(store.count(k), /keys must be strings/);
      await assert.rejects(store.ttl(k), /keys must be strings/);
      await assert.rejects(store.reset(k), /keys must be strings/);
    }
    assert.equal(await store.count('k'), 0);
  });
}

describe('stores/MemoryAttemptStore', () => {
  common(() => new MemoryAttemptStore());

  it('measures windows on the injected clock', async () => {
    let now = 1_000_000;
    const store = new MemoryAttemptStore({ now: () => now });
    assert.equal(await store.hit('k', 10), 1);
    now += 4_000;
    assert.equal(await store.hit('k', 10), 2);
    assert.equal(await store.ttl('k'), 6);
    now += 5_500;
    assert.equal(await store.ttl('k'), 1, 'rounded up');
    assert.equal(await store.count('k'), 2);
    now += 500;
    assert.equal(await store.count('k'), 0, 'the window ended 10 s after the first hit');
    assert.equal(await store.ttl('k'), 0);
    assert.equal(await store.hit('k', 10), 1, 'a new window');
  });

  it('takes fractional windows', async () => {
    let now = 0;
    const store = new MemoryAttemptStore({ now: () => now });
    await store.hit('k', 0.25);
    now += 249;
    assert.equal(await store.count('k'), 1);
    now += 1;
    assert.equal(await store.count('k'), 0);
  });

  it('keeps at most maxKeys keys, forgetting the one written least recently', async () => {
    const store = new MemoryAttemptStore({ maxKeys: 3 });
    await store.hit('a', 60);
    await store.hit('b', 60);
    await store.hit('c', 60);
    await store.hit('a', 60); // a is now the most recent
    await store.hit('d', 60); // evicts b
    assert.equal(store.size, 3);
    assert.equal(await store.count('b'), 0);
    assert.equal(await store.count('a'), 2);
    assert.equal(await store.count('c'), 1);
    assert.equal(await store.count('d'), 1);
    for (let i = 0; i < 1000; i++) await store.hit('k' + i, 60);
    assert.equal(store.size, 3);
  });

  it('drops expired keys as it writes, so idle keys do not accumulate', async () => {
    let now = 0;
    const store = new MemoryAttemptStore({ now: () => now });
    for (let i = 0; i < 100; i++) await store.hit('old' + i, 1);
    now += 2_000;
    for (let i = 0; i < 100; i++) await store.hit('new' + i, 1);
    assert.equal(store.size, 100, 'each write swept expired entries from the front');
  });

  it('checks its options at construction', () => {
    assert.throws(() => new MemoryAttemptStore({ maxKeys: 0 }), /maxKeys must be a positive integer/);
    assert.throws(() => new MemoryAttemptStore({ maxKeys: 1.5 }), /maxKeys must be a positive integer/);
    assert.throws(() => new MemoryAttemptStore({ now: 5 as any }), /now must be a function/);
    assert.throws(() => new MemoryAttemptStore(null as any), /options must be an object/);
  });
});

describe('stores/RedisAttemptStore', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  before(async () => { redis = await startRedis(); });
  after(async () => { if (redis) await redis.stop(); });

  it('checks its options at construction', () => {
    assert.throws(() => new RedisAttemptStore(undefined as any), /RedisAttemptStore requires options with a client/);
    assert.throws(() => new RedisAttemptStore({} as any), /RedisAttemptStore requires a client option/);
    assert.throws(() => new RedisAttemptStore({ client: {} as any }), /RedisAttemptStore requires a node-redis \(sendCommand\) or ioredis \(call\) client/);
    const client = { sendCommand: async () => null };
    assert.throws(() => new RedisAttemptStore({ client, prefix: 1 as any }), /prefix must be a string/);
    assert.equal(new RedisAttemptStore({ client }).prefix, 'oauth2orize:attempts:');
  });

  it('rejects when Redis does not answer within the timeout', async () => {
    const store = new RedisAttemptStore({ client: { sendCommand: () => new Promise(() => {}) }, timeout: 30 });
    await assert.rejects(store.hit('k', 60), /timed out after 30 ms/);
  });

  it('rejects on a reply that is not a count', async () => {
    const store = new RedisAttemptStore({ client: { sendCommand: async () => 'OK' } });
    await assert.rejects(store.hit('k', 60), /unexpected reply/);
  });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let n = 0;
      before(async () => { c = await connect(kind, redis.url); });
      after(async () => { if (c) await c.close(); });
      const make = () => new RedisAttemptStore({ client: c.client, prefix: `t:${kind}:${++n}:` });

      common(make);

      it('keeps each counter in one key under the prefix, with an expiry', async () => {
        const store = new RedisAttemptStore({ client: c.client, prefix: `p:${kind}:` });
        await store.hit('k', 30);
        await store.hit('k', 30);
        assert.equal(String(await c.command('GET', `p:${kind}:k`)), '2');
        const pttl = Number(await c.command('PTTL', `p:${kind}:k`));
        assert.ok(pttl > 25_000 && pttl <= 30_000, `pttl ${pttl}`);
        await store.reset('k');
        assert.equal(await c.command('EXISTS', `p:${kind}:k`), 0);
      });

      it('gives a counter left without an expiry one on the next hit', async () => {
        const store = make();
        await c.command('SET', store.prefix + 'k', '7');
        assert.equal(await store.hit('k', 30), 8);
        assert.ok(Number(await c.command('PTTL', store.prefix + 'k')) > 0);
      });

      it('counts concurrent hits exactly', async () => {
        const store = make();
        const results = await Promise.all(Array.from({ length: 50 }, () => store.hit('k', 30)));
        assert.deepEqual([...results].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
      });

      it('forgets the counter when the real window ends', async () => {
        const store = make();
        await store.hit('k', 1);
        await store.hit('k', 1);
        assert.equal(await store.count('k'), 2);
        assert.equal(await store.ttl('k'), 1);
        await sleep(1_100);
        assert.equal(await store.count('k'), 0);
        assert.equal(await store.ttl('k'), 0);
        assert.equal(await store.hit('k', 1), 1);
      });
    });
  }

  it('two clients of different kinds on one server share the counters', async () => {
    const a = await connect('ioredis', redis.url);
    const b = await connect('node-redis v5', redis.url);
    try {
      const sa = new RedisAttemptStore({ client: a.client, prefix: 'shared:' });
      const sb = new RedisAttemptStore({ client: b.client, prefix: 'shared:' });
      assert.equal(await sa.hit('k', 60), 1);
      assert.equal(await sb.hit('k', 60), 2);
      assert.equal(await sa.count('k'), 2);
      await sb.reset('k');
      assert.equal(await sa.count('k'), 0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('stores/RedisAttemptStore on Redis Cluster', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let cluster: RedisCluster;
  before(async () => { cluster = await startCluster(); });
  after(async () => { if (cluster) await cluster.stop(); });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let n = 0;
      before(async () => { c = await connectCluster(kind, cluster); });
      after(async () => { if (c) await c.close(); });
      common(() => new RedisAttemptStore({ client: c.client, prefix: `cat:${kind}:${++n}:` }));
    });
  }
});
