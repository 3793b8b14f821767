/**
 * The request_uri stores: MemoryRequestURIStore, and RedisRequestURIStore on
 * a real redis-server and a real three-node Redis Cluster with each client.
 * A take by the wrong client consumes nothing; one of many concurrent takes
 * wins; the store expires what it keeps.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRequestURIStore, RedisRequestURIStore, type RequestURIStore, type PushedRequestInput } from '../../src/stores/pushedRequests.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { startCluster, type RedisCluster } from '../redis/cluster.js';
import { CLIENT_KINDS, connect, connectCluster, type TestClient } from '../redis/clients.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let seq = 0;
function record(over: Partial<PushedRequestInput> = {}): PushedRequestInput {
  return {
    requestURI: `urn:ietf:params:oauth:request_uri:${++seq}-${Math.random().toString(36).slice(2)}`,
    clientID: 'web',
    params: { response_type: 'code', client_id: 'web', scope: 'a b', resource: ['https://r1', 'https://r2'] },
    expiresAt: new Date(Date.now() + 60_000),
    ...over,
  };
}

function common(make: () => RequestURIStore) {
  it('put then take once, by the client that pushed it', async () => {
    const store = make();
    const rec = record();
    await store.put(rec);
    const taken = await store.take(rec.requestURI, 'web');
    assert.deepEqual(taken, { requestURI: rec.requestURI, clientID: 'web', params: rec.params, expiresAt: (rec.expiresAt as Date).getTime() });
    assert.equal(await store.take(rec.requestURI, 'web'), null, 'used once');
    assert.equal(await store.take('urn:unknown', 'web'), null);
  });

  it('a take by another client gets nothing and leaves the request_uri usable (RFC 9126 §2.2)', async () => {
    const store = make();
    const rec = record();
    await store.put(rec);
    assert.equal(await store.take(rec.requestURI, 'attacker'), null);
    assert.equal(await store.take(rec.requestURI, ''), null);
    assert.equal((await store.take(rec.requestURI, 'web'))?.clientID, 'web');
  });

  it('of 50 concurrent takes by the client, one wins; 50 by another client first burn nothing', async () => {
    const store = make();
    const rec = record();
    await store.put(rec);
    const wrong = await Promise.all(Array.from({ length: 50 }, () => store.take(rec.requestURI, 'other')));
    assert.equal(wrong.filter(Boolean).length, 0);
    const right = await Promise.all(Array.from({ length: 50 }, () => store.take(rec.requestURI, 'web')));
    assert.equal(right.filter(Boolean).length, 1);
  });

  it('does not keep a record already expired', async () => {
    const store = make();
    const rec = record({ expiresAt: Date.now() - 1 });
    await store.put(rec);
    assert.equal(await store.take(rec.requestURI, 'web'), null);
  });

  it('rejects (never throws) bad input', async () => {
    const store = make();
    await assert.rejects(store.put(null as any), /requires a record/);
    await assert.rejects(store.put({ ...record(), requestURI: 5 } as any), /requires a string requestURI/);
    await assert.rejects(store.put({ ...record(), clientID: undefined } as any), /requires a string clientID/);
    await assert.rejects(store.put({ ...record(), params: undefined } as any), /requires params/);
    await assert.rejects(store.put({ ...record(), expiresAt: 'never' }), /requires an expiresAt/);
    await assert.rejects(store.take(undefined as any, 'web'), /requires a string requestURI/);
    await assert.rejects(store.take('urn:x', ['web'] as any), /requires a string clientID/);
  });
}

describe('stores/MemoryRequestURIStore', () => {
  common(() => new MemoryRequestURIStore());

  it('expires records on its clock', async () => {
    let now = 1_000_000;
    const store = new MemoryRequestURIStore({ now: () => now });
    const rec = record({ expiresAt: now + 60_000 });
    await store.put(rec);
    now += 60_000;
    assert.equal(await store.take(rec.requestURI, 'web'), null);
  });

  it('keeps at most maxKeys records', async () => {
    const store = new MemoryRequestURIStore({ maxKeys: 3 });
    for (let i = 0; i < 20; i++) await store.put(record());
    assert.equal(store.size, 3);
  });

  it('checks its options at construction', () => {
    assert.throws(() => new MemoryRequestURIStore({ maxKeys: -1 }), /maxKeys must be a positive integer/);
    assert.throws(() => new MemoryRequestURIStore({ now: 'x' as any }), /now must be a function/);
  });
});

describe('stores/RedisRequestURIStore', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  before(async () => { redis = await startRedis(); });
  after(async () => { if (redis) await redis.stop(); });

  it('checks its options at construction', () => {
    assert.throws(() => new RedisRequestURIStore(undefined as any), /RedisRequestURIStore requires options with a client/);
    assert.throws(() => new RedisRequestURIStore({ client: {} as any }), /requires a node-redis \(sendCommand\) or ioredis \(call\) client/);
    assert.equal(new RedisRequestURIStore({ client: { sendCommand: async () => null } }).prefix, 'oauth2orize:par:');
  });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let n = 0;
      before(async () => { c = await connect(kind, redis.url); });
      after(async () => { if (c) await c.close(); });
      const make = () => new RedisRequestURIStore({ client: c.client, prefix: `par:${kind}:${++n}:` });

      common(make);

      it('Redis expires the record at expiresAt', async () => {
        const store = make();
        const rec = record({ expiresAt: Date.now() + 300 });
        await store.put(rec);
        const pttl = Number(await c.command('PTTL', store.prefix + rec.requestURI));
        assert.ok(pttl > 0 && pttl <= 300, `pttl ${pttl}`);
        await sleep(350);
        assert.equal(await c.command('EXISTS', store.prefix + rec.requestURI), 0);
        assert.equal(await store.take(rec.requestURI, 'web'), null);
      });
    });
  }

  it('two instances on one Redis: a push to one is taken once through the other', async () => {
    const a = await connect('ioredis', redis.url);
    const b = await connect('node-redis v4', redis.url);
    try {
      const sa = new RedisRequestURIStore({ client: a.client, prefix: 'two:' });
      const sb = new RedisRequestURIStore({ client: b.client, prefix: 'two:' });
      const rec = record();
      await sa.put(rec);
      const takes = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? sa : sb).take(rec.requestURI, 'web')));
      assert.equal(takes.filter(Boolean).length, 1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('stores/RedisRequestURIStore on Redis Cluster', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let cluster: RedisCluster;
  before(async () => { cluster = await startCluster(); });
  after(async () => { if (cluster) await cluster.stop(); });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let n = 0;
      before(async () => { c = await connectCluster(kind, cluster); });
      after(async () => { if (c) await c.close(); });
      common(() => new RedisRequestURIStore({ client: c.client, prefix: `cpar:${kind}:${++n}:` }));
    });
  }
});
