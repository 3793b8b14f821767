/**
 * `grant.code` (`issue` and `extend`) and `grant.token` (`issue`) in the
 * arity-1 context form, over HTTP. `immediate` approves at once, so each
 * test is one GET /authorize answered by the grant.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import oauth2orize from '../../src/index.js';
import {
  CLIENTS,
  REDIRECT,
  USER,
  authorizationApp,
  authorizeQuery,
  ctx,
  redirectParams,
  registerClientSerializers,
  settleDown,
  trackUnhandledRejections,
  type Client,
  type CodeContext,
  type ExtendContext,
  type ImmediateContext,
  type TokenContext,
  type User,
} from './helpers.js';

const rejections = trackUnhandledRejections();
afterEach(() => rejections.assertNone());

const approve = ctx<ImmediateContext>(async (_c) => ({ allow: true, info: { scope: ['read'] }, locals: { from: 'immediate' } }));

/** An app whose only grant is `mod`, approving every request at once. */
function appWith(mod: any) {
  const server = oauth2orize.createServer<Client, User>();
  registerClientSerializers(server);
  server.grant(mod);
  return authorizationApp(server, { immediate: approve });
}

describe('grant.code issue (context form)', () => {
  it('receives { client, redirectURI, user, ares, areq, locals, txn } and resolves the code', async () => {
    const seen: CodeContext[] = [];
    const { app, log } = appWith(oauth2orize.grant.code(ctx<CodeContext>(async (c) => {
      seen.push(c);
      await settleDown(5);
      return 'async-code';
    })));
    const res = await request(app).get('/authorize').query(authorizeQuery({ scope: 'read write' })).expect(302);
    assert.ok(res.headers.location!.startsWith(REDIRECT + '?'));
    assert.deepEqual(redirectParams(res.headers.location), { code: 'async-code', state: 'xyz' });
    const c = seen[0]!;
    assert.deepEqual(c.client, CLIENTS.c1);
    assert.equal(c.redirectURI, REDIRECT);
    assert.deepEqual(c.user, USER);
    assert.deepEqual(c.ares, { scope: ['read'], allow: true });
    assert.deepEqual(c.areq.scope, ['read', 'write']);
    assert.deepEqual(c.locals, { from: 'immediate' });
    assert.equal(c.txn.client, c.client);
    assert.equal(c.txn.res, c.ares);
    assert.deepEqual(log.ends, ['GET /authorize 302']);
  });

  it('passes the redirect URI of the request (undefined when none was sent)', async () => {
    const seen: CodeContext[] = [];
    const { app } = appWith(oauth2orize.grant.code(ctx<CodeContext>((c) => {
      seen.push(c);
      return 'plain-code';
    })));
    const res = await request(app).get('/authorize').query({ response_type: 'code', client_id: 'c1' }).expect(302);
    // validateKnown falls back to the registered URI for the redirect itself.
    assert.equal(redirectParams(res.headers.location).code, 'plain-code');
    assert.equal(seen[0]!.redirectURI, undefined);
  });

  for (const [label, value] of [['false', false], ['undefined', undefined], ['null', null], ["''", '']] as const) {
    it(`resolving ${label} denies: access_denied 'Request denied by authorization server'`, async () => {
      const { app, log } = appWith(oauth2orize.grant.code(ctx<CodeContext>(async (_c) => value)));
      const res = await request(app).get('/authorize').query(authorizeQuery()).expect(403);
      assert.deepEqual(res.body, { error: 'access_denied', error_description: 'Request denied by authorization server' });
      assert.deepEqual(log.errors, ['Request denied by authorization server']);
    });
  }

  it('a rejection reaches next(err): 500 server_error with the message', async () => {
    const { app, log } = appWith(oauth2orize.grant.code(ctx<CodeContext>(async (_c) => {
      throw new Error('code table full');
    })));
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'code table full' });
    assert.deepEqual(log.errors, ['code table full']);
    assert.deepEqual(log.ends, ['GET /authorize 500']);
  });

  it('a throw inside an async 1.x-form issue (client, redirectURI, user, ares, done) reaches next(err)', async () => {
    const { app } = appWith(oauth2orize.grant.code(async (_client: Client, _redirectURI: string | undefined, _user: User, _ares: unknown, _done: unknown) => {
      throw new Error('boom in code issue');
    }));
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'boom in code issue' });
  });

  it('an async 1.x-form issue that calls done, then rejects, redirects once', async () => {
    const { app, log } = appWith(oauth2orize.grant.code(async (_client: Client, _redirectURI: string | undefined, _user: User, done: (err: unknown, code?: string) => void) => {
      done(null, 'legacy-code');
      throw new Error('thrown after done');
    }));
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.equal(redirectParams(res.headers.location).code, 'legacy-code');
    await settleDown();
    assert.deepEqual(log.ends, ['GET /authorize 302']);
    assert.deepEqual(log.errors, []);
  });
});

describe('grant.code extend (context form)', () => {
  it('receives { txn } and its resolved params are added to the redirect', async () => {
    const seen: ExtendContext[] = [];
    const { app } = appWith(oauth2orize.grant.code(
      ctx<CodeContext>(async (_c) => 'code-x'),
      ctx<ExtendContext>(async (c) => {
        seen.push(c);
        return { iss: 'https://as.example.com', session_state: 'abc' };
      }),
    ));
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.deepEqual(redirectParams(res.headers.location), { code: 'code-x', state: 'xyz', iss: 'https://as.example.com', session_state: 'abc' });
    assert.deepEqual(seen[0]!.txn.client, CLIENTS.c1);
    assert.equal(seen[0]!.txn.res.allow, true);
  });

  it('resolving undefined adds nothing', async () => {
    const { app } = appWith(oauth2orize.grant.code(ctx<CodeContext>(async (_c) => 'code-y'), ctx<ExtendContext>(async (_c) => undefined)));
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.deepEqual(redirectParams(res.headers.location), { code: 'code-y', state: 'xyz' });
  });

  it('a rejection reaches next(err): 500 server_error', async () => {
    const { app } = appWith(oauth2orize.grant.code(
      ctx<CodeContext>(async (_c) => 'code-z'),
      ctx<ExtendContext>(async (_c) => {
        throw new Error('issuer unknown');
      }),
    ));
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'issuer unknown' });
  });

  it('works with a 1.x-form issue too', async () => {
    const { app } = appWith(oauth2orize.grant.code(
      (_client: Client, _redirectURI: string | undefined, _user: User, done: (err: unknown, code?: string) => void) => done(null, 'cb-code'),
      ctx<ExtendContext>(async (_c) => ({ iss: 'https://as.example.com' })),
    ));
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.deepEqual(redirectParams(res.headers.location), { code: 'cb-code', state: 'xyz', iss: 'https://as.example.com' });
  });
});

describe('grant.token issue (context form)', () => {
  const tokenQuery = () => authorizeQuery({ response_type: 'token' });

  it('receives { client, user, ares, areq, locals, txn } and resolves the access token', async () => {
    const seen: TokenContext[] = [];
    const { app } = appWith(oauth2orize.grant.token(ctx<TokenContext>(async (c) => {
      seen.push(c);
      return 'at-implicit';
    })));
    const res = await request(app).get('/authorize').query(tokenQuery()).expect(302);
    assert.ok(res.headers.location!.startsWith(REDIRECT + '#'));
    assert.deepEqual(redirectParams(res.headers.location, 'fragment'), { access_token: 'at-implicit', token_type: 'Bearer', state: 'xyz' });
    const c = seen[0]!;
    assert.deepEqual(c.client, CLIENTS.c1);
    assert.deepEqual(c.user, USER);
    assert.deepEqual(c.ares, { scope: ['read'], allow: true });
    assert.equal(c.areq.type, 'token');
    assert.deepEqual(c.locals, { from: 'immediate' });
    assert.equal(c.txn.user, c.user);
  });

  it('resolving { accessToken, params } adds the params to the fragment', async () => {
    const { app } = appWith(oauth2orize.grant.token(ctx<TokenContext>(async (_c) => ({ accessToken: 'at-2', params: { expires_in: 3600, scope: 'read' } }))));
    const res = await request(app).get('/authorize').query(tokenQuery()).expect(302);
    assert.deepEqual(redirectParams(res.headers.location, 'fragment'), {
      access_token: 'at-2', expires_in: '3600', scope: 'read', token_type: 'Bearer', state: 'xyz',
    });
  });

  it('params may override token_type', async () => {
    const { app } = appWith(oauth2orize.grant.token(ctx<TokenContext>(async (_c) => ({ accessToken: 'at-3', params: { token_type: 'DPoP' } }))));
    const res = await request(app).get('/authorize').query(tokenQuery()).expect(302);
    assert.equal(redirectParams(res.headers.location, 'fragment').token_type, 'DPoP');
  });

  for (const [label, value] of [['false', false], ['undefined', undefined], ['{ accessToken: undefined }', { params: { a: 1 } }]] as const) {
    it(`resolving ${label} denies: access_denied`, async () => {
      const { app } = appWith(oauth2orize.grant.token(ctx<TokenContext>(async (_c) => value)));
      const res = await request(app).get('/authorize').query(tokenQuery()).expect(403);
      assert.deepEqual(res.body, { error: 'access_denied', error_description: 'Request denied by authorization server' });
    });
  }

  it('a rejection reaches next(err): 500 server_error', async () => {
    const { app, log } = appWith(oauth2orize.grant.token(ctx<TokenContext>(async (_c) => {
      throw new Error('token service down');
    })));
    const res = await request(app).get('/authorize').query(tokenQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'token service down' });
    assert.deepEqual(log.ends, ['GET /authorize 500']);
  });

  it('a throw inside an async 1.x-form issue (client, user, ares, done) reaches next(err)', async () => {
    const { app } = appWith(oauth2orize.grant.token(async (_client: Client, _user: User, _ares: unknown, _done: unknown) => {
      throw new Error('boom in token issue');
    }));
    const res = await request(app).get('/authorize').query(tokenQuery()).expect(500);
    assert.equal(res.body.error_description, 'boom in token issue');
  });

  it('an async 1.x-form issue that calls done(null, token, params) redirects once', async () => {
    const { app, log } = appWith(oauth2orize.grant.token(async (_client: Client, _user: User, done: (err: unknown, t?: string, p?: Record<string, unknown>) => void) => {
      done(null, 'legacy-at', { expires_in: 60 });
    }));
    const res = await request(app).get('/authorize').query(tokenQuery()).expect(302);
    assert.deepEqual(redirectParams(res.headers.location, 'fragment'), { access_token: 'legacy-at', expires_in: '60', token_type: 'Bearer', state: 'xyz' });
    await settleDown();
    assert.deepEqual(log.ends, ['GET /authorize 302']);
  });
});
