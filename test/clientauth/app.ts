/**
 * An Express 5 authorization server whose clients authenticate with the built-in
 * `server.authenticateClient()`, for the HTTP tests of client authentication: the token
 * endpoint (client_credentials and device_code), revocation, introspection, pushed
 * authorization and device authorization all behind the same authenticator. Clients are
 * in memory, one per method; the clock is settable. (Not a test file.)
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { scryptSync, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { importJWK, jwtVerify, type JWK } from 'jose';
import oauth2orize, { type AuthenticateClientOptions, type Server, type ServerOptions } from '../../src/index.js';

export interface Client {
  client_id: string;
  /** A secret in clear (secretOf's default reads it). */
  client_secret?: string;
  /** A scrypt hash, `salt:hash` in hex, for the verifySecret clients. */
  secretHash?: string;
  token_endpoint_auth_method?: string;
  jwk?: JWK;
  redirectURI?: string;
  /** Milliseconds the secret check takes. */
  delay?: number;
}

/** Secrets with every character RFC 6749 §2.3.1's encoding changes, or that naive decoders get wrong. */
export const SECRETS = {
  basic: 'b-_.~%+ s3cret!*()',
  post: 'p-_.~%+ s3cret:/?#[]@&=',
  hashed: 'h-_.~%+ sp ace',
} as const;

export function hashSecret(secret: string, salt = 'c0ffee'): string {
  return `${salt}:${scryptSync(secret, salt, 32, { N: 1024 }).toString('hex')}`;
}

export function verifyHashed(secret: string, stored: string): boolean {
  const [salt, hex] = stored.split(':');
  return timingSafeEqual(scryptSync(secret, salt!, 32, { N: 1024 }), Buffer.from(hex!, 'hex'));
}

export interface BuildOptions {
  /** createServer options (the issuer is added once the app listens, when `issuerOption` is set). */
  server?: ServerOptions;
  /** Extra authenticateClient options. */
  auth?: Partial<AuthenticateClientOptions<Client>>;
  /** Express `trust proxy`. */
  trustProxy?: boolean | string | number;
}

export interface Running {
  base: string;
  app: express.Express;
  server: Server<Client>;
  clients: Map<string, Client>;
  clock: { t: number };
  devices: Map<string, { clientId: string; status: 'pending' | 'approved'; interval: number; lastPolledAt?: number; expiresAt: number; userCode: string; deviceCode: string }>;
  tokens: Map<string, { clientId: string; revoked: boolean }>;
  close(): Promise<void>;
}

/**
 * Listen on a free loopback port first, so that the issuer (the base URL) is known when the
 * server is made, then build the app on it.
 */
export async function startClientAuthApp(options: BuildOptions = {}): Promise<Running> {
  const http: HttpServer = createHttpServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  // Listening already: close again if building the app throws (a bad option), so no handle stays open.
  try {
    const clock = { t: Date.now() };
    const now = () => clock.t;
    const clients = new Map<string, Client>();
    const devices: Running['devices'] = new Map();
    const tokens: Running['tokens'] = new Map();
    let seq = 0;

    const server = oauth2orize.createServer<Client>({ clock: now, issuer: base, ...options.server });
    const issue = (clientId: string) => {
      const token = `at-${++seq}`;
      tokens.set(token, { clientId, revoked: false });
      return token;
    };
    server.grant(oauth2orize.grant.code(() => 'code-' + ++seq));
    server.exchange(oauth2orize.exchange.clientCredentials(({ client }) => issue(client.client_id)));
    server.exchange(oauth2orize.exchange.deviceCode<Client, any>({ now }, {
      load: ({ client, deviceCode }) => {
        const row = devices.get(deviceCode);
        return row && row.clientId === client.client_id ? { ...row, expiresAt: row.expiresAt } : null;
      },
      update: ({ deviceCode, changes }) => {
        const row = devices.get(deviceCode);
        if (row) { row.lastPolledAt = changes.lastPolledAt.getTime(); row.interval = changes.interval; }
      },
      issue: ({ client, record }) => (devices.delete(record.deviceCode) ? issue(client.client_id) : false),
    }));

    const authenticate = server.authenticateClient({
      methods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
      endpoints: ['token', 'revocation', 'introspection'],
      // Hashed secrets for the clients that have one, clear ones otherwise.
      verifySecret: async ({ client, secret }) => {
      // A client with a `delay` stands for a slow check (a hash on a worker, a remote vault).
      if (client.delay) await new Promise((resolve) => setTimeout(resolve, client.delay));
      return client.secretHash ? verifyHashed(secret, client.secretHash) : client.client_secret === secret;
    },
      assertion: {
        algorithms: ['ES256'],
        verify: async ({ clientId, assertion }) => {
          const client = clients.get(clientId);
          if (!client?.jwk) return null;
          await jwtVerify(assertion, await importJWK(client.jwk, 'ES256'), { issuer: clientId, subject: clientId, audience: [base, base + '/token'] });
          return client;
        },
      },
      ...options.auth,
    }, async ({ clientId }) => clients.get(clientId) ?? null);

    const app = express();
    app.set('trust proxy', options.trustProxy ?? false);
    app.use(express.urlencoded({ extended: false }));
    const errors = server.errorHandler();

    app.post('/token', authenticate, server.token(), errors);
    app.post('/revoke', authenticate, server.revocation(({ client, token }) => {
      const found = tokens.get(token);
      if (found && found.clientId === client.client_id) found.revoked = true;
    }), errors);
    app.post('/introspect', authenticate, server.introspection(({ client, token }) => {
      const found = tokens.get(token);
      return found && !found.revoked && found.clientId === client.client_id ? { client_id: found.clientId, token_type: 'Bearer' } : null;
    }), errors);
    app.post('/par', authenticate, server.pushedAuthorization({ endpoint: base + '/par' }, ({ clientID, redirectURI }) => {
      const client = clients.get(clientID);
      if (!client?.redirectURI || (redirectURI !== undefined && redirectURI !== client.redirectURI)) return null;
      return { client, redirectURI: client.redirectURI };
    }, () => {}), errors);
    app.post('/device_authorization', authenticate, server.deviceAuthorization({ verificationURI: base + '/device', interval: 5, expiresIn: 1800 }, (record) => {
      devices.set(record.deviceCode, {
        deviceCode: record.deviceCode, userCode: record.userCode, clientId: record.client.client_id,
        status: 'pending', interval: record.interval, expiresAt: record.expiresAt.getTime(),
      });
    }), errors);
    app.get('/.well-known/oauth-authorization-server', server.metadata({
      issuer: base,
      metadata: { token_endpoint: '/token', revocation_endpoint: '/revoke', introspection_endpoint: '/introspect', pushed_authorization_request_endpoint: '/par', device_authorization_endpoint: '/device_authorization' },
    }));
    http.on('request', app);

    return {
      base, app, server, clients, clock, devices, tokens,
      close: () => new Promise((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }),
    };
  } catch (err) {
    http.close();
    throw err;
  }
}
