/**
 * A small authorization server for the hardening tests: express-session with
 * a MemoryStore, `server.authorize` answering with the transaction ID,
 * `server.decision`, and a final error handler that shows what reached it.
 */
import express from 'express';
import session from 'express-session';
import oauth2orize, { type ServerOptions } from '../../src/index.js';
import type { Reply } from '../fuzz/harness.js';

export const CLIENT_ID = 'c1';
export const REDIRECT_URI = 'http://client.example/cb';

export interface AuthApp {
  app: express.Express;
  sessions: session.MemoryStore;
  server: ReturnType<typeof oauth2orize.createServer>;
  /** Codes issued, in order. */
  issued: string[];
}

export interface AuthAppOptions {
  server?: ServerOptions;
  /** Milliseconds the code grant's `issue` takes, as a database write would. */
  issueDelay?: number;
}

export function authApp(options: AuthAppOptions = {}): AuthApp {
  const server = oauth2orize.createServer(options.server);
  server.serializeClient((client: { id: string }, done) => done(null, client.id));
  server.deserializeClient((id: string, done) => done(null, { id }));
  const issued: string[] = [];
  server.grant(oauth2orize.grant.code((_client, _redirectURI, _user, done) => {
    const code = 'code-' + (issued.length + 1);
    issued.push(code);
    if (options.issueDelay) setTimeout(() => done(null, code), options.issueDelay);
    else done(null, code);
  }));

  const sessions = new session.MemoryStore();
  const app = express();
  app.use(session({ secret: 'hardening', resave: false, saveUninitialized: false, store: sessions }));
  app.use(express.urlencoded({ extended: false }));
  app.use((req: any, _res, next) => { req.user = { id: 'u1' }; next(); });
  app.get('/authorize',
    server.authorize((clientID: string, redirectURI: string | undefined, done: any) => {
      if (clientID !== CLIENT_ID) return done(null, false);
      done(null, { id: clientID }, REDIRECT_URI);
    }),
    (req: any, res: express.Response) => { res.json({ transactionID: req.oauth2.transactionID }); });
  app.get('/pending', (req: any, res) => { res.json(Object.keys((req.session && req.session.authorize) || {})); });
  app.post('/decision', server.decision());
  app.use((err: any, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status || 500).json({ name: err.name, message: err.message, code: err.code });
  });
  return { app, sessions, server, issued };
}

/** The session ID inside an express-session cookie (`connect.sid=s%3A<id>.<signature>`). */
export function sessionIdOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  assertPrefix(value, 's:');
  return value.slice(2, value.lastIndexOf('.'));
}

function assertPrefix(value: string, prefix: string): void {
  if (!value.startsWith(prefix)) throw new Error(`unexpected session cookie value ${value}`);
}

/** Parse a JSON reply body. */
export function body(reply: Reply): any {
  return JSON.parse(reply.text);
}
