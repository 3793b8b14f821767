// Benchmarks of RedisTransactionStore against a throwaway redis-server:
//
//   [A] in-process cost of authorize (store a transaction) and decision
//       (load, claim, answer, remove) with mock req/res: the port's session
//       store (session objects in memory) beside RedisTransactionStore with
//       node-redis v5 and with ioredis;
//   [B] complete code flows over HTTP with sessions in Redis (connect-redis):
//       transactions in Redis, or in the session (the port and 1.12);
//   [C] code flows/s with one instance and with two instances sharing Redis,
//       each flow hopping between them (authorize on one, decide and
//       exchange on the other).
//
// Run by bench/run.mjs (make bench) when redis-server is installed, or alone
// after `make build`: node bench/redis.mjs  (BENCH_QUICK=1 for short rounds).
import assert from 'node:assert/strict';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import oauth2orize from 'oauth2orize';
import { createClient } from 'redis';
import { Redis } from 'ioredis';
import { CLIENT, USER } from './apps.mjs';
import { MockResponse } from './mock.mjs';
import { median } from './inprocess.mjs';
import { pairedRatio, request, runFlows, startTarget } from './http.mjs';
import { startRedis } from './redisserver.mjs';

const REDIRECT = CLIENT.redirectURI;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A mock response that reports when it ends. */
class EndingResponse extends MockResponse {
  end(chunk) {
    super.end(chunk);
    if (this.onEnd) this.onEnd();
  }
}

/** Authorize and decision middleware of the port with `store` (undefined: the session store). */
function setup(store) {
  const server = oauth2orize.createServer(store ? { store } : undefined);
  let seq = 0;
  server.grant(oauth2orize.grant.code((client, redirectURI, user, done) => done(null, 'C' + (++seq))));
  server.serializeClient((client, done) => done(null, client.id));
  server.deserializeClient((id, done) => done(null, id === CLIENT.id ? CLIENT : false));
  const authorize = server.authorize((clientID, redirectURI, done) => done(null, CLIENT, redirectURI));
  const [load, decide] = server.decision();
  let sid = 0;
  return {
    authorize() {
      return new Promise((resolve, reject) => {
        const id = 's' + (++sid);
        const req = {
          method: 'GET', url: '/authorize', headers: {}, user: USER, session: {}, sessionID: id,
          query: { response_type: 'code', client_id: CLIENT.id, redirect_uri: REDIRECT, state: 'xyz' },
        };
        authorize(req, new EndingResponse(), (err) => (err ? reject(err) : resolve({ req, tid: req.oauth2.transactionID })));
      });
    },
    decide({ req: areq, tid }) {
      return new Promise((resolve, reject) => {
        const req = { method: 'POST', url: '/decision', headers: FORM, query: {}, body: { transaction_id: tid }, user: USER, session: areq.session, sessionID: areq.sessionID };
        const res = new EndingResponse();
        res.onEnd = () => {
          if (res.statusCode !== 302 || !/[?&]code=C\d+&state=xyz$/.test(res.headers.location)) reject(new Error(`decision answered ${res.statusCode} ${res.headers.location}`));
          else resolve();
        };
        load(req, res, (err) => {
          if (err) return reject(err);
          decide(req, res, (e) => reject(e || new Error('decision called next()')));
        });
      });
    },
  };
}

/** Run `fn` `n` times, `width` at a time; returns { wall, cpu } in microseconds per operation. */
async function timed(items, width, fn) {
  const out = new Array(items.length);
  let next = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / items.length;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / items.length, out };
}

async function inProcess({ url, rounds, count, log }) {
  const node = createClient({ url });
  node.on('error', () => {});
  await node.connect();
  const io = new Redis(url);
  io.on('error', () => {});
  const kinds = [
    ['session store', setup()],
    ['Redis, node-redis v5', setup(new oauth2orize.RedisTransactionStore({ client: node }))],
    ['Redis, ioredis', setup(new oauth2orize.RedisTransactionStore({ client: io }))],
  ];
  const results = new Map(kinds.map(([k]) => [k, { authorize: [], authorizeCpu: [], decision: [], decisionCpu: [], authorize16: [], decision16: [] }]));
  try {
    for (const [, s] of kinds) await s.decide(await s.authorize());
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [...kinds].reverse() : kinds;
      for (const [name, s] of order) {
        const m = results.get(name);
        const items = Array.from({ length: count });
        const a = await timed(items, 1, () => s.authorize());
        const d = await timed(a.out, 1, (t) => s.decide(t));
        const a16 = await timed(items, 16, () => s.authorize());
        const d16 = await timed(a16.out, 16, (t) => s.decide(t));
        m.authorize.push(a.wall); m.authorizeCpu.push(a.cpu); m.decision.push(d.wall); m.decisionCpu.push(d.cpu);
        m.authorize16.push(1e6 / a16.wall); m.decision16.push(1e6 / d16.wall);
      }
      log(`  round ${r + 1}/${rounds} done`);
    }
  } finally {
    await node.close();
    io.disconnect();
  }
  return results;
}

/** One flow hopping between `ports`: authorize on the first, decision and token on the second. */
async function hopFlow([first, second], agent) {
  const a = await request(first, { path: `/authorize?response_type=code&client_id=${CLIENT.id}&redirect_uri=${encodeURIComponent(REDIRECT)}&state=xyz`, agent });
  assert.equal(a.status, 200, `authorize: ${a.status} ${a.body}`);
  const { transactionID } = JSON.parse(a.body);
  const cookie = a.headers['set-cookie'][0].split(';', 1)[0];
  const d = await request(second, { method: 'POST', path: '/decision', agent, headers: { ...FORM, cookie }, body: `transaction_id=${encodeURIComponent(transactionID)}` });
  assert.equal(d.status, 302, `decision: ${d.status} ${d.body}`);
  const code = new URL(d.headers.location).searchParams.get('code');
  const t = await request(second, {
    method: 'POST', path: '/token', agent, headers: { ...FORM, 'x-client-id': CLIENT.id },
    body: `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent(REDIRECT)}`,
  });
  assert.equal(t.status, 200, `token: ${t.status} ${t.body}`);
}

/** `count` hopping flows, `width` at a time, alternating which instance starts; flows/s. */
async function hopFlows(ports, count, width) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: width * 2 });
  let started = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: width }, async () => {
    while (started < count) {
      const i = started++;
      await hopFlow(i % 2 ? [ports[1], ports[0]] : ports, agent);
    }
  }));
  agent.destroy();
  return count / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Run [A], [B] and [C]; returns rows for the report: [case, baseline, value, ratio]. */
export async function runRedis({ quick = false, log = console.log } = {}) {
  const cfg = quick ? { rounds: 2, count: 300, flowRounds: 2, flowCount: 60, hopCount: 100 } : { rounds: 5, count: 2000, flowRounds: 4, flowCount: 300, hopCount: 600 };
  const redis = await startRedis();
  process.env.BENCH_REDIS_URL = redis.url;
  const rows = [];
  const fmt = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  try {
    log(`\n[4A] in-process authorize and decision, mock req/res, one at a time and 16 at a time: ${cfg.rounds} rounds of ${cfg.count}`);
    const a = await inProcess({ url: redis.url, rounds: cfg.rounds, count: cfg.count, log });
    const base = a.get('session store');
    for (const [name, m] of a) {
      if (name === 'session store') continue;
      rows.push([`authorize, ${name} vs session store (us/op, one at a time)`, fmt(median(base.authorize), 1), fmt(median(m.authorize), 1), pairedRatio(base.authorize, m.authorize).toFixed(2)]);
      rows.push([`authorize, ${name} (CPU us/op in the app process)`, fmt(median(base.authorizeCpu), 1), fmt(median(m.authorizeCpu), 1), pairedRatio(base.authorizeCpu, m.authorizeCpu).toFixed(2)]);
      rows.push([`decision, ${name} vs session store (us/op, one at a time)`, fmt(median(base.decision), 1), fmt(median(m.decision), 1), pairedRatio(base.decision, m.decision).toFixed(2)]);
      rows.push([`decision, ${name} (CPU us/op in the app process)`, fmt(median(base.decisionCpu), 1), fmt(median(m.decisionCpu), 1), pairedRatio(base.decisionCpu, m.decisionCpu).toFixed(2)]);
      rows.push([`authorize, ${name}, 16 at a time (ops/s)`, fmt(median(base.authorize16)), fmt(median(m.authorize16)), pairedRatio(m.authorize16, base.authorize16).toFixed(2)]);
      rows.push([`decision, ${name}, 16 at a time (ops/s)`, fmt(median(base.decision16)), fmt(median(m.decision16)), pairedRatio(m.decision16, base.decision16).toFixed(2)]);
    }

    log(`\n[4B] code flows over HTTP, sessions in Redis (connect-redis): ${cfg.flowRounds} rounds of ${cfg.flowCount}, 4 at a time`);
    const targets = await Promise.all(['flow:redis-store', 'flow:redis-sessions', 'flow:1.12-redis-sessions'].map(startTarget));
    try {
      const fl = await runFlows({ targets, rounds: cfg.flowRounds, count: cfg.flowCount, log });
      const [st, se, l] = ['flow:redis-store', 'flow:redis-sessions', 'flow:1.12-redis-sessions'].map((k) => fl.fps.get(k));
      const [stc, sec, lc] = ['flow:redis-store', 'flow:redis-sessions', 'flow:1.12-redis-sessions'].map((k) => fl.cpu.get(k));
      rows.push(['flows/s: port, session store vs 1.12 (both with Redis sessions)', fmt(median(l), 1), fmt(median(se), 1), pairedRatio(se, l).toFixed(2)]);
      rows.push(['flows/s: port, RedisTransactionStore vs 1.12 session store', fmt(median(l), 1), fmt(median(st), 1), pairedRatio(st, l).toFixed(2)]);
      rows.push(['server CPU us/flow: RedisTransactionStore vs 1.12 session store', fmt(median(lc)), fmt(median(stc)), pairedRatio(lc, stc).toFixed(2)]);
      rows.push(['server CPU us/flow: port session store vs 1.12 session store', fmt(median(lc)), fmt(median(sec)), pairedRatio(lc, sec).toFixed(2)]);
    } finally {
      await Promise.all(targets.map((t) => t.close()));
    }

    log(`\n[4C] hopping code flows, RedisTransactionStore: one instance, then two sharing Redis, ${cfg.hopCount} flows, 8 at a time, alternating`);
    const [x, y] = await Promise.all(['flow:redis-store', 'flow:redis-store'].map(startTarget));
    try {
      await hopFlows([x.port, y.port], 50, 8);
      const one = [];
      const two = [];
      for (let r = 0; r < cfg.flowRounds; r++) {
        const o = await hopFlows([x.port, x.port], cfg.hopCount, 8);
        const t = await hopFlows([x.port, y.port], cfg.hopCount, 8);
        one.push(o);
        two.push(t);
        log(`  round ${r + 1}: one instance ${o.toFixed(0)}, two instances ${t.toFixed(0)} flows/s`);
      }
      rows.push(['hopping flows/s: two instances vs one (RedisTransactionStore)', fmt(median(one), 1), fmt(median(two), 1), pairedRatio(two, one).toFixed(2)]);
    } finally {
      await Promise.all([x.close(), y.close()]);
    }
  } finally {
    await redis.stop();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runRedis({ quick: !!process.env.BENCH_QUICK });
  console.log('\n| case | baseline | value | ratio |\n|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}
