/**
 * The Express 5 applications the fuzzer attacks. They are wired the way the
 * README tells an application to wire oauth2orize, with the extended query and
 * form parsers (the ones that produce arrays and objects), and they record
 * every argument the library hands to the application's callbacks.
 */
import express from 'express';
import session from 'express-session';
import oauth2orize, { AuthorizationError } from '../../src/index.js';

export const CLIENT_ID = 'c1';
export const REDIRECT_URI = 'http://client.example/cb';
/** A primary parameter with this value makes the app's issue callback throw. */
export const THROW = 'boom';
/** A primary parameter with this value makes the app's issue callback fail with an Error. */
export const FAIL = 'err';

/** One call the library made into the application. */
export interface Call {
  fn: string;
  /** The request-derived arguments, by name (client, user and done left out). */
  params: Record<string, unknown>;
}

/** Shared by the apps of one test file: what happened during the current request. */
export class Recorder {
  calls: Call[] = [];
  /** Set when an app callback threw or failed on purpose during the request. */
  appFailed = false;
  /** Errors that reached the app's own final error handler. */
  appErrors: unknown[] = [];
  /** Set once the request got past the body parsers into the route. */
  routed = false;

  reset(): void {
    this.calls = [];
    this.appFailed = false;
    this.appErrors = [];
    this.routed = false;
  }

  record(fn: string, params: Record<string, unknown>): void {
    this.calls.push({ fn, params });
  }

  /** Throw or fail when the value asks for it; `done` receives the failure. */
  trap(value: unknown, done: (err: Error) => void): boolean {
    if (value === THROW || (Array.isArray(value) && value.includes(THROW))) {
      this.appFailed = true;
      throw new Error('the application threw');
    }
    if (value === FAIL || (Array.isArray(value) && value.includes(FAIL))) {
      this.appFailed = true;
      done(new Error('the application failed'));
      return true;
    }
    return false;
  }
}

/** Body parsers with limits large enough for the 100 KB values to get through. */
function parsers() {
  return [
    express.urlencoded({ extended: true, limit: '4mb' }),
    express.json({ limit: '4mb' }),
  ];
}

/**
 * The app's last error handler: JSON with `err.status || 500`. It records
 * what reaches it, so a test can tell oauth2orize's own answers from errors
 * the library passed on (or body-parser rejections).
 */
function finalHandler(rec: Recorder) {
  return (err: any, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    rec.appErrors.push(err);
    res.status((err && err.status) || 500).json({
      app_error: true,
      code: err && err.code,
      type: err && err.type,
      message: String(err && err.message),
    });
  };
}

/** Token endpoint: the four exchanges; `/token` uses 1.x statuses, `/token-rfc` RFC 6749's. */
export function tokenApp(rec: Recorder): express.Express {
  const server = oauth2orize.createServer();

  server.exchange(oauth2orize.exchange.authorizationCode((client: unknown, code: string, redirectURI: string | undefined, done: any) => {
    void client;
    rec.record('authorizationCode', { code, redirectURI });
    if (rec.trap(code, done)) return;
    if (code === 'good' && redirectURI === REDIRECT_URI) return done(null, 'at-code', 'rt-code', { expires_in: 60 });
    done(null, false);
  }));
  server.exchange(oauth2orize.exchange.clientCredentials((client: unknown, scope: string[] | undefined, done: any) => {
    void client;
    rec.record('clientCredentials', { scope });
    if (rec.trap(scope, done)) return;
    done(null, 'at-cc');
  }));
  server.exchange(oauth2orize.exchange.password((client: unknown, username: string, password: string, scope: string[] | undefined, done: any) => {
    void client;
    rec.record('password', { username, password, scope });
    if (rec.trap(username, done)) return;
    if (username === 'alice' && password === 'pw') return done(null, 'at-pw', 'rt-pw');
    done(null, false);
  }));
  server.exchange(oauth2orize.exchange.refreshToken((client: unknown, refreshToken: string, scope: string[] | undefined, done: any) => {
    void client;
    rec.record('refreshToken', { refreshToken, scope });
    if (rec.trap(refreshToken, done)) return;
    if (refreshToken === 'rt') return done(null, 'at-rt', { scope: scope ? scope.join(' ') : 'all' });
    done(null, false);
  }));

  const app = express();
  app.set('query parser', 'extended');
  app.use(...parsers());
  // Stands in for client authentication (passport-http Basic in a real app).
  const authenticated = (req: any, _res: express.Response, next: express.NextFunction) => {
    rec.routed = true;
    req.user = { id: CLIENT_ID };
    next();
  };
  app.post('/token', authenticated, server.token(), server.errorHandler());
  app.post('/token-rfc', authenticated, server.token(), server.errorHandler({ rfcStatus: true }));
  app.use(finalHandler(rec));
  return app;
}

/**
 * Authorization endpoint and decision endpoint, with sessions. `validate`
 * knows one client with one redirect URI; a scope containing `forbidden` is
 * refused with an error that is redirected back to the client.
 */
export function authorizeApp(rec: Recorder): { app: express.Express; store: session.MemoryStore } {
  const server = oauth2orize.createServer();
  server.serializeClient((client: { id: string }, done) => done(null, client.id));
  server.deserializeClient((id: string, done) => done(null, id === CLIENT_ID ? { id } : false));

  server.grant(oauth2orize.grant.code((client: unknown, redirectURI: string | undefined, user: unknown, ares: any, areq: any, done: any) => {
    void client; void user;
    rec.record('grant.code', { redirectURI, allow: ares.allow, ...areqParams(areq) });
    if (rec.trap(areq.state, done)) return;
    done(null, 'the-code');
  }));
  server.grant(oauth2orize.grant.token((client: unknown, user: unknown, ares: any, areq: any, done: any) => {
    void client; void user;
    rec.record('grant.token', { allow: ares.allow, ...areqParams(areq) });
    if (rec.trap(areq.state, done)) return;
    done(null, 'the-token', { expires_in: 60 });
  }));

  const validate = (clientID: string, redirectURI: string | undefined, scope: string[] | undefined, done: any) => {
    rec.record('validate', { clientID, redirectURI, scope });
    if (clientID !== CLIENT_ID) return done(new AuthorizationError('Unknown client', 'unauthorized_client'));
    if (redirectURI !== undefined && redirectURI !== REDIRECT_URI) {
      return done(new AuthorizationError('Redirect URI not registered', 'invalid_request'));
    }
    const client = { id: CLIENT_ID };
    if (Array.isArray(scope) && scope.includes('forbidden')) {
      return done(new AuthorizationError('Scope not allowed', 'invalid_scope'), client, REDIRECT_URI);
    }
    done(null, client, REDIRECT_URI);
  };

  const store = new session.MemoryStore();
  const app = express();
  app.set('query parser', 'extended');
  app.use(session({ secret: 'fuzz', resave: false, saveUninitialized: false, store }));
  app.use(...parsers());
  const loggedIn = (req: any, _res: express.Response, next: express.NextFunction) => {
    rec.routed = true;
    req.user = { id: 'u1' };
    next();
  };
  const authorize = [
    loggedIn,
    server.authorize(validate),
    (req: any, res: express.Response) => { res.json({ transactionID: req.oauth2.transactionID }); },
    server.errorHandler({ mode: 'indirect' }),
  ];
  app.get('/authorize', ...authorize);
  app.post('/authorize', ...authorize);
  app.post('/decision', loggedIn, server.decision(), server.errorHandler({ mode: 'indirect' }));
  app.use(finalHandler(rec));
  return { app, store };
}

function areqParams(areq: any): Record<string, unknown> {
  return { 'areq.type': areq.type, 'areq.clientID': areq.clientID, 'areq.redirectURI': areq.redirectURI, 'areq.scope': areq.scope, 'areq.state': areq.state };
}
