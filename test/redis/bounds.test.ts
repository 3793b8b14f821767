/**
 * RedisTransactionStore's per-session bounds against a real redis-server:
 * the security review's reproduction (one session storing 300 transactions
 * of about 14 KB, which all stayed for ten minutes) now keeps at most
 * `maxTransactions` and `maxBytes` per session, evicting that session's
 * oldest, never another session's; the index is cleaned on claim.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RedisTransactionStore } from '../../src/txn/redis.js';
import { Server } from '../../src/server.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { mockRequest } from '../helpers/mock.js';
import { startRedis, haveRedis, type RedisServer } from './server.js';
import { CLIENT_KINDS, connect, type TestClient } from './clients.js';

type Cb = (err: any, result?: any) => void;

function server(): Server {
  const s = new Server();
  s.serializeClient((client: any, done: Cb) => done(null, client.id));
  s.deserializeClient((id: any, done: Cb) => done(null, { id }));
  return s;
}

/** A transaction of about `size` characters. */
function record(size = 300) {
  return {
    protocol: 'oauth2', client: { id: 'c1' }, redirectURI: 'https://client.example/cb',
    req: { type: 'code', clientID: 'c1', redirectURI: 'https://client.example/cb', state: 'x'.repeat(Math.max(1, size - 200)) },
  };
}

function reqOf(sid: string | undefined, user: unknown, tid?: string): any {
  const req = mockRequest({ query: {}, body: tid === undefined ? {} : { transaction_id: tid }, user });
  if (sid !== undefined) req.sessionID = sid;
  return req;
}

function store(s: RedisTransactionStore, sid: string | undefined, user: unknown, size?: number): Promise<{ err: any; tid: string }> {
  return new Promise((resolve) => s.store(server(), {}, reqOf(sid, user), record(size), (err, tid) => resolve({ err, tid: tid! })));
}

/** Transaction keys under `prefix` (not the indexes) and their total length. */
async function stored(c: TestClient, prefix: string): Promise<{ keys: string[]; bytes: number }> {
  const all = (await c.command('KEYS', prefix + '*')) as string[];
  const keys = all.filter((k) => !k.slice(prefix.length).includes(':'));
  let bytes = 0;
  for (const k of keys) bytes += Number(await c.command('STRLEN', k));
  return { keys, bytes };
}

describe('txn/RedisTransactionStore: per-session bounds', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  before(async () => { redis = await startRedis(); });
  after(async () => { if (redis) await redis.stop(); });

  it('checks the new options', () => {
    const client = { sendCommand: async () => null };
    assert.throws(() => new RedisTransactionStore({ client, maxTransactions: 0 }), /maxTransactions/);
    assert.throws(() => new RedisTransactionStore({ client, maxBytes: 'big' as any }), /maxBytes/);
    const s = new RedisTransactionStore({ client });
    assert.equal(s.maxTransactions, 20);
    assert.equal(s.maxBytes, 262144);
  });

  for (const kind of CLIENT_KINDS) {
    it(`${kind}: one session storing 300 transactions of ~14 KB keeps the default 20 and 256 KiB; another session keeps its own`, async () => {
      const c = await connect(kind, redis.url);
      const prefix = `b:${kind.replace(/\W/g, '')}:`;
      try {
        const s = new RedisTransactionStore({ client: c.client, prefix });
        const other = await store(s, 'victim', { id: 'v' });
        assert.equal(other.err ?? null, null);
        const tids: string[] = [];
        for (let i = 0; i < 300; i++) {
          const { err, tid } = await store(s, 'attacker', { id: 'a' }, 14_000);
          assert.equal(err ?? null, null, String(err));
          tids.push(tid);
        }
        const { keys, bytes } = await stored(c, prefix);
        assert.ok(keys.length <= 21, `${keys.length} transaction keys kept`);
        assert.ok(bytes <= 262144 + 1000, `${bytes} characters kept`);
        assert.ok(keys.includes(prefix + other.tid), "the other session's transaction is kept");
        assert.ok(keys.includes(prefix + tids[299]), 'the newest is kept');
        assert.ok(!keys.includes(prefix + tids[0]), 'the oldest was evicted');
        assert.ok(Number(await c.command('HLEN', prefix + 'session:attacker')) <= 20, 'the index is bounded');
        assert.ok(Number(await c.command('PTTL', prefix + 'session:attacker')) > 0, 'the index expires');
      } finally {
        await c.close();
      }
    });
  }

  it('maxBytes evicts the oldest of the session; a transaction over it alone is refused with invalid_request', async () => {
    const c = await connect('node-redis v5', redis.url);
    const prefix = 'bytes:';
    try {
      const s = new RedisTransactionStore({ client: c.client, prefix, maxBytes: 50_000 });
      for (let i = 0; i < 10; i++) assert.equal((await store(s, 'S', null, 14_000)).err ?? null, null);
      const { keys, bytes } = await stored(c, prefix);
      assert.equal(keys.length, 3);
      assert.ok(bytes <= 50_000, String(bytes));
      const big = await store(s, 'S', null, 60_000);
      assert.ok(big.err instanceof AuthorizationError, String(big.err));
      assert.equal(big.err.code, 'invalid_request');
      assert.equal((await stored(c, prefix)).keys.length, 3, 'nothing stored, nothing evicted');
    } finally {
      await c.close();
    }
  });

  it('without a session ID the user is the scope; a claim and a removal leave the index', async () => {
    const c = await connect('ioredis', redis.url);
    const prefix = 'user:';
    try {
      const s = new RedisTransactionStore({ client: c.client, prefix, maxTransactions: 2 });
      const a = await store(s, undefined, { id: 'u1' });
      const b = await store(s, undefined, { id: 'u1' });
      const d = await store(s, undefined, { id: 'u1' });
      const { keys } = await stored(c, prefix);
      assert.deepEqual(keys.sort(), [prefix + b.tid, prefix + d.tid].sort(), 'the oldest of the user evicted');
      const req = reqOf(undefined, { id: 'u1' }, b.tid);
      const loaded = await new Promise<any>((resolve) => s.load(server(), {}, req, (err, txn) => resolve({ err, txn })));
      assert.equal(loaded.err, null);
      const won = await new Promise<any>((resolve) => s.claim({}, req, b.tid, (err, ok) => resolve(ok)));
      assert.equal(won, true);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(await c.command('HKEYS', prefix + 'user:u1'), [d.tid], 'the claimed one left the index');
      void a;
    } finally {
      await c.close();
    }
  });
});
