/**
 * Property-based robustness tests of the endpoints added for issues 11 and
 * 12: revocation, introspection, token exchange, the JWT bearer grant and
 * client assertions, over real HTTP against the Express 5 app of
 * test/http/assertions-app.ts (extended form and JSON parsers, so arrays and
 * objects reach the library). fast-check throws arrays, objects, repeats,
 * empty and 100 KB values, JSON literals and wrong JWS shapes at every new
 * parameter, with and without client authentication.
 *
 * For every request: no 5xx (except 1.x's 501 `unsupported_grant_type` when
 * the grant type itself was mutated), no error reaching the app's last-resort
 * handler, no uncaught exception; every error is JSON with an RFC code; the
 * app's callbacks see only strings (lists of strings for resource, audience
 * and scope). `FUZZ_RUNS` and `FUZZ_SEED` work as in endpoints.test.ts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildAssertionsApp, AT, type TestApp } from '../http/assertions-app.js';
import { listen, send, jsonOf, toQuery, toJson, mutate, str, collectProcessFailures, type Entries, type Listening, type Reply, type Val } from './harness.js';
import { b64, clientAssertionJwt, keyPair, rawJws, type TestKey } from '../helpers/jwt.js';

const TOTAL = Number(process.env.FUZZ_RUNS) || 0;
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 42;
const RUNS = TOTAL > 0 ? Math.max(1, Math.round(TOTAL / 5)) : 150;

const TE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JB = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CA = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const HUNDRED_KB = 100 * 1024;

const processFailures = collectProcessFailures();
after(() => { if (processFailures.failures.length) console.log('PROCESS FAILURES', processFailures.failures.map((e) => String((e as Error)?.stack || e).slice(0, 1500))); processFailures.stop(); });

// ---------------------------------------------------------------------------
// Generators

const JWS_SHAPES: string[] = [
  rawJws({ alg: 'ES256' }, { iss: 'pk', sub: 'pk', aud: 'x', exp: 9e9 }),
  rawJws({ alg: 'none' }, { iss: 'pk', sub: 'pk', aud: 'x', exp: 9e9 }),
  rawJws({ alg: 'ES256' }, 'not an object'), rawJws([1], {}), rawJws({ alg: 5 }, {}), rawJws({ alg: 'ES256' }, {}, ''),
  `${b64({ alg: 'ES256' })}.${b64({})}`, 'a.b.c', '..', '.', 'a.b.c.d.e', 'eyJ.eyJ.sig', 'x'.repeat(20_000) + '.a.b',
  `${b64({ alg: 'ES256' })}.${b64({ iss: 'pk', sub: 'pk', aud: 'x', exp: '9' })}.c2ln`,
];

const strArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('', 'x', AT, 'access_token', 'refresh_token', 'https://rs.example', '/rel', 'https://rs.example#f',
    'urn:x', 'read write', '__proto__', 'constructor', '\u0000', '%', 'é😀', CA, TE, JB, 'forbidden') },
  { weight: 3, arbitrary: fc.constantFrom(...JWS_SHAPES) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.tuple(fc.json(), fc.json(), fc.string({ maxLength: 8 })).map(([h, p, s]) => `${b64(h)}.${b64(p)}.${b64(s)}`) },
  { weight: 1, arbitrary: fc.constantFrom('x', 'é').map((c) => c.repeat(HUNDRED_KB / c.length)) },
);

const valArb: fc.Arbitrary<Val> = fc.letrec<{ val: Val }>((tie) => ({
  val: fc.oneof(
    { depthSize: 'small' },
    { weight: 8, arbitrary: strArb.map(str) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)).map((v): Val => ({ t: 'lit', v })) },
    { weight: 2, arbitrary: fc.record({ a: fc.array(tie('val'), { maxLength: 3 }), style: fc.constantFrom('brackets' as const, 'indices' as const, 'repeat' as const) }).map(({ a, style }): Val => ({ t: 'arr', a, style })) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom('a', '__proto__', '$ne', '0'), tie('val')), { maxLength: 2 }).map((e): Val => ({ t: 'obj', e })) },
  ),
})).val;

type Mutation = [string, Val | null, boolean];
const mutationsArb = (names: readonly string[]) => fc.oneof(
  { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
  { weight: 3, arbitrary: fc.array(fc.tuple(fc.constantFrom(...names), fc.option(valArb, { nil: null, freq: 5 }), fc.boolean()), { minLength: 1, maxLength: 4 }) },
);

type Auth = 'none' | 'basic' | 'badBasic' | 'assertion';
const authArb = fc.constantFrom<Auth>('none', 'basic', 'basic', 'badBasic', 'assertion');

// ---------------------------------------------------------------------------

const RFC_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type',
  'invalid_scope', 'invalid_target', 'unsupported_token_type']);

function show(x: unknown): string {
  const s = JSON.stringify(x, (_k, v) => (typeof v === 'string' && v.length > 120 ? v.slice(0, 120) + `…(${v.length})` : v));
  return s && s.length > 1500 ? s.slice(0, 1500) + '…' : String(s);
}

/** `FUZZ_STATS=1` prints how often each outcome occurred, to check the generators reach deep. */
const outcomes = new Map<string, number>();
after(() => {
  if (!process.env.FUZZ_STATS) return;
  for (const [k, n] of [...outcomes].sort()) console.log(`# ${String(n).padStart(6)}  ${k}`);
});

function checkReply(reply: Reply, t: TestApp, grantMutated: boolean, where: string): void {
  const body = jsonOf(reply) as Record<string, unknown> | undefined;
  assert.ok(body === undefined || !body.app_error, `${where}: an error reached the app's last handler: ${reply.status} ${reply.text.slice(0, 300)}`);
  if (reply.status >= 400) {
    assert.ok(body && typeof body.error === 'string' && RFC_ERRORS.has(body.error), `${where}: not an RFC error: ${reply.status} ${reply.text.slice(0, 300)}`);
    const allowed501 = reply.status === 501 && body.error === 'unsupported_grant_type' && grantMutated;
    assert.ok(reply.status < 500 || allowed501, `${where}: status ${reply.status} ${reply.text.slice(0, 300)}`);
  }
  for (const call of t.calls) {
    for (const [name, value] of Object.entries(call.args)) {
      const ok = value === undefined || typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
      assert.ok(ok, `${where}: ${call.fn}(${name}) received ${show(value)}`);
    }
  }
  assert.deepEqual(processFailures.failures.map(String), [], 'uncaught exception or unhandled rejection');
}

describe('fuzz: revocation, introspection, token exchange, JWT bearer, client assertions', () => {
  let t: TestApp;
  let target: Listening;
  let issuer: string;
  let key: TestKey;

  before(async () => {
    t = buildAssertionsApp();
    key = await keyPair();
    t.clients.set('c1', { id: 'c1', secret: 's1' });
    t.clients.set('pk', { id: 'pk', jwk: key.jwk });
    target = await listen(t.app);
    issuer = `http://127.0.0.1:${target.port}`;
    t.setIssuer(issuer);
  });
  after(() => target.close());

  async function validToken(): Promise<string> {
    const reply = await post('/token', [['grant_type', str('client_credentials')], ['scope', str('read')]], 'form', 'basic');
    return (jsonOf(reply) as { access_token: string }).access_token;
  }

  async function post(path: string, entries: Entries, transport: 'form' | 'json', auth: Auth): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (auth === 'basic') headers.Authorization = 'Basic ' + Buffer.from('c1:s1').toString('base64');
    if (auth === 'badBasic') headers.Authorization = 'Basic ' + Buffer.from('c1:nope').toString('base64');
    if (auth === 'assertion' && !entries.some(([k]) => k === 'client_assertion')) {
      entries = [...entries, ['client_assertion_type', str(CA)], ['client_assertion', str(await clientAssertionJwt(key, 'pk', issuer))]];
    }
    const body = transport === 'form' ? toQuery(entries) : toJson(entries);
    headers['Content-Type'] = transport === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
    return send(target, { method: 'POST', path, headers, body });
  }

  const property = (name: string, path: string, names: string[], template: (token: string) => Entries | Promise<Entries>, auths = authArb) =>
    it(name, async () => {
      const token = await validToken();
      await fc.assert(
        fc.asyncProperty(mutationsArb(names), fc.constantFrom<'form' | 'json'>('form', 'json'), auths, async (mutations, transport, auth) => {
          t.calls.length = 0;
          const entries = mutations.reduce((acc, [k, v, dup]) => mutate(acc, k, v, dup), await template(token));
          let reply: Reply;
          try {
            reply = await post(path, entries, transport, auth);
          } catch (err) {
            throw new Error(`${name}: request failed (${String(err)}) for ${transport} ${auth} ${show(entries)}`);
          }
          if (process.env.FUZZ_STATS) {
            const b = jsonOf(reply) as Record<string, unknown> | undefined;
            const k = `${name} ${reply.status} ${String(b?.error ?? (b?.access_token ? 'token' : b ? JSON.stringify(b).slice(0, 30) : ''))}`;
            outcomes.set(k, (outcomes.get(k) || 0) + 1);
          }
          checkReply(reply, t, mutations.some(([k]) => k === 'grant_type'), `${name} ${transport} ${auth} ${show(entries)}`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: !process.env.FUZZ_SHRINK },
      );
    });

  property('revocation', '/revoke', ['token', 'token_type_hint', 'client_assertion', 'client_assertion_type', 'client_secret'],
    (token) => [['token', str(token)], ['token_type_hint', str('access_token')]]);

  property('introspection', '/introspect', ['token', 'token_type_hint', 'client_assertion', 'client_assertion_type', 'client_id'],
    (token) => [['token', str(token)]]);

  property('token exchange', '/token',
    ['grant_type', 'subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'resource', 'audience', 'scope', 'requested_token_type'],
    (token) => [['grant_type', str(TE)], ['subject_token', str(token)], ['subject_token_type', str(AT)], ['resource', str('https://rs.example/api')], ['audience', str('svc')]]);

  property('JWT bearer grant', '/token', ['grant_type', 'assertion', 'scope'],
    async () => [['grant_type', str(JB)], ['assertion', str(await clientAssertionJwt(key, 'pk', issuer))]]);

  property('client assertion', '/token', ['client_assertion', 'client_assertion_type', 'client_id', 'client_secret', 'grant_type'],
    async () => [['grant_type', str('client_credentials')], ['client_assertion_type', str(CA)], ['client_assertion', str(await clientAssertionJwt(key, 'pk', issuer))]],
    fc.constantFrom<Auth>('none', 'none', 'none', 'basic'));
});
