/**
 * The safe defaults of client assertions (`private_key_jwt`), over HTTP with a
 * real Express app and real signatures: the library checks `alg`
 * (asymmetric only), `aud` (issuer or the endpoint URL), `exp` (present, not
 * past, not too far), `nbf`/`iat` (with clock skew, on the server's clock),
 * and `jti` once (a replay store, in memory or on Redis); whatever the app's
 * verifier throws becomes 401 `invalid_client` with no message of its own.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import fc from 'fast-check';
import { jwtVerify } from 'jose';
import oauth2orize, { RedisReplayStore, TokenError, clientAssertion, type ClientAssertionOptions, type Server } from '../../src/index.js';
import { rawJws } from '../helpers/jwt.js';
import { makeKeys, sign, type Keys } from '../helpers/assertionKeys.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { connect, type TestClient } from '../redis/clients.js';

const ISSUER = 'https://as.example';
const TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const T0 = 1_900_000_000; // the fake clock, in seconds
const client = { id: 'c1' };

let keys: Keys;
before(async () => { keys = await makeKeys(); });

interface App {
  app: express.Express;
  /** The fake clock, in seconds. */
  clock: { now: number };
  /** How many times verify ran. */
  verified: { count: number };
  server: Server;
}

/**
 * An authorization server whose token endpoint takes client assertions and
 * issues client_credentials tokens. `verify` checks the signature with jose
 * against the client's EC key, as an app does; `hooks.verify` replaces it.
 */
function buildApp(options: ClientAssertionOptions = {}, serverOptions: Record<string, unknown> = {}, verify?: (ctx: any) => unknown): App {
  const clock = { now: T0 };
  const verified = { count: 0 };
  const server = oauth2orize.createServer({ issuer: ISSUER, clock: () => clock.now * 1000, ...serverOptions });
  server.exchange(oauth2orize.exchange.clientCredentials(async ({ client: c }: any) => `at-${c.id}`));
  const mw = server.clientAssertion(options, async (ctx: any) => {
    verified.count++;
    if (verify) return verify(ctx);
    if (ctx.clientId !== client.id) return null;
    await jwtVerify(ctx.assertion, keys.ec.publicKey, { issuer: ctx.clientId, subject: ctx.clientId, currentDate: new Date(clock.now * 1000), clockTolerance: 60 });
    return client;
  });
  const app = express();
  app.post('/token', express.urlencoded({ extended: false }), mw, server.token(), server.errorHandler());
  app.post('/tenant/token', express.urlencoded({ extended: false }), mw, server.token(), server.errorHandler());
  app.use((err: any, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ last_resort: true, message: String(err && err.message) });
  });
  return { app, clock, verified, server };
}

/** The claims of a good assertion at the app's clock. */
function claims(app: App, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: 'c1', sub: 'c1', aud: ISSUER, iat: app.clock.now, exp: app.clock.now + 60, jti: crypto.randomUUID(), ...extra };
}

function post(app: App, assertion: string, path = '/token', extra: Record<string, string> = {}) {
  return request(app.app).post(path).type('form').send({ grant_type: 'client_credentials', client_assertion_type: TYPE, client_assertion: assertion, ...extra });
}

async function expectOk(app: App, assertion: string, path?: string): Promise<void> {
  const res = await post(app, assertion, path);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.access_token, 'at-c1');
}

async function expectRefused(app: App, assertion: string, description = 'Invalid client assertion', path?: string): Promise<void> {
  const res = await post(app, assertion, path);
  assert.equal(res.status, 401, JSON.stringify(res.body));
  assert.equal(res.body.error, 'invalid_client');
  assert.equal(res.body.error_description, description);
}

const es = (app: App, extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  sign(keys.ec.privateKey, { alg: 'ES256', ...header }, claims(app, extra));

describe('middleware/clientAssertion safe defaults', () => {
  it('accepts a good assertion once: the same jti again is refused (memory store)', async () => {
    const app = buildApp();
    const jwt = await es(app);
    await expectOk(app, jwt);
    await expectRefused(app, jwt, 'Invalid client assertion: jti already used');
    await expectOk(app, await es(app), undefined);
  });

  it('records the jti only after verify accepted the client: forged assertions do not burn it', async () => {
    const app = buildApp();
    const jti = 'chosen-jti';
    const forged = rawJws({ alg: 'ES256' }, claims(app, { jti }));
    await expectRefused(app, forged);
    await expectOk(app, await es(app, { jti }));
  });

  it('requires a jti, unless replay is false', async () => {
    const app = buildApp();
    await expectRefused(app, await es(app, { jti: undefined }), 'Invalid client assertion: jti is required');
    await expectRefused(app, await es(app, { jti: '' }), 'Invalid client assertion: jti is required');
    await expectRefused(app, await es(app, { jti: 5 }), 'Invalid client assertion: jti is required');
    const off = buildApp({ replay: false });
    const jwt = await es(off, { jti: undefined });
    await expectOk(off, jwt);
    await expectOk(off, jwt);
  });

  it('keeps a jti per client: another client may use the same value', async () => {
    const app = buildApp({}, {}, (ctx: any) => ({ id: ctx.clientId }));
    const a = rawJws({ alg: 'ES256' }, claims(app, { iss: 'c1', sub: 'c1', jti: 'same' }));
    const b = rawJws({ alg: 'ES256' }, claims(app, { iss: 'c2', sub: 'c2', jti: 'same' }));
    assert.equal((await post(app, a)).status, 200);
    assert.equal((await post(app, b)).status, 200);
    assert.equal((await post(app, b)).status, 401);
  });

  it('aud: the issuer, the URL of the endpoint reached, or an audience value; nothing else', async () => {
    const app = buildApp({ audience: 'https://proxy.example/oauth/token' });
    await expectOk(app, await es(app, { aud: ISSUER }));
    await expectOk(app, await es(app, { aud: ISSUER + '/token' }));
    await expectOk(app, await es(app, { aud: ISSUER + '/tenant/token' }), '/tenant/token');
    await expectOk(app, await es(app, { aud: ['https://other.example', ISSUER] }));
    await expectOk(app, await es(app, { aud: 'https://proxy.example/oauth/token' }));
    const wrong = 'Invalid client assertion: aud does not name this server';
    await expectRefused(app, await es(app, { aud: 'https://other.example' }), wrong);
    await expectRefused(app, await es(app, { aud: ISSUER + '/tenant/token' }), wrong); // reached /token
    await expectRefused(app, await es(app, { aud: ISSUER + '/' }), wrong);
    await expectRefused(app, await es(app, { aud: ['https://other.example'] }), wrong);
    await expectRefused(app, await es(app, { aud: [] }), 'Invalid client assertion: aud must be a string or a list of strings');
    await expectRefused(app, await es(app, { aud: [ISSUER, 5] }), 'Invalid client assertion: aud must be a string or a list of strings');
    await expectRefused(app, await es(app, { aud: undefined }), 'Invalid client assertion: aud is required');
    // The Host header is the client's: it never makes an audience.
    const res = await request(app.app).post('/token').set('Host', 'evil.example').type('form')
      .send({ grant_type: 'client_credentials', client_assertion_type: TYPE, client_assertion: await es(app, { aud: 'http://evil.example/token' }) });
    assert.equal(res.status, 401);
    assert.equal(app.verified.count, 5, 'verify ran only for the accepted audiences');
  });

  it('exp: required, not past (beyond the skew), not more than maxLifetime ahead', async () => {
    const app = buildApp();
    const t = app.clock.now;
    await expectRefused(app, await es(app, { exp: undefined }), 'Invalid client assertion: exp is required');
    await expectRefused(app, await es(app, { exp: String(t + 60) }), 'Invalid client assertion: exp is required');
    await expectRefused(app, await es(app, { exp: t - 31, iat: t - 90 }), 'Invalid client assertion: expired');
    await expectOk(app, await es(app, { exp: t - 29, iat: t - 90 }));
    await expectRefused(app, await es(app, { exp: t + 631 }), 'Invalid client assertion: exp is too far in the future');
    await expectRefused(app, await es(app, { exp: t + 100 * 365 * 86400 }), 'Invalid client assertion: exp is too far in the future');
    await expectOk(app, await es(app, { exp: t + 600 }));
    const short = buildApp({ maxLifetime: 60, clockTolerance: 0 });
    await expectRefused(short, await es(short, { exp: t + 61 }), 'Invalid client assertion: exp is too far in the future');
    await expectRefused(short, await es(short, { exp: t }), 'Invalid client assertion: expired');
  });

  it('nbf and iat: not in the future beyond the skew, numbers when present', async () => {
    const app = buildApp();
    const t = app.clock.now;
    await expectRefused(app, await es(app, { nbf: t + 31 }), 'Invalid client assertion: not valid yet (nbf)');
    await expectOk(app, await es(app, { nbf: t + 29 }));
    await expectRefused(app, await es(app, { iat: t + 31 }), 'Invalid client assertion: issued in the future (iat)');
    await expectRefused(app, await es(app, { nbf: 'soon' }), 'Invalid client assertion: nbf must be a number');
    await expectRefused(app, await es(app, { iat: null }), 'Invalid client assertion: iat must be a number');
  });

  it('reads the time from the server clock', async () => {
    const app = buildApp();
    const jwt = await es(app, { exp: app.clock.now + 60 });
    app.clock.now += 120;
    await expectRefused(app, jwt, 'Invalid client assertion: expired');
    const standalone = clientAssertion({ issuer: ISSUER, now: () => T0 * 1000 }, async () => client);
    const express2 = express().post('/token', express.urlencoded({ extended: false }), standalone, (_req, res) => { res.json({ ok: true }); });
    const past = rawJws({ alg: 'ES256' }, { iss: 'c1', sub: 'c1', aud: ISSUER, exp: T0 + 10, jti: 'x' });
    const res = await request(express2).post('/token').type('form').send({ client_assertion_type: TYPE, client_assertion: past });
    assert.equal(res.status, 200, 'exp is in the future on the now option');
  });

  it('alg: asymmetric only by default; HS256, none and unknown names are refused before verify', async () => {
    const app = buildApp();
    const notAllowed = 'Invalid client assertion: alg not allowed';
    await expectRefused(app, await sign(keys.secret, { alg: 'HS256' }, claims(app)), notAllowed);
    await expectRefused(app, rawJws({ alg: 'XYZ256' }, claims(app)), notAllowed);
    await expectRefused(app, rawJws({ alg: 'ES256K' }, claims(app)), notAllowed);
    await expectRefused(app, rawJws({ alg: 'none' }, claims(app)), 'Invalid client assertion: it header has no usable alg');
    await expectRefused(app, rawJws({ alg: 'NONE' }, claims(app)), 'Invalid client assertion: it header has no usable alg');
    assert.equal(app.verified.count, 0);
    await expectOk(app, await es(app));
    assert.equal(app.verified.count, 1);
  });

  it('algorithms widens the list (client_secret_jwt), and is advertised', async () => {
    const app = buildApp({ algorithms: ['HS256'] }, {}, async (ctx: any) => {
      await jwtVerify(ctx.assertion, keys.secret, { currentDate: new Date(T0 * 1000) });
      return client;
    });
    await expectOk(app, await sign(keys.secret, { alg: 'HS256' }, claims(app)));
    await expectRefused(app, await es(app), 'Invalid client assertion: alg not allowed');
    const doc = oauth2orize.buildMetadata(app.server, { issuer: ISSUER });
    assert.deepEqual(doc.token_endpoint_auth_signing_alg_values_supported, ['HS256']);
    const defaults = oauth2orize.buildMetadata(buildApp().server, { issuer: ISSUER });
    assert.deepEqual(defaults.token_endpoint_auth_signing_alg_values_supported, ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);
  });

  describe('every failure of the verifier is 401 invalid_client, never a 500, never its message', () => {
    for (const hardened of [false, true]) {
      const label = hardened ? 'hardened' : 'not hardened';
      const make = (verify?: (ctx: any) => unknown, options: ClientAssertionOptions = {}) =>
        buildApp(options, hardened ? { hardened: true, requireClient: false } : {}, verify);

      it(`${label}: an alg jose does not know (widened list)`, async () => {
        const app = make(undefined, { algorithms: ['ES256', 'XYZ256'] });
        await expectRefused(app, rawJws({ alg: 'XYZ256' }, claims(app)));
        assert.equal(app.verified.count, 1);
      });

      it(`${label}: a crit header jose does not understand`, async () => {
        const app = make();
        await expectRefused(app, await sign(keys.ec.privateKey, { alg: 'ES256', crit: ['urn:x'], 'urn:x': 1 }, claims(app), { 'urn:x': true }));
        await expectRefused(app, await sign(keys.ec.privateKey, { alg: 'ES256', crit: ['b64'], b64: false }, claims(app), { b64: true }).catch(() => rawJws({ alg: 'ES256', crit: ['b64'], b64: false }, claims(app))));
      });

      it(`${label}: a key-type mismatch (RS256 header, the client's key is EC)`, async () => {
        const app = make();
        await expectRefused(app, await sign(keys.rsa.privateKey, { alg: 'RS256' }, claims(app)));
      });

      it(`${label}: a wrong signature, a tampered payload`, async () => {
        const app = make();
        const [h, , s] = (await es(app)).split('.');
        const tampered = `${h}.${Buffer.from(JSON.stringify(claims(app))).toString('base64url')}.${s}`;
        await expectRefused(app, tampered);
        await expectRefused(app, await sign((await makeKeys()).ec.privateKey, { alg: 'ES256' }, claims(app)));
      });

      it(`${label}: any thrown or rejected error, with a message that must not leak`, async () => {
        for (const verify of [
          () => { throw new Error('db password is hunter2'); },
          async () => { throw new TypeError('Cannot read properties of undefined (hunter2)'); },
          async () => { throw Object.assign(new Error('hunter2'), { status: 500, code: 'ECONNREFUSED' }); },
          async () => { throw 'hunter2'; },
          async () => { throw null; },
          function (_id: unknown, _a: unknown, done: any) { done(new Error('hunter2')); },
        ]) {
          const app = make(verify as any);
          const res = await post(app, await es(app));
          assert.equal(res.status, 401, res.text);
          assert.equal(res.body.error, 'invalid_client');
          assert.doesNotMatch(res.text, /hunter2|ECONNREFUSED|properties/);
        }
      });

      it(`${label}: an OAuth2Error the verifier raises on purpose passes as it is`, async () => {
        const app = make(async () => { throw new TokenError('Client is disabled', 'unauthorized_client', undefined, 400); });
        const res = await post(app, await es(app));
        assert.equal(res.status, 400);
        assert.equal(res.body.error, 'unauthorized_client');
      });
    }
  });

  it('the jti hook still works; with an explicit replay store both are asked', async () => {
    const seen: string[] = [];
    const hookOnly = buildApp({ jti: ({ jti }: any) => { seen.push(jti); return true; } });
    const jwt = await es(hookOnly, { jti: 'h1' });
    await expectOk(hookOnly, jwt);
    await expectOk(hookOnly, jwt); // the hook accepts it again: no store was set
    assert.deepEqual(seen, ['h1', 'h1']);
    const both = buildApp({ replay: new oauth2orize.MemoryReplayStore(), jti: ({ jti }: any) => { seen.push(jti); return true; } });
    const j2 = await es(both, { jti: 'h2' });
    await expectOk(both, j2);
    await expectRefused(both, j2, 'Invalid client assertion: jti already used');
    assert.deepEqual(seen, ['h1', 'h1', 'h2'], 'the store refused the replay before the hook');
  });

  it('checks its options at construction', () => {
    const verify = async () => client;
    assert.throws(() => clientAssertion(verify), /needs to know this server to check aud/);
    assert.throws(() => oauth2orize.createServer().clientAssertion(verify), /needs to know this server to check aud/);
    assert.doesNotThrow(() => clientAssertion({ audience: false }, verify));
    assert.doesNotThrow(() => clientAssertion({ audience: 'https://as.example/token' }, verify));
    assert.throws(() => clientAssertion({ issuer: 'not a url' }, verify), /issuer is not a URL/);
    assert.throws(() => clientAssertion({ issuer: ISSUER, audience: 5 as any }, verify), /audience must be/);
    assert.throws(() => clientAssertion({ issuer: ISSUER, algorithms: [] }, verify), /algorithms must be/);
    assert.throws(() => clientAssertion({ issuer: ISSUER, algorithms: ['none'] }, verify), /algorithms must be/);
    assert.throws(() => clientAssertion({ issuer: ISSUER, maxLifetime: 0 }, verify), /maxLifetime must be/);
    assert.throws(() => clientAssertion({ issuer: ISSUER, clockTolerance: -1 }, verify), /clockTolerance must be/);
    assert.throws(() => clientAssertion({ issuer: ISSUER, replay: {} as any }, verify), /replay must be a ReplayStore/);
    assert.throws(() => clientAssertion({ issuer: ISSUER, now: 1 as any }, verify), /now must be a function/);
  });

  it('audience: false leaves aud to verify (present still required)', async () => {
    const app = buildApp({ audience: false });
    await expectOk(app, await es(app, { aud: 'https://anything.example' }));
    await expectRefused(app, await es(app, { aud: undefined }), 'Invalid client assertion: aud is required');
  });

  it('fast-check: malformed and hostile assertions get 200 or 4xx with an OAuth error, never a 5xx', async () => {
    const app = buildApp({ algorithms: ['ES256', 'RS256', 'HS256', 'XYZ1'] });
    const t = T0;
    const claimArb = fc.record({
      iss: fc.constantFrom('c1', 'c2', '', 5, undefined, ['c1']),
      sub: fc.constantFrom('c1', 'c2', undefined, null),
      aud: fc.constantFrom(ISSUER, ISSUER + '/token', 'https://x.example', [ISSUER], [], [5], undefined, {}, null),
      exp: fc.oneof(fc.constantFrom(undefined, 'x', null, 1e308, -1, NaN), fc.integer({ min: t - 1000, max: t + 2000 })),
      nbf: fc.oneof(fc.constant(undefined), fc.constantFrom('x', null), fc.integer({ min: t - 100, max: t + 100 })),
      iat: fc.oneof(fc.constant(undefined), fc.constantFrom({}, true), fc.integer({ min: t - 100, max: t + 100 })),
      jti: fc.oneof(fc.constantFrom(undefined, '', 7, ['a']), fc.string({ minLength: 1, maxLength: 300 })),
    }, { requiredKeys: [] });
    const headerArb = fc.record({
      alg: fc.constantFrom('ES256', 'RS256', 'HS256', 'XYZ1', 'none', 'PS256', 5, ''),
      crit: fc.constantFrom(undefined, ['urn:x'], 'b64', [], [5]),
      kid: fc.constantFrom(undefined, 'k1', 5),
      b64: fc.constantFrom(undefined, false, true),
    }, { requiredKeys: ['alg'] });
    const signer = fc.constantFrom<'ec' | 'rsa' | 'secret' | 'raw'>('ec', 'rsa', 'secret', 'raw');
    await fc.assert(fc.asyncProperty(claimArb, headerArb, signer, async (c, h, how) => {
      const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
      const header = clean(h);
      const payload = clean(c);
      let jwt: string;
      if (how === 'raw' || typeof header.alg !== 'string' || !['ES256', 'RS256', 'HS256'].includes(header.alg)) {
        jwt = rawJws(header, payload);
      } else {
        const key = how === 'ec' ? keys.ec.privateKey : how === 'rsa' ? keys.rsa.privateKey : keys.secret;
        jwt = await sign(key, header, payload, { 'urn:x': true, b64: true }).catch(() => rawJws(header, payload));
      }
      const res = await post(app, jwt);
      assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `status ${res.status}: ${res.text}`);
      assert.equal(res.body.last_resort, undefined, res.text);
      if (res.status !== 200) {
        assert.ok(['invalid_client', 'invalid_request'].includes(res.body.error), res.text);
        assert.match(res.body.error_description, /^(Invalid client assertion|Client authenticated|Missing required)/);
      }
    }), { numRuns: Number(process.env.FUZZ_RUNS) || 150, seed: 7 });
  });
});

describe('middleware/clientAssertion replay on Redis', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  let c1: TestClient;
  let c2: TestClient;
  before(async () => {
    redis = await startRedis();
    c1 = await connect('ioredis', redis.url);
    c2 = await connect('node-redis v5', redis.url);
  });
  after(async () => {
    if (c1) await c1.close();
    if (c2) await c2.close();
    if (redis) await redis.stop();
  });

  it('two instances sharing a RedisReplayStore accept an assertion once between them', async () => {
    const one = buildApp({ replay: new RedisReplayStore({ client: c1.client }) });
    const two = buildApp({ replay: new RedisReplayStore({ client: c2.client }) });
    const jwt = await es(one);
    await expectOk(one, jwt);
    await expectRefused(two, jwt, 'Invalid client assertion: jti already used');
    await expectRefused(one, jwt, 'Invalid client assertion: jti already used');
    const keys2 = (await c1.command('KEYS', 'oauth2orize:replay:*')) as string[];
    assert.equal(keys2.length, 1);
    const ttl = Number(await c1.command('PTTL', keys2[0]!));
    assert.ok(ttl > 85_000 && ttl <= 90_000, `the claim lives until exp (60 s ahead) plus the skew (30 s): ${ttl} ms`);
  });

  it('a Redis failure is a server error, not an accepted assertion', async () => {
    const app = buildApp({ replay: new RedisReplayStore({ client: { sendCommand: () => Promise.reject(new Error('redis down')) } }) });
    const res = await post(app, await es(app));
    assert.equal(res.status, 500);
    assert.equal(res.body.error, 'server_error');
  });
});
