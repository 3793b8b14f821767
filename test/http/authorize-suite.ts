/**
 * Authorization-endpoint flows over HTTP against a real Express app with
 * express-session and passport-local, shared by authorize-express4.test.ts and
 * authorize-express5.test.ts. The app is written the way a 1.x app is: login
 * form, `server.authorize(...)`, a consent page, `server.decision()`,
 * `server.resume(...)`, the token endpoint with HTTP Basic client auth, and
 * either `server.errorHandler({ mode: 'indirect' })` or
 * `server.authorizationErrorHandler()` for errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import session from 'express-session';
import passport from 'passport';
import passportLocal from 'passport-local';
import passportHttp from 'passport-http';
import oauth2orize, { AuthorizationError } from '../../src/index.js';

interface Client { id: string; name: string; secret: string; redirectURI: string; trusted: boolean }
interface User { id: string; username: string; password: string }

const clients: Record<string, Client> = {
  c1: { id: 'c1', name: 'Example Client', secret: 'shh', redirectURI: 'https://client.example.com/cb', trusted: false },
  trusted: { id: 'trusted', name: 'First Party', secret: 'tt', redirectURI: 'https://trusted.example.com/cb?app=1', trusted: true },
};
const users: Record<string, User> = {
  u1: { id: 'u1', username: 'alice', password: 'secret' },
};

export type ErrorMode = 'indirect' | 'authorizationErrorHandler';

export interface AuthzApp {
  app: any;
  codes: Map<string, { clientID: string; redirectURI: string; userID: string; scope: string[] | undefined }>;
  tokens: Map<string, { clientID: string; userID: string }>;
  issued: any[];
}

/** Build the app. `errorMode` chooses how authorization errors are answered. */
export function buildApp(express: any, errorMode: ErrorMode): AuthzApp {
  const lib: any = oauth2orize;
  const server = lib.createServer();
  const codes: AuthzApp['codes'] = new Map();
  const tokens: AuthzApp['tokens'] = new Map();
  const issued: any[] = [];

  server.serializeClient((client: Client, done: any) => done(null, client.id));
  server.deserializeClient((id: string, done: any) => done(null, clients[id] ?? false));

  server.grant(lib.grant.code((client: Client, redirectURI: string, user: User, ares: any, areq: any, done: any) => {
    issued.push({ type: 'code', client: client.id, redirectURI, user: user.id, ares, scope: areq.scope });
    if (areq.scope && areq.scope.includes('explode')) return done(new Error('issue exploded'));
    const code = randomBytes(12).toString('hex');
    codes.set(code, { clientID: client.id, redirectURI, userID: user.id, scope: areq.scope });
    return done(null, code);
  }));

  server.grant(lib.grant.token((client: Client, user: User, ares: any, areq: any, done: any) => {
    issued.push({ type: 'token', client: client.id, user: user.id, ares, scope: areq.scope });
    if (areq.scope && areq.scope.includes('explode')) return done(new Error('issue exploded'));
    const token = randomBytes(12).toString('hex');
    tokens.set(token, { clientID: client.id, userID: user.id });
    return done(null, token, { expires_in: 3600 });
  }));

  server.exchange(lib.exchange.code((client: Client, code: string, redirectURI: string, done: any) => {
    const entry = codes.get(code);
    if (!entry || entry.clientID !== client.id || entry.redirectURI !== redirectURI) return done(null, false);
    codes.delete(code);
    const token = randomBytes(12).toString('hex');
    tokens.set(token, { clientID: client.id, userID: entry.userID });
    return done(null, token, { scope: (entry.scope ?? []).join(' ') });
  }));

  const pp = new (passport as any).Passport();
  pp.use(new (passportLocal as any).Strategy((username: string, password: string, done: any) => {
    const user = Object.values(users).find((u) => u.username === username && u.password === password);
    return done(null, user ?? false);
  }));
  pp.use(new (passportHttp as any).BasicStrategy((id: string, secret: string, done: any) => {
    const client = clients[id];
    return done(null, client && client.secret === secret ? client : false);
  }));
  pp.serializeUser((user: User, done: any) => done(null, user.id));
  pp.deserializeUser((id: string, done: any) => done(null, users[id] ?? false));

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session({ secret: 'test secret', resave: false, saveUninitialized: false }));
  app.use(pp.initialize());
  app.use(pp.session());

  const ensureLoggedIn = (req: any, res: any, next: any) => (req.user ? next() : res.status(401).json({ login: true }));

  app.post('/login', pp.authenticate('local', { keepSessionInfo: true, failureRedirect: '/login-failed' }), (req: any, res: any) => {
    res.redirect(req.body.next || '/');
  });

  // validate: 4-arity so the scope can be checked; errors for unsupported scopes
  // are given together with the redirect URI, so they can be redirected.
  const validate = (clientID: string, redirectURI: string, scope: string[] | undefined, done: any) => {
    if (clientID === 'lookup-fails') return done(new Error('client lookup failed'));
    const client = clients[clientID];
    if (!client) return done(null, false);
    if (redirectURI && redirectURI !== client.redirectURI) {
      return done(new AuthorizationError('Mismatched redirect_uri', 'invalid_request'));
    }
    if (scope && scope.includes('admin')) {
      return done(new AuthorizationError('Unsupported scope: admin', 'invalid_scope'), client, client.redirectURI);
    }
    return done(null, client, client.redirectURI);
  };
  const immediate = (client: Client, user: User | undefined, done: any) => done(null, Boolean(user && client.trusted), { via: 'immediate' });

  const errorMiddleware = errorMode === 'indirect'
    ? [server.errorHandler({ mode: 'indirect' })]
    : server.authorizationErrorHandler();
  // Whatever oauth2orize passes on lands here, rendered so tests can read it.
  const finalHandler = (err: any, _req: any, res: any, _next: any) => {
    res.status(err.status || 500).json({ name: err.name, message: err.message, code: err.code });
  };

  const consent = (req: any, res: any) => {
    const body = {
      transactionID: req.oauth2.transactionID,
      client: req.oauth2.client.name,
      scope: req.oauth2.req.scope,
      user: req.user.username,
      info: req.oauth2.info,
    };
    res.format({
      'application/json': () => res.json(body),
      'text/html': () => res.type('html').send(
        `<!doctype html><title>Consent</title><p>${body.client} wants access.</p>` +
        `<form method="post" action="/authorize/decision"><input type="hidden" name="transaction_id" value="${body.transactionID}">` +
        '<input type="submit" value="Allow"><input type="submit" name="cancel" value="Deny"></form>'),
    });
  };

  app.get('/authorize', ensureLoggedIn, server.authorize(validate, immediate), consent, errorMiddleware, finalHandler);

  // Logged-out users are sent to log in, then come back through resume.
  app.get('/authorize-detour', server.authorize(validate, immediate), (req: any, res: any) => {
    if (!req.user) {
      const back = '/authorize/resume?transaction_id=' + encodeURIComponent(req.oauth2.transactionID);
      return res.json({ login: true, next: back, transactionID: req.oauth2.transactionID });
    }
    return consent(req, res);
  }, errorMiddleware, finalHandler);

  app.get('/authorize/resume', ensureLoggedIn, server.resume((txn: any, done: any) => {
    done(null, Boolean(txn.user && txn.client.trusted), { resumedBy: txn.user && txn.user.username });
  }), consent, errorMiddleware, finalHandler);

  app.post('/authorize/decision', ensureLoggedIn, server.decision(), errorMiddleware, finalHandler);

  app.post('/token', pp.authenticate('basic', { session: false }), server.token(), server.errorHandler());

  return { app, codes, tokens, issued };
}

function queryOf(location: string): Record<string, string> {
  return Object.fromEntries(new URL(location).searchParams);
}
function fragmentOf(location: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(new URL(location).hash.slice(1)));
}

async function loggedInAgent(app: any) {
  const agent = request.agent(app);
  const res = await agent.post('/login').type('form').send({ username: 'alice', password: 'secret', next: '/welcome' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, '/welcome');
  return agent;
}

const CODE_QUERY = { response_type: 'code', client_id: 'c1', redirect_uri: 'https://client.example.com/cb', state: 'xyz', scope: 'read write' };

async function startConsent(agent: any, query: Record<string, string> = CODE_QUERY) {
  const res = await agent.get('/authorize').query(query).set('Accept', 'application/json');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(res.body.transactionID, /^[A-Za-z0-9_-]{8}$/);
  return res.body as { transactionID: string; client: string; scope: string[]; user: string };
}

/**
 * `bracketObjects`: the app's query parser turns `a[b]=c` into objects (Express
 * 4's default `extended` parser), so object-valued parameters can be sent.
 */
export function defineAuthorizeSuite(label: string, express: any, opts: { bracketObjects?: boolean } = {}): void {
  describe(`authorization endpoint over HTTP (${label})`, () => {
    describe('authorization code flow', () => {
      it('authorize -> JSON consent -> decision -> redirect with code and state -> token', async () => {
        const { app, issued } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const consent = await startConsent(agent);
        assert.equal(consent.client, 'Example Client');
        assert.deepEqual(consent.scope, ['read', 'write']);
        assert.equal(consent.user, 'alice');

        const decision = await agent.post('/authorize/decision').type('form').send({ transaction_id: consent.transactionID });
        assert.equal(decision.status, 302);
        const location: string = decision.headers.location;
        assert.ok(location.startsWith('https://client.example.com/cb?code='), location);
        const q = queryOf(location);
        assert.deepEqual(Object.keys(q), ['code', 'state']);
        assert.equal(q.state, 'xyz');
        assert.match(q.code, /^[0-9a-f]{24}$/);
        assert.equal(issued.length, 1);
        assert.equal(issued[0].redirectURI, 'https://client.example.com/cb');
        assert.equal(issued[0].user, 'u1');
        assert.deepEqual(issued[0].ares, { allow: true });

        const tok = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'authorization_code', code: q.code, redirect_uri: 'https://client.example.com/cb' });
        assert.equal(tok.status, 200, JSON.stringify(tok.body));
        assert.match(tok.headers['content-type'], /application\/json/);
        assert.equal(tok.headers['cache-control'], 'no-store');
        assert.equal(tok.headers.pragma, 'no-cache');
        assert.match(tok.body.access_token, /^[0-9a-f]{24}$/);
        assert.equal(tok.body.token_type, 'Bearer');
        assert.equal(tok.body.scope, 'read write');

        // the code is single-use
        const again = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'authorization_code', code: q.code, redirect_uri: 'https://client.example.com/cb' });
        assert.equal(again.status, 403);
        assert.equal(again.body.error, 'invalid_grant');
        assert.equal(again.body.error_description, 'Invalid authorization code');
      });

      it('HTML consent page carries the transaction id in a form', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const page = await agent.get('/authorize').query(CODE_QUERY).set('Accept', 'text/html');
        assert.equal(page.status, 200);
        assert.match(page.headers['content-type'], /text\/html/);
        const m = /name="transaction_id" value="([^"]+)"/.exec(page.text);
        assert.ok(m, page.text);
        const decision = await agent.post('/authorize/decision').type('form').send({ transaction_id: m![1] });
        assert.equal(decision.status, 302);
        assert.equal(queryOf(decision.headers.location).state, 'xyz');
      });

      it('stores the transaction in the session until the decision', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const a = await startConsent(agent);
        const b = await startConsent(agent, { ...CODE_QUERY, state: 'second' });
        assert.notEqual(a.transactionID, b.transactionID);
        // both pending transactions can be decided, in any order
        const rb = await agent.post('/authorize/decision').type('form').send({ transaction_id: b.transactionID });
        assert.equal(queryOf(rb.headers.location).state, 'second');
        const ra = await agent.post('/authorize/decision').type('form').send({ transaction_id: a.transactionID });
        assert.equal(queryOf(ra.headers.location).state, 'xyz');
      });

      it('a decided transaction cannot be replayed (403)', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const { transactionID } = await startConsent(agent);
        const first = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID });
        assert.equal(first.status, 302);
        const second = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID });
        assert.equal(second.status, 403);
        assert.deepEqual(second.body, { name: 'ForbiddenError', message: 'Unable to load OAuth 2.0 transaction: ' + transactionID });
      });

      it('a transaction from another session is unknown (403)', async () => {
        const { app } = buildApp(express, 'indirect');
        const alice = await loggedInAgent(app);
        const { transactionID } = await startConsent(alice);
        const other = await loggedInAgent(app);
        await startConsent(other); // so the other session has transactions at all
        const res = await other.post('/authorize/decision').type('form').send({ transaction_id: transactionID });
        assert.equal(res.status, 403);
        assert.equal(res.body.message, 'Unable to load OAuth 2.0 transaction: ' + transactionID);
      });

      it('a missing transaction_id is 400', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        await startConsent(agent);
        const res = await agent.post('/authorize/decision').type('form').send({});
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, { name: 'BadRequestError', message: 'Missing required parameter: transaction_id' });
      });

      it('an unknown transaction_id is 403', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        await startConsent(agent);
        const res = await agent.post('/authorize/decision').type('form').send({ transaction_id: 'nope1234' });
        assert.equal(res.status, 403);
        assert.deepEqual(res.body, { name: 'ForbiddenError', message: 'Unable to load OAuth 2.0 transaction: nope1234' });
      });

      it('a session with no transactions is 403', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const res = await agent.post('/authorize/decision').type('form').send({ transaction_id: 'abcd1234' });
        assert.equal(res.status, 403);
        assert.deepEqual(res.body, { name: 'ForbiddenError', message: 'Unable to load OAuth 2.0 transactions from session' });
      });

      for (const tid of ['__proto__', 'constructor', 'toString']) {
        it(`a transaction_id of ${tid} is unknown (403), not a crash`, async () => {
          const { app } = buildApp(express, 'indirect');
          const agent = await loggedInAgent(app);
          await startConsent(agent);
          const res = await agent.post('/authorize/decision').type('form').send({ transaction_id: tid });
          assert.equal(res.status, 403);
          assert.equal(res.body.message, 'Unable to load OAuth 2.0 transaction: ' + tid);
        });
      }

      it('a repeated transaction_id is 400, not a crash', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const { transactionID } = await startConsent(agent);
        const res = await agent.post('/authorize/decision').type('form').send(`transaction_id=${transactionID}&transaction_id=${transactionID}`);
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, { name: 'BadRequestError', message: 'Invalid parameter: transaction_id must be a string' });
      });
    });

    describe('implicit flow', () => {
      it('decision redirects with the token in the fragment', async () => {
        const { app, tokens } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const { transactionID } = await startConsent(agent, { ...CODE_QUERY, response_type: 'token' });
        const res = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID });
        assert.equal(res.status, 302);
        const location: string = res.headers.location;
        assert.ok(location.startsWith('https://client.example.com/cb#access_token='), location);
        const f = fragmentOf(location);
        assert.deepEqual(Object.keys(f), ['access_token', 'expires_in', 'token_type', 'state']);
        assert.equal(f.token_type, 'Bearer');
        assert.equal(f.expires_in, '3600');
        assert.equal(f.state, 'xyz');
        assert.deepEqual(tokens.get(f.access_token), { clientID: 'c1', userID: 'u1' });
      });

      it('deny redirects with error=access_denied in the fragment', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const { transactionID } = await startConsent(agent, { ...CODE_QUERY, response_type: 'token' });
        const res = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID, cancel: 'Deny' });
        assert.equal(res.status, 302);
        assert.equal(res.headers.location, 'https://client.example.com/cb#error=access_denied&state=xyz');
      });
    });

    describe('deny', () => {
      it('cancel=Deny redirects with error=access_denied&state= and issues nothing', async () => {
        const { app, issued } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const { transactionID } = await startConsent(agent);
        const res = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID, cancel: 'Deny' });
        assert.equal(res.status, 302);
        assert.equal(res.headers.location, 'https://client.example.com/cb?error=access_denied&state=xyz');
        assert.equal(issued.length, 0);
        const replay = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID });
        assert.equal(replay.status, 403);
      });

      it('without state, the redirect has only the error', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const { state: _omit, ...noState } = CODE_QUERY;
        const { transactionID } = await startConsent(agent, noState);
        const res = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID, cancel: 'Deny' });
        assert.equal(res.headers.location, 'https://client.example.com/cb?error=access_denied');
      });
    });

    describe('immediate approval', () => {
      it('a trusted client gets a code at once, keeping its redirect URI\'s query', async () => {
        const { app, issued } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const res = await agent.get('/authorize').query({ response_type: 'code', client_id: 'trusted', state: 'abc' });
        assert.equal(res.status, 302);
        const location: string = res.headers.location;
        assert.ok(location.startsWith('https://trusted.example.com/cb?app=1&code='), location);
        assert.equal(queryOf(location).state, 'abc');
        assert.deepEqual(issued[0].ares, { via: 'immediate', allow: true });
        assert.equal(issued[0].redirectURI, undefined, 'issue gets the redirect_uri of the request, absent here');
      });

      it('the immediately issued code can be exchanged without redirect_uri', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const res = await agent.get('/authorize').query({ response_type: 'code', client_id: 'trusted' });
        const { code } = queryOf(res.headers.location);
        const tok = await request(app).post('/token').auth('trusted', 'tt').type('form').send({ grant_type: 'authorization_code', code });
        assert.equal(tok.status, 200, JSON.stringify(tok.body));
        assert.equal(tok.body.token_type, 'Bearer');
      });

      it('a trusted client gets a token at once in the implicit flow', async () => {
        const { app } = buildApp(express, 'indirect');
        const agent = await loggedInAgent(app);
        const res = await agent.get('/authorize').query({ response_type: 'token', client_id: 'trusted', state: 's 1' });
        assert.equal(res.status, 302);
        const f = fragmentOf(res.headers.location);
        assert.equal(f.token_type, 'Bearer');
        assert.equal(f.state, 's 1');
        assert.ok(res.headers.location.includes('&state=s%201'), res.headers.location);
      });
    });

    describe('resume after a login detour', () => {
      async function detour(query: Record<string, string>) {
        const { app, issued } = buildApp(express, 'indirect');
        const agent = request.agent(app);
        const first = await agent.get('/authorize-detour').query(query);
        assert.equal(first.status, 200);
        assert.equal(first.body.login, true);
        const next: string = first.body.next;
        assert.equal(next, '/authorize/resume?transaction_id=' + first.body.transactionID);
        const login = await agent.post('/login').type('form').send({ username: 'alice', password: 'secret', next });
        assert.equal(login.status, 302);
        assert.equal(login.headers.location, next);
        const resumed = await agent.get(next).set('Accept', 'application/json');
        return { agent, resumed, issued, transactionID: first.body.transactionID as string };
      }

      it('an untrusted client: resume shows the consent page for the same transaction, then the decision issues a code', async () => {
        const { agent, resumed, transactionID, issued } = await detour(CODE_QUERY);
        assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
        assert.equal(resumed.body.transactionID, transactionID);
        assert.equal(resumed.body.user, 'alice');
        assert.deepEqual(resumed.body.info, { resumedBy: 'alice' });
        const decision = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID });
        assert.equal(decision.status, 302);
        const q = queryOf(decision.headers.location);
        assert.equal(q.state, 'xyz');
        assert.ok(q.code);
        assert.equal(issued[0].user, 'u1');
      });

      it('a trusted client: resume answers at once with a code and removes the transaction', async () => {
        const { agent, resumed, transactionID } = await detour({ response_type: 'code', client_id: 'trusted', state: 'rs' });
        assert.equal(resumed.status, 302);
        assert.ok(resumed.headers.location.startsWith('https://trusted.example.com/cb?app=1&code='), resumed.headers.location);
        assert.equal(queryOf(resumed.headers.location).state, 'rs');
        const replay = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID });
        assert.equal(replay.status, 403);
      });
    });

    for (const mode of ['indirect', 'authorizationErrorHandler'] as const) {
      describe(`error redirects (${mode === 'indirect' ? "errorHandler({ mode: 'indirect' })" : 'authorizationErrorHandler()'})`, () => {
        it('an unsupported scope redirects with error=invalid_scope and state', async () => {
          const { app } = buildApp(express, mode);
          const agent = await loggedInAgent(app);
          const res = await agent.get('/authorize').query({ ...CODE_QUERY, scope: 'read admin' });
          assert.equal(res.status, 302);
          assert.equal(res.headers.location, 'https://client.example.com/cb?error=invalid_scope&error_description=Unsupported%20scope%3A%20admin&state=xyz');
        });

        it('an unsupported scope in the implicit flow redirects in the fragment', async () => {
          const { app } = buildApp(express, mode);
          const agent = await loggedInAgent(app);
          const res = await agent.get('/authorize').query({ ...CODE_QUERY, response_type: 'token', scope: 'admin' });
          assert.equal(res.status, 302);
          assert.equal(res.headers.location, 'https://client.example.com/cb#error=invalid_scope&error_description=Unsupported%20scope%3A%20admin&state=xyz');
        });

        it('an issue callback that fails at the decision redirects with error=server_error, and the transaction is gone', async () => {
          const { app } = buildApp(express, mode);
          const agent = await loggedInAgent(app);
          const { transactionID } = await startConsent(agent, { ...CODE_QUERY, scope: 'explode' });
          const res = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID });
          assert.equal(res.status, 302);
          assert.equal(res.headers.location, 'https://client.example.com/cb?error=server_error&error_description=issue%20exploded&state=xyz');
          const replay = await agent.post('/authorize/decision').type('form').send({ transaction_id: transactionID });
          assert.equal(replay.status, 403);
          assert.equal(replay.body.message, 'Unable to load OAuth 2.0 transaction: ' + transactionID);
        });

        it('an issue callback that fails on immediate approval redirects with error=server_error', async () => {
          const { app } = buildApp(express, mode);
          const agent = await loggedInAgent(app);
          const res = await agent.get('/authorize').query({ response_type: 'code', client_id: 'trusted', state: 'st', scope: 'explode' });
          assert.equal(res.status, 302);
          assert.equal(res.headers.location, 'https://trusted.example.com/cb?app=1&error=server_error&error_description=issue%20exploded&state=st');
        });

        it('an unknown client is not redirected: unauthorized_client (403) reaches the app', async () => {
          const { app } = buildApp(express, mode);
          const agent = await loggedInAgent(app);
          const res = await agent.get('/authorize').query({ ...CODE_QUERY, client_id: 'nobody' });
          assert.equal(res.status, 403);
          assert.deepEqual(res.body, { name: 'AuthorizationError', message: 'Unauthorized client', code: 'unauthorized_client' });
        });

        it('a validate error without a redirect URI reaches the app (next(err))', async () => {
          const { app } = buildApp(express, mode);
          const agent = await loggedInAgent(app);
          const res = await agent.get('/authorize').query({ ...CODE_QUERY, client_id: 'lookup-fails' });
          assert.equal(res.status, 500);
          assert.equal(res.body.message, 'client lookup failed');
        });

        it('a mismatched redirect_uri is never redirected to', async () => {
          const { app } = buildApp(express, mode);
          const agent = await loggedInAgent(app);
          const res = await agent.get('/authorize').query({ ...CODE_QUERY, redirect_uri: 'https://evil.example.com/cb' });
          assert.equal(res.status, 400);
          assert.equal(res.headers.location, undefined);
          assert.deepEqual(res.body, { name: 'AuthorizationError', message: 'Mismatched redirect_uri', code: 'invalid_request' });
        });

        it('a missing response_type reaches the app as invalid_request (400)', async () => {
          const { app } = buildApp(express, mode);
          const agent = await loggedInAgent(app);
          const { response_type: _omit, ...rest } = CODE_QUERY;
          const res = await agent.get('/authorize').query(rest);
          assert.equal(res.status, 400);
          assert.deepEqual(res.body, { name: 'AuthorizationError', message: 'Missing required parameter: response_type', code: 'invalid_request' });
        });

        it('an unsupported response_type reaches the app (501)', async () => {
          const { app } = buildApp(express, mode);
          const agent = await loggedInAgent(app);
          const res = await agent.get('/authorize').query({ ...CODE_QUERY, response_type: 'id_token' });
          assert.equal(res.status, 501);
          assert.deepEqual(res.body, { name: 'AuthorizationError', message: 'Unsupported response type: id_token', code: 'unsupported_response_type' });
        });

        it('a missing client_id reaches the app (400)', async () => {
          const { app } = buildApp(express, mode);
          const agent = await loggedInAgent(app);
          const { client_id: _omit, ...rest } = CODE_QUERY;
          const res = await agent.get('/authorize').query(rest);
          assert.equal(res.status, 400);
          assert.deepEqual(res.body, { name: 'AuthorizationError', message: 'Missing required parameter: client_id', code: 'invalid_request' });
        });

        for (const name of ['response_type', 'client_id', 'redirect_uri', 'state', 'scope']) {
          it(`a repeated ${name} is invalid_request (400), not a crash`, async () => {
            const { app } = buildApp(express, mode);
            const agent = await loggedInAgent(app);
            const params = new URLSearchParams(CODE_QUERY);
            const value = params.get(name)!;
            params.append(name, value);
            const res = await agent.get('/authorize?' + params.toString());
            assert.equal(res.status, 400, JSON.stringify(res.body));
            assert.deepEqual(res.body, { name: 'AuthorizationError', message: `Invalid parameter: ${name} must be a string`, code: 'invalid_request' });
          });

          if (opts.bracketObjects) {
            it(`an object-valued ${name} (${name}[k]=v) is invalid_request (400), not a crash`, async () => {
              const { app } = buildApp(express, mode);
              const agent = await loggedInAgent(app);
              const params = new URLSearchParams(CODE_QUERY);
              const value = params.get(name)!;
              params.delete(name);
              params.append(`${name}[k]`, value);
              const res = await agent.get('/authorize?' + params.toString());
              assert.equal(res.status, 400, JSON.stringify(res.body));
              assert.deepEqual(res.body, { name: 'AuthorizationError', message: `Invalid parameter: ${name} must be a string`, code: 'invalid_request' });
            });
          }
        }
      });
    }
  });
}
