/**
 * An Express 5 authorization server used by the HTTP tests of metadata,
 * revocation, introspection, token exchange, JWT bearer grants and
 * `private_key_jwt` client authentication. Storage is in memory; clients
 * authenticate with HTTP Basic (a tiny middleware of its own) or with a
 * signed client assertion, verified with `jose` as an app would.
 */
import express from 'express';
import { jwtVerify, type JWK, importJWK } from 'jose';
import oauth2orize, { TokenError } from '../../src/index.js';

export interface Client { id: string; secret?: string; jwk?: JWK; mayIntrospect?: boolean }
export interface TokenRecord { clientId: string; sub: string; scope: string[]; exp: number; revoked: boolean; type: 'access_token' | 'refresh_token' }

export const AT = 'urn:ietf:params:oauth:token-type:access_token';

export interface TestApp {
  app: express.Express;
  clients: Map<string, Client>;
  tokens: Map<string, TokenRecord>;
  /** Set once the app listens: the issuer (its base URL). */
  setIssuer(issuer: string): void;
  /** Calls into the app's callbacks, by name, with the request-derived arguments. */
  calls: Array<{ fn: string; args: Record<string, unknown> }>;
}

let counter = 0;

export function buildAssertionsApp(): TestApp {
  const clients = new Map<string, Client>();
  const tokens = new Map<string, TokenRecord>();
  const calls: TestApp['calls'] = [];
  const used = new Set<string>();
  let issuer = 'http://localhost';
  const server = oauth2orize.createServer<Client>();

  const issue = (clientId: string, sub: string, scope: string[] = []) => {
    const token = `at-${++counter}-${Math.random().toString(36).slice(2)}`;
    tokens.set(token, { clientId, sub, scope, exp: Math.floor(Date.now() / 1000) + 600, revoked: false, type: 'access_token' });
    return token;
  };

  server.exchange(oauth2orize.exchange.clientCredentials(async ({ client, scope }) => {
    calls.push({ fn: 'clientCredentials', args: { scope } });
    // 1.x runs exchanges without a client when none authenticated; this app refuses.
    if (!client) throw new TokenError('Client authentication required', 'invalid_client', undefined, 401);
    return issue(client.id, client.id, scope || []);
  }));

  server.exchange(oauth2orize.exchange.tokenExchange<Client>(async (ctx) => {
    calls.push({ fn: 'tokenExchange', args: { subjectToken: ctx.subjectToken, resource: ctx.resource, audience: ctx.audience, scope: ctx.scope } });
    const subject = tokens.get(ctx.subjectToken);
    if (!subject || subject.revoked || ctx.subjectTokenType !== AT) return null;
    if (ctx.audience.includes('forbidden')) throw new TokenError('No token for that audience', 'invalid_target', undefined, 400);
    return { accessToken: issue(ctx.client.id, subject.sub, ctx.scope || subject.scope), issuedTokenType: AT, expiresIn: 300 };
  }));

  // The JWT bearer grant and client assertions check aud against the issuer, which is known
  // once the app listens: both are made then, with the library's default checks.
  const jwtBearer = (iss: string) => oauth2orize.exchange.jwtBearer<Client>({ issuer: iss }, async ({ assertion, claims }) => {
    calls.push({ fn: 'jwtBearer', args: { assertion } });
    const trusted = clients.get(String(claims.iss));
    if (!trusted?.jwk) return null;
    const { payload } = await jwtVerify(assertion, await importJWK(trusted.jwk, 'ES256'));
    return issue(trusted.id, String(payload.sub));
  });

  /** HTTP Basic, as passport-http would do it: no header, no client; a bad one, invalid_client. */
  const basic: express.RequestHandler = (req, _res, next) => {
    if ((req as any).user) return next();
    const header = req.headers.authorization;
    if (!header) return next();
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
    const [id, secret] = m ? Buffer.from(m[1]!, 'base64').toString().split(':') : [];
    const client = id !== undefined ? clients.get(decodeURIComponent(id)) : undefined;
    if (!client || !client.secret || client.secret !== decodeURIComponent(secret || '')) {
      return next(new TokenError('Invalid client credentials', 'invalid_client', undefined, 401));
    }
    (req as any).user = client;
    next();
  };

  const clientAssertion = (iss: string) => server.clientAssertion(
    { issuer: iss, endpoints: ['token', 'revocation', 'introspection'], algorithms: ['ES256'], jti: ({ jti }) => (used.has(jti) ? false : (used.add(jti), true)) },
    async ({ clientId, assertion: jwt }) => {
      const client = clients.get(clientId);
      if (!client?.jwk) return null;
      await jwtVerify(jwt, await importJWK(client.jwk, 'ES256'), { issuer: clientId, subject: clientId });
      return client;
    },
  );
  let assertionMiddleware: express.RequestHandler = (_req, _res, next) => next(new Error('the issuer is not set yet'));
  const assertion: express.RequestHandler = (req, res, next) => assertionMiddleware(req, res, next);

  const app = express();
  app.use(express.urlencoded({ extended: true, limit: '10mb' }), express.json({ limit: '10mb' }));
  app.get('/.well-known/oauth-authorization-server', (req, res, next) => {
    // Built lazily: the issuer is only known once the app listens.
    server.metadata({
      issuer,
      metadata: {
        token_endpoint: '/token',
        revocation_endpoint: '/revoke',
        introspection_endpoint: '/introspect',
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
      },
    })(req, res, next);
  });
  const errors = server.errorHandler();
  app.post('/token', assertion, basic, server.token(), errors);
  app.post('/revoke', assertion, basic, server.revocation(async ({ client, token }) => {
    calls.push({ fn: 'revoke', args: { token } });
    const found = tokens.get(token);
    // Only the client the token was issued to may revoke it; others get 200 and nothing happens.
    if (found && found.clientId === client.id) found.revoked = true;
  }), errors);
  app.post('/introspect', assertion, basic, server.introspection(async ({ client, token }) => {
    calls.push({ fn: 'introspect', args: { token } });
    const found = tokens.get(token);
    if (!found || found.revoked) return null;
    if (found.clientId !== client.id && !client.mayIntrospect) return null;
    return { scope: found.scope.join(' '), client_id: found.clientId, sub: found.sub, exp: found.exp, token_type: 'Bearer' };
  }), errors);
  app.use((err: any, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status || 500).json({ app_error: true, message: err.message });
  });

  const setIssuer = (value: string): void => {
    issuer = value;
    assertionMiddleware = clientAssertion(value) as unknown as express.RequestHandler;
    server.exchange(jwtBearer(value));
  };
  return { app, clients, tokens, calls, setIssuer };
}
