/**
 * The four bundled exchanges with an `issue` in the arity-1 context form, and
 * async functions in the 1.x forms, at a real token endpoint (passport HTTP
 * Basic, `server.token()`, `server.errorHandler()`).
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import oauth2orize, { TokenError } from '../../src/index.js';
import { CLIENTS, REDIRECT, ctx, settleDown, tokenApp, trackUnhandledRejections, type Client, type User } from './helpers.js';

const rejections = trackUnhandledRejections();
afterEach(() => rejections.assertNone());

interface ExchangeCase {
  name: 'authorizationCode' | 'clientCredentials' | 'password' | 'refreshToken';
  grantType: string;
  form: Record<string, string>;
  /** The fields of the context object, besides `client`, `body` and `authInfo`. */
  fields: Record<string, unknown>;
  invalidMessage: string;
  /** A 1.x-form issue with `done` as its only extra parameter after the exchange's own inputs. */
  legacy(done: (...args: any[]) => unknown): (...args: any[]) => unknown;
}

const cases: ExchangeCase[] = [
  {
    name: 'authorizationCode',
    grantType: 'authorization_code',
    form: { code: 'the-code', redirect_uri: REDIRECT },
    fields: { code: 'the-code', redirectURI: REDIRECT },
    invalidMessage: 'Invalid authorization code',
    legacy: (impl) => async function (client: Client, code: string, redirectURI: string, done: unknown) {
      return impl(client, code, redirectURI, done);
    },
  },
  {
    name: 'clientCredentials',
    grantType: 'client_credentials',
    form: { scope: 'read write' },
    fields: { scope: ['read', 'write'] },
    invalidMessage: 'Invalid client credentials',
    legacy: (impl) => async function (client: Client, scope: string[] | undefined, done: unknown) {
      return impl(client, scope, done);
    },
  },
  {
    name: 'password',
    grantType: 'password',
    form: { username: 'alice', password: 'wonderland', scope: 'read' },
    fields: { username: 'alice', password: 'wonderland', scope: ['read'] },
    invalidMessage: 'Invalid resource owner credentials',
    legacy: (impl) => async function (client: Client, username: string, password: string, scope: string[] | undefined, done: unknown) {
      return impl(client, username, password, scope, done);
    },
  },
  {
    name: 'refreshToken',
    grantType: 'refresh_token',
    form: { refresh_token: 'rt-1', scope: 'read' },
    fields: { refreshToken: 'rt-1', scope: ['read'] },
    invalidMessage: 'Invalid refresh token',
    legacy: (impl) => async function (client: Client, refreshToken: string, scope: string[] | undefined, done: unknown) {
      return impl(client, refreshToken, scope, done);
    },
  },
];

/** A token endpoint with the one exchange built from `issue`. */
function appWith(c: ExchangeCase, issue: unknown) {
  const server = oauth2orize.createServer<Client, User>();
  const factory = oauth2orize.exchange[c.name] as (issue: any) => any;
  server.exchange(factory(issue));
  return tokenApp(server);
}

function post(app: unknown, c: ExchangeCase, extra: Record<string, string> = {}) {
  return request(app as Parameters<typeof request>[0])
    .post('/token')
    .auth('c1', 'shh')
    .type('form')
    .send({ grant_type: c.grantType, ...c.form, ...extra });
}

for (const c of cases) {
  describe(`exchange.${c.name}`, () => {
    it('context form: receives { client, ...inputs, body, authInfo, resource, dpop } and resolves the access token', async () => {
      const seen: Record<string, unknown>[] = [];
      const { app, log } = appWith(c, ctx<Record<string, unknown>>(async (context) => {
        seen.push(context);
        await settleDown(5);
        return 'at-' + c.name;
      }));
      const res = await post(app, c).expect(200);
      assert.deepEqual(res.body, { access_token: 'at-' + c.name, token_type: 'Bearer' });
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers.pragma, 'no-cache');
      const context = seen[0]!;
      assert.deepEqual(Object.keys(context).sort(), ['authInfo', 'body', 'client', 'dpop', 'resource', ...Object.keys(c.fields)].sort());
      assert.deepEqual(context.resource, [], 'RFC 8707 resource: none sent');
      assert.equal(context.dpop, undefined, 'no DPoP proof on this request');
      assert.deepEqual(context.client, CLIENTS.c1);
      for (const [k, v] of Object.entries(c.fields)) assert.deepEqual(context[k], v, k);
      assert.deepEqual({ ...(context.body as object) }, { grant_type: c.grantType, ...c.form });
      assert.deepEqual(context.authInfo, { scheme: 'basic' });
      assert.deepEqual(log.ends, ['POST /token 200']);
    });

    it('context form: resolving { accessToken, refreshToken, params } writes all three', async () => {
      const { app } = appWith(c, ctx(async (_c) => ({ accessToken: 'at', refreshToken: 'rt', params: { expires_in: 3600, scope: 'read' } })));
      const res = await post(app, c).expect(200);
      assert.deepEqual(res.body, { access_token: 'at', refresh_token: 'rt', expires_in: 3600, scope: 'read', token_type: 'Bearer' });
    });

    it('context form: a plain (non-Promise) string works too', async () => {
      const { app } = appWith(c, ctx((_c) => 'sync-at'));
      const res = await post(app, c).expect(200);
      assert.equal(res.body.access_token, 'sync-at');
    });

    for (const [label, value] of [['false', false], ['undefined', undefined], ['null', null], ['{ refreshToken } without accessToken', { refreshToken: 'rt' }]] as const) {
      it(`context form: resolving ${label} is invalid_grant '${c.invalidMessage}'`, async () => {
        const { app, log } = appWith(c, ctx(async (_c) => value));
        const res = await post(app, c).expect(403);
        assert.deepEqual(res.body, { error: 'invalid_grant', error_description: c.invalidMessage });
        assert.deepEqual(log.errors, [c.invalidMessage]);
        assert.deepEqual(log.leaked, []);
      });
    }

    it('context form: a rejection reaches next(err): 500 server_error with the message', async () => {
      const { app, log } = appWith(c, ctx(async (_c) => {
        throw new Error('token store unavailable');
      }));
      const res = await post(app, c).expect(500);
      assert.deepEqual(res.body, { error: 'server_error', error_description: 'token store unavailable' });
      assert.deepEqual(log.errors, ['token store unavailable']);
      assert.deepEqual(log.ends, ['POST /token 500']);
    });

    it('context form: a rejection with a TokenError keeps its code and status', async () => {
      const { app } = appWith(c, ctx(async (_c) => {
        throw new TokenError('Client is suspended', 'unauthorized_client');
      }));
      const res = await post(app, c).expect(403);
      assert.deepEqual(res.body, { error: 'unauthorized_client', error_description: 'Client is suspended' });
    });

    it('1.x form: a throw inside an async issue reaches next(err): 500 server_error', async () => {
      const { app, log } = appWith(c, c.legacy(() => {
        throw new Error('boom');
      }));
      const res = await post(app, c).expect(500);
      assert.deepEqual(res.body, { error: 'server_error', error_description: 'boom' });
      assert.deepEqual(log.errors, ['boom']);
    });

    it('1.x form: an async issue that calls done (resolving undefined) issues once, as in 1.x', async () => {
      let calls = 0;
      const { app, log } = appWith(c, c.legacy((...args: any[]) => {
        calls++;
        const done = args[args.length - 1];
        done(null, 'legacy-at', 'legacy-rt', { expires_in: 60 });
      }));
      const res = await post(app, c).expect(200);
      assert.deepEqual(res.body, { access_token: 'legacy-at', refresh_token: 'legacy-rt', expires_in: 60, token_type: 'Bearer' });
      await settleDown();
      assert.equal(calls, 1);
      assert.deepEqual(log.ends, ['POST /token 200']);
      assert.deepEqual(log.errors, []);
    });

    it('1.x form: done(null, false) from an async issue is invalid_grant', async () => {
      const { app } = appWith(c, c.legacy((...args: any[]) => args[args.length - 1](null, false)));
      const res = await post(app, c).expect(403);
      assert.deepEqual(res.body, { error: 'invalid_grant', error_description: c.invalidMessage });
    });

    it('1.x form: a throw after done is ignored; one response', async () => {
      const { app, log } = appWith(c, c.legacy((...args: any[]) => {
        args[args.length - 1](null, 'first');
        throw new Error('after done');
      }));
      const res = await post(app, c).expect(200);
      assert.equal(res.body.access_token, 'first');
      await settleDown();
      assert.deepEqual(log.ends, ['POST /token 200']);
      assert.deepEqual(log.errors, []);
      assert.deepEqual(log.leaked, []);
    });

    it('1.x form: done called twice answers once, with the first call', async () => {
      const { app, log } = appWith(c, c.legacy((...args: any[]) => {
        const done = args[args.length - 1];
        done(null, 'first');
        done(null, 'second');
        done(new Error('third'));
      }));
      const res = await post(app, c).expect(200);
      assert.equal(res.body.access_token, 'first');
      await settleDown();
      assert.deepEqual(log.ends, ['POST /token 200']);
      assert.deepEqual(log.errors, []);
    });
  });
}

describe('the 1.x-README style async clientCredentials', () => {
  it('async function (client, scope, done) { done(null, tok) } behaves exactly like the callback form', async () => {
    const results: unknown[] = [];
    for (const issue of [
      function (client: Client, scope: string[] | undefined, done: (err: unknown, t?: string) => void) {
        done(null, 'tok-' + client.id + '-' + (scope ?? []).join('+'));
      },
      async function (client: Client, scope: string[] | undefined, done: (err: unknown, t?: string) => void) {
        done(null, 'tok-' + client.id + '-' + (scope ?? []).join('+'));
      },
    ]) {
      const server = oauth2orize.createServer<Client, User>();
      server.exchange(oauth2orize.exchange.clientCredentials(issue));
      const { app, log } = tokenApp(server);
      const res = await request(app).post('/token').auth('c1', 'shh').type('form').send({ grant_type: 'client_credentials', scope: 'a b' });
      await settleDown();
      results.push({ status: res.status, body: res.body, cache: res.headers['cache-control'], ends: log.ends, errors: log.errors });
    }
    assert.deepEqual(results[0], {
      status: 200,
      body: { access_token: 'tok-c1-a+b', token_type: 'Bearer' },
      cache: 'no-store',
      ends: ['POST /token 200'],
      errors: [],
    });
    assert.deepEqual(results[1], results[0]);
  });
});
