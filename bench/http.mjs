// HTTP benchmarks: autocannon against the token endpoint, and complete code
// flows (authorize, decision, token) through express-session. Each target is
// served by its own child process (bench/server.mjs); the load comes from
// this process.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { CLIENT, TOKEN_BODY } from './apps.mjs';
import { median } from './inprocess.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));

/**
 * Fork a server child for `target`; resolves to { port, cpu, close }, where
 * `cpu()` resolves to the child's CPU time so far, in microseconds.
 */
export function startTarget(target) {
  return new Promise((resolve, reject) => {
    const child = fork(SERVER, [target], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${target} server exited with ${code} before listening`)));
    child.once('message', ({ port }) => {
      child.removeAllListeners('exit');
      resolve({
        target, port, pid: child.pid,
        cpu: () => new Promise((done) => {
          child.once('message', ({ cpu }) => done(cpu.user + cpu.system));
          child.send('cpu');
        }),
        close: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.disconnect();
        }),
      });
    });
  });
}

/** One request with node:http; resolves to { status, headers, body }. */
export function request(port, { method = 'GET', path = '/', headers = {}, body, agent } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const TOKEN_REQUEST = 'grant_type=client_credentials';

/** The token endpoint of a target must answer exactly the same as the others. */
export async function checkTokenTarget(t) {
  const r = await request(t.port, { method: 'POST', path: '/token', headers: FORM, body: TOKEN_REQUEST });
  assert.equal(r.status, 200, `${t.target}: status`);
  assert.equal(r.body, TOKEN_BODY, `${t.target}: body`);
  for (const [name, value] of Object.entries({
    'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache',
    'x-powered-by': 'Express', 'content-length': String(TOKEN_BODY.length),
  })) assert.equal(r.headers[name], value, `${t.target}: ${name} header`);
  const bad = await request(t.port, { method: 'POST', path: '/token', headers: FORM, body: 'grant_type=foo' });
  assert.equal(bad.status, 501, `${t.target}: unsupported grant status`);
}

/**
 * autocannon POST /token for `seconds`; returns { rate: requests/sec, total }.
 * Fails on any error, non-2xx or wrong body.
 */
export async function cannon(port, seconds, connections) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/token`,
    method: 'POST',
    headers: FORM,
    body: TOKEN_REQUEST,
    connections,
    pipelining: 1,
    duration: seconds,
    expectBody: TOKEN_BODY,
  });
  const bad = result.errors + result.timeouts + result.non2xx + result.mismatches;
  if (bad) throw new Error(`autocannon on port ${port}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ${result.mismatches} mismatches`);
  if (!result.requests.total) throw new Error(`autocannon on port ${port}: no requests completed`);
  return { rate: result.requests.total / result.duration, total: result.requests.total };
}

/**
 * Token endpoint throughput: warm each target up, then `rounds` rounds in
 * which every target runs once; the starting target rotates each round.
 */
export async function runThroughput({ targets, rounds = 3, seconds = 5, warmup = 1, connections = 10, log = console.log }) {
  for (const t of targets) await checkTokenTarget(t);
  for (const t of targets) await cannon(t.port, warmup, connections);
  const rps = new Map(targets.map((t) => [t.target, []]));
  const cpu = new Map(targets.map((t) => [t.target, []]));
  for (let r = 0; r < rounds; r++) {
    const order = targets.map((_, i) => targets[(i + r) % targets.length]);
    const line = [];
    for (const t of order) {
      const before = await t.cpu();
      const { rate, total } = await cannon(t.port, seconds, connections);
      const us = ((await t.cpu()) - before) / total;
      rps.get(t.target).push(rate);
      cpu.get(t.target).push(us);
      line.push(`${t.target} ${rate.toFixed(0)} (${us.toFixed(0)} us CPU/req)`);
    }
    log(`  round ${r + 1}: ${line.join(', ')} req/s`);
  }
  return { rps, cpu };
}

/** Read the session cookie (name=value) from a Set-Cookie header. */
function cookieOf(headers) {
  const set = headers['set-cookie'];
  assert.ok(set && set.length, 'authorize set a session cookie');
  return set[0].split(';', 1)[0];
}

const STATE = 'xyz';
const AUTHORIZE_PATH = `/authorize?response_type=code&client_id=${CLIENT.id}&redirect_uri=${encodeURIComponent(CLIENT.redirectURI)}&state=${STATE}`;

/** One complete code flow, as a new user-agent session. Checks every step. */
export async function flow(port, agent) {
  const a = await request(port, { path: AUTHORIZE_PATH, agent });
  assert.equal(a.status, 200, `authorize: ${a.status} ${a.body}`);
  const { transactionID } = JSON.parse(a.body);
  const cookie = cookieOf(a.headers);

  const d = await request(port, {
    method: 'POST', path: '/decision', agent,
    headers: { ...FORM, cookie },
    body: `transaction_id=${encodeURIComponent(transactionID)}`,
  });
  assert.equal(d.status, 302, `decision: ${d.status} ${d.body}`);
  const location = new URL(d.headers.location);
  assert.equal(location.origin + location.pathname, CLIENT.redirectURI);
  assert.equal(location.searchParams.get('state'), STATE);
  const code = location.searchParams.get('code');
  assert.ok(code, 'decision redirected with a code');

  const t = await request(port, {
    method: 'POST', path: '/token', agent,
    headers: { ...FORM, 'x-client-id': CLIENT.id },
    body: `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent(CLIENT.redirectURI)}`,
  });
  assert.equal(t.status, 200, `token: ${t.status} ${t.body}`);
  assert.equal(JSON.parse(t.body).access_token, 'AT-' + code);
}

/** `count` complete flows, `concurrency` at a time; returns flows/sec. */
export async function flows(port, count, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let started = 0;
  let completed = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await flow(port, agent);
      completed++;
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ns = Number(process.hrtime.bigint() - t0);
  agent.destroy();
  assert.equal(completed, count);
  return count / (ns / 1e9);
}

/** Alternate the flow targets for `rounds` rounds after a warm-up. */
export async function runFlows({ targets, rounds = 5, count = 300, warmup = 100, concurrency = 4, log = console.log }) {
  for (const t of targets) await flow(t.port);
  for (const t of targets) await flows(t.port, warmup, concurrency);
  const fps = new Map(targets.map((t) => [t.target, []]));
  const cpu = new Map(targets.map((t) => [t.target, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    const line = [];
    for (const t of order) {
      const before = await t.cpu();
      const v = await flows(t.port, count, concurrency);
      const us = ((await t.cpu()) - before) / count;
      fps.get(t.target).push(v);
      cpu.get(t.target).push(us);
      line.push(`${t.target} ${v.toFixed(0)} (${us.toFixed(0)} us CPU/flow)`);
    }
    log(`  round ${r + 1}: ${line.join(', ')} flows/s`);
  }
  return { fps, cpu };
}

/** Median of the per-round ratios a/b (rounds are paired by index). */
export function pairedRatio(a, b) {
  return median(a.map((x, i) => x / b[i]));
}
