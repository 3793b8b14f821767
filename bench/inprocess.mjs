// In-process cost per request: the middleware is called directly with mock
// req/res objects (no sockets), for the port and 1.12 in alternating rounds.
import assert from 'node:assert/strict';
import { MockResponse, ended } from './mock.mjs';
import { CLIENT, TOKEN_BODY, USER } from './apps.mjs';

const REDIRECT = CLIENT.redirectURI;
const FORM = 'application/x-www-form-urlencoded';

/** next() for paths that must not reach it. */
function unexpectedNext(err) {
  throw err || new Error('next() was called on a path that should have answered');
}

/**
 * Each case builds its middleware from one implementation and returns
 * `one()`, which handles one request synchronously and returns what
 * `verify` checks, and `count()`, how many requests completed so far.
 * `Response` is the mock response class (bench/otel.mjs passes one that
 * emits 'finish').
 */
export const CASES = [
  {
    name: 'token: client_credentials',
    setup(lib, Response = MockResponse) {
      const server = lib.createServer();
      server.exchange(lib.exchange.clientCredentials((client, scope, done) => {
        done(null, 'AT-' + client.id, { expires_in: 3600 });
      }));
      const token = server.token();
      const client = { id: CLIENT.id };
      return {
        one() {
          const req = { method: 'POST', url: '/token', headers: { 'content-type': FORM }, body: { grant_type: 'client_credentials' }, user: client };
          const res = new Response();
          token(req, res, unexpectedNext);
          return { req, res };
        },
        count: () => ended.count,
        verify({ res }) {
          assert.equal(res.statusCode, 200);
          assert.equal(res.body, TOKEN_BODY);
          assert.equal(res.headers['content-type'], 'application/json');
          assert.equal(res.headers['cache-control'], 'no-store');
          assert.equal(res.headers.pragma, 'no-cache');
        },
      };
    },
  },
  {
    name: 'token: unsupported grant (error path)',
    setup(lib, Response = MockResponse) {
      const server = lib.createServer();
      server.exchange(lib.exchange.clientCredentials((client, scope, done) => done(null, 'AT')));
      const token = server.token();
      const onError = server.errorHandler();
      const client = { id: CLIENT.id };
      return {
        one() {
          const req = { method: 'POST', url: '/token', headers: { 'content-type': FORM }, body: { grant_type: 'foo' }, user: client };
          const res = new Response();
          token(req, res, (err) => onError(err, req, res, unexpectedNext));
          return { req, res };
        },
        count: () => ended.count,
        verify({ res }) {
          assert.equal(res.statusCode, 501);
          assert.equal(res.headers['content-type'], 'application/json');
          assert.deepEqual(JSON.parse(res.body), { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: foo' });
        },
      };
    },
  },
  {
    name: 'authorize: new transaction',
    setup(lib, Response = MockResponse) {
      const server = lib.createServer();
      server.grant(lib.grant.code((client, redirectURI, user, done) => done(null, 'CODE')));
      server.serializeClient((client, done) => done(null, client.id));
      const authorize = server.authorize((clientID, redirectURI, done) => {
        if (clientID !== CLIENT.id || redirectURI !== REDIRECT) return done(null, false);
        done(null, CLIENT, redirectURI);
      });
      let completed = 0;
      const next = (err) => {
        if (err) throw err;
        completed++;
      };
      return {
        one() {
          const req = {
            method: 'GET', url: '/authorize', headers: {}, user: USER, session: {},
            query: { response_type: 'code', client_id: CLIENT.id, redirect_uri: REDIRECT, state: 'xyz' },
          };
          const res = new Response();
          authorize(req, res, next);
          return { req, res };
        },
        count: () => completed,
        verify({ req, res }) {
          assert.equal(res.finished, false);
          const tid = req.oauth2.transactionID;
          assert.match(tid, /^[\w-]{8}$/);
          assert.equal(req.oauth2.client, CLIENT);
          assert.equal(req.oauth2.user, USER);
          assert.equal(req.oauth2.redirectURI, REDIRECT);
          assert.equal(req.session.authorize[tid].client, CLIENT.id);
          assert.equal(req.session.authorize[tid].req.state, 'xyz');
        },
      };
    },
  },
  {
    name: 'decision: issue code, redirect',
    setup(lib, Response = MockResponse) {
      const server = lib.createServer();
      let seq = 0;
      server.grant(lib.grant.code((client, redirectURI, user, done) => done(null, 'C' + (++seq))));
      server.deserializeClient((id, done) => done(null, id === CLIENT.id ? CLIENT : false));
      const [load, decide] = server.decision();
      let sid = 0;
      return {
        one() {
          // A fresh session each time (as from a new user): the decision
          // removes the transaction from it, and the port's session store
          // claims the (sessionID, transaction) pair until the response ends
          // and for a short grace period after.
          const session = {
            authorize: {
              tid00001: {
                protocol: 'oauth2', client: CLIENT.id, redirectURI: REDIRECT,
                req: { type: 'code', clientID: CLIENT.id, redirectURI: REDIRECT, state: 'xyz' },
              },
            },
          };
          const req = { method: 'POST', url: '/decision', headers: { 'content-type': FORM }, query: {}, body: { transaction_id: 'tid00001' }, user: USER, session, sessionID: 'sess' + (++sid) };
          const res = new Response();
          load(req, res, (err) => {
            if (err) throw err;
            decide(req, res, unexpectedNext);
          });
          return { req, res, seq };
        },
        count: () => ended.count,
        // Measured at steady state: the claims the port's session store keeps
        // must not make a server slower the more decisions it has seen.
        prime: 200_000,
        note: () => `${sid} decisions through this server instance`,
        verify({ req, res, seq: n }) {
          assert.equal(res.statusCode, 302);
          assert.equal(res.headers.location, `${REDIRECT}?code=C${n}&state=xyz`);
          assert.equal(req.oauth2.user, USER);
          assert.equal(Object.hasOwn(req.session.authorize, 'tid00001'), false, 'transaction removed after the response');
        },
      };
    },
  },
  {
    // As 1.x-style unit tests and apps that answer by other means: the
    // response's `redirect` sets the Location and never ends it, so the
    // transaction is never removed and the port's session store never
    // releases its claims. Held claims must not make each decision slower.
    name: 'decision, responses never end',
    setup(lib) {
      const server = lib.createServer();
      let seq = 0;
      server.grant(lib.grant.code((client, redirectURI, user, done) => done(null, 'C' + (++seq))));
      server.deserializeClient((id, done) => done(null, id === CLIENT.id ? CLIENT : false));
      const [load, decide] = server.decision();
      let sid = 0;
      let redirected = 0;
      return {
        one() {
          const session = {
            authorize: {
              tid00001: {
                protocol: 'oauth2', client: CLIENT.id, redirectURI: REDIRECT,
                req: { type: 'code', clientID: CLIENT.id, redirectURI: REDIRECT, state: 'xyz' },
              },
            },
          };
          const req = { method: 'POST', url: '/decision', headers: { 'content-type': FORM }, query: {}, body: { transaction_id: 'tid00001' }, user: USER, session, sessionID: 'sess' + (++sid) };
          const res = new MockResponse();
          res.redirect = function (url) {
            this.statusCode = 302;
            this.setHeader('Location', url);
            redirected++;
          };
          load(req, res, (err) => {
            if (err) throw err;
            decide(req, res, unexpectedNext);
          });
          return { req, res, seq };
        },
        count: () => redirected,
        prime: 200_000,
        note: () => `${sid} decisions through this server instance, none ended`,
        verify({ req, res, seq: n }) {
          assert.equal(res.statusCode, 302);
          assert.equal(res.finished, false);
          assert.equal(res.headers.location, `${REDIRECT}?code=C${n}&state=xyz`);
          assert.equal(req.oauth2.user, USER);
        },
      };
    },
  },
];

/**
 * Time `n` iterations: wall clock with process.hrtime.bigint(), and this
 * process's CPU time, which leaves out the time other processes held the CPU.
 * Returns { wall, cpu } in ns/op. Throws unless every iteration completed.
 */
export function timeRound(c, n) {
  const before = c.count();
  let last;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) last = c.one();
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  const done = c.count() - before;
  if (done !== n) throw new Error(`only ${done} of ${n} iterations completed`);
  c.verify(last);
  return { wall: Number(t1 - t0) / n, cpu: ((c1.user + c1.system) * 1000) / n };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/**
 * Run every case: verify both implementations once, warm up, size a round
 * to about `targetMs` for the slower one, then `rounds` alternating pairs
 * (which of the pair goes first alternates too). Ratio = 1.12 / port, per
 * pair; reported as the median over pairs.
 */
export function runInProcess({ port, legacy, rounds = 100, targetMs = 5, log = console.log, only } = {}) {
  const results = [];
  for (const spec of CASES) {
    if (only && !only.includes(spec.name)) continue;
    const a = spec.setup(port);
    const b = spec.setup(legacy);
    // Correctness first, so a broken case is never timed.
    for (const c of [a, b]) {
      const before = c.count();
      const out = c.one();
      assert.equal(c.count() - before, 1, `${spec.name}: request did not complete synchronously`);
      c.verify(out);
    }
    for (let i = 0; i < 4; i++) { timeRound(a, 1000); timeRound(b, 1000); }
    // Cases that must be measured at steady state go through this many
    // requests first, on the same server instance.
    if (a.prime) for (const c of [a, b]) for (let i = 0; i < a.prime; i += 10_000) timeRound(c, 10_000);
    const probes = [];
    for (let i = 0; i < 5; i++) probes.push(Math.max(timeRound(a, 500).wall, timeRound(b, 500).wall));
    const n = Math.max(50, Math.min(500_000, Math.round((targetMs * 1e6) / median(probes))));

    const wall = { a: [], b: [], ratio: [] };
    const cpu = { a: [], b: [], ratio: [] };
    for (let r = 0; r < rounds; r++) {
      let x, y;
      if (r % 2 === 0) { x = timeRound(a, n); y = timeRound(b, n); } else { y = timeRound(b, n); x = timeRound(a, n); }
      wall.a.push(x.wall); wall.b.push(y.wall); wall.ratio.push(y.wall / x.wall);
      if (x.cpu > 0 && y.cpu > 0) { cpu.a.push(x.cpu); cpu.b.push(y.cpu); cpu.ratio.push(y.cpu / x.cpu); }
    }
    const summary = (m) => ({
      port: median(m.a), legacy: median(m.b), ratio: median(m.ratio),
      ratioLo: quantile(m.ratio, 0.25), ratioHi: quantile(m.ratio, 0.75),
    });
    const res = { name: spec.name, n, rounds, wall: summary(wall), cpu: summary(cpu), note: a.note ? a.note() : undefined };
    const show = (s) => `1.12 ${s.legacy.toFixed(0)} ns/op, port ${s.port.toFixed(0)} ns/op, ratio ${s.ratio.toFixed(2)} (IQR ${s.ratioLo.toFixed(2)}-${s.ratioHi.toFixed(2)})`;
    log(`  ${spec.name}: ${n} iterations x ${rounds} rounds each`);
    log(`    wall: ${show(res.wall)}`);
    log(`    cpu:  ${show(res.cpu)}`);
    if (res.note) log(`    (${res.note}, per implementation)`);
    results.push(res);
  }
  return results;
}
