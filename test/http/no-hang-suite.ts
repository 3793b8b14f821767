/**
 * Issue 10, "no silent hangs", over HTTP against real Express apps (shared by
 * no-hang-express4.test.ts and no-hang-express5.test.ts). Each mistake a 1.x
 * user naturally makes with Promises or factories either works or fails with
 * a clear error; none leaves the request waiting forever.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { format } from 'node:util';
import request from 'supertest';
import oauth2orize from '../../src/index.js';
import { debug } from '../../src/lib/debug.js';
import { callbackDiagnostics, pendingLimit } from '../../src/lib/callback.js';

const BODY_PARSING_MESSAGE = 'OAuth2orize requires body parsing. Did you forget app.use(express.bodyParser())?';
const REDIRECT = 'https://client.example.com/cb';
const client = { id: 'c1', redirectURI: REDIRECT };
const user = { id: 'u1' };

/** A token endpoint whose client is already authenticated, as Passport would leave it. */
function tokenApp(express: any, register: (server: any) => void) {
  const lib: any = oauth2orize;
  const server = lib.createServer();
  register(server);
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.post('/token', (req: any, _res: unknown, next: () => void) => { req.user = client; next(); }, server.token(), server.errorHandler());
  return app;
}

/** Renders any error as JSON, so the tests read the message back. */
function jsonErrors(err: any, _req: unknown, res: any, _next: unknown) {
  res.status(500).json({ message: err.message });
}

export function defineNoHangSuite(label: string, express: any): void {
  describe(`${label}: no silent hangs`, { timeout: 20_000 }, () => {
    describe('positional callbacks that resolve a value without calling done', () => {
      it('exchange.clientCredentials(async (client, scope) => token) answers with the token', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.clientCredentials(async (c: any, _scope: unknown) => 'at-' + c.id)));
        const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body, { access_token: 'at-c1', token_type: 'Bearer' });
      });

      it('async () => token (arity 0) answers with the token', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.clientCredentials((async () => 'at-zero') as any)));
        const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.access_token, 'at-zero');
      });

      it('an object resolved by exchange.password names the tokens, as in the context form', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.password((async (_c: unknown, username: string) =>
          ({ accessToken: 'at-' + username, refreshToken: 'rt', params: { expires_in: 60 } })) as any)));
        const res = await request(app).post('/token').type('form').send({ grant_type: 'password', username: 'bob', password: 'pw' });
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body, { access_token: 'at-bob', refresh_token: 'rt', expires_in: 60, token_type: 'Bearer' });
      });

      it('a resolved false refuses, like done(null, false)', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.clientCredentials(async (_c: unknown, _scope: unknown) => false)));
        const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
        assert.equal(res.status, 403, res.text);
        assert.equal(res.body.error, 'invalid_grant');
      });

      it('done wins over the resolved value when both are given', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.clientCredentials(async (_c: unknown, done: any) => {
          done(null, 'from-done');
          return 'from-return';
        })));
        const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
        assert.equal(res.body.access_token, 'from-done');
      });

      it('grant.code(async (client, redirectURI, user) => code) with async validate/immediate redirects with the code', async () => {
        const lib: any = oauth2orize;
        const server = lib.createServer();
        server.grant(oauth2orize.grant.code((async (c: any, redirectURI: string, u: any) => `code-${c.id}-${u.id}-${redirectURI === REDIRECT}`) as any));
        const app = express();
        app.get('/authorize',
          (req: any, _res: unknown, next: () => void) => { req.user = user; next(); },
          // validate (clientID, redirectURI, done) resolving { client, redirectURI }; immediate (client, user, done) resolving true
          server.authorize(async (_id: string, redirectURI: string, _done: unknown) => ({ client, redirectURI }), async (_c: unknown, _u: unknown, _done: unknown) => true),
          jsonErrors);
        const res = await request(app).get('/authorize').query({ response_type: 'code', client_id: 'c1', redirect_uri: REDIRECT, state: 's1' });
        assert.equal(res.status, 302, res.text);
        assert.equal(res.headers.location, `${REDIRECT}?code=code-c1-u1-true&state=s1`);
      });
    });

    describe('positional callbacks that resolve undefined without calling done', () => {
      const lines: string[] = [];
      let saved: { enabled: boolean; log: unknown };
      before(() => {
        saved = { enabled: debug.enabled, log: (debug as any).log };
        debug.enabled = true;
        (debug as any).log = (...args: unknown[]) => lines.push(format(...args));
      });
      after(() => {
        debug.enabled = saved.enabled;
        (debug as any).log = saved.log;
      });

      it('are logged under DEBUG=oauth2orize with name and arity, and done may still answer later', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.clientCredentials(async function issueLater(_c: unknown, _scope: unknown, done: any) {
          setTimeout(() => done(null, 'late'), 30);
        })));
        const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.access_token, 'late');
        const line = lines.find((l) => l.includes('issueLater'));
        assert.ok(line, `a debug line names the callback: ${JSON.stringify(lines)}`);
        assert.match(line, /arity 3/, 'the line gives the arity');
        assert.match(line, /without calling done/, 'the line says done was not called');
      });
    });

    describe('the mistakes of a first hour: a clear error or the documented behaviour', () => {
      const lines: string[] = [];
      const events: any[] = [];
      let saved: { enabled: boolean; log: unknown; limit: number };
      before(() => {
        saved = { enabled: debug.enabled, log: (debug as any).log, limit: pendingLimit.ms };
        debug.enabled = true;
        (debug as any).log = (...args: unknown[]) => lines.push(format(...args));
        pendingLimit.ms = 100;
        callbackDiagnostics.onMisuse = (e) => events.push(e);
      });
      after(() => {
        debug.enabled = saved.enabled;
        (debug as any).log = saved.log;
        pendingLimit.ms = saved.limit;
        callbackDiagnostics.onMisuse = undefined;
      });

      it('a non-async (client, scope, done) => token answers with the token, logged under DEBUG and reported to the hook', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.clientCredentials(function syncIssue(c: any, _scope: unknown, _done: unknown) {
          return 'sync-' + c.id;
        } as any)));
        const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body, { access_token: 'sync-c1', token_type: 'Bearer' });
        assert.ok(lines.some((l) => l.includes('syncIssue') && /without calling done/.test(l)), JSON.stringify(lines));
        assert.ok(events.some((e) => e.kind === 'returned' && e.name === 'syncIssue' && e.arity === 3), JSON.stringify(events));
      });

      it('a callback API\'s return value (true, a query object) is not a result: done still answers (1.x)', async () => {
        class Query { constructor(readonly sql: string) {} }
        const app = tokenApp(express, (s) => {
          s.exchange(oauth2orize.exchange.clientCredentials(((_c: unknown, _scope: unknown, done: any) => { setTimeout(() => done(null, 'from-done-1'), 20); return true; }) as any));
          s.exchange('password', oauth2orize.exchange.password(((_c: unknown, _u: unknown, _p: unknown, done: any) => { setTimeout(() => done(null, 'from-done-2'), 20); return new Query('select'); }) as any));
        });
        const a = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
        assert.equal(a.body.access_token, 'from-done-1', a.text);
        const b = await request(app).post('/token').type('form').send({ grant_type: 'password', username: 'u', password: 'p' });
        assert.equal(b.body.access_token, 'from-done-2', b.text);
      });

      it('an async callback that forgets return fails with 500 server_error once the wait ends, naming the callback', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.clientCredentials(async function forgotReturn(_c: unknown, _scope: unknown, _done: unknown) {
          void 'at';
        })));
        const started = Date.now();
        const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
        assert.equal(res.status, 500, res.text);
        assert.equal(res.body.error, 'server_error');
        assert.match(res.body.error_description, /forgotReturn \(arity 3\) resolved without calling done/);
        assert.ok(Date.now() - started >= 90, 'it waited for done first');
        assert.ok(events.some((e) => e.kind === 'unsettled' && e.name === 'forgotReturn'), JSON.stringify(events));
      });

      it('an async callback that calls done later, within the wait, still answers', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.clientCredentials(async (_c: unknown, _scope: unknown, done: any) => {
          setTimeout(() => done(null, 'in-time'), 20);
        })));
        const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.access_token, 'in-time');
      });

      it('returning the token response ({ access_token }) is 500 server_error saying accessToken, not 403 invalid_grant', async () => {
        for (const issue of [
          async (_c: unknown, _scope: unknown) => ({ access_token: 'tok', expires_in: 60 }),
          (_c: unknown, _scope: unknown, _done: unknown) => ({ access_token: 'tok' }),
          async (_ctx: unknown) => ({ access_token: 'tok' }),
        ]) {
          const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.clientCredentials(issue as any)));
          const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
          assert.equal(res.status, 500, res.text);
          assert.equal(res.body.error, 'server_error');
          assert.match(res.body.error_description, /access_token: did you mean accessToken\?/);
        }
        assert.ok(events.some((e) => e.kind === 'shape'), JSON.stringify(events));
      });
    });

    describe('results of the wrong shape from grant.code, grant.token and exchange.tokenExchange', () => {
      const events: any[] = [];
      before(() => { callbackDiagnostics.onMisuse = (e) => events.push(e); });
      after(() => { callbackDiagnostics.onMisuse = undefined; });

      /** An authorization endpoint that approves at once, so the grant issues right away. */
      function authorizeApp(grant: unknown) {
        const server: any = oauth2orize.createServer();
        server.grant(grant);
        const app = express();
        app.get('/authorize', (req: any, _res: unknown, next: () => void) => { req.user = user; next(); },
          server.authorize((_id: string, uri: string, done: any) => done(null, client, uri), (_c: unknown, _u: unknown, done: any) => done(null, true)),
          jsonErrors);
        return app;
      }

      it('grant.code resolving { code } passes on a server_error naming a string code, not a redirect with code=[object Object]', async () => {
        for (const issue of [
          async (_ctx: unknown) => ({ code: 'x' }),
          async (_c: unknown, _r: unknown, _u: unknown) => ({ code: 'x' }),
          (_c: unknown, _r: unknown, _u: unknown, _done: unknown) => ({ code: 'x' }),
        ]) {
          events.length = 0;
          const res = await request(authorizeApp(oauth2orize.grant.code(issue as any))).get('/authorize').query({ response_type: 'code', client_id: 'c1', redirect_uri: REDIRECT, state: 's1' });
          // The grant passes the error on, as 1.x passes issue's errors: the app's error handler gets it.
          assert.equal(res.status, 500, res.text);
          assert.equal(res.headers.location, undefined, 'no redirect with code=[object Object]');
          assert.match(res.body.message, /issue gave an object, not a code \(code: did you mean the code itself, as a string\?\); give the code as a string/);
          assert.ok(events.some((e) => e.kind === 'shape'), JSON.stringify(events));
        }
      });

      it('grant.code resolving a string still redirects with the code', async () => {
        const res = await request(authorizeApp(oauth2orize.grant.code(async () => 'abc'))).get('/authorize').query({ response_type: 'code', client_id: 'c1', redirect_uri: REDIRECT });
        assert.equal(res.headers.location, `${REDIRECT}?code=abc`);
      });

      it('grant.token resolving { access_token } passes on a server_error naming accessToken, not access_denied', async () => {
        events.length = 0;
        const res = await request(authorizeApp(oauth2orize.grant.token(async (_ctx: unknown) => ({ access_token: 'tok' }) as any))).get('/authorize').query({ response_type: 'token', client_id: 'c1', redirect_uri: REDIRECT });
        assert.equal(res.status, 500, res.text);
        assert.match(res.body.message, /access_token: did you mean accessToken\?/);
        assert.ok(events.some((e) => e.kind === 'shape'), JSON.stringify(events));
      });

      it('exchange.tokenExchange resolving the token response is 500 server_error naming the fields, not invalid_request', async () => {
        events.length = 0;
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.tokenExchange(async () => ({ access_token: 'tok', issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' }) as any)));
        const res = await request(app).post('/token').type('form').send({
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: 's', subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        });
        assert.equal(res.status, 500, res.text);
        assert.equal(res.body.error, 'server_error');
        assert.match(res.body.error_description, /access_token: did you mean accessToken\?; issued_token_type: did you mean issuedTokenType\?/);
        assert.ok(events.some((e) => e.kind === 'shape'), JSON.stringify(events));
      });
    });

    describe('factories used as middleware', () => {
      it('app.post(path, server.token(), server.errorHandler) uncalled renders the JSON error, not Express\'s HTML page', async () => {
        const server = oauth2orize.createServer();
        const app = express();
        app.use(express.urlencoded({ extended: false }));
        app.post('/token', server.token(), server.errorHandler);
        app.post('/token2', server.token(), oauth2orize.errorHandler);
        for (const path of ['/token', '/token2']) {
          const res = await request(app).post(path).type('form').send({ grant_type: 'nope' });
          assert.equal(res.status, 501, res.text);
          assert.match(res.headers['content-type'], /application\/json/);
          assert.deepEqual(res.body, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: nope' });
        }
      });

      it('app.use(server.errorHandler) uncalled after the routes: the token endpoint\'s errors render with the server\'s settings', async () => {
        const server = oauth2orize.createServer({ issuer: 'https://as.example.com', hardened: true });
        server.exchange(oauth2orize.exchange.clientCredentials(() => { throw new Error('db password is hunter2'); }));
        const app = express();
        app.use(express.urlencoded({ extended: false }));
        app.post('/token', (req: any, _res: unknown, next: () => void) => { req.user = client; next(); }, server.token());
        app.use(server.errorHandler);
        const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
        assert.equal(res.status, 500, res.text);
        assert.deepEqual(res.body, { error: 'server_error' }, 'hardened: the internal message stays hidden');
      });

      it('app.use(server.errorHandler) before the routes still passes a clear error for a normal request', async () => {
        const server = oauth2orize.createServer();
        const app = express();
        app.use(server.errorHandler);
        app.use(jsonErrors);
        const res = await request(app).get('/anything');
        assert.equal(res.status, 500);
        assert.match(res.body.message, /server\.errorHandler is a factory.*app\.use\(server\.errorHandler\(\)\)/);
      });

      it('app.post(path, server.token) and server.decision uncalled pass a clear error to next', async () => {
        const server = oauth2orize.createServer();
        const app = express();
        app.post('/token', server.token as any);
        app.post('/decision', server.decision as any);
        app.use(jsonErrors);
        for (const [method, path, name] of [['post', '/token', 'server.token'], ['post', '/decision', 'server.decision']] as const) {
          const res = await (request(app) as any)[method](path);
          assert.equal(res.status, 500, `${path}: ${res.text}`);
          assert.ok(res.body.message.startsWith(`oauth2orize: ${name} is a factory`), `${path}: ${res.body.message}`);
        }
      });

      it('server.exchange(oauth2orize.exchange.password) without the call fails that grant type with a clear error', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.password));
        const res = await request(app).post('/token').type('form').send({ grant_type: 'password', username: 'u', password: 'p' });
        assert.equal(res.status, 500, res.text);
        assert.match(res.body.error_description, /oauth2orize\.exchange\.password is a factory/);
      });
    });

    describe('server.errorHandler passed uncalled, wherever it is mounted', () => {
      const lines: string[] = [];
      let saved: { enabled: boolean; log: unknown };
      before(() => {
        saved = { enabled: debug.enabled, log: (debug as any).log };
        debug.enabled = true;
        (debug as any).log = (...args: unknown[]) => lines.push(format(...args));
      });
      after(() => {
        debug.enabled = saved.enabled;
        (debug as any).log = saved.log;
      });
      const setClient = (req: any, _res: unknown, next: () => void) => { req.user = client; next(); };

      /** Each endpoint followed by the uncalled factory, and a request it refuses. */
      function endpoints(server: any): Array<{ name: string; path: string; mount: (app: any) => void; send: (app: any) => any; status: number; body: unknown }> {
        const noRecord = () => { throw new Error('not reached'); };
        return [
          { name: 'token', path: '/token', mount: (app) => app.post('/token', setClient, server.token({ requireGrantType: true }), server.errorHandler),
            send: (app) => request(app).post('/token').type('form').send({}), status: 400,
            body: { error: 'invalid_request', error_description: 'Missing required parameter: grant_type' } },
          { name: 'revocation', path: '/revoke', mount: (app) => app.post('/revoke', setClient, server.revocation(noRecord), server.errorHandler),
            send: (app) => request(app).post('/revoke').type('form').send({}), status: 400,
            body: { error: 'invalid_request', error_description: 'Missing required parameter: token' } },
          { name: 'introspection', path: '/introspect', mount: (app) => app.post('/introspect', setClient, server.introspection(noRecord), server.errorHandler),
            send: (app) => request(app).post('/introspect').type('form').send({}), status: 400,
            body: { error: 'invalid_request', error_description: 'Missing required parameter: token' } },
          { name: 'device_authorization', path: '/device_authorization',
            mount: (app) => app.post('/device_authorization', server.deviceAuthorization({ verificationURI: 'https://as.example/device' }, noRecord), server.errorHandler),
            send: (app) => request(app).post('/device_authorization').type('form').send({ client_id: 'c1' }), status: 401,
            body: { error: 'invalid_client', error_description: 'Client authentication failed' } },
          { name: 'par', path: '/par',
            mount: (app) => app.post('/par', setClient, server.pushedAuthorization((_id: string, uri: string, done: any) => done(null, client, uri), noRecord), server.errorHandler),
            send: (app) => request(app).post('/par').type('form').send({ client_id: 'c1' }), status: 400,
            body: { error: 'invalid_request', error_description: 'Missing required parameter: response_type' } },
          { name: 'metadata', path: '/.well-known/oauth-authorization-server',
            mount: (app) => app.get('/.well-known/oauth-authorization-server', server.metadata({ issuer: 'https://as.example', metadata: { unserializable: 1n } }), server.errorHandler),
            send: (app) => request(app).get('/.well-known/oauth-authorization-server'), status: 500,
            body: { error: 'server_error', error_description: 'Do not know how to serialize a BigInt' } },
        ];
      }

      it('every endpoint answers its OAuth JSON error, not Express\'s HTML page, and DEBUG names the fix', async () => {
        const server = oauth2orize.createServer();
        server.grant(oauth2orize.grant.code((_c: unknown, _r: unknown, _u: unknown, done: any) => done(null, 'code')));
        for (const e of endpoints(server)) {
          const app = express();
          app.use(express.urlencoded({ extended: false }));
          e.mount(app);
          lines.length = 0;
          const res = await e.send(app);
          assert.equal(res.status, e.status, `${e.name}: ${res.text}`);
          assert.match(res.headers['content-type'], /application\/json/, e.name);
          assert.deepEqual(res.body, e.body, e.name);
          assert.ok(lines.some((l) => l.includes(`after the ${e.name} endpoint`) && l.includes('write server.errorHandler()')), `${e.name}: ${JSON.stringify(lines)}`);
        }
      });

      it('the authorization endpoint followed by server.authorizationErrorHandler uncalled redirects the error to the client', async () => {
        const server = oauth2orize.createServer();
        server.grant(oauth2orize.grant.code((_c: unknown, _r: unknown, _u: unknown, done: any) => done(null, 'code')));
        const app = express();
        app.get('/authorize', (req: any, _res: unknown, next: () => void) => { req.user = user; next(); },
          server.authorize((_id: string, uri: string, done: any) => done(null, client, uri),
            (_c: unknown, _u: unknown, done: any) => done(new oauth2orize.AuthorizationError('not for you', 'access_denied'))),
          server.authorizationErrorHandler as any);
        const res = await request(app).get('/authorize').query({ response_type: 'code', client_id: 'c1', redirect_uri: REDIRECT, state: 's1' });
        assert.equal(res.status, 302, res.text);
        assert.equal(res.headers.location, `${REDIRECT}?error=access_denied&error_description=not%20for%20you&state=s1`);
      });

      it('the decision endpoint (its transaction loader) followed by server.errorHandler uncalled answers the JSON error', async () => {
        const server = oauth2orize.createServer();
        const app = express();
        app.use(express.urlencoded({ extended: false }));
        app.post('/decision', (req: any, _res: unknown, next: () => void) => { req.session = {}; req.user = user; next(); }, server.decision(), server.errorHandler);
        const res = await request(app).post('/decision').type('form').send({ transaction_id: 'gone' });
        assert.equal(res.status, 403, res.text);
        assert.deepEqual(res.body, { error: 'server_error', error_description: 'Unable to load OAuth 2.0 transactions from session' });
      });

      it('in a router mounted on the app, with the factory mounted after it on the app', async () => {
        const server = oauth2orize.createServer();
        const app = express();
        const router = express.Router();
        router.use(express.urlencoded({ extended: false }));
        router.post('/token', server.token());
        app.use('/oauth', router);
        app.use(server.errorHandler);
        const res = await request(app).post('/oauth/token').type('form').send({ grant_type: 'nope' });
        assert.equal(res.status, 501, res.text);
        assert.deepEqual(res.body, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: nope' });
      });

      it('an error handler of the app\'s own that comes first gets the error, untouched', async () => {
        const server = oauth2orize.createServer();
        const app = express();
        app.use(express.urlencoded({ extended: false }));
        app.use('/elsewhere', server.errorHandler);
        app.post('/a', server.token(), jsonErrors, server.errorHandler);
        app.post('/b', server.token());
        app.use(jsonErrors);
        app.use(server.errorHandler);
        for (const path of ['/a', '/b']) {
          const res = await request(app).post(path).type('form').send({ grant_type: 'nope' });
          assert.equal(res.status, 500, `${path}: ${res.text}`);
          assert.deepEqual(res.body, { message: 'Unsupported grant type: nope' }, path);
        }
      });

      it('a factory mounted before the endpoint is not used to render its errors', async () => {
        const server = oauth2orize.createServer();
        const app = express();
        app.use(express.urlencoded({ extended: false }));
        app.set('env', 'test'); // Express's final handler then logs nothing
        app.use('/token/never', server.errorHandler);
        app.post('/token', server.token());
        const res = await request(app).post('/token').type('form').send({ grant_type: 'nope' });
        assert.equal(res.status, 501);
        assert.doesNotMatch(res.headers['content-type'], /application\/json/, 'Express\'s own page: nothing after the endpoint renders');
      });
    });

    describe('the token endpoint and its body', () => {
      it('a JSON body answers 400 invalid_request naming the content type, not 501 "Unsupported grant type: undefined"', async () => {
        const app = tokenApp(express, (s) => s.exchange(oauth2orize.exchange.clientCredentials((_c: unknown, done: any) => done(null, 'at'))));
        const res = await request(app).post('/token').set('Content-Type', 'application/json').send(JSON.stringify({ grant_type: 'client_credentials' }));
        assert.equal(res.status, 400, res.text);
        assert.deepEqual(res.body, { error: 'invalid_request', error_description: 'token requests must be application/x-www-form-urlencoded' });
      });

      it('a form body without grant_type keeps 1.x\'s 501 "Unsupported grant type: undefined"', async () => {
        const app = tokenApp(express, () => {});
        const res = await request(app).post('/token').type('form').send({ foo: 'bar' });
        assert.equal(res.status, 501, res.text);
        assert.equal(res.body.error_description, 'Unsupported grant type: undefined');
      });

      it('a JSON body the app parses itself (express.json()) still works, as in 1.x', async () => {
        const server = oauth2orize.createServer();
        server.exchange(oauth2orize.exchange.clientCredentials((_c: unknown, done: any) => done(null, 'at-json')));
        const app = express();
        app.use(express.json());
        app.post('/token', (req: any, _res: unknown, next: () => void) => { req.user = client; next(); }, server.token(), server.errorHandler());
        const res = await request(app).post('/token').send({ grant_type: 'client_credentials' });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.access_token, 'at-json');
      });

      it('without a body parser: 1.x\'s message to the client, express.urlencoded named in the debug log', async () => {
        const lines: string[] = [];
        const saved = { enabled: debug.enabled, log: (debug as any).log };
        debug.enabled = true;
        (debug as any).log = (...args: unknown[]) => lines.push(format(...args));
        try {
          const server = oauth2orize.createServer();
          const app = express();
          app.post('/token', server.token(), server.errorHandler());
          const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
          assert.equal(res.status, 500, res.text);
          assert.equal(res.body.error_description, BODY_PARSING_MESSAGE);
          assert.ok(lines.some((l) => l.includes('express.urlencoded({ extended: false })')), JSON.stringify(lines));
        } finally {
          debug.enabled = saved.enabled;
          (debug as any).log = saved.log;
        }
      });
    });

    describe('decision without a body parser', () => {
      it('a form POST gets the 1.x body-parsing error, not "Missing required parameter: transaction_id"', async () => {
        const server = oauth2orize.createServer();
        const app = express();
        app.post('/decision', (req: any, _res: unknown, next: () => void) => { req.session = { authorize: { abc: {} } }; req.user = user; next(); },
          server.decision(), jsonErrors);
        const res = await request(app).post('/decision').type('form').send({ transaction_id: 'abc' });
        assert.equal(res.status, 500);
        assert.equal(res.body.message, BODY_PARSING_MESSAGE);
      });
    });
  });
}
