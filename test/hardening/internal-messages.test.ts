/**
 * Internal error messages must be able to stay on the server.
 * `errorHandler({ exposeErrors: false })` renders an error that carries no
 * OAuth `code` (an exception in the app, a database failure) as a bare
 * `server_error`: status 500 and no `error_description`, in direct mode (the
 * token endpoint's JSON) and in indirect mode (the redirect to the client).
 * Errors that carry a code render as before, and without the option 1.x's
 * behaviour stays: every message is shown.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import session from 'express-session';
import oauth2orize, { AuthorizationError, TokenError, type ErrorHandlerOptions } from '../../src/index.js';
import { listen, send, cookieOf, jsonOf, type Listening } from '../fuzz/harness.js';

const SECRET = 'db password is hunter2';
const REDIRECT_URI = 'http://client.example/cb';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
// Written through `unknown` so this file compiles whether or not the option is declared.
const HIDE = { exposeErrors: false } as unknown as ErrorHandlerOptions;
const SHOW = { exposeErrors: true } as unknown as ErrorHandlerOptions;

/** A Node system error, as a database driver passes on when its server is down. */
function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432 (user app, password hunter2)'), {
    code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '10.0.0.5', port: 5432,
  });
}

// ---------------------------------------------------------------------------
// Direct mode: the token endpoint

/**
 * Token endpoint whose password exchange fails according to the username:
 * `throw` throws, `fail` calls back with an Error, `refused` with a Node
 * system error, `invalid` with a TokenError that carries a code and a URI.
 */
function tokenApp(): express.Express {
  const server = oauth2orize.createServer();
  server.exchange(oauth2orize.exchange.password((_client: unknown, username: string, _password: string, done: any) => {
    if (username === 'throw') throw new Error(SECRET);
    if (username === 'fail') return done(new Error(SECRET));
    if (username === 'refused') return done(connectionRefused());
    if (username === 'invalid') return done(new TokenError('Invalid resource owner credentials', 'invalid_grant', 'https://docs.example/errors#grant'));
    done(null, 'at');
  }));
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use((req: any, _res, next) => { req.user = { id: 'c1' }; next(); });
  app.post('/hide', server.token(), server.errorHandler(HIDE));
  app.post('/show', server.token(), server.errorHandler(SHOW));
  app.post('/default', server.token(), server.errorHandler());
  return app;
}

describe('internal messages, direct mode (token endpoint)', () => {
  let target: Listening;
  before(async () => { target = await listen(tokenApp()); });
  after(() => target.close());

  const token = (route: string, username: string) =>
    send(target, { method: 'POST', path: route, headers: FORM, body: `grant_type=password&username=${username}&password=pw` });

  for (const how of ['throw', 'fail']) {
    it(`exposeErrors: false renders an app Error (${how}) as a bare server_error, 500`, async () => {
      const reply = await token('/hide', how);
      assert.equal(reply.status, 500);
      assert.match(String(reply.headers['content-type']), /^application\/json/);
      assert.equal(reply.text, '{"error":"server_error"}');
      assert.ok(!reply.text.includes('hunter2'));
    });

    it(`the default shows the message of an app Error (${how}), as 1.x does`, async () => {
      for (const route of ['/default', '/show']) {
        const reply = await token(route, how);
        assert.equal(reply.status, 500);
        assert.deepEqual(jsonOf(reply), { error: 'server_error', error_description: SECRET });
      }
    });
  }

  it('exposeErrors: false still renders an error with an OAuth code in full', async () => {
    for (const route of ['/hide', '/default']) {
      const reply = await token(route, 'invalid');
      assert.equal(reply.status, 403);
      assert.deepEqual(jsonOf(reply), {
        error: 'invalid_grant',
        error_description: 'Invalid resource owner credentials',
        error_uri: 'https://docs.example/errors#grant',
      });
    }
    const missing = await send(target, { method: 'POST', path: '/hide', headers: FORM, body: 'grant_type=password' });
    assert.equal(missing.status, 400);
    assert.deepEqual(jsonOf(missing), { error: 'invalid_request', error_description: 'Missing required parameter: username' });
  });

  // A Node system error has a `code` too, but 'ECONNREFUSED' is no OAuth error
  // code: rendering it would leak both the code and the message (host, port,
  // here even a password) that exposeErrors: false exists to hide.
  it('exposeErrors: false treats a system error code (ECONNREFUSED) as internal', async () => {
    const reply = await token('/hide', 'refused');
    assert.equal(reply.status, 500);
    assert.equal(reply.text, '{"error":"server_error"}');
  });
});

// ---------------------------------------------------------------------------
// Indirect mode: the authorization endpoint and the decision

/**
 * Authorization server whose code and token grants fail at decision time
 * according to the state: `fail` calls back with an Error, `refused` with a
 * system error; `validate` fails with an Error after resolving the redirect
 * URI for client `broken`, and refuses scope `forbidden` with a coded error.
 */
function authorizeApp(errorOptions: ErrorHandlerOptions | undefined): express.Express {
  const server = oauth2orize.createServer();
  server.serializeClient((client: { id: string }, done) => done(null, client.id));
  server.deserializeClient((id: string, done) => done(null, { id }));
  const failing = (state: unknown, done: any): boolean => {
    if (state === 'fail') { done(new Error(SECRET)); return true; }
    if (state === 'refused') { done(connectionRefused()); return true; }
    return false;
  };
  server.grant(oauth2orize.grant.code((_c: unknown, _r: unknown, _u: unknown, _ares: unknown, areq: any, done: any) => {
    if (!failing(areq.state, done)) done(null, 'a-code');
  }));
  server.grant(oauth2orize.grant.token((_c: unknown, _u: unknown, _ares: unknown, areq: any, done: any) => {
    if (!failing(areq.state, done)) done(null, 'a-token');
  }));

  const app = express();
  app.use(session({ secret: 'internal', resave: false, saveUninitialized: false }));
  app.use(express.urlencoded({ extended: false }));
  app.use((req: any, _res, next) => { req.user = { id: 'u1' }; next(); });
  const indirect = { ...errorOptions, mode: 'indirect' } as ErrorHandlerOptions;
  app.get('/authorize',
    server.authorize((clientID: string, _redirectURI: unknown, scope: string[] | undefined, done: any) => {
      if (clientID === 'broken') return done(new Error(SECRET), { id: clientID }, REDIRECT_URI);
      if (scope && scope.includes('forbidden')) {
        return done(new AuthorizationError('Scope not allowed', 'invalid_scope', 'https://docs.example/scope'), { id: clientID }, REDIRECT_URI);
      }
      done(null, { id: clientID }, REDIRECT_URI);
    }),
    (req: any, res: express.Response) => { res.json({ transactionID: req.oauth2.transactionID }); },
    server.errorHandler(indirect));
  app.post('/decision', server.decision(), server.errorHandler(indirect));
  app.use((err: any, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(599).json({ leaked: String(err && err.message) });
  });
  return app;
}

/** The redirect's parameters (query or fragment), in order. */
function paramsOf(location: string): [string, string][] {
  assert.ok(location.startsWith(REDIRECT_URI + '?') || location.startsWith(REDIRECT_URI + '#'), location);
  return [...new URLSearchParams(location.slice(REDIRECT_URI.length + 1))];
}

describe('internal messages, indirect mode (redirect to the client)', () => {
  const targets: Record<string, Listening> = {};
  before(async () => {
    targets.hide = await listen(authorizeApp(HIDE));
    targets.default = await listen(authorizeApp(undefined));
  });
  after(async () => { for (const t of Object.values(targets)) await t.close(); });

  /** Open a transaction with `state`, then approve it; return the decision's reply. */
  async function decide(which: string, type: 'code' | 'token', state: string) {
    const target = targets[which]!;
    const opened = await send(target, { method: 'GET', path: `/authorize?response_type=${type}&client_id=c1&state=${state}` });
    assert.equal(opened.status, 200, opened.text);
    const tid = (jsonOf(opened) as { transactionID: string }).transactionID;
    return send(target, { method: 'POST', path: '/decision', headers: { ...FORM, Cookie: cookieOf(opened)! }, body: 'transaction_id=' + tid });
  }

  for (const [type, separator] of [['code', '?'], ['token', '#']] as const) {
    it(`exposeErrors: false redirects an app Error as error=server_error without description (${type})`, async () => {
      const reply = await decide('hide', type, 'fail');
      assert.equal(reply.status, 302, reply.text);
      const location = String(reply.headers.location);
      assert.equal(location, `${REDIRECT_URI}${separator}error=server_error&state=fail`);
      assert.ok(!location.includes('hunter2'));
    });

    it(`the default redirects the app Error's message, as 1.x does (${type})`, async () => {
      const reply = await decide('default', type, 'fail');
      assert.equal(reply.status, 302, reply.text);
      assert.deepEqual(paramsOf(String(reply.headers.location)), [['error', 'server_error'], ['error_description', SECRET], ['state', 'fail']]);
    });

    it(`exposeErrors: false treats a system error code (ECONNREFUSED) as internal (${type})`, async () => {
      const reply = await decide('hide', type, 'refused');
      assert.equal(reply.status, 302, reply.text);
      assert.equal(reply.headers.location, `${REDIRECT_URI}${separator}error=server_error&state=refused`);
    });
  }

  it('exposeErrors: false hides the message of an Error from validate, after the redirect URI was resolved', async () => {
    const reply = await send(targets.hide!, { method: 'GET', path: '/authorize?response_type=code&client_id=broken&state=v' });
    assert.equal(reply.status, 302, reply.text);
    assert.equal(reply.headers.location, `${REDIRECT_URI}?error=server_error&state=v`);
    const shown = await send(targets.default!, { method: 'GET', path: '/authorize?response_type=code&client_id=broken&state=v' });
    assert.deepEqual(paramsOf(String(shown.headers.location)), [['error', 'server_error'], ['error_description', SECRET], ['state', 'v']]);
  });

  it('exposeErrors: false still redirects an error with an OAuth code in full', async () => {
    for (const which of ['hide', 'default']) {
      const reply = await send(targets[which]!, { method: 'GET', path: '/authorize?response_type=code&client_id=c1&scope=forbidden&state=q' });
      assert.equal(reply.status, 302, reply.text);
      assert.deepEqual(paramsOf(String(reply.headers.location)), [
        ['error', 'invalid_scope'], ['error_description', 'Scope not allowed'], ['error_uri', 'https://docs.example/scope'], ['state', 'q'],
      ]);
    }
  });
});
