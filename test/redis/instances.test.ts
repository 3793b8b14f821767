/**
 * Several instances of one authorization server, each its own process,
 * sharing one real redis-server for sessions (connect-redis 9) and for
 * transactions (RedisTransactionStore), with node-redis and with ioredis.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { startRedis, haveRedis, type RedisServer } from './server.js';
import { connect, type ClientKind, type TestClient } from './clients.js';

const INSTANCE = fileURLToPath(new URL('./instance.ts', import.meta.url));
const REDIRECT = 'https://client.example/cb';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Instance { port: number; child: ChildProcess; stop(): Promise<void> }
interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

function startInstance(config: object): Promise<Instance> {
  return new Promise((resolve, reject) => {
    const child = fork(INSTANCE, [JSON.stringify(config)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const onExit = (code: number | null): void => reject(new Error(`instance exited (${code}) before listening`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (m: { port: number }) => {
      child.removeListener('exit', onExit);
      resolve({
        port: m.port, child,
        stop: () => new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
          child.once('exit', () => { clearTimeout(timer); done(); });
          child.disconnect();
        }),
      });
    });
  });
}

function request(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

async function login(port: number, user = 'u1'): Promise<string> {
  const r = await request(port, 'POST', '/login', FORM, 'user=' + user);
  assert.equal(r.status, 204, r.body);
  const set = r.headers['set-cookie'];
  assert.ok(set && set[0], 'login sets a session cookie');
  return set[0]!.split(';', 1)[0]!;
}

async function authorize(port: number, cookie: string): Promise<string> {
  const r = await request(port, 'GET', `/authorize?response_type=code&client_id=c1&redirect_uri=${encodeURIComponent(REDIRECT)}&state=s`, { cookie });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body).transactionID;
}

function decide(port: number, cookie: string, tid: string): Promise<Reply> {
  return request(port, 'POST', '/decision', { ...FORM, cookie }, 'transaction_id=' + tid);
}

function codeOf(reply: Reply): string | null {
  if (reply.status !== 302 || !reply.headers.location) return null;
  const url = new URL(reply.headers.location);
  assert.equal(url.origin + url.pathname, REDIRECT);
  assert.equal(url.searchParams.get('state'), 's');
  return url.searchParams.get('code');
}

async function exchange(port: number, code: string): Promise<Reply> {
  return request(port, 'POST', '/token', FORM, `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent(REDIRECT)}`);
}

/** Run `fn` over `items`, `width` at a time. */
async function pool<T, R>(items: T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}

const N = 200;

describe('several instances on one Redis', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  before(async () => { redis = await startRedis(); });
  after(async () => {
    agent.destroy();
    if (redis) await redis.stop();
  });

  for (const kind of ['node-redis v5', 'ioredis'] as ClientKind[]) {
    describe(`RedisTransactionStore with ${kind}`, () => {
      let a: Instance;
      let b: Instance;
      let admin: TestClient;
      before(async () => {
        [a, b] = await Promise.all([0, 1].map(() => startInstance({ txnUrl: redis.url, kind, sessionUrl: redis.url })));
        admin = await connect('node-redis v5', redis.url);
      });
      after(async () => {
        await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
        if (admin) await admin.close();
      });

      it('a flow may hop: authorize on one, decide on the other, exchange on either', async () => {
        for (const [first, second, third] of [[a, b, a], [b, a, b], [a, b, b]] as const) {
          const cookie = await login(first!.port);
          const tid = await authorize(first!.port, cookie);
          const d = await decide(second!.port, cookie, tid);
          const code = codeOf(d);
          assert.ok(code, `decision on the other instance: ${d.status} ${d.body}`);
          const t = await exchange(third!.port, code);
          assert.equal(t.status, 200, t.body);
          assert.equal(JSON.parse(t.body).access_token, 'AT-' + code);
          const replay = await exchange(first!.port, code);
          assert.equal(replay.status, 403, 'a code is redeemed once');
        }
      });

      it(`${N} decisions POSTed at once to both instances: exactly one code per transaction`, async () => {
        const cookie = await login(a.port);
        const tids = await pool(Array.from({ length: N }), 8, (_x, i) => authorize(i % 2 ? a.port : b.port, cookie));
        const outcomes = await pool(tids, 8, async (tid) => {
          const replies = await Promise.all([decide(a.port, cookie, tid), decide(b.port, cookie, tid)]);
          return { tid, replies };
        });
        const problems: string[] = [];
        const codes: string[] = [];
        for (const { tid, replies } of outcomes) {
          const won = replies.map(codeOf).filter((c): c is string => !!c);
          const refused = replies.filter((r) => r.status === 403 && JSON.parse(r.body).message === 'Unable to load OAuth 2.0 transaction: ' + tid);
          if (won.length !== 1 || refused.length !== 1) problems.push(`${tid}: ${replies.map((r) => `${r.status} ${r.headers.location ?? r.body}`).join(' | ')}`);
          codes.push(...won);
        }
        assert.deepEqual(problems, [], 'each transaction decided exactly once');
        const counts = await Promise.all(tids.map((tid) => admin.command('GET', 'issued:' + tid)));
        assert.deepEqual(counts.filter((c) => c !== '1'), [], 'issue() ran once per transaction, across both instances');
        const tokens = await pool(codes, 8, (code, i) => exchange(i % 2 ? a.port : b.port, code));
        assert.equal(tokens.filter((t) => t.status === 200).length, N, 'every code exchanges');
      });

      it(`${N} overlapping /authorize pairs in one session: every transaction still loads`, async () => {
        const cookie = await login(b.port);
        const pairs = await pool(Array.from({ length: N }), 8, () => Promise.all([authorize(a.port, cookie), authorize(b.port, cookie)]));
        const tids = pairs.flat();
        assert.equal(new Set(tids).size, 2 * N, 'distinct IDs');
        const loads = await pool(tids, 8, (tid, i) => request(i % 2 ? a.port : b.port, 'GET', '/check?transaction_id=' + tid, { cookie }));
        const lost = loads.map((r, i) => (r.status === 200 ? null : `${tids[i]}: ${r.status} ${r.body}`)).filter(Boolean);
        assert.deepEqual(lost, [], 'no transaction lost');
        assert.equal(JSON.parse(loads[0]!.body).client, 'c1');
      });

      it('another session cannot load or decide a transaction, even with its ID', async () => {
        const mine = await login(a.port, 'u1');
        const theirs = await login(b.port, 'u1');
        const tid = await authorize(a.port, mine);
        for (const port of [a.port, b.port]) {
          const d = await decide(port, theirs, tid);
          assert.equal(d.status, 403, d.body);
          assert.equal(JSON.parse(d.body).message, 'Unable to load OAuth 2.0 transaction: ' + tid);
          const c = await request(port, 'GET', '/check?transaction_id=' + tid, { cookie: theirs });
          assert.equal(c.status, 403, c.body);
        }
        const anonymous = await decide(b.port, '', tid);
        assert.equal(anonymous.status, 403, anonymous.body);
        assert.equal(await admin.command('GET', 'issued:' + tid), null, 'nothing issued');
        assert.ok(codeOf(await decide(b.port, mine, tid)), 'the owner still can');
      });
    });
  }

  for (const kind of ['node-redis v5', 'ioredis'] as ClientKind[]) {
    it(`${kind}: with the transactions' Redis down, a clean error and no grant`, async () => {
      const own = await startRedis();
      let inst: Instance | undefined;
      try {
        inst = await startInstance({ txnUrl: own.url, kind, sessionUrl: null, timeout: 500 });
        const cookie = await login(inst.port);
        const tid = await authorize(inst.port, cookie);
        await own.stop();
        const started = Date.now();
        const [d, au] = await Promise.all([
          decide(inst.port, cookie, tid),
          request(inst.port, 'GET', `/authorize?response_type=code&client_id=c1&redirect_uri=${encodeURIComponent(REDIRECT)}`, { cookie }),
        ]);
        assert.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`);
        for (const r of [d, au]) {
          assert.equal(r.status, 500, `${r.status} ${r.body}`);
          assert.equal(r.headers.location, undefined, 'no redirect, so no code');
          assert.equal(JSON.parse(r.body).name, 'Error');
        }
      } finally {
        if (inst) await inst.stop();
        await own.stop();
      }
    });
  }
});
