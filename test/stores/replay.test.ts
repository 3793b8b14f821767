/**
 * The replay stores: MemoryReplayStore on an injected clock, and
 * RedisReplayStore against a real redis-server with each client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryReplayStore, RedisReplayStore, type ReplayStore } from '../../src/stores/replay.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { CLIENT_KINDS, connect, connectCluster, type TestClient } from '../redis/clients.js';
import { startCluster, type RedisCluster } from '../redis/cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function common(make: () => ReplayStore) {
  it('claims a key once, each key on its own', async () => {
    const store = make();
    assert.equal(await store.claimOnce('a', 60), true);
    assert.equal(await store.claimOnce('a', 60), false);
    assert.equal(await store.claimOnce('a', 60), false);
    assert.equal(await store.claimOnce('b', 60), true);
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const store = make();
    const results = await Promise.all(Array.from({ length: 40 }, () => store.claimOnce('race', 60)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('keeps apart long keys that differ only at the end', async () => {
    const store = make();
    const long = 'j'.repeat(10_000);
    assert.equal(await store.claimOnce(long + '1', 60), true);
    assert.equal(await store.claimOnce(long + '2', 60), true);
    assert.equal(await store.claimOnce(long + '1', 60), false);
  });

  it('rejects (never throws) a bad ttl or a non-string key', async () => {
    const store = make();
    for (const t of [0, -5, NaN, Infinity, '60' as any]) {
      await assert.rejects(store.claimOnce('k', t), /ttl must be a positive number of seconds/);
    }
    for (const k of [undefined, 1, {}, ['k']] as any[]) await assert.rejects(store.claimOnce(k, 60), /keys must be strings/);
    assert.equal(await store.claimOnce('k', 60), true, 'nothing was claimed by the bad calls');
  });
}

describe('stores/MemoryReplayStore', () => {
  common(() => new MemoryReplayStore());

  it('remembers a claim for its ttl on the injected clock', async () => {
    let now = 5_000;
    const store = new MemoryReplayStore({ now: () => now });
    assert.equal(await store.claimOnce('a', 30), true);
    now += 29_999;
    assert.equal(await store.claimOnce('a', 30), false);
    now += 1;
    assert.equal(await store.claimOnce('a', 30), true, 'forgotten after 30 s');
  });

  it('keeps at most maxKeys claims, forgetting the oldest', async () => {
    const store = new MemoryReplayStore({ maxKeys: 2 });
    await store.claimOnce('a', 60);
    await store.claimOnce('b', 60);
    await store.claimOnce('c', 60);
    assert.equal(store.size, 2);
    assert.equal(await store.claimOnce('b', 60), false);
    assert.equal(await store.claimOnce('c', 60), false);
    assert.equal(await store.claimOnce('a', 60), true, 'a was evicted');
  });

  it('checks its options at construction', () => {
    assert.throws(() => new MemoryReplayStore({ maxKeys: -1 }), /maxKeys must be a positive integer/);
    assert.throws(() => new MemoryReplayStore({ now: 'x' as any }), /now must be a function/);
  });
});

describe('stores/RedisReplayStore', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  before(async () => { redis = await startRedis(); });
  after(async () => { if (redis) await redis.stop(); });

  it('checks its options at construction', () => {
    assert.throws(() => new RedisReplayStore(null as any), /RedisReplayStore requires options with a client/);
    assert.throws(() => new RedisReplayStore({ client: { call: async () => null }, prefix: null as any }), /prefix must be a string/);
    assert.equal(new RedisReplayStore({ client: { call: async () => null } }).prefix, 'oauth2orize:replay:');
  });

  it('rejects when Redis does not answer within the timeout', async () => {
    const store = new RedisReplayStore({ client: { call: () => new Promise(() => {}) }, timeout: 20 });
    await assert.rejects(store.claimOnce('k', 60), /timed out after 20 ms/);
  });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let n = 0;
      before(async () => { c = await connect(kind, redis.url); });
      after(async () => { if (c) await c.close(); });
      const make = () => new RedisReplayStore({ client: c.client, prefix: `r:${kind}:${++n}:` });

      common(make);

      it('keeps each claim in one key under the prefix, expiring with its ttl', async () => {
        const store = new RedisReplayStore({ client: c.client, prefix: `rp:${kind}:` });
        assert.equal(await store.claimOnce('jti-1', 20), true);
        assert.equal(String(await c.command('GET', `rp:${kind}:jti-1`)), '1');
        const pttl = Number(await c.command('PTTL', `rp:${kind}:jti-1`));
        assert.ok(pttl > 15_000 && pttl <= 20_000, `pttl ${pttl}`);
      });

      it('forgets a claim when its real ttl ends', async () => {
        const store = make();
        assert.equal(await store.claimOnce('k', 1), true);
        assert.equal(await store.claimOnce('k', 1), false);
        await sleep(1_100);
        assert.equal(await store.claimOnce('k', 1), true);
      });
    });
  }

  it('two clients on one server: a claim made through one is refused through the other', async () => {
    const a = await connect('node-redis v4', redis.url);
    const b = await connect('ioredis', redis.url);
    try {
      const sa = new RedisReplayStore({ client: a.client, prefix: 'shared-replay:' });
      const sb = new RedisReplayStore({ client: b.client, prefix: 'shared-replay:' });
      const results = await Promise.all([sa.claimOnce('jti', 60), sb.claimOnce('jti', 60), sa.claimOnce('jti', 60), sb.claimOnce('jti', 60)]);
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await sb.claimOnce('jti', 60), false);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('stores/RedisReplayStore on Redis Cluster', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let cluster: RedisCluster;
  before(async () => { cluster = await startCluster(); });
  after(async () => { if (cluster) await cluster.stop(); });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let n = 0;
      before(async () => { c = await connectCluster(kind, cluster); });
      after(async () => { if (c) await c.close(); });
      common(() => new RedisReplayStore({ client: c.client, prefix: `crp:${kind}:${++n}:` }));
    });
  }
});
