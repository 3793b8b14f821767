/**
 * The authorization code stores: the redemption protocol on
 * MemoryAuthorizationCodeStore and on RedisAuthorizationCodeStore (a real
 * redis-server, each client), and redeemCodes in exchange.code over HTTP:
 * one winner among concurrent redemptions, replays revoke only when the
 * request checks out.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import oauth2orize from '../../src/index.js';
import { EVENT_CHANNELS } from '../../src/diagnostics/channels.js';
import { MemoryAuthorizationCodeStore, RedisAuthorizationCodeStore, redeemCodes, type AuthorizationCodeStore } from '../../src/stores/codes.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { CLIENT_KINDS, connect, type TestClient } from '../redis/clients.js';
import { closeAgent, postToken, startTokenApp, type TokenApp } from './tokenApp.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REDIRECT = 'https://client.example/cb';

interface Rec { clientId: string; redirectURI: string; n?: number; codeChallenge?: string; codeChallengeMethod?: string }

function common(make: () => AuthorizationCodeStore<Rec>) {
  it('redeems a code once and reports later redemptions with what the first recorded', async () => {
    const store = make();
    const code = await store.issue({ clientId: 'c1', redirectURI: REDIRECT }, 60);
    assert.match(code, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await store.peek(code), { clientId: 'c1', redirectURI: REDIRECT });
    assert.deepEqual(await store.consume(code), { status: 'valid', record: { clientId: 'c1', redirectURI: REDIRECT } });
    assert.deepEqual(await store.consume(code), { status: 'replayed', record: { clientId: 'c1', redirectURI: REDIRECT }, issued: undefined });
    assert.equal(await store.complete(code, { tokenIds: ['a1', 'r1'] }), false, 'no replay confirmed yet');
    const again = await store.consume(code);
    assert.deepEqual(again, { status: 'replayed', record: { clientId: 'c1', redirectURI: REDIRECT }, issued: { tokenIds: ['a1', 'r1'] } });
    assert.deepEqual(await store.confirmReplay(code), { tokenIds: ['a1', 'r1'] });
    assert.deepEqual(await store.peek(code), { clientId: 'c1', redirectURI: REDIRECT }, 'a redeemed code is still peeked (PKCE lookup of a replay)');
  });

  it('tells the first redemption when a replay was confirmed while it issued', async () => {
    const store = make();
    const code = await store.issue({ clientId: 'c1', redirectURI: REDIRECT }, 60);
    assert.equal((await store.consume(code)).status, 'valid');
    assert.equal((await store.consume(code)).status, 'replayed');
    assert.equal(await store.confirmReplay(code), undefined, 'nothing recorded yet');
    assert.equal(await store.complete(code, { grant: 'g1' }), true, 'the first redemption learns of the replay');
  });

  it('answers unknown for codes never issued, and keeps codes apart', async () => {
    const store = make();
    const a = await store.issue({ clientId: 'c1', redirectURI: REDIRECT, n: 1 }, 60);
    const b = await store.issue({ clientId: 'c1', redirectURI: REDIRECT, n: 2 }, 60);
    assert.notEqual(a, b);
    assert.deepEqual(await store.consume('nope'), { status: 'unknown' });
    assert.deepEqual(await store.consume('x'.repeat(100_000)), { status: 'unknown' });
    assert.equal(await store.peek('nope'), undefined);
    assert.equal(await store.complete('nope', 1), false);
    assert.equal(await store.confirmReplay('nope'), undefined);
    assert.equal(((await store.consume(b)) as any).record.n, 2);
    assert.equal((await store.consume(a)).status, 'valid');
  });

  it('lets exactly one of 200 concurrent redemptions win', async () => {
    const store = make();
    const code = await store.issue({ clientId: 'c1', redirectURI: REDIRECT }, 60);
    const results = await Promise.all(Array.from({ length: 200 }, () => store.consume(code)));
    assert.equal(results.filter((r) => r.status === 'valid').length, 1);
    assert.equal(results.filter((r) => r.status === 'replayed').length, 199);
  });

  it('rejects (never throws) bad TTLs, codes and records', async () => {
    const store = make();
    for (const t of [0, -1, NaN, Infinity, '60' as any]) await assert.rejects(store.issue({ clientId: 'c', redirectURI: 'r' }, t), /ttl must be a positive number of seconds/);
    await assert.rejects(store.issue(undefined as any, 60), /records must be a JSON value/);
    for (const c of [undefined, 1, {}, ['a']] as any[]) await assert.rejects(store.consume(c), /codes must be strings/);
    const code = await store.issue({ clientId: 'c', redirectURI: 'r' }, 60);
    await store.consume(code);
    await assert.rejects(store.complete(code, undefined), /issued values must be a JSON value/);
  });
}

describe('stores/MemoryAuthorizationCodeStore', () => {
  common(() => new MemoryAuthorizationCodeStore<Rec>());

  it('expires a live code with its TTL, and keeps a redeemed one for redeemedTtl', async () => {
    let now = 1_000;
    const store = new MemoryAuthorizationCodeStore<Rec>({ now: () => now, redeemedTtl: 100 });
    const a = await store.issue({ clientId: 'c', redirectURI: 'r' }, 30);
    const b = await store.issue({ clientId: 'c', redirectURI: 'r' }, 30);
    assert.equal((await store.consume(b)).status, 'valid');
    now += 30_000;
    assert.equal((await store.consume(a)).status, 'unknown', 'expired before redemption');
    assert.equal((await store.consume(b)).status, 'replayed', 'a redeemed code outlives its TTL');
    now += 70_000;
    assert.equal((await store.consume(b)).status, 'unknown', 'forgotten after redeemedTtl');
  });

  it('keeps at most maxKeys codes and checks its options', async () => {
    const store = new MemoryAuthorizationCodeStore({ maxKeys: 2 });
    for (let i = 0; i < 5; i++) await store.issue({ i }, 60);
    assert.equal(store.size, 2);
    assert.throws(() => new MemoryAuthorizationCodeStore({ maxKeys: 0 }), /maxKeys must be a positive integer/);
    assert.throws(() => new MemoryAuthorizationCodeStore({ now: 1 as any }), /now must be a function/);
    assert.throws(() => new MemoryAuthorizationCodeStore({ redeemedTtl: -1 }), /redeemedTtl must be a positive number/);
    assert.throws(() => new MemoryAuthorizationCodeStore(null as any), /options must be an object/);
  });
});

describe('stores/RedisAuthorizationCodeStore', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  before(async () => { redis = await startRedis(); });
  after(async () => { if (redis) await redis.stop(); });

  it('checks its options at construction', () => {
    assert.throws(() => new RedisAuthorizationCodeStore(null as any), /requires options with a client/);
    assert.throws(() => new RedisAuthorizationCodeStore({ client: {} as any }), /requires a node-redis \(sendCommand\) or ioredis \(call\) client/);
    assert.throws(() => new RedisAuthorizationCodeStore({ client: { call: async () => null }, prefix: 1 as any }), /prefix must be a string/);
    assert.equal(new RedisAuthorizationCodeStore({ client: { call: async () => null } }).prefix, 'oauth2orize:code:');
  });

  it('routes each command of a node-redis cluster client by its one key', async () => {
    const seen: unknown[][] = [];
    const client = { masters: [], sendCommand: async (...a: unknown[]) => { seen.push(a); return [1, '{"clientId":"c"}']; } };
    const store = new RedisAuthorizationCodeStore({ client, prefix: 'p:' });
    await store.consume('abc');
    const key = 'p:' + createHash('sha256').update('abc').digest('base64url');
    assert.equal(seen[0]![0], key);
    assert.equal(seen[0]![1], false);
    assert.equal((seen[0]![2] as string[])[3], key);
  });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let n = 0;
      before(async () => { c = await connect(kind, redis.url); });
      after(async () => { if (c) await c.close(); });

      common(() => new RedisAuthorizationCodeStore<Rec>({ client: c.client, prefix: `code:${kind}:${++n}:` }));

      it('keeps one hash per code, named by its SHA-256, with the TTL, extended on redemption', async () => {
        const prefix = `codekeys:${kind}:`;
        const store = new RedisAuthorizationCodeStore<Rec>({ client: c.client, prefix, redeemedTtl: 300 });
        const code = await store.issue({ clientId: 'c', redirectURI: 'r' }, 20);
        const keys = (await c.command('KEYS', prefix + '*')) as string[];
        assert.deepEqual(keys, [prefix + createHash('sha256').update(code).digest('base64url')]);
        assert.ok(!keys[0]!.includes(code), 'the code itself is not in Redis');
        const pttl = Number(await c.command('PTTL', keys[0]!));
        assert.ok(pttl > 15_000 && pttl <= 20_000, `pttl ${pttl}`);
        await store.consume(code);
        const after = Number(await c.command('PTTL', keys[0]!));
        assert.ok(after > 290_000, `redeemed pttl ${after}`);
      });

      it('forgets an unredeemed code when its real TTL ends', async () => {
        const store = new RedisAuthorizationCodeStore<Rec>({ client: c.client, prefix: `codettl:${kind}:` });
        const code = await store.issue({ clientId: 'c', redirectURI: 'r' }, 0.3);
        await sleep(400);
        assert.equal((await store.consume(code)).status, 'unknown');
      });
    });
  }
});

// ---------------------------------------------------------------------------
// redeemCodes in exchange.code, over HTTP

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

interface Harness {
  app: TokenApp;
  store: AuthorizationCodeStore<Rec>;
  issued: number;
  revoked: unknown[];
  gate?: Promise<void>;
}

async function harness(store: AuthorizationCodeStore<Rec>, form: 'context' | 'positional', pkce = false): Promise<Harness> {
  const h: Harness = { app: undefined as any, store, issued: 0, revoked: [] };
  const callbacks = form === 'context'
    ? {
        check: (rec: Rec, ctx: any) => rec.clientId === ctx.client.id && rec.redirectURI === ctx.redirectURI,
        issue: async (rec: Rec) => {
          const n = ++h.issued;
          if (h.gate) await h.gate;
          return { accessToken: `at-${n}`, refreshToken: `rt-${n}`, params: { expires_in: 60 }, issued: { grant: `g-${n}`, client: rec.clientId } };
        },
        revoke: async (issued: unknown) => { h.revoked.push(issued); },
      }
    : {
        check: (rec: Rec, ctx: any) => rec.clientId === ctx.client.id && rec.redirectURI === ctx.redirectURI,
        issue: (rec: Rec, _ctx: any, done: any) => {
          const n = ++h.issued;
          setImmediate(() => done(null, `at-${n}`, `rt-${n}`, { expires_in: 60 }, { grant: `g-${n}`, client: rec.clientId }));
        },
        revoke: (issued: unknown, _rec: Rec, done: any) => { h.revoked.push(issued); setImmediate(done); },
      };
  const redeem = redeemCodes<Rec>(store, callbacks as any);
  const exchange = pkce
    ? oauth2orize.exchange.code({ pkce: { lookup: redeem.lookup as any } }, redeem.issue as any)
    : oauth2orize.exchange.code(redeem.issue as any);
  h.app = await startTokenApp([exchange]);
  return h;
}

const redeemForm = (code: string, extra: Record<string, string> = {}) => ({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'c1', ...extra });

function flows(name: string, makeStore: () => AuthorizationCodeStore<Rec>) {
  describe(`redeemCodes with exchange.code (${name})`, () => {
    const apps: TokenApp[] = [];
    after(async () => { for (const a of apps) await a.close(); closeAgent(); });

    for (const form of ['context', 'positional'] as const) {
      it(`lets one of 200 concurrent redemptions win, and revokes once on the valid replays (${form} callbacks)`, async () => {
        const h = await harness(makeStore(), form);
        apps.push(h.app);
        const events: unknown[] = [];
        const listen = (m: unknown) => events.push(m);
        subscribe(EVENT_CHANNELS.codeReplay, listen);
        try {
          const code = await h.store.issue({ clientId: 'c1', redirectURI: REDIRECT }, 60);
          const replies = await Promise.all(Array.from({ length: 200 }, () => postToken(h.app.port, redeemForm(code))));
          const ok = replies.filter((r) => r.status === 200);
          assert.equal(ok.length, 1, JSON.stringify(replies.filter((r) => r.status !== 400).slice(0, 3)));
          assert.equal(ok[0]!.body.access_token, 'at-1');
          assert.equal(ok[0]!.body.refresh_token, 'rt-1');
          for (const r of replies) if (r.status !== 200) assert.deepEqual([r.status, r.body.error], [403, 'invalid_grant']);
          assert.equal(h.issued, 1, 'issue ran once');
          assert.ok(h.revoked.length >= 1, 'the replays revoked what the code issued');
          for (const x of h.revoked) assert.deepEqual(x, { grant: 'g-1', client: 'c1' });
          assert.ok(events.length >= 199, `codeReplay events: ${events.length}`);
        } finally {
          unsubscribe(EVENT_CHANNELS.codeReplay, listen);
        }
      });
    }

    it('revokes nothing for a replay with another client or redirect_uri, and burns nothing for them', async () => {
      const h = await harness(makeStore(), 'context');
      apps.push(h.app);
      const code = await h.store.issue({ clientId: 'c1', redirectURI: REDIRECT }, 60);
      const wrongClient = await postToken(h.app.port, redeemForm(code, { client_id: 'c2' }));
      assert.deepEqual([wrongClient.status, wrongClient.body.error], [403, 'invalid_grant']);
      assert.equal((await postToken(h.app.port, redeemForm(code))).status, 200, 'the legitimate client still redeems it');
      for (const extra of [{ client_id: 'c2' }, { redirect_uri: 'https://evil.example/cb' }] as Record<string, string>[]) {
        const r = await postToken(h.app.port, redeemForm(code, extra));
        assert.deepEqual([r.status, r.body.error], [403, 'invalid_grant']);
      }
      assert.deepEqual(h.revoked, [], 'an invalid replay revokes nothing');
      assert.equal((await postToken(h.app.port, redeemForm(code))).status, 403);
      assert.deepEqual(h.revoked, [{ grant: 'g-1', client: 'c1' }], 'a valid replay revokes');
    });

    it('revokes nothing for a replay with a wrong PKCE verifier, and revokes for the right one', async () => {
      const h = await harness(makeStore(), 'context', true);
      apps.push(h.app);
      const verifier = 'v'.repeat(43);
      const code = await h.store.issue({ clientId: 'c1', redirectURI: REDIRECT, codeChallenge: s256(verifier), codeChallengeMethod: 'S256' }, 60);
      const first = await postToken(h.app.port, redeemForm(code, { code_verifier: verifier }));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const wrong = await postToken(h.app.port, redeemForm(code, { code_verifier: 'w'.repeat(43) }));
      assert.deepEqual([wrong.status, wrong.body.error], [403, 'invalid_grant']);
      assert.deepEqual(h.revoked, []);
      const right = await postToken(h.app.port, redeemForm(code, { code_verifier: verifier }));
      assert.deepEqual([right.status, right.body.error], [403, 'invalid_grant']);
      assert.deepEqual(h.revoked, [{ grant: 'g-1', client: 'c1' }]);
    });

    it('revokes what the first redemption issues when a valid replay comes while it issues, before the first answers', async () => {
      const h = await harness(makeStore(), 'context');
      apps.push(h.app);
      let open!: () => void;
      h.gate = new Promise<void>((resolve) => { open = resolve; });
      const code = await h.store.issue({ clientId: 'c1', redirectURI: REDIRECT }, 60);
      const first = postToken(h.app.port, redeemForm(code));
      while (h.issued === 0) await sleep(5);
      const replay = await postToken(h.app.port, redeemForm(code));
      assert.deepEqual([replay.status, replay.body.error], [403, 'invalid_grant']);
      assert.deepEqual(h.revoked, [], 'nothing recorded yet to revoke');
      open();
      const r = await first;
      assert.equal(r.status, 200, 'the one first redemption answers, so one of any number wins');
      assert.equal(r.body.access_token, 'at-1');
      assert.deepEqual(h.revoked, [{ grant: 'g-1', client: 'c1' }], 'what it answers was revoked before the answer');
    });

    it('answers invalid_grant for an unknown or expired code, without calling issue', async () => {
      const h = await harness(makeStore(), 'context');
      apps.push(h.app);
      const r = await postToken(h.app.port, redeemForm('not-a-code'));
      assert.deepEqual([r.status, r.body.error], [403, 'invalid_grant']);
      assert.equal(h.issued, 0);
    });
  });
}

flows('memory', () => new MemoryAuthorizationCodeStore<Rec>());

describe('redeemCodes on Redis', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  const clients: TestClient[] = [];
  let n = 0;
  before(async () => {
    redis = await startRedis();
    clients.push(await connect('ioredis', redis.url), await connect('node-redis v5', redis.url));
  });
  after(async () => { for (const c of clients) await c.close(); if (redis) await redis.stop(); });
  flows('redis', () => new RedisAuthorizationCodeStore<Rec>({ client: clients[n % 2]!.client, prefix: `flow:${++n}:` }));
});

describe('redeemCodes options', () => {
  it('checks the store and the callbacks', () => {
    const store = new MemoryAuthorizationCodeStore();
    const ok = { check: () => true, issue: async () => 'at', revoke: async () => {} };
    assert.throws(() => redeemCodes(null as any, ok), /requires an AuthorizationCodeStore/);
    assert.throws(() => redeemCodes(store, null as any), /requires callbacks/);
    for (const name of ['check', 'issue', 'revoke']) assert.throws(() => redeemCodes(store, { ...ok, [name]: 1 } as any), new RegExp(`${name} must be a function`));
  });
});
