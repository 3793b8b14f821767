/**
 * `parse` and `complete` of `server.decision` in the arity-1 context form,
 * over HTTP: GET /authorize stores a transaction in the session, then the
 * consent form is posted to /decision.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import oauth2orize from '../../src/index.js';
import {
  CLIENTS,
  USER,
  authorizationApp,
  authorizeQuery,
  ctx,
  redirectParams,
  registerClientSerializers,
  settleDown,
  trackUnhandledRejections,
  type AuthorizationAppOptions,
  type Client,
  type CodeContext,
  type CompleteContext,
  type ParseContext,
  type User,
} from './helpers.js';

const rejections = trackUnhandledRejections();
afterEach(() => rejections.assertNone());

function codeServer(issued: CodeContext[] = []) {
  const server = oauth2orize.createServer<Client, User>();
  registerClientSerializers(server);
  server.grant(oauth2orize.grant.code(ctx<CodeContext>(async (c) => {
    issued.push(c);
    return 'code-' + issued.length;
  })));
  return server;
}

/** Start a transaction, then post the decision form with `form` added. */
async function decide(options: AuthorizationAppOptions, form: Record<string, string>, issued: CodeContext[] = []) {
  const { app, log } = authorizationApp(codeServer(issued), options);
  const agent = request.agent(app);
  const first = await agent.get('/authorize').query(authorizeQuery()).expect(200);
  const tid = first.body.transactionID as string;
  assert.equal(typeof tid, 'string');
  const res = await agent.post('/decision').type('form').send({ transaction_id: tid, ...form });
  return { res, log, agent, tid };
}

describe('async decision parse (context form)', () => {
  it('receives { req, txn } and resolves { ares, locals } for the grant', async () => {
    const seen: ParseContext[] = [];
    const issued: CodeContext[] = [];
    const { res, log, tid } = await decide({
      parse: ctx<ParseContext>(async (c) => {
        seen.push(c);
        await settleDown(5);
        return { ares: { scope: String(c.req.body.scope).split(' ') }, locals: { via: 'parse' } };
      }),
    }, { scope: 'read write' }, issued);
    assert.equal(res.status, 302);
    assert.deepEqual(redirectParams(res.headers.location), { code: 'code-1', state: 'xyz' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.txn.transactionID, tid);
    assert.equal(seen[0]!.txn, seen[0]!.req.oauth2);
    assert.deepEqual(issued[0]!.ares, { scope: ['read', 'write'], allow: true });
    assert.deepEqual(issued[0]!.locals, { via: 'parse' });
    assert.deepEqual(issued[0]!.client, CLIENTS.c1);
    assert.deepEqual(issued[0]!.user, USER);
    assert.deepEqual(log.ends, ['GET /authorize 200', 'POST /decision 302']);
  });

  it('resolving undefined takes allow from the cancel field', async () => {
    const issued: CodeContext[] = [];
    const { res } = await decide({ parse: ctx<ParseContext>(async (_c) => undefined) }, { cancel: 'Deny' }, issued);
    assert.equal(res.status, 302);
    assert.deepEqual(redirectParams(res.headers.location), { error: 'access_denied', state: 'xyz' });
    assert.equal(issued.length, 0);
  });

  it('resolved ares.allow overrides the cancel field', async () => {
    const { res } = await decide({ parse: ctx<ParseContext>(async (_c) => ({ ares: { allow: false } })) }, {});
    assert.deepEqual(redirectParams(res.headers.location), { error: 'access_denied', state: 'xyz' });
  });

  it('a rejection reaches next(err): 500 server_error, and no code is issued', async () => {
    const issued: CodeContext[] = [];
    const { res, log } = await decide({
      parse: ctx<ParseContext>(async (_c) => {
        throw new Error('consent form invalid');
      }),
    }, {}, issued);
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'consent form invalid' });
    assert.equal(issued.length, 0);
    assert.deepEqual(log.errors, ['consent form invalid']);
  });

  it('a throw inside an async 1.x-form parse (req, done) reaches next(err)', async () => {
    const { res } = await decide({
      parse: async (_req: unknown, _done: unknown) => {
        throw new Error('boom in parse');
      },
    }, {});
    assert.equal(res.status, 500);
    assert.equal(res.body.error_description, 'boom in parse');
  });

  it('an async 1.x-form parse that calls done, then throws, decides once', async () => {
    const issued: CodeContext[] = [];
    const { res, log } = await decide({
      parse: async (_req: unknown, done: (err: unknown, ares?: Record<string, unknown>) => void) => {
        done(null, { scope: ['read'] });
        throw new Error('thrown after done');
      },
    }, {}, issued);
    assert.equal(res.status, 302);
    assert.equal(redirectParams(res.headers.location).code, 'code-1');
    await settleDown();
    assert.equal(issued.length, 1);
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.ends, ['GET /authorize 200', 'POST /decision 302']);
  });
});

describe('async decision complete (context form)', () => {
  it('is awaited before the redirect, with the decided transaction', async () => {
    const order: string[] = [];
    const { res } = await decide({
      decisionComplete: ctx<CompleteContext>(async ({ req, txn }) => {
        order.push('complete');
        assert.equal(req.oauth2, txn);
        assert.equal(txn.res.allow, true);
        assert.deepEqual(txn.client, CLIENTS.c1);
        await settleDown(10);
        order.push('complete:end');
      }),
    }, {});
    assert.equal(res.status, 302);
    assert.equal(redirectParams(res.headers.location).code, 'code-1');
    assert.deepEqual(order, ['complete', 'complete:end']);
  });

  it('a rejection reaches next(err): 500 server_error', async () => {
    const { res, log } = await decide({
      decisionComplete: ctx<CompleteContext>(async (_c) => {
        throw new Error('could not record consent');
      }),
    }, {});
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'could not record consent' });
    assert.deepEqual(log.ends, ['GET /authorize 200', 'POST /decision 500']);
  });

  it('the transaction is single-use even after an async parse and complete', async () => {
    const { res, agent, tid } = await decide({
      parse: ctx<ParseContext>(async (_c) => ({ ares: { scope: ['read'] } })),
      decisionComplete: ctx<CompleteContext>(async (_c) => undefined),
    }, {});
    assert.equal(res.status, 302);
    const again = await agent.post('/decision').type('form').send({ transaction_id: tid }).expect(403);
    assert.match(again.body.error_description, /Unable to load OAuth 2.0 transaction/);
  });
});
