/**
 * A small Express 5 authorization server created with `profile: 'fapi2'`, for the FAPI 2.0
 * tests: pushed authorization requests (required), the authorization endpoint with an
 * automatic consent for a signed-in user, the token endpoint (code and refresh), and the
 * metadata; clients authenticate with `private_key_jwt` through
 * `server.authenticateClient()`. A second route pair (`/legacy/...`) authenticates clients
 * the 1.x way (a Passport-like middleware that sets `req.user` from HTTP Basic and nothing
 * else), to show that the profile refuses clients that did not use an allowed method.
 * The clock is settable. (Not a test file.)
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { importJWK, jwtVerify, type JWK } from 'jose';
import oauth2orize, { AuthorizationError, type PushedRequestRecord, type Server } from '../../src/index.js';

export interface FapiClient {
  client_id: string;
  client_secret?: string;
  jwk?: JWK;
  redirectURI: string;
}

export interface FapiCode {
  clientId: string;
  redirectURI: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  issuedAt?: number;
}

export interface FapiRunning {
  base: string;
  server: Server<FapiClient>;
  clients: Map<string, FapiClient>;
  codes: Map<string, FapiCode>;
  pushed: Map<string, PushedRequestRecord<FapiClient>>;
  clock: { t: number };
  /** Set to drop `issuedAt` from what `pkce.lookup` returns (an app that forgot it). */
  forgetIssuedAt: { on: boolean };
  close(): Promise<void>;
}

/** Listen first, so that the issuer (the base URL) is known when the server is made. */
export async function startFapiApp(): Promise<FapiRunning> {
  const http: HttpServer = createHttpServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  try {
    const clock = { t: Date.now() };
    const now = () => clock.t;
    const clients = new Map<string, FapiClient>();
    const codes = new Map<string, FapiCode>();
    const pushed = new Map<string, PushedRequestRecord<FapiClient>>();
    const refresh = new Map<string, string>();
    const forgetIssuedAt = { on: false };
    let seq = 0;

    const server = oauth2orize.createServer<FapiClient>({ issuer: base, profile: 'fapi2', clock: now });
    server.serializeClient((client, done) => done(null, client.client_id));
    server.deserializeClient((id, done) => done(null, clients.get(String(id)) ?? false));
    // Registered to show that the profile refuses them: implicit and password.
    server.grant(oauth2orize.grant.token(() => 'implicit-token'));
    // A hybrid response type, which the hardened profile alone does not refuse.
    server.grant({
      name: 'code id_token',
      request: (req) => ({ clientID: req.query.client_id, redirectURI: req.query.redirect_uri }),
      response: (_txn, res) => { res.end(); },
    });
    server.exchange(oauth2orize.exchange.password(() => 'password-token'));
    server.grant(oauth2orize.grant.code<FapiClient, { id: string }>(({ client, redirectURI, pkce }) => {
      const code = `code-${++seq}`;
      codes.set(code, { clientId: client.client_id, redirectURI, ...pkce, issuedAt: now() });
      return code;
    }));
    const tokens = (clientId: string) => {
      const rt = `rt-${++seq}`;
      refresh.set(rt, clientId);
      return { accessToken: `at-${++seq}`, refreshToken: rt, params: { expires_in: 300 } };
    };
    server.exchange(oauth2orize.exchange.code<FapiClient>({
      pkce: {
        lookup: ({ code }) => {
          const saved = codes.get(code);
          if (!saved) return null;
          return forgetIssuedAt.on ? { ...saved, issuedAt: undefined } : saved;
        },
      },
    }, ({ client, code, redirectURI }) => {
      const saved = codes.get(code);
      codes.delete(code);
      if (!saved || saved.clientId !== client.client_id || saved.redirectURI !== redirectURI) return false;
      return tokens(client.client_id);
    }));
    // Refresh without rotation (FAPI 2.0 SP §5.3.2.1): the same refresh token stays valid.
    server.exchange(oauth2orize.exchange.refreshToken<FapiClient>(({ client, refreshToken }) => {
      if (refresh.get(refreshToken) !== client.client_id) return false;
      return `at-${++seq}`;
    }));

    const authenticate = server.authenticateClient({
      assertion: {
        verify: async ({ clientId, assertion, header }) => {
          const client = clients.get(clientId);
          if (!client?.jwk) return null;
          // The app's own verification must tolerate the clock skew the profile accepts
          // (iat and nbf up to 10 s ahead): jose's default tolerance is 0.
          await jwtVerify(assertion, await importJWK(client.jwk, String(header.alg)), { issuer: clientId, subject: clientId, clockTolerance: 30, currentDate: new Date(now()) });
          return client;
        },
      },
    }, ({ clientId }) => clients.get(clientId) ?? null);

    // A 1.x-style client authenticator: HTTP Basic, `req.user` only (no `req.authInfo.method`).
    const legacyAuthenticate: express.RequestHandler = (req, _res, next) => {
      const header = req.headers.authorization ?? '';
      const [id, secret] = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString().split(':');
      const client = clients.get(id ?? '');
      if (client && client.client_secret !== undefined && client.client_secret === secret) (req as unknown as { user: unknown }).user = client;
      next();
    };

    const validate = ({ clientID, redirectURI }: { clientID: string; redirectURI?: string }) => {
      const client = clients.get(clientID);
      if (!client || (redirectURI !== undefined && redirectURI !== client.redirectURI)) return null;
      return { client, redirectURI: client.redirectURI };
    };
    const store = (record: PushedRequestRecord<FapiClient>) => { pushed.set(record.requestURI, record); };
    const load = ({ requestURI }: { requestURI: string }) => {
      const record = pushed.get(requestURI);
      pushed.delete(requestURI);
      return record ?? null;
    };

    const app = express();
    app.use(express.urlencoded({ extended: false }));
    const errors = server.errorHandler();
    const par = server.pushedAuthorization({ endpoint: base + '/par', expiresIn: 90 }, validate, store);
    app.post('/par', authenticate, par, errors);
    app.post('/legacy/par', legacyAuthenticate, par, errors);
    app.post('/token', authenticate, server.token(), errors);
    app.post('/legacy/token', legacyAuthenticate, server.token(), errors);
    app.get('/authorize',
      ((req, _res, next) => { (req as unknown as { user: unknown }).user = { id: 'alice' }; next(); }) as express.RequestHandler,
      // Consent is automatic, except that a request whose state is `deny` is refused (an error redirect).
      server.authorize({ loadPushedRequest: load }, validate, (_client, _user, _scope, _type, areq, done) =>
        (areq.state === 'deny' ? done(new AuthorizationError('The user said no', 'access_denied')) : done(null, true))),
      server.authorizationErrorHandler(),
      errors);
    app.get('/.well-known/oauth-authorization-server', server.metadata({
      metadata: { authorization_endpoint: '/authorize', token_endpoint: '/token', pushed_authorization_request_endpoint: '/par' },
    }));
    http.on('request', app);

    return {
      base, server, clients, codes, pushed, clock, forgetIssuedAt,
      close: () => new Promise((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }),
    };
  } catch (err) {
    http.close();
    throw err;
  }
}
