/**
 * The authorization code and refresh-family stores on a real three-node
 * Redis Cluster (test/redis/cluster.ts), with each cluster client: every
 * command stays in one hash slot (a family's two keys share the
 * `{familyId}` tag), and the families land on every node. Then 100
 * concurrent refreshes of one token across two Express apps, one on an
 * ioredis Cluster and one on a node-redis cluster client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import oauth2orize from '../../src/index.js';
import { RedisAuthorizationCodeStore } from '../../src/stores/codes.js';
import { RedisRefreshFamilyStore, rotateRefreshTokens } from '../../src/stores/refreshFamilies.js';
import { haveRedis, startCluster, type RedisCluster } from '../redis/cluster.js';
import { CLIENT_KINDS, connectCluster, type TestClient } from '../redis/clients.js';
import { closeAgent, postToken, startTokenApp, type TokenApp } from './tokenApp.js';

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

interface Grant { clientId: string }

describe('code and refresh-family stores on Redis Cluster', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let cluster: RedisCluster;
  const clients: TestClient[] = [];
  before(async () => { cluster = await startCluster(); });
  after(async () => {
    for (const c of clients) await c.close();
    if (cluster) await cluster.stop();
  });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      const tag = kind.replace(/\W/g, '');
      before(async () => { c = await connectCluster(kind, cluster); clients.push(c); });

      it('RedisAuthorizationCodeStore: one winner per code, replays reported, codes on every node', async () => {
        const before = await keysPerNode(cluster);
        const store = new RedisAuthorizationCodeStore<Grant>({ client: c.client, prefix: `cc:${tag}:` });
        const codes = await Promise.all(Array.from({ length: 30 }, () => store.issue({ clientId: 'c1' }, 60)));
        const grown = (await keysPerNode(cluster)).map((n, i) => n - before[i]!);
        assert.ok(grown.every((n) => n > 0), `every node holds some codes: ${grown}`);
        for (const code of codes.slice(0, 3)) {
          const results = await Promise.all(Array.from({ length: 20 }, () => store.consume(code)));
          assert.equal(results.filter((r) => r.status === 'valid').length, 1);
          assert.equal(await store.complete(code, { grant: code.slice(0, 4) }), false);
          assert.deepEqual(await store.confirmReplay(code), { grant: code.slice(0, 4) });
          assert.deepEqual(await store.peek(code), { clientId: 'c1' });
        }
      });

      it('RedisRefreshFamilyStore: two-key scripts in one slot; one rotation among concurrent ones; reuse revokes', async () => {
        const before = await keysPerNode(cluster);
        const store = new RedisRefreshFamilyStore<Grant>({ client: c.client, prefix: `cf:${tag}:`, graceSeconds: 0.3 });
        const families = await Promise.all(Array.from({ length: 30 }, () => store.start({ clientId: 'c1' }, 600)));
        const grown = (await keysPerNode(cluster)).map((n, i) => n - before[i]!);
        assert.ok(grown.every((n) => n > 0), `every node holds some families: ${grown}`);
        for (const { familyId, refreshToken } of families.slice(0, 3)) {
          const results = await Promise.all(Array.from({ length: 20 }, () => store.rotate(refreshToken)));
          const rotated = results.filter((r) => r.status === 'rotated');
          assert.equal(rotated.length, 1);
          assert.equal(results.filter((r) => r.status === 'grace').length, 19);
          const r = rotated[0] as { generation: number; refreshToken: string };
          assert.equal(await store.keepAnswer(familyId, r.generation, 'kept'), true);
          assert.equal(await store.answer(familyId, r.generation), 'kept');
          await new Promise((resolve) => setTimeout(resolve, 350));
          assert.equal((await store.rotate(refreshToken)).status, 'reused');
          assert.equal((await store.rotate(r.refreshToken)).status, 'revoked');
        }
        await store.revoke(families[4]!.familyId);
        assert.equal((await store.rotate(families[4]!.refreshToken)).status, 'revoked');
      });
    });
  }

  it('100 concurrent refreshes of one token across two Express apps on the cluster rotate once, all in the family', async () => {
    const apps: TokenApp[] = [];
    try {
      let rotations = 0;
      const revoked: string[] = [];
      const stores: RedisRefreshFamilyStore<Grant>[] = [];
      for (const kind of ['ioredis', 'node-redis v5'] as const) {
        const c = await connectCluster(kind, cluster);
        clients.push(c);
        const store = new RedisRefreshFamilyStore<Grant>({ client: c.client, prefix: 'c2:', graceSeconds: 5 });
        stores.push(store);
        apps.push(await startTokenApp([oauth2orize.exchange.refreshToken(rotateRefreshTokens(store, {
          check: (g, ctx) => g.clientId === ctx.client.id,
          issue: async (_g, ctx) => { if (!ctx.grace) rotations++; return `at.${ctx.familyId}.${Math.random()}`; },
          revokeFamily: async (familyId) => { revoked.push(familyId); },
        }) as any)]));
      }
      const { familyId, refreshToken } = await stores[0]!.start({ clientId: 'c1' }, 600);
      const form = { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'c1' };
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => postToken(apps[i % 2]!.port, form)));
      assert.deepEqual(replies.filter((r) => r.status !== 200), []);
      assert.equal(rotations, 1);
      assert.equal(new Set(replies.map((r) => r.body.refresh_token)).size, 1);
      assert.equal(new Set(replies.map((r) => r.body.access_token)).size, 1);
      assert.ok(replies[0]!.body.access_token.startsWith(`at.${familyId}.`));
      assert.deepEqual(revoked, []);
    } finally {
      for (const a of apps) await a.close();
      closeAgent();
    }
  });
});
