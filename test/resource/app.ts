/**
 * An Express 5 authorization server and protected resource for the
 * resource-indicator and bearer tests (not a test file). The authorization
 * server stores the granted resources with each code and refresh token and
 * issues tokens whose `aud` is the requested (or granted) resources; the
 * protected resource at `/api` takes only tokens for itself.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import oauth2orize, {
  bearer, invalidTarget, isSubsetOf, protectedResourceMetadata, protectedResourceMetadataPath, requestedResources, requireScope,
  type BearerTokenInfo,
} from '../../src/index.js';

export interface Client { id: string; secret?: string; redirectURI?: string; resource?: string }

export interface TokenRecord extends BearerTokenInfo {
  client_id: string;
  aud: string[];
}

export interface RunningApp {
  base: string;
  /** The protected resource's identifier: `<base>/api`. */
  api: string;
  /** Another resource the server knows. */
  other: string;
  tokens: Map<string, TokenRecord>;
  /** The `resource` lists `issue` saw, by grant type. */
  seen: Array<{ grant: string; resource: string[] }>;
  close(): Promise<void>;
}

/** Listen on a free loopback port, then build the app for that origin. */
export async function startResourceApp(): Promise<RunningApp> {
  const http: HttpServer = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const api = base + '/api';
  const other = 'https://other.example/api';
  const known = [api, other];
  const clients: Record<string, Client> = {
    app: { id: 'app', redirectURI: 'https://app.example.com/cb' },
    conf: { id: 'conf', secret: 'conf-secret', redirectURI: 'https://conf.example.com/cb' },
    // A resource server's own credential: it may introspect tokens for its audience.
    rs: { id: 'rs', secret: 'rs-secret', resource: api },
  };
  const codes = new Map<string, { client: string; redirectURI: string; resource: string[]; scope: string[] }>();
  const refresh = new Map<string, { client: string; resource: string[]; scope: string[] }>();
  const tokens = new Map<string, TokenRecord>();
  const seen: RunningApp['seen'] = [];

  const server = oauth2orize.createServer<Client, { id: string }>({ issuer: base });
  server.serializeClient((client, done) => done(null, client.id));
  server.deserializeClient((id: string, done) => done(null, clients[id] ?? false));

  const mint = (client: string, aud: string[], scope: string[], sub: string): string => {
    const token = 'at-' + randomBytes(12).toString('base64url');
    tokens.set(token, { active: true, client_id: client, sub, scope: scope.join(' '), aud, exp: Math.floor(Date.now() / 1000) + 300 });
    return token;
  };
  const unknownResource = (resource: string[]): boolean => resource.some((r) => !known.includes(r));

  // The positional 1.x form: the checked resources are on areq.
  server.grant(oauth2orize.grant.code((client: Client, redirectURI: string, user: { id: string }, _ares: unknown, areq: any, done: any) => {
    const resource: string[] = areq.resource ?? [];
    if (unknownResource(resource)) return done(invalidTarget('Unknown resource'));
    const code = randomBytes(12).toString('base64url');
    codes.set(code, { client: client.id, redirectURI, resource, scope: areq.scope ?? [] });
    void user;
    done(null, code);
  }));

  // The context form: `resource` is in the context object.
  server.exchange(oauth2orize.exchange.code({ pkce: false }, async ({ client, code, redirectURI, resource }: any) => {
    seen.push({ grant: 'authorization_code', resource });
    const entry = codes.get(code);
    if (!entry || entry.client !== client.id || entry.redirectURI !== redirectURI) return null;
    codes.delete(code);
    if (!isSubsetOf(resource, entry.resource)) throw invalidTarget('The resource was not part of the grant');
    const aud = resource.length ? resource : entry.resource;
    const rt = 'rt-' + randomBytes(12).toString('base64url');
    refresh.set(rt, { client: client.id, resource: entry.resource, scope: entry.scope });
    return { accessToken: mint(client.id, aud, entry.scope, 'alice'), refreshToken: rt, params: { expires_in: 300, scope: entry.scope.join(' ') } };
  }));

  // The positional form: the checked resources come from the body.
  server.exchange(oauth2orize.exchange.refreshToken((client: Client, token: string, _scope: unknown, body: any, done: any) => {
    const resource = requestedResources(body);
    seen.push({ grant: 'refresh_token', resource });
    const entry = refresh.get(token);
    if (!entry || entry.client !== client.id) return done(null, false);
    if (!isSubsetOf(resource, entry.resource)) return done(invalidTarget('The resource was not part of the grant'));
    const aud = resource.length ? resource : entry.resource;
    done(null, mint(client.id, aud, entry.scope, 'alice'), { expires_in: 300 });
  }));

  server.exchange(oauth2orize.exchange.clientCredentials(async ({ client, scope, resource }: any) => {
    seen.push({ grant: 'client_credentials', resource });
    if (unknownResource(resource)) throw invalidTarget('Unknown resource');
    return { accessToken: mint(client.id, resource, scope ?? [], client.id), params: { expires_in: 300 } };
  }));

  const app = express();
  app.set('query parser', 'extended');
  app.use(express.urlencoded({ extended: true }));
  app.use(express.json());
  const signedIn = (req: any, _res: any, next: any) => { req.user = { id: 'alice' }; next(); };
  const validate = (clientID: string, redirectURI: string | undefined, done: any) => {
    const client = clients[clientID];
    if (!client || !client.redirectURI) return done(null, false);
    done(null, client, client.redirectURI);
  };
  app.get('/authorize', signedIn, server.authorize(validate, (_client: Client, _user: unknown, done: any) => done(null, true)), server.authorizationErrorHandler(), server.errorHandler());

  const clientAuth = (req: any, _res: any, next: any) => {
    const header = req.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(header.slice(6), 'base64').toString().split(':').map(decodeURIComponent);
      const client = clients[id!];
      if (client && client.secret && client.secret === secret) req.user = client;
      return next();
    }
    const id = req.body && req.body.client_id;
    if (typeof id === 'string' && clients[id] && !clients[id]!.secret) req.user = clients[id];
    next();
  };
  app.post('/token', clientAuth, server.token(), server.errorHandler());
  app.post('/introspect', clientAuth, server.introspection({ audience: (caller: Client) => caller.resource }, async ({ token }) => tokens.get(token) ?? null), server.errorHandler());

  // The protected resource, in the same app.
  const verify = async (token: string) => tokens.get(token) ?? null;
  app.get(protectedResourceMetadataPath(api), protectedResourceMetadata({ resource: api, authorizationServers: [base], scopesSupported: ['read', 'admin'] }));
  const protect = bearer({ resource: api, scopes: ['read'], realm: 'api' }, verify);
  app.get('/api', protect, (req: any, res) => res.json({ auth: { ...req.auth, resource: req.auth.resource && req.auth.resource.href } }));
  app.get('/api/admin', protect, requireScope('admin'), (_req, res) => res.json({ admin: true }));
  app.post('/api/form', bearer({ resource: api, allowBody: true }, verify), (_req, res) => res.json({ ok: true }));

  http.on('request', app);
  return {
    base, api, other, tokens, seen,
    close: () => new Promise((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }),
  };
}
