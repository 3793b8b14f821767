/**
 * An Express 5 app with DPoP at the token endpoint: a public client (`spa`)
 * whose codes and refresh tokens are bound to its key, a confidential one
 * (`svc`) using client credentials, PAR, and a protected resource that
 * checks proofs with `verifyDpopProof` and the token's `cnf.jkt`. (Not a
 * test file.)
 */
import express from 'express';
import session from 'express-session';
import oauth2orize, { DpopNonces, type DpopOptions, type ReplayStore, type PushedRequestRecord } from '../../src/index.js';

export interface Client { id: string; secret?: string; redirectURI: string; public: boolean }
export interface User { id: string }

export const clients: Record<string, Client> = {
  spa: { id: 'spa', redirectURI: 'https://spa.example/cb', public: true },
  svc: { id: 'svc', secret: 'svc-secret', redirectURI: 'https://svc.example/cb', public: false },
};

export interface AppOptions {
  /** The `dpop` server option, besides `nonce`. */
  dpop?: DpopOptions;
  /** Require nonces (a DpopNonces on these secrets). */
  nonceSecrets?: string[];
  replay?: ReplayStore;
  /** Leave out the code exchange's pkce.lookup and bind through dpopBinding instead. */
  bindingOption?: boolean;
}

export interface TokenRow { clientId: string; userId?: string; cnf?: { jkt: string } }
export interface RefreshRow { clientId: string; userId: string; jkt?: string }

export function buildApp(opts: AppOptions = {}) {
  const codes = new Map<string, { clientId: string; redirectURI?: string; userId: string; codeChallenge?: string; codeChallengeMethod?: string; dpopJkt?: string }>();
  const tokens = new Map<string, TokenRow>();
  const refreshes = new Map<string, RefreshRow>();
  const pushed = new Map<string, PushedRequestRecord>();
  const issued: Array<{ grant: string; jkt: string | undefined }> = [];
  let seq = 0;

  const dpop: DpopOptions = { ...opts.dpop };
  if (opts.nonceSecrets) dpop.nonce = new DpopNonces({ secrets: opts.nonceSecrets });
  if (opts.replay) dpop.replay = opts.replay;
  const server = oauth2orize.createServer<Client, User>({ pkce: true, dpop });
  server.serializeClient((client, done) => done(null, client.id));
  server.deserializeClient((id, done) => done(null, clients[id] || false));

  const validate = async ({ clientID, redirectURI }: { clientID: string; redirectURI: string | undefined }) => {
    const client = clients[clientID];
    if (!client || (redirectURI !== undefined && redirectURI !== client.redirectURI)) return null;
    return { client, redirectURI: client.redirectURI };
  };

  server.grant(oauth2orize.grant.code(({ client, redirectURI, user, areq }) => {
    const code = 'code-' + ++seq;
    codes.set(code, { clientId: client.id, redirectURI, userId: user.id, codeChallenge: areq.codeChallenge, codeChallengeMethod: areq.codeChallengeMethod, dpopJkt: areq.dpopJkt });
    return code;
  }));

  /** Issue an access token, bound to the proof's key when there is one, and a refresh token (bound for public clients). */
  const issue = (grant: string, client: Client, userId: string | undefined, jkt: string | undefined) => {
    issued.push({ grant, jkt });
    const at = 'at-' + ++seq;
    tokens.set(at, { clientId: client.id, userId, cnf: jkt ? { jkt } : undefined });
    if (!userId) return { accessToken: at, params: { expires_in: 3600 } };
    const rt = 'rt-' + ++seq;
    refreshes.set(rt, { clientId: client.id, userId, jkt: client.public ? jkt : undefined });
    return { accessToken: at, refreshToken: rt, params: { expires_in: 3600 } };
  };

  const codeOptions = opts.bindingOption
    ? { pkce: false as const, dpopBinding: ({ code }: { code: string }) => codes.get(code)?.dpopJkt }
    : { pkce: { lookup: ({ code }: { code: string }) => codes.get(code) } };
  server.exchange(oauth2orize.exchange.authorizationCode(codeOptions, ({ client, code, redirectURI, dpop }) => {
    const grant = codes.get(code);
    codes.delete(code);
    if (!grant || grant.clientId !== client.id || grant.redirectURI !== redirectURI) return false;
    return issue('authorization_code', client, grant.userId, dpop?.jkt);
  }));
  server.exchange(oauth2orize.exchange.refreshToken({ dpopBinding: ({ refreshToken }) => refreshes.get(refreshToken)?.jkt }, ({ client, refreshToken, dpop }) => {
    const row = refreshes.get(refreshToken);
    if (!row || row.clientId !== client.id) return false;
    refreshes.delete(refreshToken);
    return issue('refresh_token', client, row.userId, dpop?.jkt);
  }));
  server.exchange(oauth2orize.exchange.clientCredentials(({ client, dpop }) => (client.public ? false : issue('client_credentials', client, undefined, dpop?.jkt))));

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session({ secret: 'dpop tests', resave: false, saveUninitialized: true }));

  // Client authentication: Basic for `svc`, `client_id` alone for the public `spa`.
  const clientAuth: express.RequestHandler = (req, res, next) => {
    let id: unknown, secret: unknown;
    const header = req.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString();
      const i = decoded.indexOf(':');
      id = decodeURIComponent(decoded.slice(0, i));
      secret = decodeURIComponent(decoded.slice(i + 1));
    } else if (req.body && typeof req.body === 'object') {
      id = req.body.client_id;
    }
    const client = typeof id === 'string' && Object.prototype.hasOwnProperty.call(clients, id) ? clients[id] : undefined;
    if (!client || (!client.public && client.secret !== secret)) {
      res.status(401).json({ error: 'invalid_client' });
      return;
    }
    (req as any).user = client;
    next();
  };
  app.get('/login', (req, res) => {
    (req.session as any).userId = String(req.query.user);
    res.json({ ok: true });
  });
  const ensureLogin: express.RequestHandler = (req, res, next) => {
    const userId = (req.session as any).userId;
    if (!userId) { res.status(401).json({ error: 'login_required' }); return; }
    (req as any).user = { id: userId };
    next();
  };
  const pageError: express.ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(err.status || 500).json({ error: err.code || 'server_error', error_description: err.message });
  };

  app.post('/token', clientAuth, server.token(), server.errorHandler());
  app.post('/par', clientAuth,
    server.pushedAuthorization({ endpoint: 'https://as.example/par' }, validate, (record) => {
      pushed.set(record.requestURI, JSON.parse(JSON.stringify({ ...record, client: undefined, areq: undefined })));
    }),
    server.errorHandler());
  app.get('/authorize', ensureLogin,
    server.authorize({ loadPushedRequest: ({ requestURI }) => { const r = pushed.get(requestURI); pushed.delete(requestURI); return r; } }, validate),
    (req: express.Request, res: express.Response) => {
      const txn = req.oauth2!;
      res.json({ transactionID: txn.transactionID, areq: txn.req });
    },
    pageError);
  app.post('/authorize/decision', ensureLogin, server.decision(), pageError);
  app.get('/.well-known/oauth-authorization-server', server.metadata({ issuer: 'https://as.example' }));

  // A protected resource: the DPoP scheme, a proof with `ath`, and the token's `cnf.jkt`.
  const resourceReplay = new oauth2orize.MemoryReplayStore();
  app.get('/resource', async (req, res) => {
    const header = req.headers.authorization || '';
    const token = header.startsWith('DPoP ') ? header.slice(5) : '';
    const row = tokens.get(token);
    if (!row || !row.cnf) { res.status(401).set('WWW-Authenticate', 'DPoP error="invalid_token"').end(); return; }
    try {
      const proof = await oauth2orize.verifyDpopProof(req, { accessToken: token, replay: resourceReplay });
      if (proof.jkt !== row.cnf.jkt) throw new Error('bound to another key');
    } catch {
      res.status(401).set('WWW-Authenticate', 'DPoP error="invalid_dpop_proof"').end();
      return;
    }
    res.json({ user: row.userId, client: row.clientId });
  });

  return { app, server, codes, tokens, refreshes, issued };
}
