/**
 * The device-code stores: MemoryDeviceCodeStore, and RedisDeviceCodeStore
 * on a real redis-server and on a real three-node Redis Cluster, with each
 * client (node-redis v5, v4, ioredis). Both take an injected clock, so the
 * same behaviour tests run on all of them; the races run on Redis.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDeviceCodeStore, RedisDeviceCodeStore, type DeviceCodeStore, type DeviceCodeInput } from '../../src/stores/deviceCodes.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { startCluster, type RedisCluster } from '../redis/cluster.js';
import { CLIENT_KINDS, connect, connectCluster, type TestClient } from '../redis/clients.js';

const T0 = 1_800_000_000_000;

interface Clock { t: number }
type Make = (clock: Clock) => DeviceCodeStore<{ userID: string; scope?: string[] }>;

let seq = 0;
function input(over: Partial<DeviceCodeInput> = {}): DeviceCodeInput {
  seq++;
  return {
    deviceCode: `dc-${seq}-${Math.random().toString(36).slice(2)}`,
    userCode: `UC${seq}${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
    displayUserCode: 'WDJB-MJHT',
    clientID: 'tv',
    scope: ['read', 'write'],
    expiresAt: new Date(T0 + 600_000),
    interval: 5,
    ...over,
  };
}

/** Behaviour every DeviceCodeStore shares. */
function common(make: Make) {
  it('creates a pending record found by its user code', async () => {
    const clock = { t: T0 };
    const store = make(clock);
    const rec = input();
    assert.equal(await store.create(rec), true);
    const found = await store.findByUserCode(rec.userCode);
    assert.deepEqual(found, {
      deviceCode: rec.deviceCode, userCode: rec.userCode, displayUserCode: 'WDJB-MJHT', clientID: 'tv',
      scope: ['read', 'write'], expiresAt: T0 + 600_000, interval: 5, status: 'pending',
    });
    assert.equal(await store.findByUserCode('NOSUCHCODE'), null);
  });

  it('refuses a user code or device code already in use', async () => {
    const store = make({ t: T0 });
    const rec = input();
    assert.equal(await store.create(rec), true);
    assert.equal(await store.create({ ...input(), userCode: rec.userCode }), false, 'same user code');
    const other = input();
    assert.equal(await store.create({ ...other, deviceCode: rec.deviceCode }), false, 'same device code');
    assert.equal(await store.findByUserCode(other.userCode), null, 'nothing kept of the refused record');
    assert.equal((await store.findByUserCode(rec.userCode))?.deviceCode, rec.deviceCode);
  });

  it('polls: pending, slow_down (+5 s) when sooner than the interval, pending again after it', async () => {
    const clock = { t: T0 };
    const store = make(clock);
    const rec = input({ interval: 5 });
    await store.create(rec);
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'pending', interval: 5 });
    clock.t += 4_999;
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'slow_down', interval: 10 });
    clock.t += 9_999;
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'slow_down', interval: 15 }, 'the raised interval is the one enforced');
    clock.t += 15_000;
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'pending', interval: 15 });
    assert.equal((await store.findByUserCode(rec.userCode))?.interval, 15);
  });

  it('a poll by another client, or of an unknown code, is invalid and changes nothing', async () => {
    const clock = { t: T0 };
    const store = make(clock);
    const rec = input();
    await store.create(rec);
    assert.deepEqual(await store.poll(rec.deviceCode, 'web'), { status: 'invalid' });
    assert.deepEqual(await store.poll('nope', 'tv'), { status: 'invalid' });
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'pending', interval: 5 }, 'the other client\'s poll was not counted');
  });

  it('approve once; the approved record goes to exactly one poll, with its grant', async () => {
    const clock = { t: T0 };
    const store = make(clock);
    const rec = input();
    await store.create(rec);
    assert.equal(await store.approve(rec.userCode, { userID: 'alice', scope: ['read'] }), true);
    assert.equal(await store.approve(rec.userCode, { userID: 'mallory' }), false, 'decided once');
    assert.equal(await store.deny(rec.userCode), false);
    assert.equal((await store.findByUserCode(rec.userCode))?.status, 'approved');
    const wrong = await store.poll(rec.deviceCode, 'web');
    assert.deepEqual(wrong, { status: 'invalid' }, 'another client cannot take it');
    const won = await store.poll(rec.deviceCode, 'tv');
    assert.equal(won.status, 'approved');
    assert.deepEqual(won.status === 'approved' && won.record.grant, { userID: 'alice', scope: ['read'] });
    assert.equal(won.status === 'approved' && won.record.deviceCode, rec.deviceCode);
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'invalid' }, 'consumed');
    assert.equal(await store.findByUserCode(rec.userCode), null);
  });

  it('deny: every later poll answers denied', async () => {
    const store = make({ t: T0 });
    const rec = input();
    await store.create(rec);
    assert.equal(await store.deny(rec.userCode), true);
    assert.equal(await store.approve(rec.userCode, { userID: 'alice' }), false);
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'denied' });
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'denied' });
  });

  it('expiry: no decision after it, polls answer expired', async () => {
    const clock = { t: T0 };
    const store = make(clock);
    const rec = input({ expiresAt: T0 + 1_000 });
    const late = input({ expiresAt: T0 + 1_000 });
    await store.create(rec);
    await store.create(late);
    assert.equal(await store.approve(rec.userCode, { userID: 'alice' }), true);
    clock.t = T0 + 1_000;
    assert.equal(await store.approve(late.userCode, { userID: 'alice' }), false);
    assert.equal(await store.deny(late.userCode), false);
    assert.deepEqual(await store.poll(late.deviceCode, 'tv'), { status: 'expired' });
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'expired' }, 'an approved code not taken in time expires');
  });

  it('user codes with odd characters and very long codes are their own keys', async () => {
    const store = make({ t: T0 });
    const long = input({ userCode: 'U'.repeat(5000), deviceCode: 'd'.repeat(5000) });
    assert.equal(await store.create(long), true);
    assert.equal((await store.findByUserCode('U'.repeat(5000)))?.deviceCode, 'd'.repeat(5000));
    assert.equal(await store.findByUserCode('U'.repeat(4999)), null);
    const odd = input({ userCode: 'a|b\u0000{c}', scope: [] });
    assert.equal(await store.create(odd), true);
    assert.deepEqual((await store.findByUserCode('a|b\u0000{c}'))?.scope, []);
  });

  it('rejects (never throws) bad input', async () => {
    const store = make({ t: T0 });
    await assert.rejects(store.create(null as any), /requires a record/);
    await assert.rejects(store.create({ ...input(), deviceCode: 5 } as any), /requires a string deviceCode/);
    await assert.rejects(store.create({ ...input(), expiresAt: 'soon' }), /requires an expiresAt/);
    await assert.rejects(store.create({ ...input(), interval: 0 }), /interval must be a positive number/);
    await assert.rejects(store.create({ ...input(), scope: 'read' as any }), /scope must be an array of strings/);
    await assert.rejects(store.poll('x', undefined as any), /requires a string clientID/);
    await assert.rejects(store.poll(undefined as any, 'tv'), /keys must be strings/);
  });
}

/** The races, with as many concurrent callers as a crowd of instances would make. */
function races(make: Make) {
  it('approval against 50 concurrent polls: exactly one poll gets the approved code', async () => {
    const clock = { t: T0 };
    const store = make(clock);
    const rec = input({ interval: 0.001 });
    await store.create(rec);
    const polls = Array.from({ length: 50 }, (_, i) => (i === 10 ? store.approve(rec.userCode, { userID: 'alice' }).then(() => null) : store.poll(rec.deviceCode, 'tv')));
    const early = (await Promise.all(polls)).filter((p) => p !== null);
    const later = await Promise.all(Array.from({ length: 20 }, () => store.poll(rec.deviceCode, 'tv')));
    const all = [...early, ...later];
    assert.equal(all.filter((p) => p!.status === 'approved').length, 1, JSON.stringify(all.map((p) => p!.status)));
  });

  it('approve against deny from 40 concurrent decisions: one decision wins', async () => {
    const store = make({ t: T0 });
    const rec = input();
    await store.create(rec);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? store.approve(rec.userCode, { userID: `u${i}` }) : store.deny(rec.userCode))));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('concurrent polls of a pending code: the interval is enforced atomically', async () => {
    const clock = { t: T0 };
    const store = make(clock);
    const rec = input({ interval: 5 });
    await store.create(rec);
    const answers = await Promise.all(Array.from({ length: 30 }, () => store.poll(rec.deviceCode, 'tv')));
    assert.equal(answers.filter((a) => a.status === 'pending').length, 1, 'one poll inside the interval is allowed');
    assert.equal(answers.filter((a) => a.status === 'slow_down').length, 29);
    assert.equal((await store.findByUserCode(rec.userCode))?.interval, 5 + 29 * 5);
  });
}

describe('stores/MemoryDeviceCodeStore', () => {
  common((clock) => new MemoryDeviceCodeStore({ now: () => clock.t }));
  races((clock) => new MemoryDeviceCodeStore({ now: () => clock.t }));

  it('keeps at most maxKeys records', async () => {
    const store = new MemoryDeviceCodeStore({ maxKeys: 5, now: () => T0 });
    for (let i = 0; i < 50; i++) await store.create(input());
    assert.equal(store.size, 5);
  });

  it('forgets a record keepExpired seconds after it expires', async () => {
    const clock = { t: T0 };
    const store = new MemoryDeviceCodeStore({ keepExpired: 10, now: () => clock.t });
    const rec = input({ expiresAt: T0 + 1_000 });
    await store.create(rec);
    clock.t = T0 + 10_999;
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'expired' });
    clock.t = T0 + 11_000;
    assert.deepEqual(await store.poll(rec.deviceCode, 'tv'), { status: 'invalid' });
  });

  it('checks its options at construction', () => {
    assert.throws(() => new MemoryDeviceCodeStore({ maxKeys: 0 }), /maxKeys must be a positive integer/);
    assert.throws(() => new MemoryDeviceCodeStore({ now: 1 as any }), /now must be a function/);
    assert.throws(() => new MemoryDeviceCodeStore({ keepExpired: -1 }), /keepExpired must be a positive number/);
    assert.throws(() => new MemoryDeviceCodeStore(null as any), /options must be an object/);
  });
});

describe('stores/RedisDeviceCodeStore', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  before(async () => { redis = await startRedis(); });
  after(async () => { if (redis) await redis.stop(); });

  it('checks its options at construction', () => {
    assert.throws(() => new RedisDeviceCodeStore(undefined as any), /RedisDeviceCodeStore requires options with a client/);
    assert.throws(() => new RedisDeviceCodeStore({} as any), /RedisDeviceCodeStore requires a client option/);
    const client = { sendCommand: async () => null };
    assert.throws(() => new RedisDeviceCodeStore({ client, prefix: 1 as any }), /prefix must be a string/);
    assert.equal(new RedisDeviceCodeStore({ client }).prefix, 'oauth2orize:device:');
  });

  it('rejects when Redis does not answer within the timeout', async () => {
    const store = new RedisDeviceCodeStore({ client: { sendCommand: () => new Promise(() => {}) }, timeout: 30 });
    await assert.rejects(store.poll('dc', 'tv'), /timed out after 30 ms/);
  });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let n = 0;
      before(async () => { c = await connect(kind, redis.url); });
      after(async () => { if (c) await c.close(); });
      const make: Make = (clock) => new RedisDeviceCodeStore({ client: c.client, prefix: `dc:${kind}:${++n}:`, now: () => clock.t });

      common(make);
      races(make);

      it('keeps two keys that expire keepExpired seconds after the codes', async () => {
        const now = Date.now();
        const store = new RedisDeviceCodeStore({ client: c.client, prefix: `ttl:${kind}:`, keepExpired: 60 });
        const rec = input({ expiresAt: now + 30_000 });
        await store.create(rec);
        for (const key of [`ttl:${kind}:d:${rec.deviceCode}`, `ttl:${kind}:u:${rec.userCode}`]) {
          const pttl = Number(await c.command('PTTL', key));
          assert.ok(pttl > 85_000 && pttl <= 90_000, `${key} pttl ${pttl}`);
        }
      });
    });
  }

  it('two store instances (two servers) on one Redis: one approval, one winning poll', async () => {
    const a = await connect('ioredis', redis.url);
    const b = await connect('node-redis v5', redis.url);
    try {
      const sa = new RedisDeviceCodeStore({ client: a.client, prefix: 'two:' });
      const sb = new RedisDeviceCodeStore({ client: b.client, prefix: 'two:' });
      const rec = input({ expiresAt: Date.now() + 60_000, interval: 0.001 });
      assert.equal(await sa.create(rec), true);
      assert.equal((await sb.findByUserCode(rec.userCode))?.deviceCode, rec.deviceCode);
      const work = [];
      for (let i = 0; i < 60; i++) {
        const s = i % 2 ? sa : sb;
        work.push(i === 30 ? sa.approve(rec.userCode, { userID: 'alice' }).then(() => null) : s.poll(rec.deviceCode, 'tv'));
        if (i === 31) work.push(sb.approve(rec.userCode, { userID: 'mallory' }).then(() => null));
      }
      const polls = (await Promise.all(work)).filter((p) => p !== null);
      const after = await Promise.all([sa.poll(rec.deviceCode, 'tv'), sb.poll(rec.deviceCode, 'tv')]);
      const won = [...polls, ...after].filter((p) => p!.status === 'approved');
      assert.equal(won.length, 1);
      assert.deepEqual(won[0]!.status === 'approved' && won[0]!.record.grant, { userID: 'alice' }, 'the first approval counts, the second was refused');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('stores/RedisDeviceCodeStore on Redis Cluster', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let cluster: RedisCluster;
  before(async () => { cluster = await startCluster(); });
  after(async () => { if (cluster) await cluster.stop(); });

  for (const kind of CLIENT_KINDS) {
    describe(kind, () => {
      let c: TestClient;
      let n = 0;
      before(async () => { c = await connectCluster(kind, cluster); });
      after(async () => { if (c) await c.close(); });
      const make: Make = (clock) => new RedisDeviceCodeStore({ client: c.client, prefix: `cdc:${kind}:${++n}:`, now: () => clock.t });

      common(make);
      races(make);
    });
  }
});
