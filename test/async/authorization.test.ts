/**
 * `validate`, `immediate` and `complete` of the authorization endpoint, and
 * `immediate` of `server.resume`, in the arity-1 context form (returning a
 * value or a Promise), plus rejections and throws in both forms, over HTTP.
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
  type CompleteContext,
  type ImmediateContext,
  type User,
  type ValidateContext,
} from './helpers.js';

const rejections = trackUnhandledRejections();
afterEach(() => rejections.assertNone());

/** A server with the code grant (issuing `code-for-<client>`) and 1.x serializers. */
function codeServer(onIssue?: (c: CodeContext) => void) {
  const server = oauth2orize.createServer<Client, User>();
  registerClientSerializers(server);
  server.grant(oauth2orize.grant.code(ctx<CodeContext>((c) => {
    onIssue?.(c);
    return 'code-for-' + c.client.id;
  })));
  return server;
}

describe('async validate (context form)', () => {
  it('receives { clientID, redirectURI, scope, type, areq } and resolves { client, redirectURI, webOrigin }', async () => {
    const seen: ValidateContext[] = [];
    const { app, log } = authorizationApp(codeServer(), {
      validate: ctx<ValidateContext>(async (c) => {
        seen.push(c);
        await settleDown(5);
        return { client: CLIENTS[c.clientID], redirectURI: REDIRECT, webOrigin: 'https://client.example.com' };
      }),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery({ scope: 'read write' })).expect(200);
    assert.equal(seen.length, 1);
    const c = seen[0]!;
    assert.equal(c.clientID, 'c1');
    assert.equal(c.redirectURI, REDIRECT);
    assert.deepEqual(c.scope, ['read', 'write']);
    assert.equal(c.type, 'code');
    assert.equal(c.areq.state, 'xyz');
    assert.deepEqual(res.body.client, CLIENTS.c1);
    assert.equal(res.body.redirectURI, REDIRECT);
    assert.equal(res.body.webOrigin, 'https://client.example.com');
    assert.equal(typeof res.body.transactionID, 'string');
    assert.deepEqual(res.body.user, USER);
    assert.deepEqual(log.ends, ['GET /authorize 200']);
  });

  it('may return a plain (non-Promise) result', async () => {
    const { app } = authorizationApp(codeServer(), {
      validate: ctx<ValidateContext>((c) => ({ client: CLIENTS[c.clientID], redirectURI: 'https://other.example.com/cb' })),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(200);
    assert.equal(res.body.redirectURI, 'https://other.example.com/cb');
  });

  for (const [label, value] of [['false', false], ['undefined', undefined], ['null', null], ['{ client: false }', { client: false }]] as const) {
    it(`resolving ${label} means no client: 403 unauthorized_client`, async () => {
      const { app, log } = authorizationApp(codeServer(), { validate: ctx<ValidateContext>(async (_c) => value) });
      const res = await request(app).get('/authorize').query(authorizeQuery()).expect(403);
      assert.deepEqual(res.body, { error: 'unauthorized_client', error_description: 'Unauthorized client' });
      assert.deepEqual(log.errors, ['Unauthorized client']);
      assert.deepEqual(log.leaked, []);
    });
  }

  it('a rejection reaches next(err): 500 server_error with the message', async () => {
    const { app, log } = authorizationApp(codeServer(), {
      validate: ctx<ValidateContext>(async (_c) => {
        throw new Error('client database is down');
      }),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'client database is down' });
    assert.deepEqual(log.errors, ['client database is down']);
    assert.deepEqual(log.ends, ['GET /authorize 500']);
  });

  it('a synchronous throw from a context-form validate reaches next(err)', async () => {
    const { app } = authorizationApp(codeServer(), {
      validate: ctx<ValidateContext>((_c) => {
        throw new Error('sync validate failure');
      }),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.equal(res.body.error_description, 'sync validate failure');
  });

  it('a throw inside an async 1.x-form validate (clientID, redirectURI, done) reaches next(err)', async () => {
    const { app, log } = authorizationApp(codeServer(), {
      validate: async (_clientID: string, _redirectURI: string, _done: unknown) => {
        throw new Error('boom in validate');
      },
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'boom in validate' });
    assert.deepEqual(log.errors, ['boom in validate']);
  });

  it('an async 1.x-form validate that calls done keeps working, and a later rejection is ignored', async () => {
    const { app, log } = authorizationApp(codeServer(), {
      validate: async (clientID: string, redirectURI: string, done: (err: unknown, c?: Client, r?: string) => void) => {
        done(null, CLIENTS[clientID], redirectURI);
        throw new Error('thrown after done');
      },
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(200);
    assert.deepEqual(res.body.client, CLIENTS.c1);
    await settleDown();
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.ends, ['GET /authorize 200']);
  });

  it('a rejection without a reason still becomes an error', async () => {
    const { app } = authorizationApp(codeServer(), {
      validate: ctx<ValidateContext>((_c) => Promise.reject(undefined)),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.equal(res.body.error, 'server_error');
  });
});

describe('async immediate (context form)', () => {
  it('receives { txn, client, user, scope, type, areq, locals }; resolving true issues at once', async () => {
    const seen: ImmediateContext[] = [];
    const { app, log } = authorizationApp(codeServer(), {
      immediate: ctx<ImmediateContext>(async (c) => {
        seen.push(c);
        return true;
      }),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery({ scope: 'read' })).expect(302);
    assert.deepEqual(redirectParams(res.headers.location), { code: 'code-for-c1', state: 'xyz' });
    assert.ok(res.headers.location!.startsWith(REDIRECT + '?'));
    const c = seen[0]!;
    assert.deepEqual(c.client, CLIENTS.c1);
    assert.deepEqual(c.user, USER);
    assert.deepEqual(c.scope, ['read']);
    assert.equal(c.type, 'code');
    assert.equal(c.areq.clientID, 'c1');
    assert.equal(c.txn.client, c.client);
    assert.equal(c.txn.req, c.areq);
    assert.equal(c.locals, undefined);
    assert.deepEqual(log.ends, ['GET /authorize 302']);
  });

  it('resolving { allow: true, info, locals } puts info on ares and locals on txn.locals', async () => {
    const issued: CodeContext[] = [];
    const { app } = authorizationApp(codeServer((c) => issued.push(c)), {
      immediate: ctx<ImmediateContext>(async (_c) => ({ allow: true, info: { scope: ['read'], remembered: true }, locals: { via: 'immediate' } })),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.equal(redirectParams(res.headers.location).code, 'code-for-c1');
    const c = issued[0]!;
    assert.deepEqual(c.ares, { scope: ['read'], remembered: true, allow: true });
    assert.deepEqual(c.locals, { via: 'immediate' });
    assert.deepEqual(c.txn.locals, { via: 'immediate' });
  });

  it('resolving false stores the transaction and shows the consent page', async () => {
    const { app } = authorizationApp(codeServer(), { immediate: ctx<ImmediateContext>(async (_c) => false) });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(200);
    assert.equal(typeof res.body.transactionID, 'string');
    assert.equal(res.body.transactionID.length, 8);
  });

  it('resolving { allow: false, info, locals } keeps info and locals for the consent page', async () => {
    const { app } = authorizationApp(codeServer(), {
      immediate: ctx<ImmediateContext>(async (_c) => ({ allow: false, info: { reason: 'first visit' }, locals: { page: 'consent' } })),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(200);
    assert.deepEqual(res.body.info, { reason: 'first visit' });
    assert.deepEqual(res.body.locals, { page: 'consent' });
    assert.equal(typeof res.body.transactionID, 'string');
  });

  it('a rejection reaches next(err): 500 server_error', async () => {
    const { app, log } = authorizationApp(codeServer(), {
      immediate: ctx<ImmediateContext>(async (_c) => {
        throw new Error('consent lookup failed');
      }),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'consent lookup failed' });
    assert.deepEqual(log.errors, ['consent lookup failed']);
  });

  it('a throw inside an async 1.x-form immediate (client, user, done) reaches next(err)', async () => {
    const { app } = authorizationApp(codeServer(), {
      immediate: async (_client: Client, _user: User, _done: unknown) => {
        throw new Error('boom in immediate');
      },
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.equal(res.body.error_description, 'boom in immediate');
  });

  it('an async 1.x-form immediate that calls done(null, true) issues once', async () => {
    const { app, log } = authorizationApp(codeServer(), {
      immediate: async (_client: Client, _user: User, done: (err: unknown, allow: boolean) => void) => {
        done(null, true);
      },
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.equal(redirectParams(res.headers.location).code, 'code-for-c1');
    await settleDown();
    assert.deepEqual(log.ends, ['GET /authorize 302']);
  });
});

describe('async complete (context form)', () => {
  it('is awaited after the grant is issued and before the redirect', async () => {
    const order: string[] = [];
    const { app } = authorizationApp(codeServer(() => order.push('issue')), {
      immediate: ctx<ImmediateContext>(async (_c) => true),
      complete: ctx<CompleteContext>(async ({ req, txn }) => {
        order.push('complete:start');
        assert.equal(req.oauth2, txn);
        assert.equal(txn.res.allow, true);
        await settleDown(10);
        order.push('complete:end');
      }),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.equal(redirectParams(res.headers.location).code, 'code-for-c1');
    assert.deepEqual(order, ['issue', 'complete:start', 'complete:end']);
  });

  it('a rejection reaches next(err) and nothing is redirected', async () => {
    const { app, log } = authorizationApp(codeServer(), {
      immediate: ctx<ImmediateContext>(async (_c) => true),
      complete: ctx<CompleteContext>(async (_c) => {
        throw new Error('audit log unavailable');
      }),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'audit log unavailable' });
    assert.equal(res.headers.location, undefined);
    assert.deepEqual(log.ends, ['GET /authorize 500']);
  });

  it('a throw inside an async 1.x-form complete (req, txn, done) reaches next(err)', async () => {
    const { app } = authorizationApp(codeServer(), {
      immediate: ctx<ImmediateContext>(async (_c) => true),
      complete: async (_req: unknown, _txn: unknown, _done: unknown) => {
        throw new Error('boom in complete');
      },
    });
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.equal(res.body.error_description, 'boom in complete');
  });
});

describe('async immediate of server.resume (context form)', () => {
  it('resolving true after a detour issues the code and removes the transaction', async () => {
    const seen: ImmediateContext[] = [];
    const { app, log } = authorizationApp(codeServer(), {
      resumeImmediate: ctx<ImmediateContext>(async (c) => {
        seen.push(c);
        return { allow: true, info: { scope: ['read'] } };
      }),
    });
    const agent = request.agent(app);
    const first = await agent.get('/authorize').query(authorizeQuery()).expect(200);
    const tid = first.body.transactionID as string;
    const res = await agent.get('/resume').query({ transaction_id: tid }).expect(302);
    assert.deepEqual(redirectParams(res.headers.location), { code: 'code-for-c1', state: 'xyz' });
    assert.equal(seen[0]!.txn.transactionID, tid);
    assert.deepEqual(seen[0]!.client, CLIENTS.c1);
    // The transaction is single-use.
    const again = await agent.get('/resume').query({ transaction_id: tid }).expect(403);
    assert.equal(again.body.error, 'server_error');
    assert.match(again.body.error_description, /Unable to load OAuth 2.0 transaction/);
    assert.deepEqual(log.leaked, []);
  });

  it('resolving false updates the stored transaction and shows the consent page again', async () => {
    const { app } = authorizationApp(codeServer(), {
      resumeImmediate: ctx<ImmediateContext>(async (_c) => ({ allow: false, info: { step: 2 } })),
    });
    const agent = request.agent(app);
    const first = await agent.get('/authorize').query(authorizeQuery()).expect(200);
    const res = await agent.get('/resume').query({ transaction_id: first.body.transactionID }).expect(200);
    assert.equal(res.body.transactionID, first.body.transactionID);
    assert.deepEqual(res.body.info, { step: 2 });
  });

  it('a rejection reaches next(err): 500 server_error', async () => {
    const { app } = authorizationApp(codeServer(), {
      resumeImmediate: ctx<ImmediateContext>(async (_c) => {
        throw new Error('resume failed');
      }),
    });
    const agent = request.agent(app);
    const first = await agent.get('/authorize').query(authorizeQuery()).expect(200);
    const res = await agent.get('/resume').query({ transaction_id: first.body.transactionID }).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'resume failed' });
  });
});
