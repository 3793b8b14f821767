/**
 * An Express 5 authorization server for the issue-11 tests (PKCE, iss,
 * form_post, the hardened profile). (Not a test file.)
 *
 * The app stores, with each code, the `codeChallenge` / `codeChallengeMethod`
 * that `grant.code` put on the request, and returns that record from
 * `exchange.code`'s `pkce.lookup`: exactly the contract the README documents.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import oauth2orize, { AuthorizationError, type ServerOptions } from '../../src/index.js';

export const require = createRequire(import.meta.url);

export interface Client { id: string; secret?: string; redirectURI: string; trusted: boolean }

export const clients: Record<string, Client> = {
  conf: { id: 'conf', secret: 'conf-secret', redirectURI: 'https://rp.example.com/cb', trusted: false },
  pub: { id: 'pub', redirectURI: 'https://spa.example.com/cb', trusted: false },
  // Approved at once by `immediate`, so a client library can follow the redirect.
  app: { id: 'app', redirectURI: 'https://app.example.com/cb', trusted: true },
  appconf: { id: 'appconf', secret: 'appconf-secret', redirectURI: 'https://app2.example.com/cb', trusted: true },
};

export const isPublic = (client: Client): boolean => !client.secret;

export interface CodeRecord {
  clientID: string;
  redirectURI: string | undefined;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

export interface ModernAppOptions {
  server?: ServerOptions;
  /** Options of grant.code (`pkce`, `responseModes`, `modes`). */
  code?: Record<string, unknown>;
  /** Options of grant.token; `false` leaves the implicit grant out. */
  token?: Record<string, unknown> | false;
  /** `pkce` option of exchange.code; `undefined` uses the lookup below, `false` turns it off, `'none'` omits the option. */
  exchangePkce?: Record<string, unknown> | false | 'none';
  /** Register oauth2orize-pkce's parser and verify in `issue`, as plugin apps do. */
  plugin?: boolean;
  /** Register the password exchange. */
  password?: boolean;
  /** 'authorizationErrorHandler' (default) or 'indirect' (errorHandler({ mode: 'indirect' })). */
  errors?: 'authorizationErrorHandler' | 'indirect';
  /** Leave client authentication out of the token endpoint. */
  noClientAuth?: boolean;
  /** Options of server.token(). */
  tokenOptions?: Record<string, unknown>;
  /** Options of the authorize middleware (`idLength`). */
  authorizeOptions?: Record<string, unknown>;
}

export interface ModernApp {
  app: express.Express;
  server: ReturnType<typeof oauth2orize.createServer<Client, { id: string }>>;
  codes: Map<string, CodeRecord>;
  /** What each `issue` call saw. */
  issued: Array<Record<string, unknown>>;
  /** Errors that reached the final error handler. */
  finalErrors: unknown[];
}

export const S256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

export function modernApp(options: ModernAppOptions = {}): ModernApp {
  const lib: any = oauth2orize;
  const server = oauth2orize.createServer<Client, { id: string }>(options.server);
  server.serializeClient((client, done) => done(null, client.id));
  server.deserializeClient((id: string, done) => done(null, clients[id] ?? false));
  const codes = new Map<string, CodeRecord>();
  const issued: Array<Record<string, unknown>> = [];
  const finalErrors: unknown[] = [];

  if (options.plugin) server.grant(require('oauth2orize-pkce').extensions());
  // Positional form, arity 6: areq carries the challenge with or without the plugin.
  server.grant(lib.grant.code(options.code ?? {}, (client: Client, redirectURI: string, _user: unknown, _ares: unknown, areq: any, done: any) => {
    const code = randomBytes(12).toString('base64url');
    issued.push({ client: client.id, codeChallenge: areq.codeChallenge, codeChallengeMethod: areq.codeChallengeMethod });
    codes.set(code, { clientID: client.id, redirectURI, codeChallenge: areq.codeChallenge, codeChallengeMethod: areq.codeChallengeMethod });
    done(null, code);
  }));
  if (options.token !== false) {
    server.grant(lib.grant.token(options.token ?? {}, (client: Client, _user: unknown, done: any) => done(null, 'at-implicit-' + client.id, { expires_in: 60 })));
  }

  const lookup = async ({ code }: { code: string }) => codes.get(code);
  const exchangeOptions: Record<string, unknown> = {};
  if (options.exchangePkce === undefined) exchangeOptions.pkce = { lookup };
  else if (options.exchangePkce !== 'none') exchangeOptions.pkce = options.exchangePkce === false ? false : { lookup, ...options.exchangePkce };
  server.exchange(lib.exchange.code(exchangeOptions, (client: Client, code: string, redirectURI: string, body: any, done: any) => {
    const entry = codes.get(code);
    if (!entry || !client || entry.clientID !== client.id || entry.redirectURI !== redirectURI) return done(null, false);
    if (options.plugin && exchangeOptions.pkce === false && entry.codeChallenge) {
      // The oauth2orize-pkce way: the app checks the verifier itself.
      const verifier = body.code_verifier;
      const expected = entry.codeChallengeMethod === 'S256' ? S256(String(verifier)) : verifier;
      if (expected !== entry.codeChallenge) return done(null, false);
    }
    codes.delete(code);
    done(null, 'at-' + code, { scope: 'read' });
  }));
  if (options.password) {
    server.exchange(lib.exchange.password((client: Client, username: string, password: string, done: any) =>
      done(null, username === 'alice' && password === 'pw' ? 'at-pw-' + (client ? client.id : 'nobody') : false)));
  }

  const app = express();
  // The qs parser turns `a[]=1` and `a[b]=1` into arrays and objects, as many apps configure it.
  app.set('query parser', 'extended');
  app.use(express.urlencoded({ extended: true }));
  app.use(session({ secret: 'modern tests', resave: false, saveUninitialized: false }));
  const authUser = (req: any, res: any, next: any) => {
    if (req.session && req.session.userId) { req.user = { id: req.session.userId }; return next(); }
    res.status(401).json({ login: true });
  };
  app.post('/login', (req: any, res) => { req.session.userId = 'alice'; res.json({ ok: true }); });

  const validate = (clientID: string, redirectURI: string | undefined, done: any) => {
    const client = clients[clientID];
    if (!client) return done(null, false);
    if (redirectURI && redirectURI !== client.redirectURI) return done(new AuthorizationError('redirect_uri mismatch', 'invalid_request'));
    done(null, client, client.redirectURI);
  };
  // `scope=explode` makes immediate fail with an internal error, `scope=busy` with an OAuth one.
  const immediate = (client: Client, _user: unknown, scope: string[] | undefined, done: any) => {
    if (scope && scope.includes('explode')) return done(new Error('connect ECONNREFUSED 10.0.0.7:5432'));
    if (scope && scope.includes('busy')) return done(new AuthorizationError('Try later', 'temporarily_unavailable'));
    done(null, client.trusted);
  };
  const errors = options.errors === 'indirect'
    ? [server.errorHandler({ mode: 'indirect' })]
    : server.authorizationErrorHandler();
  const final = (err: any, _req: any, res: any, _next: any) => {
    finalErrors.push(err);
    res.status(err.status || 500).json({ final: true, name: err.name, message: err.message, code: err.code });
  };
  app.get('/authorize', authUser, server.authorize(options.authorizeOptions ?? {}, validate, immediate),
    (req: any, res: any) => res.json({ transactionID: req.oauth2.transactionID, areq: req.oauth2.req }), errors, final);
  app.post('/decision', authUser, server.decision(), errors, final);

  const clientAuth = (req: any, _res: any, next: any) => {
    const header = req.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(header.slice(6), 'base64').toString().split(':').map(decodeURIComponent);
      const client = clients[id!];
      if (client && client.secret && client.secret === secret) req.user = client;
      return next();
    }
    const id = req.body && req.body.client_id;
    if (typeof id === 'string' && clients[id] && isPublic(clients[id]!)) req.user = clients[id];
    next();
  };
  const tokenChain: any[] = options.noClientAuth ? [] : [clientAuth];
  app.post('/token', ...tokenChain, server.token(options.tokenOptions), server.errorHandler());
  return { app, server, codes, issued, finalErrors };
}

export async function login(app: any): Promise<any> {
  const agent = request.agent(app);
  const res = await agent.post('/login');
  assert.equal(res.status, 200, 'login');
  return agent;
}

/** The parameters of a redirect's query (or fragment, with `fragment`). */
export function paramsOf(location: string, fragment = false): Record<string, string> {
  const url = new URL(location);
  return Object.fromEntries(fragment ? new URLSearchParams(url.hash.slice(1)) : url.searchParams);
}

/** name/value pairs of the hidden inputs of a form_post page, decoded. */
export function formInputs(html: string): Record<string, string> {
  const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" } as Record<string, string>)[e]!);
  return Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [decode(m[1]!), decode(m[2]!)]));
}

export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const CHALLENGE = S256(VERIFIER);
export const ISSUER = 'https://as.example.com';
