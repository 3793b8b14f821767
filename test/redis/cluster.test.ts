/**
 * The Redis stores on a real three-node Redis Cluster (`cluster.ts`), with
 * each cluster client: node-redis v5 and v4 `createCluster()`, and ioredis
 * `Cluster`. Keys land on every node, so a command sent to the wrong node
 * (a MOVED reply the client cannot follow, or a multi-key command across
 * slots) fails here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisReplayStore } from '../../src/stores/replay.js';
import { RedisAttemptStore } from '../../src/stores/attempts.js';
import { RedisTransactionStore } from '../../src/txn/redis.js';
import { Server } from '../../src/server.js';
import { mockRequest } from '../helpers/mock.js';
import { haveRedis, startCluster, type RedisCluster } from './cluster.js';
import { CLIENT_KINDS, connectCluster, type TestClient } from './clients.js';

type Cb = (err: any, result?: any) => void;

function server(): Server {
  const s = new Server();
  s.serializeClient((client: any, done: Cb) => done(null, client.id));
  s.deserializeClient((id: any, done: Cb) => done(null, { id }));
  return s;
}

function reqOf(sid: string, tid?: string): any {
  const req = mockRequest({ query: {}, body: {}, user: { id: 'u1' } });
  req.sessionID = sid;
  if (tid !== undefined) (req.body as any).transaction_id = tid;
  return req;
}

function call<T = any>(fn: (cb: Cb) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));
}

/** How many keys each node of the cluster holds. */
async function keysPerNode(cluster: RedisCluster): Promise<number[]> {
  return Promise.all(cluster.nodes.map(async ({ port }) => {
    const node = new Redis(port, '127.0.0.1', { lazyConnect: true });
    await node.connect();
    try {
      return Number(await node.dbsize());
    } finally {
      node.disconnect();
    }
  }));
}

describe('stores on Redis Cluster', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let cluster: RedisCluster;
  before(async () => { cluster = await startCluster(); });
  after(async () => { if (cluster) await cluster.stop(); });

  it('starts three nodes that each hold a share of the slots', async () => {
    assert.equal(cluster.nodes.length, 3);
    assert.equal(new Set(cluster.pids).size, 3);
  });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      const tag = kind.replace(/\W/g, '');
      before(async () => { c = await connectCluster(kind, cluster); });
      after(async () => { if (c) await c.close(); });

      it('RedisReplayStore: one claim per key, keys spread over the nodes', async () => {
        const before = await keysPerNode(cluster);
        const store = new RedisReplayStore({ client: c.client, prefix: `cr:${tag}:` });
        const keys = Array.from({ length: 60 }, (_, i) => `jti-${i}`);
        const first = await Promise.all(keys.map((k) => store.claimOnce(k, 60)));
        assert.deepEqual(first, keys.map(() => true));
        const again = await Promise.all(keys.flatMap((k) => [store.claimOnce(k, 60), store.claimOnce(k, 60)]));
        assert.equal(again.filter(Boolean).length, 0);
        const grown = (await keysPerNode(cluster)).map((n, i) => n - before[i]!);
        assert.equal(grown.reduce((a, b) => a + b, 0), 60);
        assert.ok(grown.every((n) => n > 0), `every node holds some claims: ${grown}`);
      });

      it('RedisAttemptStore: scripted counters routed by their key', async () => {
        const store = new RedisAttemptStore({ client: c.client, prefix: `ca:${tag}:` });
        const keys = Array.from({ length: 20 }, (_, i) => `client-${i}`);
        for (let round = 1; round <= 3; round++) {
          const counts = await Promise.all(keys.map((k) => store.hit(k, 60)));
          assert.deepEqual(counts, keys.map(() => round));
        }
        assert.equal(await store.count('client-7'), 3);
        assert.ok((await store.ttl('client-7')) > 50);
        await store.reset('client-7');
        assert.equal(await store.count('client-7'), 0);
      });

      it('RedisTransactionStore: store, load, claim once, remove', async () => {
        const store = new RedisTransactionStore({ client: c.client, prefix: `ct:${tag}:` });
        const s = server();
        const record = {
          protocol: 'oauth2', client: { id: 'c1' }, redirectURI: 'https://client.example/cb',
          req: { type: 'code', clientID: 'c1', redirectURI: 'https://client.example/cb', state: 's' },
        };
        const tids = await Promise.all(Array.from({ length: 12 }, () => call<string>((cb) => store.store(s, {}, reqOf('S1'), { ...record }, cb))));
        for (const tid of tids) {
          const txn = await call<any>((cb) => store.load(s, {}, reqOf('S1', tid), cb));
          assert.equal(txn.transactionID, tid);
          assert.deepEqual(txn.client, { id: 'c1' });
        }
        const tid = tids[0]!;
        const claims = await Promise.all([1, 2, 3, 4].map(() => new Promise<boolean>((resolve, reject) => {
          store.claim({}, reqOf('S1', tid), tid, (err: unknown, won?: boolean) => (err ? reject(err) : resolve(!!won)));
        })));
        assert.equal(claims.filter(Boolean).length, 1, `one claim wins: ${claims}`);
        await call((cb) => store.remove({}, reqOf('S1', tids[1]), tids[1]!, cb));
        assert.equal(await c.command('GET', `ct:${tag}:${tids[1]}`), null);
      });
    });
  }
});
