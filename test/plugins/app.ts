/**
 * A small Express app for driving third-party oauth2orize plugins over HTTP.
 * Each test registers the grants it needs through `setup`. (Not a test file.)
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import request from 'supertest';
import session from 'express-session';
import passport from 'passport';
import passportLocal from 'passport-local';
import passportHttp from 'passport-http';
import oauth2orize from '../../src/index.js';

export const require = createRequire(import.meta.url);

/** Express 4 and 5, to run every plugin test against both. */
export const expressVersions: Array<[string, any]> = [
  ['Express 4', require('express4')],
  ['Express 5', require('express')],
];

export interface Client { id: string; name: string; secret: string; redirectURI: string; trusted: boolean }
export interface User { id: string; username: string }

export const clients: Record<string, Client> = {
  c1: { id: 'c1', name: 'RP', secret: 'shh', redirectURI: 'https://rp.example.com/cb', trusted: false },
  trusted: { id: 'trusted', name: 'First party', secret: 'tt', redirectURI: 'https://fp.example.com/cb', trusted: true },
};
export const alice: User = { id: 'u1', username: 'alice' };

export interface PluginAppOptions {
  setup: (server: any, lib: any) => void;
  immediate?: (...args: any[]) => void;
  complete?: (req: any, txn: any, cb: (err?: unknown) => void) => void;
  /** 'authorizationErrorHandler' or options for server.errorHandler (indirect). */
  errors?: 'authorizationErrorHandler' | Record<string, unknown>;
}

export function buildPluginApp(express: any, opts: PluginAppOptions) {
  const lib: any = oauth2orize;
  const server = lib.createServer();
  server.serializeClient((client: Client, done: any) => done(null, client.id));
  server.deserializeClient((id: string, done: any) => done(null, clients[id] ?? false));
  opts.setup(server, lib);

  const pp = new (passport as any).Passport();
  pp.use(new (passportLocal as any).Strategy((username: string, password: string, done: any) =>
    done(null, username === 'alice' && password === 'secret' ? alice : false)));
  pp.use(new (passportHttp as any).BasicStrategy((id: string, secret: string, done: any) => {
    const client = clients[id];
    done(null, client && client.secret === secret ? client : false);
  }));
  pp.serializeUser((user: User, done: any) => done(null, user.id));
  pp.deserializeUser((id: string, done: any) => done(null, id === alice.id ? alice : false));

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session({ secret: 'plugin tests', resave: false, saveUninitialized: false }));
  app.use(pp.initialize());
  app.use(pp.session());
  const ensureLoggedIn = (req: any, res: any, next: any) => (req.user ? next() : res.status(401).end());
  app.post('/login', pp.authenticate('local', { keepSessionInfo: true }), (_req: any, res: any) => res.redirect('/'));

  const validate = (clientID: string, redirectURI: string, done: any) => {
    const client = clients[clientID];
    if (!client) return done(null, false);
    if (redirectURI && redirectURI !== client.redirectURI) return done(new Error('bad redirect_uri'));
    return done(null, client, client.redirectURI);
  };
  const errors = opts.errors === 'authorizationErrorHandler'
    ? server.authorizationErrorHandler()
    : [server.errorHandler({ mode: 'indirect', ...(opts.errors ?? {}) })];
  const finalHandler = (err: any, _req: any, res: any, _next: any) =>
    res.status(err.status || 500).json({ name: err.name, message: err.message, code: err.code });

  app.get('/authorize', ensureLoggedIn, server.authorize(validate, opts.immediate, opts.complete),
    (req: any, res: any) => res.json({ transactionID: req.oauth2.transactionID, areq: req.oauth2.req }),
    errors, finalHandler);
  app.post('/authorize/decision', ensureLoggedIn, server.decision(undefined, undefined, opts.complete), errors, finalHandler);
  app.post('/token', pp.authenticate('basic', { session: false }), server.token(), server.errorHandler());
  return app;
}

export async function login(app: any) {
  const agent = request.agent(app);
  const res = await agent.post('/login').type('form').send({ username: 'alice', password: 'secret' });
  assert.equal(res.status, 302);
  return agent;
}

/** GET /authorize, expect the consent JSON, POST the decision; returns the decision response. */
export async function consentAndDecide(agent: any, query: Record<string, string>, body: Record<string, string> = {}) {
  const page = await agent.get('/authorize').query(query);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  const decision = await agent.post('/authorize/decision').type('form').send({ transaction_id: page.body.transactionID, ...body });
  return { page, decision };
}

export function queryOf(location: string): Record<string, string> {
  return Object.fromEntries(new URL(location).searchParams);
}
export function fragmentOf(location: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(new URL(location).hash.slice(1)));
}

/** A fake unsigned ID token carrying its claims, so tests can read them back. */
export function fakeIdToken(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none' })}.${b64(claims)}.`;
}
export function claimsOf(idToken: string): any {
  return JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString());
}
