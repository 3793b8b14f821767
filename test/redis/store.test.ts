/**
 * RedisTransactionStore against a real redis-server, with each client:
 * node-redis v5, node-redis v4 and ioredis. The store is driven directly
 * (mock requests), the way the middleware calls it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RedisTransactionStore } from '../../src/txn/redis.js';
import { Server } from '../../src/server.js';
import { ForbiddenError } from '../../src/errors/forbiddenerror.js';
import { BadRequestError } from '../../src/errors/badrequesterror.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import oauth2orize from '../../src/index.js';
import { RedisTransactionStore as Named } from '../../src/index.js';
import { mockRequest } from '../helpers/mock.js';
import { startRedis, haveRedis, type RedisServer } from './server.js';
import { CLIENT_KINDS, connect, type TestClient } from './clients.js';

type Cb = (err: any, result?: any) => void;

function call<T = any>(fn: (cb: Cb) => void): Promise<{ err: any; result: T }> {
  return new Promise((resolve) => fn((err, result) => resolve({ err, result })));
}

const clients = new Map<string, { id: string; secret: string }>([['c1', { id: 'c1', secret: 'hash-of-secret' }]]);

function server(): Server {
  const s = new Server();
  s.serializeClient((client: any, done: Cb) => done(null, client.id));
  s.deserializeClient((id: any, done: Cb) => done(null, clients.get(id) || false));
  return s;
}

function record() {
  return {
    protocol: 'oauth2', client: clients.get('c1'), redirectURI: 'https://client.example/cb',
    req: { type: 'code', clientID: 'c1', redirectURI: 'https://client.example/cb', state: 's', scope: ['read'] },
    info: { scope: 'read' },
  };
}

/** A request of session `sid` (and user `user`), naming transaction `tid`. */
function reqOf(sid: string | undefined, user: unknown, tid?: unknown, where: 'query' | 'body' = 'body'): any {
  const req = mockRequest({ query: {}, body: {}, user });
  if (sid !== undefined) req.sessionID = sid;
  if (tid !== undefined) (req[where] as any).transaction_id = tid;
  return req;
}

const NOT_FOUND = (tid: string) => 'Unable to load OAuth 2.0 transaction: ' + tid;

function assertForbidden(err: any, tid: string): void {
  assert.ok(err instanceof ForbiddenError, `expected ForbiddenError, got ${err && err.stack}`);
  assert.equal(err.status, 403);
  assert.equal(err.message, NOT_FOUND(tid));
}

describe('txn/RedisTransactionStore', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  before(async () => { redis = await startRedis(); });
  after(async () => { if (redis) await redis.stop(); });

  it('is exported by name and on the default (require) object', () => {
    assert.equal(Named, RedisTransactionStore);
    assert.equal((oauth2orize as any).RedisTransactionStore, RedisTransactionStore);
  });

  it('rejects bad options at construction', () => {
    assert.throws(() => new RedisTransactionStore(undefined as any), TypeError);
    assert.throws(() => new RedisTransactionStore({} as any), /requires a client option/);
    assert.throws(() => new RedisTransactionStore({ client: {} as any }), /node-redis \(sendCommand\) or ioredis \(call\)/);
    const client = { sendCommand: async () => null };
    assert.throws(() => new RedisTransactionStore({ client, ttl: 0 }), /ttl must be a positive number/);
    assert.throws(() => new RedisTransactionStore({ client, ttl: -1 }), /ttl must be a positive number/);
    assert.throws(() => new RedisTransactionStore({ client, prefix: 5 as any }), /prefix must be a string/);
    const store = new RedisTransactionStore({ client });
    assert.equal(store.ttl, 600, 'default ttl is 10 minutes');
    assert.equal(store.prefix, 'oauth2orize:txn:');
    assert.equal(store.legacy, true);
  });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let store: RedisTransactionStore;
      const prefix = `t:${kind.replace(/\W/g, '')}:`;
      before(async () => {
        c = await connect(kind, redis.url);
        store = new RedisTransactionStore({ client: c.client, prefix });
      });
      after(async () => { if (c) await c.close(); });

      async function stored(sid = 'S1', user: unknown = { id: 'u1' }, options: object = {}): Promise<string> {
        const { err, result } = await call((cb) => store.store(server(), options, reqOf(sid, user), record(), cb));
        assert.equal(err ?? null, null, String(err));
        return result;
      }

      it('stores under prefix + ID, with the serialized client and a TTL of 10 minutes', async () => {
        const tid = await stored();
        assert.match(tid, /^[A-Za-z0-9_-]{22}$/, '22 base64url characters, 132 bits');
        const raw = await c.command('GET', prefix + tid);
        assert.equal(typeof raw, 'string');
        const value = JSON.parse(raw as string);
        assert.equal(value.t.client, 'c1', 'client stored as serializeClient made it');
        assert.ok(!(raw as string).includes('hash-of-secret'), 'no client secret in Redis');
        assert.equal(value.s, 'S1');
        assert.equal(value.u, 'u1');
        const pttl = Number(await c.command('PTTL', prefix + tid));
        assert.ok(pttl > 590_000 && pttl <= 600_000, `PTTL ${pttl}`);
      });

      it('keeps IDs at 128 bits or more whatever idLength says, and honours a longer one', async () => {
        assert.equal((await stored('S1', null, { idLength: 8 })).length, 22);
        assert.equal((await stored('S1', null, { idLength: 40 })).length, 40);
        const ids = new Set<string>();
        for (let i = 0; i < 50; i++) ids.add(await stored());
        assert.equal(ids.size, 50, 'IDs are unique');
      });

      it("uses the hardened profile's longer IDs", async () => {
        const hardened = new Server({ hardened: true, issuer: 'https://as.example' } as any);
        hardened.serializeClient((client: any, done: Cb) => done(null, client.id));
        const { err, result } = await call((cb) => store.store(hardened, {}, reqOf('S1', null), record(), cb));
        assert.equal(err ?? null, null, String(err));
        assert.equal(result.length, 32);
      });

      it('loads the transaction for the same session and user, from the body or the query', async () => {
        const tid = await stored();
        for (const where of ['body', 'query'] as const) {
          const { err, result } = await call((cb) => store.load(server(), {}, reqOf('S1', { id: 'u1' }, tid, where), cb));
          assert.equal(err ?? null, null, String(err));
          assert.equal(result.transactionID, tid);
          assert.deepEqual(result.client, clients.get('c1'));
          assert.equal(result.redirectURI, 'https://client.example/cb');
          assert.deepEqual(result.req.scope, ['read']);
          assert.deepEqual(result.info, { scope: 'read' });
        }
        const raw = JSON.parse((await c.command('GET', prefix + tid)) as string);
        assert.equal(raw.t.client, 'c1', 'loading leaves the stored client serialized');
      });

      it('refuses another session, or another user, with the 403 of an unknown transaction', async () => {
        const tid = await stored();
        for (const req of [reqOf('S2', { id: 'u1' }, tid), reqOf('S1', { id: 'u2' }, tid), reqOf(undefined, { id: 'u1' }, tid), reqOf('S1', undefined, tid)]) {
          const { err } = await call((cb) => store.load(server(), {}, req, cb));
          assertForbidden(err, tid);
        }
      });

      it('binds a transaction started before login to its session, and lets the user who logs in take it', async () => {
        const tid = await stored('S3', null);
        const bare = await call((cb) => store.load(server(), {}, reqOf('S3', undefined, tid), cb));
        assert.equal(bare.err ?? null, null, String(bare.err));
        const req = reqOf('S3', { id: 'u7' }, tid);
        const { err, result } = await call((cb) => store.load(server(), {}, req, cb));
        assert.equal(err ?? null, null, String(err));
        // resume did not approve: the update binds the user who is now logged in.
        const up = await call((cb) => store.update(server(), {}, req, tid, { ...record(), info: { v: 2 } }, cb));
        assert.equal(up.err ?? null, null, String(up.err));
        assert.equal(up.result, tid);
        const other = await call((cb) => store.load(server(), {}, reqOf('S3', { id: 'u8' }, tid), cb));
        assertForbidden(other.err, tid);
        const again = await call((cb) => store.load(server(), {}, reqOf('S3', { id: 'u7' }, tid), cb));
        assert.deepEqual(again.result.info, { v: 2 });
        void result;
      });

      it('honours userProperty and a custom userId', async () => {
        const custom = new RedisTransactionStore({ client: c.client, prefix, userId: (u: any) => u.email });
        const req = reqOf('S4', undefined);
        req.account = { email: 'a@example.com' };
        const { result: tid } = await call((cb) => custom.store(server(), { userProperty: 'account' }, req, record(), cb));
        const raw = JSON.parse((await c.command('GET', prefix + tid)) as string);
        assert.equal(raw.u, 'a@example.com');
        const wrong = reqOf('S4', undefined, tid);
        wrong.account = { email: 'b@example.com' };
        assertForbidden((await call((cb) => custom.load(server(), { userProperty: 'account' }, wrong, cb))).err, tid);
      });

      it('answers missing, malformed and unknown IDs like the session store', async () => {
        let r = await call((cb) => store.load(server(), {}, reqOf('S1', null), cb));
        assert.ok(r.err instanceof BadRequestError, 'missing -> BadRequestError');
        assert.equal(r.err.message, 'Missing required parameter: transaction_id');
        r = await call((cb) => store.load(server(), { transactionField: 'txid' }, reqOf('S1', null), cb));
        assert.equal(r.err.message, 'Missing required parameter: txid');
        for (const bad of [['a', 'b'], { a: 1 }]) {
          r = await call((cb) => store.load(server(), {}, reqOf('S1', null, bad), cb));
          assert.ok(r.err instanceof BadRequestError, 'non-string -> BadRequestError');
          assert.equal(r.err.message, 'Invalid parameter: transaction_id must be a string');
        }
        for (const tid of ['nope', '__proto__', 'x'.repeat(5000), 'a b', '*', 'k\r\nFLUSHALL']) {
          r = await call((cb) => store.load(server(), {}, reqOf('S1', null, tid), cb));
          assertForbidden(r.err, tid);
        }
      });

      it('claims exactly once: DEL answers 1 for one request only, even when many race', async () => {
        const tid = await stored();
        const reqs = Array.from({ length: 20 }, () => reqOf('S1', { id: 'u1' }, tid));
        const answers = await Promise.all(reqs.map((req) => call((cb) => store.claim({}, req, tid, cb))));
        assert.deepEqual(answers.map((a) => a.err ?? null), reqs.map(() => null));
        assert.equal(answers.filter((a) => a.result === true).length, 1, 'one winner');
        assert.equal(answers.filter((a) => a.result === false).length, 19, 'the rest refused');
        assert.equal(await c.command('EXISTS', prefix + tid), 1 - 1, 'the claim deleted the key');
        const late = await call((cb) => store.load(server(), {}, reqOf('S1', { id: 'u1' }, tid), cb));
        assertForbidden(late.err, tid);
      });

      it('does not let an update bring back a claimed transaction', async () => {
        const tid = await stored();
        const req = reqOf('S1', { id: 'u1' }, tid);
        assert.equal((await call((cb) => store.claim({}, req, tid, cb))).result, true);
        const { err } = await call((cb) => store.update(server(), {}, req, tid, record(), cb));
        assertForbidden(err, tid);
        assert.equal(await c.command('EXISTS', prefix + tid), 0);
      });

      it('removes a transaction', async () => {
        const tid = await stored();
        const { err } = await call((cb) => store.remove({}, reqOf('S1', null), tid, cb));
        assert.equal(err ?? null, null);
        assert.equal(await c.command('EXISTS', prefix + tid), 0);
      });

      it('removes the transaction and answers unauthorized_client when its client is gone', async () => {
        const s = new Server();
        s.serializeClient((client: any, done: Cb) => done(null, 'gone-' + client.id));
        s.deserializeClient((_id: any, done: Cb) => done(null, false));
        const { result: tid } = await call((cb) => store.store(s, {}, reqOf('S1', null), record(), cb));
        const { err } = await call((cb) => store.load(s, {}, reqOf('S1', null, tid), cb));
        assert.ok(err instanceof AuthorizationError, 'AuthorizationError');
        assert.equal(err.code, 'unauthorized_client');
        assert.equal(await c.command('EXISTS', prefix + tid), 0);
      });

      it('forgets a transaction after its TTL (same 403 as a missing one)', async () => {
        const short = new RedisTransactionStore({ client: c.client, prefix, ttl: 0.15 });
        const { result: tid } = await call((cb) => short.store(server(), {}, reqOf('S1', null), record(), cb));
        assert.equal((await call((cb) => short.load(server(), {}, reqOf('S1', null, tid), cb))).err ?? null, null);
        await new Promise((r) => setTimeout(r, 300));
        assertForbidden((await call((cb) => short.load(server(), {}, reqOf('S1', null, tid), cb))).err, tid);
        const claim = await call((cb) => short.claim({}, reqOf('S1', null, tid), tid, cb));
        assert.equal(claim.result, false, 'an expired transaction cannot be claimed');
      });
    });
  }

  describe('when Redis is unreachable', () => {
    for (const kind of CLIENT_KINDS) {
      it(`${kind}: every method answers an error within the timeout, never a claim`, async () => {
        const own = await startRedis();
        const c = await connect(kind, own.url);
        try {
          const store = new RedisTransactionStore({ client: c.client, timeout: 300 });
          const { result: tid } = await call((cb) => store.store(server(), {}, reqOf('S1', null), record(), cb));
          assert.equal(typeof tid, 'string');
          await own.stop();
          const started = Date.now();
          const results = await Promise.all([
            call((cb) => store.load(server(), {}, reqOf('S1', null, tid), cb)),
            call((cb) => store.store(server(), {}, reqOf('S1', null), record(), cb)),
            call((cb) => store.update(server(), {}, reqOf('S1', null), tid, record(), cb)),
            call((cb) => store.claim({}, reqOf('S1', null), tid, cb)),
            call((cb) => store.remove({}, reqOf('S1', null), tid, cb)),
          ]);
          assert.ok(Date.now() - started < 3000, `answered in ${Date.now() - started} ms`);
          for (const [i, r] of results.entries()) {
            assert.ok(r.err instanceof Error, `method ${i}: an Error, got ${r.err}`);
            assert.ok(!(r.err instanceof ForbiddenError), `method ${i}: a store failure, not a 403`);
            assert.notEqual(r.result, true, `method ${i}: no claim`);
          }
        } finally {
          await c.close();
          await own.stop();
        }
      });
    }
  });
});
