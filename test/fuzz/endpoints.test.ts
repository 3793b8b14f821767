/**
 * Property-based robustness tests of the token and authorization endpoints,
 * over real HTTP against Express 5 apps (see apps.ts). fast-check generates
 * hostile requests: arrays and objects in any parameter, repeated parameters,
 * unicode, NUL bytes, invalid percent-encoding, 100 KB values, wrong content
 * types, bodies that are missing or announced but absent, unknown grant and
 * response types, and `__proto__` / `constructor` / `toString` keys.
 *
 * For every request it checks that:
 * - nothing answers 5xx, except 501 for an unsupported grant or response type
 *   (1.x's status; not even that with `errorHandler({ rfcStatus: true })`),
 *   and 500 `server_error` when the application's own callback threw;
 * - no exception or rejection escaped;
 * - every token-endpoint error is RFC 6749 §5.2 JSON;
 * - every redirect goes to the one validated redirect URI;
 * - the app's callbacks only ever see strings (scope: arrays of strings).
 *
 * `make test` runs 200 cases per property with seed 42. `FUZZ_RUNS=<total>`
 * spreads that many cases over the properties, `FUZZ_SEED` changes the seed
 * and `FUZZ_SKIP_TRANSPORTS` (comma-separated) leaves body shapes out;
 * `node test/fuzz/run.mjs` does a 100 000-case run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tokenApp, authorizeApp, Recorder, CLIENT_ID, REDIRECT_URI, THROW, FAIL, type Call } from './apps.js';
import { MAX_PARAMETER_LENGTH } from '../../src/lib/params.js';
import {
  listen, send, sendRaw, jsonOf, toQuery, toJson, toMultipart, toXml, mutate, str, cookieOf,
  collectProcessFailures, type Entries, type Listening, type Reply, type Val,
} from './harness.js';

const TOTAL = Number(process.env.FUZZ_RUNS) || 0;
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 42;
/** Cases for a property: 200 by default, or its share of FUZZ_RUNS. */
const runsFor = (share: number) => (TOTAL > 0 ? Math.max(1, Math.round(TOTAL * share)) : 200);

const processFailures = collectProcessFailures();
after(() => processFailures.stop());

/** `FUZZ_STATS=1` prints how often each outcome occurred, to check the generators reach deep. */
const outcomes = new Map<string, number>();
function tally(property: string, reply: Reply, rec: Recorder): void {
  if (!process.env.FUZZ_STATS) return;
  const body = jsonOf(reply) as Record<string, unknown> | undefined;
  const location = reply.headers.location;
  const detail = !rec.routed ? 'body parser'
    : location ? 'redirect ' + (new URLSearchParams(String(location).slice(REDIRECT_URI.length + 1)).get('error') || 'success')
    : String(body?.error ?? body?.code ?? (body?.access_token ? 'token' : body?.transactionID ? 'transaction' : ''));
  const grants = rec.calls.filter((c) => c.fn.startsWith('grant.')).length;
  const key = `${property} ${reply.status} ${detail}${grants ? ' (granted)' : ''}`;
  outcomes.set(key, (outcomes.get(key) || 0) + 1);
}
after(() => {
  if (!process.env.FUZZ_STATS) return;
  for (const [key, n] of [...outcomes].sort()) console.log(`# ${String(n).padStart(6)}  ${key}`);
});

// ---------------------------------------------------------------------------
// Generators

const INTERESTING = [
  '', 'good', 'alice', 'pw', 'rt', 'read', 'read write', 'forbidden', CLIENT_ID, 'c2', 'code', 'token',
  REDIRECT_URI, 'http://evil.example/cb', REDIRECT_URI + '?x=1', REDIRECT_URI + '#frag', '//evil.example',
  'javascript:alert(1)', '\u0000', 'a\u0000b', '\r\nSet-Cookie: x=1', '__proto__', 'constructor', 'toString',
  'hasOwnProperty', '%', '%ZZ', '%00', '[]', '{}', '{"$ne":1}', 'é', '😀', '\uD800', '\uFEFF', ' ', THROW, FAIL,
];

const HUNDRED_KB = 100 * 1024;

const strArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...INTERESTING) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom('a', ' ', '%', '&', '=', '[', ']', '\0', '+', '#', '?', '/', '.', 'é', '\n'), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('x', 'é', '\0', '😀').map((c) => c.repeat(HUNDRED_KB / c.length)) },
);

const WEIRD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '$ne', '$gt', '0', ''];

function keyArb(names: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...names) },
    { weight: 2, arbitrary: fc.constantFrom(...WEIRD_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  );
}

function valArb(names: readonly string[]): fc.Arbitrary<Val> {
  const key = keyArb(names);
  return fc.letrec<{ val: Val }>((tie) => ({
    val: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 8, arbitrary: strArb.map(str) },
      { weight: 1, arbitrary: fc.constantFrom('%FF', '%C3', '%00', '%ED%A0%80', '%', '%2', '%%', '%5B%5D', '%26x%3D1').map((s): Val => ({ t: 'raw', s })) },
      { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.double()).map((v): Val => ({ t: 'lit', v })) },
      {
        weight: 2,
        arbitrary: fc.record({ a: fc.array(tie('val'), { maxLength: 3 }), style: fc.constantFrom('brackets' as const, 'indices' as const, 'repeat' as const) })
          .map(({ a, style }): Val => ({ t: 'arr', a, style })),
      },
      { weight: 2, arbitrary: fc.array(fc.tuple(key, tie('val')), { maxLength: 3 }).map((e): Val => ({ t: 'obj', e })) },
    ),
  })).val;
}

/** (key, value or null to delete, append as duplicate?) */
type Mutation = [string, Val | null, boolean];

/** A third of the cases keep the template intact, so that many requests get deep into the flow. */
function mutationsArb(names: readonly string[], maxLength = 4): fc.Arbitrary<Mutation[]> {
  const one = fc.tuple(keyArb(names), fc.option(valArb(names), { nil: null, freq: 6 }), fc.boolean());
  return fc.oneof({ withCrossShrink: true }, { weight: 1, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 2, arbitrary: fc.array<Mutation>(one, { minLength: 1, maxLength }) });
}

function applyAll(entries: Entries, mutations: Mutation[]): Entries {
  return mutations.reduce((acc, [k, v, dup]) => mutate(acc, k, v, dup), entries);
}

// ---------------------------------------------------------------------------
// Bodies

type Transport =
  | 'form' | 'json' | 'none'
  | 'text' | 'xml' | 'multipart' | 'jsonSuffix' | 'formAsJson' | 'badJson' | 'jsonArray' | 'jsonScalar'
  | 'noType' | 'latin1' | 'upperJson' | 'badEncoding' | 'headerOnlyForm' | 'headerOnlyJson';

/** `FUZZ_SKIP_TRANSPORTS=a,b` leaves body shapes out, to look past a known failure. */
const SKIPPED = new Set((process.env.FUZZ_SKIP_TRANSPORTS || '').split(',').filter(Boolean));
const usable = (list: Transport[]) => list.filter((t) => !SKIPPED.has(t));

const WELL_FORMED = usable(['form', 'json', 'none']);
const ODD = usable([
  'text', 'xml', 'multipart', 'jsonSuffix', 'formAsJson', 'badJson', 'jsonArray', 'jsonScalar',
  'noType', 'latin1', 'upperJson', 'badEncoding', 'headerOnlyForm', 'headerOnlyJson',
]);

const FORM = 'application/x-www-form-urlencoded';

/** Send `entries` as a POST body in the chosen shape. */
function post(target: Listening, path: string, transport: Transport, entries: Entries, extra: Record<string, string> = {}): Promise<Reply> {
  const via = (type: string | undefined, body: string, headers: Record<string, string> = {}) =>
    send(target, { method: 'POST', path, headers: { ...extra, ...(type ? { 'Content-Type': type } : {}), ...headers }, body });
  const raw = (type: string) => {
    const lines = [`POST ${path} HTTP/1.1`, `Content-Type: ${type}`, ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`)];
    return sendRaw(target, lines.join('\r\n'));
  };
  switch (transport) {
    case 'form': return via(FORM, toQuery(entries));
    case 'json': return via('application/json', toJson(entries));
    case 'none': return via(undefined, '');
    case 'text': return via('text/plain', toQuery(entries));
    case 'xml': return via('application/xml', toXml(entries));
    case 'multipart': return via('multipart/form-data; boundary=fuzzBoundary', toMultipart(entries, 'fuzzBoundary'));
    case 'jsonSuffix': return via('application/merge-patch+json', toJson(entries));
    case 'formAsJson': return via('application/json', toQuery(entries));
    case 'badJson': return via('application/json', toJson(entries).slice(0, -1));
    case 'jsonArray': return via('application/json', '[' + toJson(entries) + ']');
    case 'jsonScalar': return via('application/json', JSON.stringify(toQuery(entries)));
    case 'noType': return via(undefined, toQuery(entries));
    case 'latin1': return via(FORM + '; charset=iso-8859-1', toQuery(entries));
    case 'upperJson': return via('Application/JSON; Charset=UTF-8', toJson(entries));
    case 'badEncoding': return via(FORM, toQuery(entries), { 'Content-Encoding': 'gzip' });
    case 'headerOnlyForm': return raw(FORM);
    case 'headerOnlyJson': return raw('application/json');
  }
}

// ---------------------------------------------------------------------------
// Checks shared by the properties

const RFC_TOKEN_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']);

function show(x: unknown): string {
  const s = JSON.stringify(x, (_k, v) => (typeof v === 'string' && v.length > 200 ? v.slice(0, 200) + `…(${v.length})` : v));
  return s === undefined ? String(x) : s.length > 2000 ? s.slice(0, 2000) + '…' : s;
}

function assertNoProcessFailures(): void {
  assert.deepEqual(processFailures.failures.map((e) => String(e && (e as Error).stack || e)), [], 'uncaught exception or unhandled rejection');
}

/** Application callbacks must only ever see strings, string arrays for scope, or undefined. */
function assertCallArguments(calls: Call[]): void {
  for (const call of calls) {
    for (const [name, value] of Object.entries(call.params)) {
      const where = `${call.fn}(${name}) received ${show(value)}`;
      if (name === 'allow') {
        assert.equal(typeof value, 'boolean', where);
      } else if (name === 'scope' || name === 'areq.scope') {
        // '' is what 1.x passes on for an empty scope parameter.
        const ok = value === undefined || typeof value === 'string'
          || (Array.isArray(value) && value.every((s) => typeof s === 'string'));
        assert.ok(ok, where);
      } else {
        assert.ok(value === undefined || typeof value === 'string', where);
      }
    }
  }
}

/** A request the body parsers refused never reached oauth2orize; it must be a 4xx from the app. */
function assertBodyParserRejection(reply: Reply, rec: Recorder): void {
  const body = jsonOf(reply) as Record<string, unknown> | undefined;
  assert.ok(reply.status >= 400 && reply.status < 500, `body parser answered ${reply.status}: ${reply.text.slice(0, 300)}`);
  assert.equal(rec.appErrors.length, 1);
  assert.equal(body?.app_error, true, `not answered by the app's error handler: ${reply.text.slice(0, 300)}`);
}

function assertTokenReply(reply: Reply, rec: Recorder, route: string): void {
  assertNoProcessFailures();
  if (!rec.routed) return assertBodyParserRejection(reply, rec);
  assertCallArguments(rec.calls);
  assert.deepEqual(rec.appErrors.map(show), [], 'oauth2orize passed an error on instead of rendering it');
  assert.match(String(reply.headers['content-type']), /^application\/json(;|$)/, 'Content-Type');
  const body = jsonOf(reply) as Record<string, unknown> | undefined;
  assert.ok(body && typeof body === 'object' && !Array.isArray(body), `body is not a JSON object: ${reply.text.slice(0, 300)}`);

  if (reply.status === 200) {
    assert.equal(typeof body.access_token, 'string');
    assert.equal(typeof body.token_type, 'string');
    assert.equal(reply.headers['cache-control'], 'no-store');
    return;
  }
  const error = body.error;
  assert.equal(typeof error, 'string', 'error');
  for (const key of Object.keys(body)) assert.ok(['error', 'error_description', 'error_uri'].includes(key), `unexpected member ${key}`);
  if (body.error_description !== undefined) assert.equal(typeof body.error_description, 'string');
  if (body.error_uri !== undefined) assert.equal(typeof body.error_uri, 'string');
  if (error === 'server_error') {
    assert.ok(rec.appFailed, `server_error although the app did not fail: ${show(body)} (status ${reply.status})`);
  } else {
    assert.ok(RFC_TOKEN_ERRORS.has(error as string), `error ${show(error)} is not an RFC 6749 §5.2 code`);
  }
  assert.ok(reply.status >= 400, `error with status ${reply.status}`);
  if (reply.status >= 500) {
    const allowed = (reply.status === 500 && error === 'server_error')
      || (reply.status === 501 && error === 'unsupported_grant_type' && route === '/token');
    assert.ok(allowed, `status ${reply.status} for ${show(body)} at ${route}`);
  }
}

/** Authorization and decision endpoints. */
function assertAuthorizeReply(reply: Reply, rec: Recorder): void {
  assertNoProcessFailures();
  if (!rec.routed) return assertBodyParserRejection(reply, rec);
  assertCallArguments(rec.calls);
  const body = jsonOf(reply) as Record<string, any> | undefined;

  if (reply.status >= 300 && reply.status < 400) {
    const location = String(reply.headers.location);
    assert.ok(location.startsWith(REDIRECT_URI + '?') || location.startsWith(REDIRECT_URI + '#'), `redirect to ${show(location)}`);
    // Only a request whose client was validated may be redirected (a decision
    // redirects for a transaction that was validated when it was opened).
    const validations = rec.calls.filter((c) => c.fn === 'validate');
    if (validations.length) assert.equal(validations[0]!.params.clientID, CLIENT_ID, 'redirected for an unknown client');
    const params = new URLSearchParams(location.slice(REDIRECT_URI.length + 1));
    if (params.get('error') === 'server_error') {
      assert.ok(rec.appFailed, `server_error redirected although the app did not fail: ${show(location)}`);
    }
    return;
  }
  if (reply.status === 200) {
    assert.equal(typeof body?.transactionID, 'string', reply.text.slice(0, 300));
    const validations = rec.calls.filter((c) => c.fn === 'validate');
    assert.equal(validations.length, 1, 'a transaction was opened without validate');
    assert.equal(validations[0]!.params.clientID, CLIENT_ID, 'a transaction was opened for an unknown client');
    return;
  }
  assert.ok(reply.status >= 400, `status ${reply.status}`);
  if (reply.status >= 500) {
    const allowed = reply.status === 501 && body?.code === 'unsupported_response_type';
    assert.ok(allowed, `status ${reply.status}: ${reply.text.slice(0, 500)}`);
  }
}

/** Collapse long repetitions (the 100 KB values) so a counterexample stays readable. */
function shorten(text: string): string {
  return text.replace(/(.{1,8}?)\1{15,}/gsu, (run, unit: string) => `〔${unit} ×${run.length / unit.length}〕`);
}

/**
 * Report a failure with the shrunk counterexample and the assertion that
 * failed, with 100 KB values abbreviated (fast-check's own report prints them
 * in full).
 */
function report(details: fc.RunDetails<[unknown]>): void {
  if (!details.failed) return;
  const err = details.errorInstance as Error | undefined;
  throw new Error([
    `Property failed after ${details.numRuns} tests (seed ${details.seed}, path "${details.counterexamplePath}", shrunk ${details.numShrinks} times)`,
    'Counterexample: ' + shorten(fc.stringify(details.counterexample)),
    'Failure: ' + shorten(String(err && err.message || err)),
  ].join('\n'));
}

function fcOptions(share: number): fc.Parameters<[unknown]> {
  return { numRuns: runsFor(share), seed: SEED, reporter: report };
}

// ---------------------------------------------------------------------------
// Token endpoint

const TOKEN_KEYS = ['grant_type', 'code', 'redirect_uri', 'username', 'password', 'refresh_token', 'scope', 'client_id', 'client_secret'];

const GRANT_TYPES = ['authorization_code', 'password', 'client_credentials', 'refresh_token'] as const;

const grantTypeArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...GRANT_TYPES) },
  { weight: 2, arbitrary: fc.constantFrom('implicit', 'urn:ietf:params:oauth:grant-type:jwt-bearer', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 'PASSWORD', 'password ', '*') },
  { weight: 1, arbitrary: strArb },
);

/** A valid request for the grant type, with its key parameter set to `primary`. */
function tokenTemplate(grantType: string, primary: 'valid' | 'bad' | typeof THROW | typeof FAIL): Entries {
  const pick = (valid: string) => str(primary === 'valid' ? valid : primary);
  const base: Entries = [['grant_type', str(grantType)]];
  switch (grantType) {
    case 'authorization_code': return [...base, ['code', pick('good')], ['redirect_uri', str(REDIRECT_URI)]];
    case 'password': return [...base, ['username', pick('alice')], ['password', str('pw')], ['scope', str('read write')]];
    case 'client_credentials': return [...base, ['scope', primary === 'valid' ? str('read') : pick('read')]];
    case 'refresh_token': return [...base, ['refresh_token', pick('rt')], ['scope', str('read')]];
    default: return [...base, ['code', pick('good')]];
  }
}

function tokenCaseArb(transports: Transport[]) {
  return fc.record({
    route: fc.constantFrom('/token', '/token-rfc'),
    grantType: grantTypeArb,
    primary: fc.constantFrom('valid' as const, 'valid' as const, 'valid' as const, 'bad' as const, THROW, FAIL),
    mutations: mutationsArb(TOKEN_KEYS),
    transport: fc.constantFrom(...transports),
  });
}

describe('fuzz: token endpoint (Express 5, extended parsers)', () => {
  const rec = new Recorder();
  let target: Listening;
  before(async () => { target = await listen(tokenApp(rec)); });
  after(() => target.close());

  // Sanity: the harness can tell success from failure, so the properties mean something.
  it('answers a valid password request with a token and a bad one with RFC JSON', async () => {
    rec.reset();
    const ok = await post(target, '/token', 'form', tokenTemplate('password', 'valid'));
    assert.equal(ok.status, 200, ok.text);
    assert.equal((jsonOf(ok) as any).access_token, 'at-pw');
    assertTokenReply(ok, rec, '/token');
    rec.reset();
    const bad = await post(target, '/token', 'json', [['grant_type', str('password')], ['username', { t: 'arr', a: [str('a')], style: 'brackets' }]]);
    assert.equal(bad.status, 400);
    assert.deepEqual(jsonOf(bad), { error: 'invalid_request', error_description: 'Invalid parameter: username must be a string' });
    assertTokenReply(bad, rec, '/token');
    rec.reset();
    const thrown = await post(target, '/token', 'form', tokenTemplate('refresh_token', THROW));
    assert.equal(thrown.status, 500);
    assert.ok(rec.appFailed);
    assertTokenReply(thrown, rec, '/token');
  });

  it('well-formed bodies (form, JSON, none) with hostile parameters', async () => {
    await fc.assert(fc.asyncProperty(tokenCaseArb(WELL_FORMED), async (c) => {
      rec.reset();
      const entries = applyAll(tokenTemplate(c.grantType, c.primary), c.mutations);
      const reply = await post(target, c.route, c.transport, entries);
      tally('token', reply, rec);
      assertTokenReply(reply, rec, c.route);
    }), fcOptions(0.3));
  });

  it('wrong, odd or absent content types and bodies', async () => {
    await fc.assert(fc.asyncProperty(tokenCaseArb(ODD), async (c) => {
      rec.reset();
      const entries = applyAll(tokenTemplate(c.grantType, c.primary), c.mutations);
      const reply = await post(target, c.route, c.transport, entries);
      tally('token-odd', reply, rec);
      assertTokenReply(reply, rec, c.route);
    }), fcOptions(0.2));
  });
});

// ---------------------------------------------------------------------------
// Authorization endpoint and decision

const AUTH_KEYS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'response_mode', 'transaction_id'];
const DECISION_KEYS = ['transaction_id', 'cancel', 'allow', 'scope', 'state', 'redirect_uri', 'client_id', 'response_type'];

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

function authorizeEntries(c: { responseType: string; clientID: string; redirect?: string; scope?: string; state?: string }): Entries {
  const entries: Entries = [['response_type', str(c.responseType)], ['client_id', str(c.clientID)]];
  if (c.redirect !== undefined) entries.push(['redirect_uri', str(c.redirect)]);
  if (c.scope !== undefined) entries.push(['scope', str(c.scope)]);
  if (c.state !== undefined) entries.push(['state', str(c.state)]);
  return entries;
}

const authorizeCaseArb = fc.record({
  method: fc.constantFrom('GET', 'POST'),
  responseType: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('code', 'token') },
    { weight: 2, arbitrary: fc.constantFrom('code token', 'token code', 'id_token', 'none', '', 'toString', '__proto__', 'constructor', 'code code', 'CODE') },
    { weight: 1, arbitrary: strArb },
  ),
  clientID: fc.oneof({ weight: 6, arbitrary: fc.constant(CLIENT_ID) }, { weight: 1, arbitrary: fc.constantFrom('c2', '', 'toString') }, { weight: 1, arbitrary: strArb }),
  redirect: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(REDIRECT_URI, undefined) },
    { weight: 1, arbitrary: fc.constantFrom('http://evil.example/cb', REDIRECT_URI + '/../x', REDIRECT_URI + '?x=1', 'HTTP://client.example/cb', REDIRECT_URI + '#a') },
  ),
  scope: fc.constantFrom('read', 'read forbidden', 'forbidden', undefined, ''),
  state: optional(strArb),
  queryMutations: mutationsArb(AUTH_KEYS),
  bodyMutations: mutationsArb(AUTH_KEYS, 3),
  transport: fc.constantFrom<Transport>(...usable(['form', 'json', 'none', 'headerOnlyForm', 'text'])),
});

const decisionCaseArb = fc.record({
  responseType: fc.constantFrom('code', 'token'),
  scope: fc.constantFrom('read', undefined, 'a b'),
  // The request must be valid to open a transaction: a state within its limit.
  state: optional(strArb.map((s) => (s.length > MAX_PARAMETER_LENGTH ? s.slice(0, MAX_PARAMETER_LENGTH) : s))),
  tidIn: fc.constantFrom('body', 'body', 'query', 'both', 'nowhere'),
  tidShape: fc.oneof({ weight: 4, arbitrary: fc.constant('plain') }, { weight: 1, arbitrary: fc.constantFrom('array', 'object', 'other', 'twice') }),
  mutations: mutationsArb(DECISION_KEYS),
  transport: fc.constantFrom<Transport>(...usable(['form', 'json', 'none', 'headerOnlyForm', 'headerOnlyJson', 'text', 'badJson'])),
  replay: fc.boolean(),
});

function tidVal(tid: string, shape: string): Val {
  switch (shape) {
    case 'array': return { t: 'arr', a: [str(tid)], style: 'brackets' };
    case 'object': return { t: 'obj', e: [['$ne', str('x')]] };
    case 'other': return str('AAAAAAAA');
    default: return str(tid);
  }
}

describe('fuzz: authorization endpoint and decision (Express 5, express-session)', () => {
  const rec = new Recorder();
  let target: Listening;
  let store: ReturnType<typeof authorizeApp>['store'];
  before(async () => {
    const built = authorizeApp(rec);
    store = built.store;
    target = await listen(built.app);
  });
  after(() => target.close());
  const clearSessions = () => new Promise<void>((resolve) => store.clear(() => resolve()));

  it('sanity: a valid request opens a transaction and an unknown client gets no redirect', async () => {
    rec.reset();
    const ok = await send(target, { method: 'GET', path: '/authorize?' + toQuery(authorizeEntries({ responseType: 'code', clientID: CLIENT_ID, state: 's' })) });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(typeof (jsonOf(ok) as any).transactionID, 'string');
    rec.reset();
    const evil = await send(target, { method: 'GET', path: '/authorize?' + toQuery(authorizeEntries({ responseType: 'code', clientID: 'c2', redirect: 'http://evil.example/cb' })) });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.location, undefined);
    rec.reset();
    const scoped = await send(target, { method: 'GET', path: '/authorize?' + toQuery(authorizeEntries({ responseType: 'code', clientID: CLIENT_ID, scope: 'forbidden', state: 'z' })) });
    assert.equal(scoped.status, 302);
    assert.equal(scoped.headers.location, REDIRECT_URI + '?error=invalid_scope&error_description=Scope%20not%20allowed&state=z');
    await clearSessions();
  });

  it('authorization requests with hostile parameters (query, and POST bodies)', async () => {
    await fc.assert(fc.asyncProperty(authorizeCaseArb, async (c) => {
      rec.reset();
      const query = toQuery(applyAll(authorizeEntries(c), c.queryMutations));
      const path = '/authorize' + (query ? '?' + query : '');
      const reply = c.method === 'GET'
        ? await send(target, { method: 'GET', path })
        : await post(target, path, c.transport, applyAll([], c.bodyMutations));
      tally('authorize', reply, rec);
      assertAuthorizeReply(reply, rec);
      await clearSessions();
    }), fcOptions(0.3));
  });

  it('decisions with hostile bodies; a transaction is granted at most once', async () => {
    await fc.assert(fc.asyncProperty(decisionCaseArb, async (c) => {
      rec.reset();
      const opened = await send(target, { method: 'GET', path: '/authorize?' + toQuery(authorizeEntries({ ...c, clientID: CLIENT_ID })) });
      assertAuthorizeReply(opened, rec);
      assert.equal(opened.status, 200, `a valid request did not open a transaction: ${opened.text.slice(0, 300)}`);
      const tid = (jsonOf(opened) as { transactionID: string }).transactionID;
      const cookie = cookieOf(opened);
      assert.ok(cookie, 'session cookie');

      let body: Entries = [];
      let path = '/decision';
      if (c.tidIn === 'body' || c.tidIn === 'both') body.push(['transaction_id', tidVal(tid, c.tidShape)]);
      if (c.tidShape === 'twice') body.push(['transaction_id', str(tid)]);
      if (c.tidIn === 'query' || c.tidIn === 'both') path += '?' + toQuery([['transaction_id', tidVal(tid, c.tidShape)]]);
      body = applyAll(body, c.mutations);

      let grants = 0;
      for (let attempt = 0; attempt < (c.replay ? 2 : 1); attempt++) {
        rec.reset();
        const reply = await post(target, path, c.transport, body, { Cookie: cookie! });
        tally(attempt ? 'replay' : 'decision', reply, rec);
        assertAuthorizeReply(reply, rec);
        grants += rec.calls.filter((call) => call.fn.startsWith('grant.')).length;
      }
      assert.ok(grants <= 1, `transaction ${tid} granted ${grants} times`);
      await clearSessions();
    }), fcOptions(0.2));
  });
});
