/**
 * A token-endpoint suite run against real Express apps over HTTP, shared by
 * token-express4.test.ts and token-express5.test.ts. Clients authenticate with
 * passport (HTTP Basic or client_id/client_secret in the body), then
 * `server.token()` and `server.errorHandler()` do the rest, as a 1.x app would.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import passport from 'passport';
import passportHttp from 'passport-http';
import ClientPasswordStrategy from 'passport-oauth2-client-password';
import oauth2orize, { TokenError } from '../../src/index.js';

const BODY_PARSING_MESSAGE = 'OAuth2orize requires body parsing. Did you forget app.use(express.bodyParser())?';
const REDIRECT = 'https://client.example.com/cb';

interface Client { id: string; secret: string }
const clients: Record<string, Client> = {
  c1: { id: 'c1', secret: 'shh' },
  c2: { id: 'c2', secret: 'quiet' },
};

function verifyClient(id: string, secret: string, done: (err: unknown, client?: Client | false) => void) {
  const client = clients[id];
  if (!client || client.secret !== secret) return done(null, false);
  return done(null, client);
}

export interface AppOptions {
  json?: boolean;
  errorHandler?: Record<string, unknown>;
}

/** Build an Express app with a token endpoint that supports the four bundled exchanges. */
export function buildApp(express: any, options: AppOptions = {}) {
  const lib: any = oauth2orize;
  const server = lib.createServer();

  server.exchange(lib.exchange.code((client: Client, code: string, redirectURI: string, done: any) => {
    if (code === 'bad-client') return done(new TokenError('bad client', 'invalid_client'));
    if (code === 'good-code' && redirectURI === REDIRECT) {
      return done(null, 'at-code-' + client.id, 'rt-code-' + client.id, { expires_in: 3600 });
    }
    return done(null, false);
  }));

  server.exchange(lib.exchange.clientCredentials((client: Client, scope: string[] | undefined, done: any) => {
    const params: Record<string, unknown> = { expires_in: 60 };
    if (scope) params.scope = scope.join(' ');
    return done(null, 'at-cc-' + client.id, params);
  }));

  server.exchange(lib.exchange.password((client: Client, username: string, pw: string, scope: string[] | undefined, done: any) => {
    if (username !== 'bob' || pw !== 'secret') return done(null, false);
    return done(null, 'at-pw-' + client.id, 'rt-pw', { scope: (scope ?? []).join(' ') });
  }));

  server.exchange(lib.exchange.refreshToken((client: Client, refreshToken: string, scope: string[] | undefined, done: any) => {
    if (refreshToken !== 'rt-good') return done(null, false);
    return done(null, 'at-rt-' + client.id, 'rt-rotated', { token_type: 'DPoP', scope: scope ? scope.join(' ') : undefined });
  }));

  const pp = new (passport as any).Passport();
  pp.use(new (passportHttp as any).BasicStrategy(verifyClient));
  pp.use(new (ClientPasswordStrategy as any)(verifyClient));

  const app = express();
  if (options.json) app.use(express.json());
  else app.use(express.urlencoded({ extended: false }));
  app.use(pp.initialize());
  app.post(
    '/token',
    pp.authenticate(['basic', 'oauth2-client-password'], { session: false }),
    server.token(),
    server.errorHandler(options.errorHandler),
  );
  // Anything reaching here means oauth2orize passed on an error it should have rendered.
  app.use((err: any, _req: any, res: any, _next: any) => {
    res.status(599).json({ leaked: String(err && err.message) });
  });
  return app;
}

function assertTokenHeaders(res: request.Response) {
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['pragma'], 'no-cache');
}

function assertErrorJson(res: request.Response, status: number, body: Record<string, unknown>) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.deepEqual(res.body, body);
}

/** Register the suite for one Express major version. */
export function defineTokenSuite(label: string, express: any, major: 4 | 5) {
  describe(`token endpoint over HTTP (${label})`, () => {
    const app = buildApp(express);

    describe('successful exchanges (urlencoded, Basic auth)', () => {
      it('authorization_code', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'authorization_code', code: 'good-code', redirect_uri: REDIRECT });
        assertTokenHeaders(res);
        assert.deepEqual(res.body, { access_token: 'at-code-c1', refresh_token: 'rt-code-c1', expires_in: 3600, token_type: 'Bearer' });
        assert.equal(res.text, '{"access_token":"at-code-c1","refresh_token":"rt-code-c1","expires_in":3600,"token_type":"Bearer"}');
      });

      it('client_credentials', async () => {
        const res = await request(app).post('/token').auth('c2', 'quiet').type('form')
          .send({ grant_type: 'client_credentials', scope: 'read write' });
        assertTokenHeaders(res);
        assert.deepEqual(res.body, { access_token: 'at-cc-c2', expires_in: 60, scope: 'read write', token_type: 'Bearer' });
      });

      it('password', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'password', username: 'bob', password: 'secret', scope: 'profile' });
        assertTokenHeaders(res);
        assert.deepEqual(res.body, { access_token: 'at-pw-c1', refresh_token: 'rt-pw', scope: 'profile', token_type: 'Bearer' });
      });

      it('refresh_token (a token_type param wins over Bearer)', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'refresh_token', refresh_token: 'rt-good', scope: 'a b' });
        assertTokenHeaders(res);
        assert.deepEqual(res.body, { access_token: 'at-rt-c1', refresh_token: 'rt-rotated', token_type: 'DPoP', scope: 'a b' });
      });

      it('authenticates with client_id/client_secret in the body', async () => {
        const res = await request(app).post('/token').type('form')
          .send({ grant_type: 'client_credentials', client_id: 'c1', client_secret: 'shh' });
        assertTokenHeaders(res);
        assert.deepEqual(res.body, { access_token: 'at-cc-c1', expires_in: 60, token_type: 'Bearer' });
      });
    });

    describe('errors', () => {
      it('a bad code gives invalid_grant 403', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT });
        assertErrorJson(res, 403, { error: 'invalid_grant', error_description: 'Invalid authorization code' });
        assert.equal(res.headers['www-authenticate'], undefined);
      });

      it('bad resource-owner credentials give invalid_grant 403', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'password', username: 'bob', password: 'wrong' });
        assertErrorJson(res, 403, { error: 'invalid_grant', error_description: 'Invalid resource owner credentials' });
      });

      it('an unsupported grant gives unsupported_grant_type 501', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'urn:example:unknown' });
        assertErrorJson(res, 501, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: urn:example:unknown' });
      });

      it('a missing parameter gives invalid_request 400', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'refresh_token' });
        assertErrorJson(res, 400, { error: 'invalid_request', error_description: 'Missing required parameter: refresh_token' });
      });

      it('a missing password gives invalid_request 400', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'password', username: 'bob' });
        assertErrorJson(res, 400, { error: 'invalid_request', error_description: 'Missing required parameter: password' });
      });

      it('invalid_client from an exchange gives 401 with a Basic challenge when the client used Basic', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'authorization_code', code: 'bad-client', redirect_uri: REDIRECT });
        assertErrorJson(res, 401, { error: 'invalid_client', error_description: 'bad client' });
        assert.equal(res.headers['www-authenticate'], 'Basic realm="oauth2"');
      });

      it('invalid_client gives a Basic challenge when the client sent credentials in the body', async () => {
        const res = await request(app).post('/token').type('form')
          .send({ grant_type: 'authorization_code', code: 'bad-client', redirect_uri: REDIRECT, client_id: 'c1', client_secret: 'shh' });
        assertErrorJson(res, 401, { error: 'invalid_client', error_description: 'bad client' });
        assert.equal(res.headers['www-authenticate'], 'Basic realm="oauth2"');
      });

      it('the realm option changes the challenge', async () => {
        const realmApp = buildApp(express, { errorHandler: { realm: 'example' } });
        const res = await request(realmApp).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'authorization_code', code: 'bad-client', redirect_uri: REDIRECT });
        assert.equal(res.status, 401);
        assert.equal(res.headers['www-authenticate'], 'Basic realm="example"');
      });

      it('rfcStatus: true gives 400 for invalid_grant and unsupported_grant_type', async () => {
        const rfcApp = buildApp(express, { errorHandler: { rfcStatus: true } });
        let res = await request(rfcApp).post('/token').auth('c1', 'shh').type('form')
          .send({ grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT });
        assertErrorJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid authorization code' });
        res = await request(rfcApp).post('/token').auth('c1', 'shh').type('form').send({ grant_type: 'foo' });
        assertErrorJson(res, 400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: foo' });
      });

      it('repeated form fields (arrays) are refused with invalid_request', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send('grant_type=authorization_code&code=good-code&code=other&redirect_uri=' + encodeURIComponent(REDIRECT));
        assertErrorJson(res, 400, { error: 'invalid_request', error_description: 'Invalid parameter: code must be a string' });
      });

      it('a repeated grant_type is refused with invalid_request', async () => {
        const res = await request(app).post('/token').auth('c1', 'shh').type('form')
          .send('grant_type=password&grant_type=client_credentials');
        assertErrorJson(res, 400, { error: 'invalid_request', error_description: 'Invalid parameter: grant_type must be a string' });
      });

      if (major === 5) {
        // Express 5 leaves req.body undefined when the client sent no body or a
        // content type no parser accepts. The port reads that as an empty body
        // (what Express 4 gave), so the client gets an OAuth error, not a 500.
        it('a POST with no body is read as an empty body: unsupported_grant_type 501, as under Express 4', async () => {
          const res = await request(app).post('/token').auth('c1', 'shh');
          assertErrorJson(res, 501, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: undefined' });
        });

        it('a POST with an unparsed content type is read as an empty body, never a 500', async () => {
          const res = await request(app).post('/token').auth('c1', 'shh').set('Content-Type', 'text/plain')
            .send('grant_type=client_credentials');
          assertErrorJson(res, 501, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: undefined' });
        });
      } else {
        it('a POST with no body reaches token() with an empty body: unsupported_grant_type 501', async () => {
          // Express 4's urlencoded parser always sets req.body = {}.
          const res = await request(app).post('/token').auth('c1', 'shh');
          assertErrorJson(res, 501, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: undefined' });
        });
      }
    });

    describe('JSON bodies', () => {
      const jsonApp = buildApp(express, { json: true });

      it('exchanges a password grant', async () => {
        const res = await request(jsonApp).post('/token').auth('c1', 'shh')
          .send({ grant_type: 'password', username: 'bob', password: 'secret', scope: 'a b' });
        assertTokenHeaders(res);
        assert.deepEqual(res.body, { access_token: 'at-pw-c1', refresh_token: 'rt-pw', scope: 'a b', token_type: 'Bearer' });
      });

      it('exchanges an authorization code', async () => {
        const res = await request(jsonApp).post('/token').auth('c2', 'quiet')
          .send({ grant_type: 'authorization_code', code: 'good-code', redirect_uri: REDIRECT });
        assertTokenHeaders(res);
        assert.equal(res.body.access_token, 'at-code-c2');
      });

      it('refuses an object where a string is expected (operator injection)', async () => {
        const res = await request(jsonApp).post('/token').auth('c1', 'shh')
          .send({ grant_type: 'password', username: { $ne: null }, password: 'secret' });
        assertErrorJson(res, 400, { error: 'invalid_request', error_description: 'Invalid parameter: username must be a string' });
      });

      it('refuses a non-string scope', async () => {
        const res = await request(jsonApp).post('/token').auth('c1', 'shh')
          .send({ grant_type: 'client_credentials', scope: ['read', 'write'] });
        assertErrorJson(res, 400, { error: 'invalid_request', error_description: 'Invalid parameter: scope must be a string' });
      });

      if (major === 5) {
        it('a form body sent to a JSON-only app gives the body-parsing error', async () => {
          const res = await request(jsonApp).post('/token').auth('c1', 'shh').type('form')
            .send({ grant_type: 'client_credentials' });
          assertErrorJson(res, 500, { error: 'server_error', error_description: BODY_PARSING_MESSAGE });
        });
      }
    });
  });
}
