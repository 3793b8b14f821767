/**
 * Helpers for the Promise/context-form tests: a real Express 5 app with
 * express-session and a urlencoded body parser, a logged-in user, a log of
 * every `res.end` and every error that reached the renderer, and a collector
 * of unhandled rejections.
 */
import assert from 'node:assert/strict';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { BasicStrategy } from 'passport-http';
import type { Server } from '../../src/index.js';

export interface Client {
  id: string;
  name: string;
  redirectURI: string;
}
export interface User {
  id: string;
  name: string;
}

export const REDIRECT = 'https://client.example.com/cb';
export const CLIENTS: Record<string, Client> = {
  c1: { id: 'c1', name: 'Client One', redirectURI: REDIRECT },
  c2: { id: 'c2', name: 'Client Two', redirectURI: 'https://two.example.com/cb' },
};
export const USER: User = { id: 'u1', name: 'Alice' };
export const SECRETS: Record<string, string> = { c1: 'shh', c2: 'quiet' };

// The context objects the arity-1 callbacks receive, as the async design
// describes them. These tests pin the runtime behaviour; test/types/ checks
// the public types. Callbacks go through `ctx()`, which checks the arity.
export interface ValidateContext { clientID: string; redirectURI?: string; scope?: string[]; type: string; areq: Record<string, unknown> }
export interface ImmediateContext { txn: any; client: Client; user: User; scope?: string[]; type: string; areq: Record<string, unknown>; locals?: Record<string, unknown> }
export interface CompleteContext { req: express.Request; txn: any }
export interface ParseContext { req: express.Request; txn: any }
export interface CodeContext { client: Client; redirectURI?: string; user: User; ares: Record<string, unknown>; areq: Record<string, unknown>; locals?: Record<string, unknown>; txn: any }
export interface ExtendContext { txn: any }
export interface TokenContext { client: Client; user: User; ares: Record<string, unknown>; areq: Record<string, unknown>; locals?: Record<string, unknown>; txn: any }

/**
 * Hand an arity-1 context-form callback to a factory. It returns the very
 * same function (its `length` is what the library dispatches on), typed
 * `any` so that one helper serves every callback, and throws when the
 * function's arity is not 1.
 */
export function ctx<C>(fn: (context: C) => unknown): any {
  // `async () => x` has arity 0 and would be called in a 1.x form instead.
  if (fn.length !== 1) throw new Error(`context-form callback must have arity 1, not ${fn.length}`);
  return fn;
}

/**
 * Unhandled rejections seen while this test file runs. The listener is added
 * once per process; `assertNone()` waits for pending rejections to surface.
 */
const unhandled: unknown[] = [];
let listening = false;
export function trackUnhandledRejections(): { list: unknown[]; assertNone(): Promise<void> } {
  if (!listening) {
    listening = true;
    process.on('unhandledRejection', (reason) => {
      unhandled.push(reason);
    });
  }
  return {
    list: unhandled,
    async assertNone() {
      // 'unhandledRejection' is emitted after the microtask queue drains.
      await new Promise((r) => setTimeout(r, 15));
      assert.deepEqual(unhandled.map(String), [], 'no unhandled rejections');
    },
  };
}

/** What happened on the server side of a test. */
export interface AppLog {
  /** One entry per `res.end()` call: `"<METHOD> <path> <status>"`. */
  ends: string[];
  /** One entry per error that reached `server.errorHandler()`. */
  errors: string[];
  /** Errors that escaped oauth2orize's handlers (should stay empty). */
  leaked: string[];
}

/** The part of an app that every test shares: body, session, a user, logging. */
export function baseApp(): { app: express.Express; log: AppLog } {
  const log: AppLog = { ends: [], errors: [], leaked: [] };
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session({ secret: 'test secret', resave: false, saveUninitialized: false }));
  app.use((req, res, next) => {
    const end = res.end;
    res.end = function (this: unknown, ...args: unknown[]) {
      log.ends.push(`${req.method} ${req.path} ${res.statusCode}`);
      return (end as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof res.end;
    next();
  });
  return { app, log };
}

/** Log the error, then let `server.errorHandler()` render it. */
export function renderErrors(server: Server<any, any>, log: AppLog): express.ErrorRequestHandler {
  const render = server.errorHandler();
  return function renderError(err: any, req: express.Request, res: express.Response, next: express.NextFunction) {
    log.errors.push(err && err.message);
    render(err, req, res, next);
  };
}

/** Anything reaching this handler escaped oauth2orize. */
export function catchLeaks(log: AppLog): express.ErrorRequestHandler {
  return function leaked(err: any, _req: express.Request, res: express.Response, _next: express.NextFunction) {
    log.leaked.push(String(err && err.message));
    if (!res.headersSent) res.status(599).json({ leaked: String(err && err.message) });
  };
}

/** Pretend the user logged in. */
export function login(req: express.Request, _res: express.Response, next: express.NextFunction): void {
  req.user = USER;
  next();
}

/** The consent page: reports what is on `req.oauth2` as JSON. */
export function consent(req: express.Request, res: express.Response): void {
  const txn = req.oauth2!;
  res.json({
    transactionID: txn.transactionID,
    client: txn.client,
    redirectURI: txn.redirectURI,
    webOrigin: txn.webOrigin,
    areq: txn.req,
    info: txn.info,
    locals: txn.locals,
    user: txn.user,
  });
}

export interface AuthorizationAppOptions {
  validate?: unknown;
  immediate?: unknown;
  complete?: unknown;
  parse?: unknown;
  decisionComplete?: unknown;
  resumeImmediate?: unknown;
  /** Put `server.authorizationErrorHandler()` before the direct error renderer. */
  grantErrors?: boolean;
}

/** A validate callback in the 1.x form that accepts the known clients. */
export function validateKnown(clientID: string, redirectURI: string | undefined, done: (err: unknown, client?: Client | false, redirectURI?: string) => void): void {
  const client = CLIENTS[clientID];
  if (!client) return done(null, false);
  done(null, client, redirectURI || client.redirectURI);
}

/**
 * An authorization server app: `GET /authorize` (authorize, then the consent
 * page), `POST /decision`, `GET /resume`, each followed by the error
 * renderer. The session store keeps pending transactions.
 */
export function authorizationApp(server: Server<any, any>, options: AuthorizationAppOptions = {}): { app: express.Express; log: AppLog } {
  const { app, log } = baseApp();
  const errors: express.ErrorRequestHandler[] = [];
  if (options.grantErrors) errors.push(...(server.authorizationErrorHandler() as express.ErrorRequestHandler[]));
  errors.push(renderErrors(server, log));

  const validate = (options.validate ?? validateKnown) as any;
  app.get('/authorize', login, server.authorize(validate, options.immediate as any, options.complete as any) as express.RequestHandler, consent, ...errors);
  app.post('/decision', login, ...(server.decision({}, options.parse as any, options.decisionComplete as any) as express.RequestHandler[]), ...errors);
  if (options.resumeImmediate) {
    app.get('/resume', login, ...(server.resume(options.resumeImmediate as any) as express.RequestHandler[]), consent, ...errors);
  }
  app.use(catchLeaks(log));
  return { app, log };
}

/** Register the session store's (de)serializers in the 1.x form. */
export function registerClientSerializers(server: Server<any, any>): void {
  server.serializeClient((client: Client, done) => done(null, client.id));
  server.deserializeClient((id: string, done) => done(null, CLIENTS[id] || false));
}

/** Query parameters of an authorization request for client c1. */
export function authorizeQuery(extra: Record<string, string> = {}): Record<string, string> {
  return { response_type: 'code', client_id: 'c1', redirect_uri: REDIRECT, state: 'xyz', ...extra };
}

/** The query (or fragment) parameters of a redirect `Location`. */
export function redirectParams(location: string | undefined, part: 'query' | 'fragment' = 'query'): Record<string, string> {
  assert.ok(location, 'expected a Location header');
  const url = new URL(location);
  const raw = part === 'query' ? url.search.slice(1) : url.hash.slice(1);
  return Object.fromEntries(new URLSearchParams(raw));
}

/**
 * A token endpoint app: passport HTTP Basic authenticates the client (with
 * `req.authInfo` set to `{ scheme: 'basic' }`), then `server.token()` and the error
 * renderer.
 */
export function tokenApp(server: Server<any, any>): { app: express.Express; log: AppLog } {
  const { app, log } = baseApp();
  const pp = new passport.Passport();
  pp.use(new BasicStrategy((id, secret, done) => {
    const client = CLIENTS[id];
    if (!client || SECRETS[id] !== secret) return done(null, false);
    return done(null, client);
  }));
  app.use(pp.initialize());
  // passport-http's Basic strategy passes no info, so `authInfo` is set here.
  const markAuthInfo: express.RequestHandler = (req, _res, next) => {
    req.authInfo = { scheme: 'basic' };
    next();
  };
  app.post('/token', pp.authenticate('basic', { session: false }), markAuthInfo, server.token() as express.RequestHandler, renderErrors(server, log));
  app.use(catchLeaks(log));
  return { app, log };
}

/** Wait long enough for anything a callback does after responding to happen. */
export function settleDown(ms = 20): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
