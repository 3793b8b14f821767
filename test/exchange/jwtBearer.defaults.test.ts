/**
 * The safe defaults of the JWT bearer grant, over HTTP with a real Express
 * app and real signatures: `alg` (asymmetric only), `iss`/`sub`, `aud` (the
 * server's issuer or its token endpoint URL), `exp` (present, not past, not
 * too far), `nbf`/`iat` (with clock skew, on the server's clock), `jti`
 * once (in memory or on Redis); whatever `issue` throws becomes
 * `invalid_grant` with no message of its own.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import fc from 'fast-check';
import { jwtVerify } from 'jose';
import oauth2orize, { RedisReplayStore, TokenError, jwtBearer, type JwtBearerOptions } from '../../src/index.js';
import { rawJws } from '../helpers/jwt.js';
import { makeKeys, sign, type Keys } from '../helpers/assertionKeys.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { connect, type TestClient } from '../redis/clients.js';

const ISSUER = 'https://as.example';
const GT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const T0 = 1_900_000_000;

let keys: Keys;
/** A client authenticated in front of the token endpoint (the hardened profile requires one). */
const withClient: express.RequestHandler = (req, _res, next) => { (req as any).user = { id: 'rp' }; next(); };
before(async () => { keys = await makeKeys(); });

interface App {
  app: express.Express;
  clock: { now: number };
  issued: { count: number };
}

/**
 * A server (issuer ISSUER, fake clock) with the JWT bearer grant; `issue`
 * verifies with jose against the trusted issuer's EC key, as an app does,
 * unless another `issue` is given. `hardened` uses the hardened profile
 * (RFC statuses, internal messages hidden) with a client authenticated in front.
 */
function buildApp(options: JwtBearerOptions = {}, issue?: (ctx: any) => unknown, hardened = false, serverIssuer: string | null = ISSUER): App {
  const clock = { now: T0 };
  const issued = { count: 0 };
  const server = oauth2orize.createServer({ ...(serverIssuer ? { issuer: serverIssuer } : {}), clock: () => clock.now * 1000, ...(hardened ? { hardened: true } : {}) });
  server.exchange(jwtBearer(options, async (ctx: any) => {
    issued.count++;
    if (issue) return issue(ctx);
    if (ctx.claims.iss !== 'https://idp.example') return null;
    const { payload } = await jwtVerify(ctx.assertion, keys.ec.publicKey, { currentDate: new Date(clock.now * 1000), clockTolerance: 60 });
    return `at-${payload.sub}`;
  }));
  const app = express();
  app.post('/token', express.urlencoded({ extended: false }), withClient, server.token(), server.errorHandler());
  app.use((err: any, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ last_resort: true, message: String(err && err.message) });
  });
  return { app, clock, issued };
}

function claims(app: App, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: 'https://idp.example', sub: 'alice', aud: ISSUER, iat: app.clock.now, exp: app.clock.now + 300, jti: crypto.randomUUID(), ...extra };
}

const es = (app: App, extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  sign(keys.ec.privateKey, { alg: 'ES256', ...header }, claims(app, extra));

const post = (app: App, assertion: string) => request(app.app).post('/token').type('form').send({ grant_type: GT, assertion });

async function expectOk(app: App, assertion: string): Promise<void> {
  const res = await post(app, assertion);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.access_token, 'at-alice');
}

/** invalid_grant: 403 with 1.x's statuses, 400 on a hardened server (RFC 6749 §5.2). */
async function expectRefused(app: App, assertion: string, description = 'Invalid assertion', status = 403): Promise<void> {
  const res = await post(app, assertion);
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error, 'invalid_grant');
  assert.equal(res.body.error_description, description);
}

describe('exchange.jwtBearer safe defaults', () => {
  it('grants once per jti (memory store); the replay gets invalid_grant', async () => {
    const app = buildApp();
    const jwt = await es(app);
    await expectOk(app, jwt);
    await expectRefused(app, jwt, 'Invalid assertion: jti already used');
    await expectOk(app, await es(app));
  });

  it('records the jti only once issue gave a token: refused or forged assertions do not burn it', async () => {
    const app = buildApp();
    await expectRefused(app, rawJws({ alg: 'ES256' }, claims(app, { jti: 'j' })));
    await expectRefused(app, await es(app, { jti: 'j', iss: 'https://untrusted.example' }));
    await expectOk(app, await es(app, { jti: 'j' }));
  });

  it('keeps a jti per issuer', async () => {
    const app = buildApp({}, (ctx: any) => `at-${ctx.claims.sub}`);
    assert.equal((await post(app, rawJws({ alg: 'ES256' }, claims(app, { iss: 'a', jti: 'same' })))).status, 200);
    assert.equal((await post(app, rawJws({ alg: 'ES256' }, claims(app, { iss: 'b', jti: 'same' })))).status, 200);
    assert.equal((await post(app, rawJws({ alg: 'ES256' }, claims(app, { iss: 'b', jti: 'same' })))).status, 403);
  });

  it('requires jti, iss and sub; replay: false makes jti optional', async () => {
    const app = buildApp();
    await expectRefused(app, await es(app, { jti: undefined }), 'Invalid assertion: jti is required');
    await expectRefused(app, await es(app, { iss: undefined }), 'Invalid assertion: iss is required');
    await expectRefused(app, await es(app, { sub: '' }), 'Invalid assertion: sub is required');
    const off = buildApp({ replay: false });
    const jwt = await es(off, { jti: undefined });
    await expectOk(off, jwt);
    await expectOk(off, jwt);
  });

  it('aud: the server issuer or the token endpoint URL or an audience value', async () => {
    const app = buildApp({ audience: ['urn:as'] });
    await expectOk(app, await es(app, { aud: ISSUER }));
    await expectOk(app, await es(app, { aud: ISSUER + '/token' }));
    await expectOk(app, await es(app, { aud: 'urn:as' }));
    await expectOk(app, await es(app, { aud: ['https://x.example', ISSUER] }));
    const wrong = 'Invalid assertion: aud does not name this server';
    await expectRefused(app, await es(app, { aud: 'https://other.example' }), wrong);
    await expectRefused(app, await es(app, { aud: 'https://other.example/token' }), wrong);
    await expectRefused(app, await es(app, { aud: undefined }), 'Invalid assertion: aud is required');
    assert.equal(app.issued.count, 4);
  });

  it('aud from the issuer option, when the server has none; a server error when nothing is known', async () => {
    const own = buildApp({ issuer: 'https://own.example' }, undefined, false, null);
    await expectOk(own, await es(own, { aud: 'https://own.example' }));
    const none = buildApp({}, undefined, false, null);
    const res = await post(none, await es(none));
    assert.equal(res.status, 500);
    assert.equal(res.body.error, 'server_error');
    assert.equal(none.issued.count, 0);
    const off = buildApp({ audience: false }, undefined, false, null);
    await expectOk(off, await es(off, { aud: 'https://anything.example' }));
  });

  it('exp: required, not past, at most maxLifetime (default one hour) ahead', async () => {
    const app = buildApp();
    const t = app.clock.now;
    await expectRefused(app, await es(app, { exp: undefined }), 'Invalid assertion: exp is required');
    await expectRefused(app, await es(app, { exp: t - 31, iat: t - 100 }), 'Invalid assertion: expired');
    await expectRefused(app, await es(app, { exp: t + 3631 }), 'Invalid assertion: exp is too far in the future');
    await expectRefused(app, await es(app, { exp: t + 100 * 365 * 86400 }), 'Invalid assertion: exp is too far in the future');
    await expectOk(app, await es(app, { exp: t + 3600 }));
    const short = buildApp({ maxLifetime: 120 });
    await expectRefused(short, await es(short, { exp: t + 300 }), 'Invalid assertion: exp is too far in the future');
  });

  it('nbf and iat in the future beyond the skew; the server clock moves', async () => {
    const app = buildApp();
    const t = app.clock.now;
    await expectRefused(app, await es(app, { nbf: t + 31 }), 'Invalid assertion: not valid yet (nbf)');
    await expectRefused(app, await es(app, { iat: t + 31 }), 'Invalid assertion: issued in the future (iat)');
    await expectOk(app, await es(app, { nbf: t + 20 }));
    const later = await es(app, { exp: t + 60 });
    app.clock.now += 100;
    await expectRefused(app, later, 'Invalid assertion: expired');
    await expectRefused(app, await es(app, { nbf: app.clock.now + 50 }), 'Invalid assertion: not valid yet (nbf)');
    const wide = buildApp({ clockTolerance: 120 });
    await expectOk(wide, await es(wide, { nbf: t + 50 }));
  });

  it('alg: HS256, none and unknown names are refused before issue', async () => {
    const app = buildApp();
    await expectRefused(app, await sign(keys.secret, { alg: 'HS256' }, claims(app)), 'Invalid assertion: alg not allowed');
    await expectRefused(app, rawJws({ alg: 'XYZ512' }, claims(app)), 'Invalid assertion: alg not allowed');
    await expectRefused(app, rawJws({ alg: 'none' }, claims(app)), 'Invalid assertion: assertion header has no usable alg');
    assert.equal(app.issued.count, 0);
  });

  for (const hardened of [false, true]) {
    const label = hardened ? 'hardened (400)' : '1.x statuses (403)';
    const status = hardened ? 400 : 403;
    describe(`every failure of issue is invalid_grant, never a 500, never its message: ${label}`, () => {
      it('an alg jose does not know, a crit header, a key-type mismatch', async () => {
        const app = buildApp({ algorithms: ['ES256', 'RS256', 'XYZ1'] }, undefined, hardened);
        await expectRefused(app, rawJws({ alg: 'XYZ1' }, claims(app)), 'Invalid assertion', status);
        await expectRefused(app, await sign(keys.ec.privateKey, { alg: 'ES256', crit: ['urn:x'], 'urn:x': 1 }, claims(app), { 'urn:x': true }), 'Invalid assertion', status);
        await expectRefused(app, await sign(keys.rsa.privateKey, { alg: 'RS256' }, claims(app)), 'Invalid assertion', status);
        assert.equal(app.issued.count, 3);
      });

      it('thrown, rejected, synchronous and done(err) errors', async () => {
        for (const issue of [
          async () => { throw new Error('hunter2'); },
          async () => { throw Object.assign(new Error('hunter2'), { code: 'ECONNREFUSED' }); },
          async () => { throw undefined; },
        ]) {
          const app = buildApp({}, issue, hardened);
          const res = await post(app, await es(app));
          assert.equal(res.status, status, res.text);
          assert.equal(res.body.error, 'invalid_grant');
          assert.doesNotMatch(res.text, /hunter2|ECONNREFUSED/);
        }
        const clock = { now: T0 };
        for (const fn of [
          function (_c: unknown, _a: unknown, _done: unknown) { throw new Error('hunter2'); },
          function (_c: unknown, _a: unknown, done: any) { done(new Error('hunter2')); },
        ]) {
          const server = oauth2orize.createServer({ issuer: ISSUER, clock: () => clock.now * 1000, ...(hardened ? { hardened: true } : {}) });
          server.exchange(jwtBearer(fn as any));
          const app = express().post('/token', express.urlencoded({ extended: false }), withClient, server.token(), server.errorHandler());
          const jwt = rawJws({ alg: 'ES256' }, { iss: 'i', sub: 's', aud: ISSUER, exp: T0 + 60, jti: 'x' });
          const res = await request(app).post('/token').type('form').send({ grant_type: GT, assertion: jwt });
          assert.equal(res.status, status, res.text);
          assert.equal(res.body.error, 'invalid_grant');
          assert.doesNotMatch(res.text, /hunter2/);
        }
      });

      it('an OAuth2Error raised on purpose passes as it is', async () => {
        const app = buildApp({}, async () => { throw new TokenError('Issuer not trusted for this client', 'unauthorized_client', undefined, 400); }, hardened);
        const res = await post(app, await es(app));
        assert.equal(res.status, 400);
        assert.equal(res.body.error, 'unauthorized_client');
      });
    });
  }

  it('checks its options at construction', () => {
    const issue = async () => 't';
    assert.throws(() => jwtBearer({ audience: [''] }, issue), /audience must be/);
    assert.throws(() => jwtBearer({ algorithms: 'ES256' as any }, issue), /algorithms must be/);
    assert.throws(() => jwtBearer({ maxLifetime: Infinity }, issue), /maxLifetime must be/);
    assert.throws(() => jwtBearer({ clockTolerance: NaN }, issue), /clockTolerance must be/);
    assert.throws(() => jwtBearer({ replay: 'yes' as any }, issue), /replay must be a ReplayStore/);
    assert.throws(() => jwtBearer({ issuer: 'http://example.com' }, issue), /https URL/);
  });

  it('fast-check: hostile assertions get 200 or invalid_grant/invalid_request, never a 5xx', async () => {
    const app = buildApp({ algorithms: ['ES256', 'RS256', 'HS256', 'XYZ1'] });
    const t = T0;
    const claimArb = fc.record({
      iss: fc.constantFrom('https://idp.example', 'x', '', 5, ['a']),
      sub: fc.constantFrom('alice', '', null, {}),
      aud: fc.constantFrom(ISSUER, ISSUER + '/token', 'https://x.example', [ISSUER], [], [null], {}),
      exp: fc.oneof(fc.constantFrom('x', null, 1e308, -1), fc.integer({ min: t - 1000, max: t + 5000 })),
      nbf: fc.oneof(fc.constantFrom('x', null), fc.integer({ min: t - 100, max: t + 100 })),
      iat: fc.oneof(fc.constantFrom({}, true), fc.integer({ min: t - 100, max: t + 100 })),
      jti: fc.oneof(fc.constantFrom('', 7, ['a']), fc.string({ minLength: 1, maxLength: 300 })),
    }, { requiredKeys: [] });
    const headerArb = fc.record({
      alg: fc.constantFrom('ES256', 'RS256', 'HS256', 'XYZ1', 'none', 'EdDSA', 5),
      crit: fc.constantFrom(['urn:x'], 'b64', [], [5]),
      jku: fc.constantFrom('https://attacker.example/jwks', 5),
    }, { requiredKeys: ['alg'] });
    const signer = fc.constantFrom<'ec' | 'rsa' | 'secret' | 'raw'>('ec', 'rsa', 'secret', 'raw');
    await fc.assert(fc.asyncProperty(claimArb, headerArb, signer, async (payload, header, how) => {
      let jwt: string;
      if (how === 'raw' || typeof header.alg !== 'string' || !['ES256', 'RS256', 'HS256'].includes(header.alg)) {
        jwt = rawJws(header, payload);
      } else {
        const key = how === 'ec' ? keys.ec.privateKey : how === 'rsa' ? keys.rsa.privateKey : keys.secret;
        jwt = await sign(key, header, payload, { 'urn:x': true, b64: true }).catch(() => rawJws(header, payload));
      }
      const res = await post(app, jwt);
      assert.ok(res.status === 200 || res.status === 400 || res.status === 403, `status ${res.status}: ${res.text}`);
      assert.equal(res.body.last_resort, undefined, res.text);
      if (res.status !== 200) {
        assert.ok(['invalid_grant', 'invalid_request'].includes(res.body.error), res.text);
        assert.match(res.body.error_description, /^Invalid assertion/);
      }
    }), { numRuns: Number(process.env.FUZZ_RUNS) || 150, seed: 11 });
  });
});

describe('exchange.jwtBearer replay on Redis', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  let c1: TestClient;
  let c2: TestClient;
  before(async () => {
    redis = await startRedis();
    c1 = await connect('node-redis v4', redis.url);
    c2 = await connect('ioredis', redis.url);
  });
  after(async () => {
    if (c1) await c1.close();
    if (c2) await c2.close();
    if (redis) await redis.stop();
  });

  it('two instances sharing a RedisReplayStore grant an assertion once between them', async () => {
    const one = buildApp({ replay: new RedisReplayStore({ client: c1.client, prefix: 'jb:' }) });
    const two = buildApp({ replay: new RedisReplayStore({ client: c2.client, prefix: 'jb:' }) });
    const jwt = await es(one);
    const results = await Promise.all([post(one, jwt), post(two, jwt), post(one, jwt), post(two, jwt)]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 403, 403, 403]);
    for (const r of results.filter((x) => x.status === 403)) assert.equal(r.body.error_description, 'Invalid assertion: jti already used');
  });
});
