// The one-time blocks (authorization codes, refresh-token families):
//
//   [A] what the in-memory blocks cost at the token endpoint, in process with
//       mock req/res: code redemption through redeemCodes on a
//       MemoryAuthorizationCodeStore, and refresh through rotateRefreshTokens
//       on a MemoryRefreshFamilyStore, each beside the same exchange on a
//       hand-written single-use Map (the baseline: what an app writes
//       without them). Rounds alternate between the arms; codes are issued
//       before each round, outside the timing. The share is the blocks'
//       extra CPU time over the baseline, as a part of the blocks arm's time.
//       Also the store operations alone (peek, consume, complete; peek,
//       rotate, keepAnswer) per request, as a part of the same time.
//   [B] Redis commands per flow of the example authorization server with
//       its state on a throwaway redis-server (sessions, transactions, codes,
//       refresh families, throttle counters): authorize→decision, code
//       redemption, refresh, counted with MONITOR on a separate connection,
//       grouped by key prefix. Commands that Lua scripts run are counted
//       apart (they cost no round trip).
//
//   [C] the example's token endpoint (in-memory state) over HTTP, wall time
//       per request: the time [A]'s extra is a share of in a real server.
//
//   node bench/onetime.mjs [--rounds N] [--n REQUESTS] [--json] [--only A|B|C]
// Needs `make build` (and redis-server for [B]).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import oauth2orize from 'oauth2orize';
import { MockResponse, ended } from './mock.mjs';
import { median } from './inprocess.mjs';
import { haveRedis, startRedis } from './redisserver.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const rounds = Number(opt('--rounds', 20));
const n = Number(opt('--n', 400));
const json = args.includes('--json');
const only = opt('--only', '');
const log = json ? () => {} : console.log;

// ---------------------------------------------------------------------------
// [A] in process

const CLIENT = { id: 'c1' };

/** One token request; resolves to the ended response. */
function one(token, body) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', host: 'as.example' };
    const req = { method: 'POST', url: '/token', headers, rawHeaders: ['Content-Type', headers['content-type'], 'Host', 'as.example'], socket: {}, body, user: CLIENT };
    const res = new MockResponse();
    const end = res.end.bind(res);
    res.end = (chunk) => { end(chunk); resolve(res); };
    token(req, res, (err) => reject(err || new Error('next() called')));
  });
}

const newToken = () => randomBytes(32).toString('base64url');

/** Code redemption on a plain Map, taken once. */
function codeBaseline() {
  const codes = new Map();
  const server = oauth2orize.createServer();
  server.exchange(oauth2orize.exchange.code((client, code, redirectURI, done) => {
    const rec = codes.get(code);
    codes.delete(code);
    if (!rec || rec.clientId !== client.id || rec.redirectURI !== redirectURI) return done(null, false);
    done(null, newToken(), newToken(), { expires_in: 3600 });
  }));
  return {
    token: server.token(),
    prepare: async (count) => Array.from({ length: count }, () => {
      const code = newToken();
      codes.set(code, { clientId: 'c1', redirectURI: 'https://client.example/cb', scope: ['a'] });
      return code;
    }),
  };
}

/** Code redemption through redeemCodes on the memory store. */
function codeBlocks(timed) {
  const codes = new oauth2orize.MemoryAuthorizationCodeStore();
  const server = oauth2orize.createServer();
  const store = timed ? timedStore(codes, ['peek', 'consume', 'complete', 'confirmReplay']) : codes;
  const redeem = oauth2orize.redeemCodes(store, {
    check: (rec, { client, redirectURI }) => rec.clientId === client.id && rec.redirectURI === redirectURI,
    issue: async () => ({ accessToken: newToken(), refreshToken: newToken(), params: { expires_in: 3600 }, issued: { grantId: 'g' } }),
    revoke: async () => {},
  });
  server.exchange(oauth2orize.exchange.code({ pkce: { lookup: redeem.lookup } }, redeem.issue));
  return {
    token: server.token(),
    store,
    prepare: (count) => Promise.all(Array.from({ length: count }, () => codes.issue({ clientId: 'c1', redirectURI: 'https://client.example/cb', scope: ['a'] }, 600))),
  };
}

/** Refresh on a plain Map: the old token taken once, a new one stored. */
function refreshBaseline() {
  const tokens = new Map();
  const server = oauth2orize.createServer();
  server.exchange(oauth2orize.exchange.refreshToken((client, refreshToken, scope, done) => {
    const rec = tokens.get(refreshToken);
    tokens.delete(refreshToken);
    if (!rec || rec.clientId !== client.id) return done(null, false);
    const next = newToken();
    tokens.set(next, rec);
    done(null, newToken(), next, { expires_in: 3600 });
  }));
  return {
    token: server.token(),
    start: async () => {
      const t = newToken();
      tokens.set(t, { clientId: 'c1', scope: ['a'] });
      return t;
    },
  };
}

/** Refresh through rotateRefreshTokens on the memory store. */
function refreshBlocks(timed) {
  const families = new oauth2orize.MemoryRefreshFamilyStore({ graceSeconds: 10 });
  const store = timed ? timedStore(families, ['peek', 'rotate', 'keepAnswer', 'answer']) : families;
  const server = oauth2orize.createServer();
  server.exchange(oauth2orize.exchange.refreshToken(oauth2orize.rotateRefreshTokens(store, {
    check: (rec, { client }) => rec.clientId === client.id,
    issue: async () => ({ accessToken: newToken(), params: { expires_in: 3600 } }),
    revokeFamily: async () => {},
  })));
  return {
    token: server.token(),
    store,
    start: async () => (await families.start({ clientId: 'c1', scope: ['a'] }, 86400)).refreshToken,
  };
}

/** The store with its named methods timed (the CPU time of each call, summed in `spent`). */
function timedStore(store, names) {
  const wrapped = Object.create(store);
  wrapped.spent = 0;
  for (const name of names) {
    const fn = store[name].bind(store);
    wrapped[name] = (...a) => {
      const c0 = process.cpuUsage();
      const p = fn(...a);
      // The memory stores do their work before they return; this is its CPU time (µs resolution).
      const c1 = process.cpuUsage(c0);
      wrapped.spent += (c1.user + c1.system) * 1000;
      return p;
    };
  }
  return wrapped;
}

async function codeRound(arm, count) {
  const codes = await arm.prepare(count);
  const before = ended.count;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let last;
  for (let i = 0; i < count; i++) last = await one(arm.token, { grant_type: 'authorization_code', code: codes[i], redirect_uri: 'https://client.example/cb' });
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  if (ended.count - before !== count || last.statusCode !== 200) throw new Error(`code round: ${last.statusCode} ${last.body}`);
  return { wall: Number(t1 - t0) / count, cpu: ((c1.user + c1.system) * 1000) / count };
}

async function refreshRound(arm, count) {
  let rt = await arm.start();
  const before = ended.count;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let last;
  for (let i = 0; i < count; i++) {
    last = await one(arm.token, { grant_type: 'refresh_token', refresh_token: rt });
    rt = JSON.parse(last.body).refresh_token;
  }
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  if (ended.count - before !== count || last.statusCode !== 200) throw new Error(`refresh round: ${last.statusCode} ${last.body}`);
  return { wall: Number(t1 - t0) / count, cpu: ((c1.user + c1.system) * 1000) / count };
}

async function compare(name, baseline, blocks, timed, roundOf) {
  await roundOf(baseline, 50);
  await roundOf(blocks, 50);
  await roundOf(timed, 50);
  const base = [];
  const with_ = [];
  const diffs = [];
  let opsNs = 0;
  let timedCount = 0;
  for (let r = 0; r < rounds; r++) {
    const first = r % 2 === 0;
    const a = first ? await roundOf(baseline, n) : undefined;
    const b = await roundOf(blocks, n);
    const a2 = first ? a : await roundOf(baseline, n);
    base.push(a2.cpu);
    with_.push(b.cpu);
    diffs.push(b.cpu - a2.cpu);
    const spent0 = timed.store.spent;
    await roundOf(timed, n);
    opsNs += timed.store.spent - spent0;
    timedCount += n;
  }
  const baseCpu = median(base);
  const blocksCpu = median(with_);
  const extra = median(diffs);
  const ops = opsNs / timedCount;
  const out = { name, baseCpu, blocksCpu, extra, extraShare: extra / blocksCpu, ops, opsShare: ops / blocksCpu };
  log(`  ${name}: baseline ${baseCpu.toFixed(0)} CPU ns/req, blocks ${blocksCpu.toFixed(0)}, extra ${extra.toFixed(0)} (${(100 * out.extraShare).toFixed(2)}%); store operations alone ${ops.toFixed(0)} ns (${(100 * out.opsShare).toFixed(2)}%)`);
  return out;
}

async function runA() {
  log(`[A] the in-memory blocks at the token endpoint, in process (${rounds} rounds of ${n})`);
  return [
    await compare('code redemption', codeBaseline(), codeBlocks(false), codeBlocks(true), codeRound),
    await compare('refresh', refreshBaseline(), refreshBlocks(false), refreshBlocks(true), refreshRound),
  ];
}

// ---------------------------------------------------------------------------
// [B] Redis commands per flow of the example

/** MONITOR on a raw connection: every command the server runs, as lines. */
async function monitor(url) {
  const { port, hostname } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const lines = [];
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 2);
    }
  });
  socket.write('MONITOR\r\n');
  return { lines, close: () => socket.destroy() };
}

/** Wait until MONITOR has shown everything sent before now: a marker command through another connection. */
async function settle(mon, url) {
  // What a response's 'finish' starts (a limiter forgiving a success) belongs to its flow.
  await new Promise((r) => setTimeout(r, 100));
  const marker = `bench-marker-${newToken()}`;
  const { port, hostname } = new URL(url);
  const s = net.connect(Number(port), hostname);
  await new Promise((resolve) => s.once('connect', resolve));
  s.write(`ECHO ${marker}\r\n`);
  for (let i = 0; i < 500 && !mon.lines.some((l) => l.includes(marker)); i++) await new Promise((r) => setTimeout(r, 5));
  s.destroy();
  const at = mon.lines.findIndex((l) => l.includes(marker));
  const taken = mon.lines.splice(0, at + 1);
  return taken.slice(0, -1).filter((l) => l.startsWith('+') && !l.startsWith('+OK'));
}

const GROUPS = [['example:sess:', 'sessions'], ['example:txn:', 'transactions'], ['example:code:', 'codes'], ['example:rt:', 'refresh families'], ['example:attempts:', 'attempt counters']];

function tally(lines) {
  const out = { client: 0, lua: 0, groups: {} };
  for (const line of lines) {
    const lua = / \[\d+ lua\] /.test(line);
    if (lua) out.lua++; else out.client++;
    if (lua) continue;
    const group = GROUPS.find(([p]) => line.includes(`"${p}`))?.[1] ?? 'other';
    const cmd = /\] "([A-Za-z]+)"/.exec(line)?.[1]?.toUpperCase() ?? '?';
    const key = `${group}: ${cmd}`;
    out.groups[key] = (out.groups[key] ?? 0) + 1;
  }
  return out;
}

async function runB() {
  if (!haveRedis) { log('[B] skipped: no redis-server'); return null; }
  log('[B] Redis commands per flow of the example, state on Redis (MONITOR)');
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'oauth2orize-bench-onetime-'));
  const exampleDir = new URL('../examples/authorization-server/', import.meta.url);
  const { createApp } = await import(new URL('app.js', exampleDir).href);
  const { openDatabase } = await import(new URL('storage/db.js', exampleDir).href);
  const { connectRedis } = await import(new URL('infra/redis.js', exampleDir).href);
  const { createState } = await import(new URL('infra/state.js', exampleDir).href);
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const db = openDatabase(join(dir, 'example.sqlite'), { origin, scryptCost: 10 });
  const conn = await connectRedis(redis.url);
  server.on('request', createApp({ db, issuer: origin, sessionStore: conn.sessionStore, txnStore: conn.txnStore, state: createState({ client: conn.client }) }));
  const mon = await monitor(redis.url);
  try {
    const cookies = new Map();
    const request = async (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
      const res = await fetch(origin + path, { ...init, headers, redirect: 'manual' });
      for (const line of res.headers.getSetCookie()) {
        const pair = line.split(';', 1)[0];
        cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
      return res;
    };
    const form = (fields) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
    const hidden = (html, name) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1] ?? '';
    const csrf = hidden(await (await request('/login')).text(), 'csrf_token');
    const login = await request('/login', form({ username: 'alice', password: 'wonderland', return_to: '/', csrf_token: csrf }));
    if (login.status !== 303) throw new Error(`login: ${login.status}`);
    await settle(mon, redis.url);

    const verifier = newToken();
    const { createHash } = await import('node:crypto');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const q = new URLSearchParams({ response_type: 'code', client_id: 'demo-public', redirect_uri: `${origin}/callback`, scope: 'profile', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
    const page = await (await request(`/authorize?${q}`)).text();
    const decision = await request('/authorize/decision', form({ transaction_id: hidden(page, 'transaction_id'), csrf_token: hidden(page, 'csrf_token') }));
    const code = new URL(decision.headers.get('location')).searchParams.get('code');
    if (!code) throw new Error(`decision: ${decision.status}`);
    const flows = [];
    flows.push({ name: 'authorize→decision (consent page, then the decision)', ...tally(await settle(mon, redis.url)) });

    const tokens = await (await fetch(`${origin}/token`, form({ grant_type: 'authorization_code', client_id: 'demo-public', code, redirect_uri: `${origin}/callback`, code_verifier: verifier }))).json();
    if (!tokens.refresh_token) throw new Error(`token: ${JSON.stringify(tokens)}`);
    flows.push({ name: 'code redemption (POST /token)', ...tally(await settle(mon, redis.url)) });

    const refreshed = await (await fetch(`${origin}/token`, form({ grant_type: 'refresh_token', client_id: 'demo-public', refresh_token: tokens.refresh_token }))).json();
    if (!refreshed.refresh_token) throw new Error(`refresh: ${JSON.stringify(refreshed)}`);
    flows.push({ name: 'refresh (POST /token)', ...tally(await settle(mon, redis.url)) });

    for (const f of flows) log(`  ${f.name}: ${f.client} commands from the app (${f.lua} more inside scripts): ${Object.entries(f.groups).map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    return flows;
  } finally {
    mon.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await conn.close();
    db.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// [C] the example's token endpoint, in-memory state, over HTTP (one process)

async function runC() {
  log(`[C] the example's token endpoint with its in-memory state, over HTTP: wall time per request (${n} sequential requests of each kind)`);
  const dir = mkdtempSync(join(tmpdir(), 'oauth2orize-bench-onetime-'));
  const exampleDir = new URL('../examples/authorization-server/', import.meta.url);
  const { createApp } = await import(new URL('app.js', exampleDir).href);
  const { openDatabase } = await import(new URL('storage/db.js', exampleDir).href);
  const { createState } = await import(new URL('infra/state.js', exampleDir).href);
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const db = openDatabase(join(dir, 'example.sqlite'), { origin, scryptCost: 10 });
  const state = createState();
  server.on('request', createApp({ db, issuer: origin, state }));
  const form = (fields) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  try {
    const user = db.users.findByUsername('alice');
    // Codes issued straight into the store, as the decision would.
    const verifier = newToken();
    const { createHash } = await import('node:crypto');
    const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
    const issue = () => state.codes.issue({ clientId: 'demo-public', userId: user.id, redirectURI: `${origin}/callback`, scope: ['profile'], codeChallenge, codeChallengeMethod: 'S256', grantId: newToken() }, 600);
    const redeem = async (code) => (await fetch(`${origin}/token`, form({ grant_type: 'authorization_code', client_id: 'demo-public', code, redirect_uri: `${origin}/callback`, code_verifier: verifier }))).json();
    const codes = await Promise.all(Array.from({ length: n + 20 }, issue));
    for (const code of codes.splice(0, 20)) await redeem(code);
    let t0 = process.hrtime.bigint();
    let last;
    for (const code of codes) last = await redeem(code);
    const codeWall = Number(process.hrtime.bigint() - t0) / n;
    if (!last.refresh_token) throw new Error(`redeem: ${JSON.stringify(last)}`);
    let rt = last.refresh_token;
    const refresh = async () => {
      const body = await (await fetch(`${origin}/token`, form({ grant_type: 'refresh_token', client_id: 'demo-public', refresh_token: rt }))).json();
      if (!body.refresh_token) throw new Error(`refresh: ${JSON.stringify(body)}`);
      rt = body.refresh_token;
    };
    for (let i = 0; i < 20; i++) await refresh();
    t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await refresh();
    const refreshWall = Number(process.hrtime.bigint() - t0) / n;
    log(`  code redemption ${(codeWall / 1000).toFixed(0)} µs/request, refresh ${(refreshWall / 1000).toFixed(0)} µs/request (client and server in one process)`);
    return { codeWall, refreshWall };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const result = { inprocess: only === 'B' || only === 'C' ? null : await runA(), redis: only === 'A' || only === 'C' ? null : await runB(), http: only === 'A' || only === 'B' ? null : await runC() };
if (result.inprocess && result.http) {
  const [code, refresh] = result.inprocess;
  result.shares = { code: code.extra / result.http.codeWall, refresh: refresh.extra / result.http.refreshWall };
  log(`  the blocks' extra CPU time as a share of the example's token endpoint: code redemption ${(100 * result.shares.code).toFixed(2)}%, refresh ${(100 * result.shares.refresh).toFixed(2)}%`);
}
if (json) console.log('RESULT ' + JSON.stringify(result));
