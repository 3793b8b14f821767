/**
 * Grant phases registered with `server.grant(type, [phase,] fn)` in their
 * Promise forms, over HTTP: request parsers (arity 1 returning a Promise,
 * arity 2 async), response handlers (arity < 3 is the Promise form) and error
 * handlers (arity < 4 is the Promise form).
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import oauth2orize, { type OAuth2IncomingMessage, type OAuth2Transaction } from '../../src/index.js';
import {
  CLIENTS,
  REDIRECT,
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
  type ImmediateContext,
  type User,
  type ValidateContext,
} from './helpers.js';

const rejections = trackUnhandledRejections();
afterEach(() => rejections.assertNone());

type Txn = OAuth2Transaction<Client, User>;

/** A server whose extra registrations run before the code grant's. */
function serverWith(register: (server: ReturnType<typeof oauth2orize.createServer<Client, User>>) => void, issued: CodeContext[] = []) {
  const server = oauth2orize.createServer<Client, User>();
  registerClientSerializers(server);
  register(server);
  server.grant(oauth2orize.grant.code(ctx<CodeContext>(async (c) => {
    issued.push(c);
    return 'code-' + issued.length;
  })));
  return server;
}

describe('async request parsers', () => {
  it('arity 1 may return a Promise of the fields; they reach validate and req.oauth2.req', async () => {
    const seen: ValidateContext[] = [];
    const server = serverWith((s) => {
      s.grant('code', async (req: OAuth2IncomingMessage) => {
        await settleDown(5);
        return { nonce: (req.query as Record<string, string>).nonce };
      });
    });
    const { app } = authorizationApp(server, {
      validate: ctx<ValidateContext>(async (c) => {
        seen.push(c);
        return { client: CLIENTS[c.clientID], redirectURI: REDIRECT };
      }),
    });
    const res = await request(app).get('/authorize').query(authorizeQuery({ nonce: 'n-123' })).expect(200);
    assert.equal(res.body.areq.nonce, 'n-123');
    assert.equal(res.body.areq.clientID, 'c1');
    assert.equal(seen[0]!.areq.nonce, 'n-123');
  });

  it("a '*' async parser applies to every response type, and later parsers still merge in order", async () => {
    const server = serverWith((s) => {
      s.grant('*', async (_req: OAuth2IncomingMessage) => {
        await settleDown(5);
        return { first: 'async', shared: 'from async' };
      });
      s.grant('*', (_req: OAuth2IncomingMessage) => ({ second: 'sync', shared: 'from sync' }));
    });
    const { app } = authorizationApp(server);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(200);
    assert.equal(res.body.areq.first, 'async');
    assert.equal(res.body.areq.second, 'sync');
    assert.equal(res.body.areq.shared, 'from sync');
  });

  it('arity 1: a rejection reaches next(err): 500 server_error', async () => {
    const server = serverWith((s) => {
      s.grant('code', async (_req: OAuth2IncomingMessage) => {
        throw new Error('parser failed');
      });
    });
    const { app, log } = authorizationApp(server);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'parser failed' });
    assert.deepEqual(log.errors, ['parser failed']);
  });

  it('arity 2 (req, done) may be an async function that calls done', async () => {
    const server = serverWith((s) => {
      s.grant('code', async (req, done) => {
        await settleDown(5);
        done(null, { prompt: (req.query as Record<string, string>).prompt });
      });
    });
    const { app, log } = authorizationApp(server);
    const res = await request(app).get('/authorize').query(authorizeQuery({ prompt: 'consent' })).expect(200);
    assert.equal(res.body.areq.prompt, 'consent');
    assert.deepEqual(log.ends, ['GET /authorize 200']);
  });

  it('arity 2: a throw inside the async function reaches next(err)', async () => {
    const server = serverWith((s) => {
      s.grant('code', async (_req, _done) => {
        throw new Error('boom in parser');
      });
    });
    const { app } = authorizationApp(server);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'boom in parser' });
  });

  it('arity 2: a throw after done is ignored', async () => {
    const server = serverWith((s) => {
      s.grant('code', async (_req, done) => {
        done(null, { extra: 'yes' });
        throw new Error('after done');
      });
    });
    const { app, log } = authorizationApp(server);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(200);
    assert.equal(res.body.areq.extra, 'yes');
    await settleDown();
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.ends, ['GET /authorize 200']);
  });
});

const approve: AuthorizationAppOptions = { immediate: ctx<ImmediateContext>(async (_c) => true) };

describe('async response handlers', () => {
  it('Promise form (txn, res): resolving without responding passes to the next handler', async () => {
    const calls: Txn[] = [];
    const issued: CodeContext[] = [];
    const server = serverWith((s) => {
      s.grant('code', 'response', async (txn: Txn, _res: unknown) => {
        await settleDown(5);
        calls.push(txn);
      });
    }, issued);
    const { app, log } = authorizationApp(server, approve);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.deepEqual(redirectParams(res.headers.location), { code: 'code-1', state: 'xyz' });
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.client, CLIENTS.c1);
    assert.equal(issued.length, 1);
    assert.deepEqual(log.ends, ['GET /authorize 302']);
  });

  it('Promise form: responding (after an await) ends the chain', async () => {
    const issued: CodeContext[] = [];
    const server = serverWith((s) => {
      s.grant('code', 'response', async (txn: Txn, res: any) => {
        await settleDown(5);
        res.statusCode = 200;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ answeredBy: 'custom', client: txn.client.id }));
      });
    }, issued);
    const { app, log } = authorizationApp(server, approve);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(200);
    assert.deepEqual(res.body, { answeredBy: 'custom', client: 'c1' });
    await settleDown();
    assert.equal(issued.length, 0);
    assert.deepEqual(log.ends, ['GET /authorize 200']);
  });

  it('Promise form: a rejection is passed on as the error: 500 server_error', async () => {
    const issued: CodeContext[] = [];
    const server = serverWith((s) => {
      s.grant('code', 'response', async (_txn: Txn) => {
        throw new Error('response hook failed');
      });
    }, issued);
    const { app, log } = authorizationApp(server, approve);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'response hook failed' });
    assert.equal(issued.length, 0);
    assert.deepEqual(log.errors, ['response hook failed']);
  });

  it('arity 3 (txn, res, next) as an async function: next() still works, the resolved value is ignored', async () => {
    const issued: CodeContext[] = [];
    const server = serverWith((s) => {
      s.grant('code', 'response', async (_txn: Txn, _res: unknown, next: (err?: unknown) => void) => {
        next();
        return 'ignored';
      });
    }, issued);
    const { app, log } = authorizationApp(server, approve);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.equal(redirectParams(res.headers.location).code, 'code-1');
    await settleDown();
    assert.equal(issued.length, 1);
    assert.deepEqual(log.ends, ['GET /authorize 302']);
  });

  it('arity 3: a throw inside the async function reaches next(err)', async () => {
    const server = serverWith((s) => {
      s.grant('code', 'response', async (_txn: Txn, _res: unknown, _next: unknown) => {
        throw new Error('boom in response handler');
      });
    });
    const { app } = authorizationApp(server, approve);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'boom in response handler' });
  });

  it('arity 4 (txn, res, complete, next): a rejection reaches next(err)', async () => {
    const server = serverWith((s) => {
      s.grant('code', 'response', async (_txn: Txn, _res: unknown, _complete: unknown, _next: unknown) => {
        throw new Error('boom in arity-4 handler');
      });
    });
    const { app } = authorizationApp(server, approve);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'boom in arity-4 handler' });
  });

  it('arity 4: a rejection after next() was called is ignored', async () => {
    const issued: CodeContext[] = [];
    const server = serverWith((s) => {
      s.grant('code', 'response', async (_txn: Txn, _res: unknown, _complete: unknown, next: (err?: unknown) => void) => {
        next();
        await settleDown(5);
        throw new Error('too late');
      });
    }, issued);
    const { app, log } = authorizationApp(server, approve);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.equal(redirectParams(res.headers.location).code, 'code-1');
    await settleDown(30);
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.ends, ['GET /authorize 302']);
  });
});

describe('async error handlers (with server.authorizationErrorHandler())', () => {
  // immediate fails after validate set req.oauth2 with a redirect URI, so the
  // grants' error handlers run; the code grant's own one redirects the error.
  const failing: AuthorizationAppOptions = {
    grantErrors: true,
    immediate: ctx<ImmediateContext>(async (_c) => {
      throw new Error('original failure');
    }),
  };

  it('Promise form (err, txn, res): resolving without responding passes to the next handler', async () => {
    const seen: Array<{ err: unknown; txn: Txn }> = [];
    const server = serverWith((s) => {
      s.grant('code', 'error', async (err: unknown, txn: Txn, _res: unknown) => {
        await settleDown(5);
        seen.push({ err, txn });
      });
    });
    const { app, log } = authorizationApp(server, failing);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.ok(res.headers.location!.startsWith(REDIRECT + '?'));
    assert.deepEqual(redirectParams(res.headers.location), { error: 'server_error', error_description: 'original failure', state: 'xyz' });
    assert.equal((seen[0]!.err as Error).message, 'original failure');
    assert.deepEqual(seen[0]!.txn.client, CLIENTS.c1);
    assert.deepEqual(log.errors, []);
  });

  it('Promise form: responding ends the chain', async () => {
    const server = serverWith((s) => {
      s.grant('code', 'error', async (err: any, _txn: Txn, res: any) => {
        await settleDown(5);
        res.statusCode = 400;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ shown: err.message }));
      });
    });
    const { app, log } = authorizationApp(server, failing);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(400);
    assert.deepEqual(res.body, { shown: 'original failure' });
    await settleDown();
    assert.deepEqual(log.ends, ['GET /authorize 400']);
  });

  it('Promise form: a rejection is passed on as the error', async () => {
    const server = serverWith((s) => {
      s.grant('code', 'error', async (_err: unknown, _txn: Txn, _res: unknown) => {
        throw new Error('error page broke');
      });
    });
    const { app } = authorizationApp(server, failing);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.deepEqual(redirectParams(res.headers.location), { error: 'server_error', error_description: 'error page broke', state: 'xyz' });
  });

  it('arity 4 (err, txn, res, next) as an async function: next(err) works, a later rejection is ignored', async () => {
    const server = serverWith((s) => {
      s.grant('code', 'error', async (err: unknown, _txn: Txn, _res: unknown, next: (err?: unknown) => void) => {
        next(err);
        throw new Error('after next');
      });
    });
    const { app, log } = authorizationApp(server, failing);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.equal(redirectParams(res.headers.location).error_description, 'original failure');
    await settleDown();
    assert.deepEqual(log.ends, ['GET /authorize 302']);
  });

  it('arity 4: a throw inside the async function is passed on as the error', async () => {
    const server = serverWith((s) => {
      s.grant('code', 'error', async (_err: unknown, _txn: Txn, _res: unknown, _next: unknown) => {
        throw new Error('boom in error handler');
      });
    });
    const { app } = authorizationApp(server, failing);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(302);
    assert.equal(redirectParams(res.headers.location).error_description, 'boom in error handler');
  });

  it('when every handler declines, the error reaches server.errorHandler()', async () => {
    const server = oauth2orize.createServer<Client, User>();
    registerClientSerializers(server);
    // No grant error handler answers: only a declining Promise-form one.
    server.grant('code', 'request', (req: OAuth2IncomingMessage) => ({ clientID: (req.query as Record<string, string>).client_id, redirectURI: REDIRECT }));
    server.grant('code', 'error', async (_err: unknown, _txn: Txn, _res: unknown) => undefined);
    const { app, log } = authorizationApp(server, failing);
    const res = await request(app).get('/authorize').query(authorizeQuery()).expect(500);
    assert.deepEqual(res.body, { error: 'server_error', error_description: 'original failure' });
    assert.deepEqual(log.errors, ['original failure']);
  });
});
