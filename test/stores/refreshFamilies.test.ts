/**
 * The refresh-token family stores: rotation, the grace window of the
 * parent, reuse revoking the family, on MemoryRefreshFamilyStore and on
 * RedisRefreshFamilyStore (a real redis-server, each client); then
 * rotateRefreshTokens in exchange.refreshToken over HTTP, with 100
 * concurrent refreshes of one token split across two Express apps with
 * their own stores and Redis clients, sharing one redis-server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import oauth2orize from '../../src/index.js';
import { EVENT_CHANNELS } from '../../src/diagnostics/channels.js';
import { MemoryRefreshFamilyStore, RedisRefreshFamilyStore, rotateRefreshTokens, type RefreshFamilyStore, type RefreshRotationOptions } from '../../src/stores/refreshFamilies.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { CLIENT_KINDS, connect, type TestClient } from '../redis/clients.js';
import { closeAgent, postToken, startTokenApp, type TokenApp } from './tokenApp.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Grant { clientId: string; userId: string }
const GRANT: Grant = { clientId: 'c1', userId: 'u1' };

type Make = (options?: { graceSeconds?: number; graceReuses?: number; remember?: number }) => RefreshFamilyStore<Grant>;

function common(make: Make) {
  it('rotates the current token, answers its parent within the window, and revokes the family on an older token', async () => {
    const store = make();
    const { familyId, refreshToken: t1 } = await store.start(GRANT, 3600);
    assert.match(t1, new RegExp(`^${familyId}\\.[A-Za-z0-9_-]{43}$`));
    assert.deepEqual(await store.peek(t1), { familyId, record: GRANT });
    const r1 = await store.rotate(t1);
    assert.equal(r1.status, 'rotated');
    if (r1.status !== 'rotated') return;
    assert.equal(r1.generation, 2);
    assert.deepEqual(r1.record, GRANT);
    const t2 = r1.refreshToken;
    const g = await store.rotate(t1);
    assert.deepEqual(g, { status: 'grace', familyId, record: GRANT, refreshToken: t2, generation: 2, answer: undefined });
    assert.equal(await store.keepAnswer(familyId, 2, 'the answer'), true);
    assert.equal(await store.answer(familyId, 2), 'the answer');
    assert.equal(((await store.rotate(t1)) as any).answer, 'the answer');
    const r2 = await store.rotate(t2);
    assert.equal(r2.status, 'rotated');
    const t3 = (r2 as any).refreshToken;
    assert.equal(await store.answer(familyId, 2), undefined, 'the earlier answer is dropped by the next rotation');
    assert.deepEqual(await store.rotate(t1), { status: 'reused', familyId, record: GRANT }, 'the grandparent is a reuse');
    assert.deepEqual(await store.rotate(t3), { status: 'revoked', familyId, record: GRANT }, 'the whole family is revoked');
    assert.equal(await store.keepAnswer(familyId, 3, 'x'), false);
  });

  it('answers unknown for tokens of no family, and for forged tokens of a live family without revoking it', async () => {
    const store = make();
    const { familyId, refreshToken } = await store.start(GRANT, 3600);
    assert.deepEqual(await store.rotate('junk'), { status: 'unknown' });
    assert.deepEqual(await store.rotate('x'.repeat(100_000)), { status: 'unknown' });
    assert.deepEqual(await store.rotate(`${familyId}.${'A'.repeat(43)}`), { status: 'unknown' });
    assert.deepEqual(await store.rotate(`${'B'.repeat(22)}.${'A'.repeat(43)}`), { status: 'unknown' });
    assert.equal(await store.peek('junk'), undefined);
    assert.equal((await store.rotate(refreshToken)).status, 'rotated', 'the family is untouched');
  });

  it('rotates exactly once among 100 concurrent presentations; the others are in the window with the same new token', async () => {
    const store = make();
    const { refreshToken } = await store.start(GRANT, 3600);
    const results = await Promise.all(Array.from({ length: 100 }, () => store.rotate(refreshToken)));
    const rotated = results.filter((r) => r.status === 'rotated');
    assert.equal(rotated.length, 1);
    const next = (rotated[0] as any).refreshToken;
    for (const r of results) if (r.status !== 'rotated') assert.deepEqual([r.status, (r as any).refreshToken], ['grace', next]);
  });

  it('bounds the window by graceReuses, and turns it off with graceSeconds 0', async () => {
    const counted = make({ graceReuses: 2 });
    const a = await counted.start(GRANT, 3600);
    await counted.rotate(a.refreshToken);
    assert.equal((await counted.rotate(a.refreshToken)).status, 'grace');
    assert.equal((await counted.rotate(a.refreshToken)).status, 'grace');
    assert.equal((await counted.rotate(a.refreshToken)).status, 'reused', 'the third reuse revokes');
    const strict = make({ graceSeconds: 0 });
    const b = await strict.start(GRANT, 3600);
    await strict.rotate(b.refreshToken);
    assert.equal((await strict.rotate(b.refreshToken)).status, 'reused');
  });

  it('remembers `remember` earlier tokens; an older one is unknown, not a reuse', async () => {
    const store = make({ remember: 2 });
    const { refreshToken: t1 } = await store.start(GRANT, 3600);
    let t = t1;
    for (let i = 0; i < 4; i++) t = ((await store.rotate(t)) as any).refreshToken;
    assert.equal((await store.rotate(t1)).status, 'unknown');
    assert.equal((await store.rotate(t)).status, 'rotated');
  });

  it('revokes a family on request', async () => {
    const store = make();
    const { familyId, refreshToken } = await store.start(GRANT, 3600);
    await store.revoke(familyId);
    assert.equal((await store.rotate(refreshToken)).status, 'revoked');
  });

  it('rejects (never throws) bad arguments', async () => {
    const store = make();
    for (const t of [0, -1, NaN, '60' as any]) await assert.rejects(store.start(GRANT, t), /ttl must be a positive number of seconds/);
    await assert.rejects(store.start(undefined as any, 60), /records must be JSON values/);
    for (const t of [undefined, 1, {}] as any[]) await assert.rejects(store.rotate(t), /refresh tokens must be strings/);
    await assert.rejects(store.keepAnswer('short', 1, 'a'), /family ids are 22 base64url characters/);
    await assert.rejects(store.answer('A'.repeat(22), 0), /generations are positive integers/);
  });

  it('checks its grace options', () => {
    assert.throws(() => make({ graceSeconds: -1 }), /graceSeconds must be a number of seconds/);
    assert.throws(() => make({ graceReuses: 0 }), /graceReuses must be a positive integer/);
    assert.throws(() => make({ remember: 0 }), /remember must be an integer from 1 to 10000/);
  });
}

describe('stores/MemoryRefreshFamilyStore', () => {
  common((o) => new MemoryRefreshFamilyStore<Grant>(o));

  it('measures the window and the family lifetime on its clock', async () => {
    let now = 1_000;
    const store = new MemoryRefreshFamilyStore<Grant>({ now: () => now, graceSeconds: 5 });
    const { refreshToken: t1 } = await store.start(GRANT, 60);
    const t2 = ((await store.rotate(t1)) as any).refreshToken;
    now += 4_999;
    assert.equal((await store.rotate(t1)).status, 'grace');
    now += 1;
    assert.equal((await store.rotate(t1)).status, 'reused', 'after the window the parent revokes');
    const b = await store.start(GRANT, 60);
    now += 60_000;
    assert.equal((await store.rotate(b.refreshToken)).status, 'unknown', 'the family expired');
    assert.ok(t2);
  });
});

describe('stores/RedisRefreshFamilyStore', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  before(async () => { redis = await startRedis(); });
  after(async () => { if (redis) await redis.stop(); });

  it('checks its options at construction', () => {
    assert.throws(() => new RedisRefreshFamilyStore(null as any), /requires options with a client/);
    assert.throws(() => new RedisRefreshFamilyStore({ client: { call: async () => null }, prefix: 1 as any }), /prefix must be a string/);
    assert.equal(new RedisRefreshFamilyStore({ client: { call: async () => null } }).prefix, 'oauth2orize:rt:');
  });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let n = 0;
      before(async () => { c = await connect(kind, redis.url); });
      after(async () => { if (c) await c.close(); });

      common((o) => new RedisRefreshFamilyStore<Grant>({ client: c.client, prefix: `rt:${kind}:${++n}:`, ...o }));

      it('keeps a family in one hash tagged {familyId}, its answer for the window only, and no token in clear outside it', async () => {
        const prefix = `rtkeys:${kind}:`;
        const store = new RedisRefreshFamilyStore<Grant>({ client: c.client, prefix, graceSeconds: 0.5 });
        const { familyId, refreshToken } = await store.start(GRANT, 100);
        const r = await store.rotate(refreshToken);
        assert.equal(r.status, 'rotated');
        const keys = ((await c.command('KEYS', prefix + '*')) as string[]).sort();
        assert.deepEqual(keys, [`${prefix}{${familyId}}`, `${prefix}{${familyId}}:answer`]);
        const dump = JSON.stringify(await c.command('HGETALL', keys[0]!));
        assert.ok(!dump.includes(refreshToken.split('.')[1]!) && !dump.includes((r as any).refreshToken.split('.')[1]), 'the family holds hashes only');
        const pttl = Number(await c.command('PTTL', keys[0]!));
        assert.ok(pttl > 90_000 && pttl <= 100_000, `family pttl ${pttl}`);
        await sleep(600);
        assert.deepEqual((await c.command('KEYS', prefix + '*')) as string[], [`${prefix}{${familyId}}`], 'the answer expired with the window');
        assert.equal((await store.rotate(refreshToken)).status, 'reused');
      });
    });
  }
});

// ---------------------------------------------------------------------------
// rotateRefreshTokens in exchange.refreshToken, over HTTP

interface Counters { rotations: number; graceIssues: number; revoked: string[] }

function rotation(counters: Counters, form: 'context' | 'positional', extra: Partial<RefreshRotationOptions<Grant>> = {}): RefreshRotationOptions<Grant> {
  const check = (g: Grant, ctx: any) => g.clientId === ctx.client.id;
  if (form === 'context') {
    return {
      check,
      issue: async (g: Grant, ctx: any) => {
        if (ctx.grace) counters.graceIssues++; else counters.rotations++;
        await sleep(5);
        return { accessToken: `at.${ctx.familyId}.${ctx.grace ? 'g' : 'r'}.${Math.random()}`, params: { expires_in: 60, user: g.userId } };
      },
      revokeFamily: async (familyId: string) => { counters.revoked.push(familyId); },
      ...extra,
    } as RefreshRotationOptions<Grant>;
  }
  return {
    check,
    issue: (g: Grant, ctx: any, done: any) => {
      if (ctx.grace) counters.graceIssues++; else counters.rotations++;
      setTimeout(() => done(null, `at.${ctx.familyId}.${ctx.grace ? 'g' : 'r'}.${Math.random()}`, undefined, { expires_in: 60, user: g.userId }), 5);
    },
    revokeFamily: (familyId: string, _g: Grant, done: any) => { counters.revoked.push(familyId); setImmediate(done); },
    ...extra,
  } as RefreshRotationOptions<Grant>;
}

const refreshForm = (token: string, client = 'c1') => ({ grant_type: 'refresh_token', refresh_token: token, client_id: client });

describe('rotateRefreshTokens with exchange.refreshToken (memory)', () => {
  const apps: TokenApp[] = [];
  after(async () => { for (const a of apps) await a.close(); closeAgent(); });

  it('answers concurrent refreshes in the same family, and a reuse after the window revokes it (positional callbacks)', async () => {
    const counters: Counters = { rotations: 0, graceIssues: 0, revoked: [] };
    let now = Date.now();
    const store = new MemoryRefreshFamilyStore<Grant>({ graceSeconds: 10, now: () => now });
    const app = await startTokenApp([oauth2orize.exchange.refreshToken(rotateRefreshTokens(store, rotation(counters, 'positional')) as any)]);
    apps.push(app);
    const { familyId, refreshToken } = await store.start(GRANT, 3600);
    const replies = await Promise.all(Array.from({ length: 30 }, () => postToken(app.port, refreshForm(refreshToken))));
    for (const r of replies) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(counters.rotations, 1);
    assert.equal(new Set(replies.map((r) => r.body.refresh_token)).size, 1);
    assert.equal(new Set(replies.map((r) => r.body.access_token)).size, 1, "'same': every answer is the rotation's response");
    assert.equal(replies[0]!.body.user, 'u1');
    now += 10_000;
    const late = await postToken(app.port, refreshForm(refreshToken));
    assert.deepEqual([late.status, late.body.error], [403, 'invalid_grant']);
    assert.deepEqual(counters.revoked, [familyId]);
    const child = await postToken(app.port, refreshForm(replies[0]!.body.refresh_token));
    assert.deepEqual([child.status, child.body.error], [403, 'invalid_grant'], 'the family is revoked');
  });

  it('refuses another client without rotating or revoking', async () => {
    const counters: Counters = { rotations: 0, graceIssues: 0, revoked: [] };
    const store = new MemoryRefreshFamilyStore<Grant>();
    const app = await startTokenApp([oauth2orize.exchange.refreshToken(rotateRefreshTokens(store, rotation(counters, 'context')) as any)]);
    apps.push(app);
    const { refreshToken } = await store.start(GRANT, 3600);
    const r = await postToken(app.port, refreshForm(refreshToken, 'c2'));
    assert.deepEqual([r.status, r.body.error], [403, 'invalid_grant']);
    assert.equal(counters.rotations, 0);
    assert.equal((await postToken(app.port, refreshForm(refreshToken))).status, 200);
    assert.deepEqual(counters.revoked, []);
  });

  it("'fresh' answers the parent with a new access token and the same new refresh token; seal and open wrap the kept answer", async () => {
    const counters: Counters = { rotations: 0, graceIssues: 0, revoked: [] };
    const store = new MemoryRefreshFamilyStore<Grant>();
    const app = await startTokenApp([oauth2orize.exchange.refreshToken(rotateRefreshTokens(store, rotation(counters, 'context', { reuse: 'fresh' })) as any)]);
    apps.push(app);
    const { refreshToken } = await store.start(GRANT, 3600);
    const a = await postToken(app.port, refreshForm(refreshToken));
    const b = await postToken(app.port, refreshForm(refreshToken));
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.body.refresh_token, b.body.refresh_token);
    assert.notEqual(a.body.access_token, b.body.access_token);
    assert.equal(counters.graceIssues, 1);

    const sealed: string[] = [];
    const store2 = new MemoryRefreshFamilyStore<Grant>();
    const seal = (s: string) => { const x = Buffer.from(s).toString('base64'); sealed.push(x); return x; };
    const open = async (s: string) => Buffer.from(s, 'base64').toString();
    const app2 = await startTokenApp([oauth2orize.exchange.refreshToken(rotateRefreshTokens(store2, rotation(counters, 'context', { seal, open })) as any)]);
    apps.push(app2);
    const f = await store2.start(GRANT, 3600);
    const c = await postToken(app2.port, refreshForm(f.refreshToken));
    assert.equal(await store2.answer(f.familyId, 2), sealed[0], 'the store keeps what seal gave');
    const d = await postToken(app2.port, refreshForm(f.refreshToken));
    assert.deepEqual(d.body, c.body);
  });

  it('publishes refreshReuse for a reuse in the window and for one that revokes', async () => {
    const events: any[] = [];
    const listen = (m: unknown) => events.push(m);
    subscribe(EVENT_CHANNELS.refreshReuse, listen);
    try {
      const counters: Counters = { rotations: 0, graceIssues: 0, revoked: [] };
      const store = new MemoryRefreshFamilyStore<Grant>({ graceReuses: 1 });
      const app = await startTokenApp([oauth2orize.exchange.refreshToken(rotateRefreshTokens(store, rotation(counters, 'context')) as any)]);
      apps.push(app);
      const { refreshToken } = await store.start(GRANT, 3600);
      await postToken(app.port, refreshForm(refreshToken));
      await postToken(app.port, refreshForm(refreshToken));
      await postToken(app.port, refreshForm(refreshToken));
      assert.deepEqual(events.map((e) => e.familyRevoked), [false, true]);
    } finally {
      unsubscribe(EVENT_CHANNELS.refreshReuse, listen);
    }
  });

  it('checks its options', () => {
    const store = new MemoryRefreshFamilyStore();
    const ok = { check: () => true, issue: async () => 'at', revokeFamily: async () => {} };
    assert.throws(() => rotateRefreshTokens(null as any, ok), /requires a RefreshFamilyStore/);
    assert.throws(() => rotateRefreshTokens(store, null as any), /requires options/);
    for (const name of ['check', 'issue', 'revokeFamily']) assert.throws(() => rotateRefreshTokens(store, { ...ok, [name]: 1 } as any), new RegExp(`${name} must be a function`));
    assert.throws(() => rotateRefreshTokens(store, { ...ok, reuse: 'other' as any }), /reuse must be 'same' or 'fresh'/);
    assert.throws(() => rotateRefreshTokens(store, { ...ok, wait: -1 }), /wait must be a number of milliseconds/);
    assert.throws(() => rotateRefreshTokens(store, { ...ok, seal: 'x' as any }), /seal must be a function/);
  });
});

describe('rotateRefreshTokens across two Express apps on one redis-server', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  const clients: TestClient[] = [];
  const apps: TokenApp[] = [];
  before(async () => { redis = await startRedis(); });
  after(async () => {
    for (const a of apps) await a.close();
    closeAgent();
    for (const c of clients) await c.close();
    if (redis) await redis.stop();
  });

  for (const [reuse, form] of [['same', 'context'], ['fresh', 'positional']] as const) {
    it(`100 concurrent refreshes of one token, split across both: one rotation, all 200 in the family; a reuse after the window revokes it (${reuse}, ${form} callbacks)`, async () => {
      const prefix = `two:${reuse}:`;
      const counters: Counters = { rotations: 0, graceIssues: 0, revoked: [] };
      const pair: TokenApp[] = [];
      for (const kind of ['ioredis', 'node-redis v5'] as const) {
        const c = await connect(kind, redis.url);
        clients.push(c);
        const store = new RedisRefreshFamilyStore<Grant>({ client: c.client, prefix, graceSeconds: 2 });
        const app = await startTokenApp([oauth2orize.exchange.refreshToken(rotateRefreshTokens(store, rotation(counters, form, { reuse })) as any)]);
        apps.push(app);
        pair.push(app);
      }
      const starter = new RedisRefreshFamilyStore<Grant>({ client: clients[clients.length - 1]!.client, prefix });
      const { familyId, refreshToken } = await starter.start(GRANT, 3600);
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => postToken(pair[i % 2]!.port, refreshForm(refreshToken))));
      const statuses = replies.map((r) => r.status);
      assert.deepEqual(statuses.filter((s) => s !== 200), [], JSON.stringify(replies.find((r) => r.status !== 200)?.body));
      assert.equal(counters.rotations, 1, 'exactly one rotation');
      assert.equal(new Set(replies.map((r) => r.body.refresh_token)).size, 1, 'one new refresh token');
      for (const r of replies) assert.ok(r.body.access_token.startsWith(`at.${familyId}.`), 'every access token of the family');
      if (reuse === 'same') assert.equal(new Set(replies.map((r) => r.body.access_token)).size, 1);
      else assert.equal(counters.graceIssues, 99);
      assert.deepEqual(counters.revoked, [], 'no family revoked inside the window');
      const next = replies[0]!.body.refresh_token;
      const onward = await postToken(pair[1]!.port, refreshForm(next));
      assert.equal(onward.status, 200, 'the new token rotates on the other instance');
      await sleep(2_100);
      const late = await postToken(pair[0]!.port, refreshForm(refreshToken));
      assert.deepEqual([late.status, late.body.error], [403, 'invalid_grant']);
      assert.deepEqual(counters.revoked, [familyId], 'revokeFamily ran once');
      const after = await postToken(pair[1]!.port, refreshForm(onward.body.refresh_token));
      assert.deepEqual([after.status, after.body.error], [403, 'invalid_grant'], 'the family is revoked on every instance');
    });
  }
});
