/**
 * An Express 5 app with the device authorization grant (RFC 8628) and pushed
 * authorization requests (RFC 9126), its state in plain Maps standing in for
 * the app's database, and a settable clock so that polling tests need not
 * wait. (Not a test file.)
 */
import express from 'express';
import session from 'express-session';
import oauth2orize, { type DeviceAuthorizationRecord, type PushedRequestRecord } from '../../src/index.js';

export interface Client { id: string; secret: string; redirectURI: string }
export interface User { id: string }

export const clients: Record<string, Client> = {
  tv: { id: 'tv', secret: 'tv-secret', redirectURI: 'https://tv.example/cb' },
  web: { id: 'web', secret: 'web-secret', redirectURI: 'https://web.example/cb' },
};

/** A stored device authorization: the library's record plus what the decision adds. */
export interface DeviceRow {
  deviceCode: string;
  userCode: string;
  displayUserCode: string;
  clientId: string;
  scope?: string[];
  expiresAt: number;
  interval: number;
  lastPolledAt?: number;
  status: 'pending' | 'approved' | 'denied';
  userId?: string;
}

export interface AppOptions {
  requirePar?: boolean;
  /** Lookups per session allowed on the verification page. */
  maxAttempts?: number;
  /** Polling interval given to devices, seconds. */
  interval?: number;
  /** Require PKCE (S256) on every code request, with the built-in checks. */
  pkce?: boolean;
}

export function buildApp(opts: AppOptions = {}) {
  const clock = { t: Date.now() };
  const now = () => clock.t;
  const devices = new Map<string, DeviceRow>(); // by device code
  const byUserCode = new Map<string, string>(); // user code -> device code
  const pushed = new Map<string, PushedRequestRecord>();
  const codes = new Map<string, { clientId: string; redirectURI?: string; userId: string; scope?: string[]; codeChallenge?: string; codeChallengeMethod?: string }>();
  const tokens = new Map<string, { clientId: string; userId: string; scope?: string[] }>();
  const calls: string[] = [];
  let seq = 0;

  const server = oauth2orize.createServer<Client, User>(opts.pkce ? { pkce: { required: true } } : undefined);
  server.serializeClient((client, done) => done(null, client.id));
  server.deserializeClient((id, done) => done(null, clients[id] || false));

  const validate = async ({ clientID, redirectURI }: { clientID: string; redirectURI: string | undefined }) => {
    calls.push('validate');
    const client = clients[clientID];
    if (!client || (redirectURI !== undefined && redirectURI !== client.redirectURI)) return null;
    return { client, redirectURI: client.redirectURI };
  };

  server.grant(oauth2orize.grant.code(({ client, redirectURI, user, areq }) => {
    const code = 'code-' + ++seq;
    codes.set(code, { clientId: client.id, redirectURI, userId: user.id, scope: areq.scope,
      codeChallenge: areq.codeChallenge as string | undefined, codeChallengeMethod: areq.codeChallengeMethod as string | undefined });
    return code;
  }));
  server.grant(oauth2orize.grant.deviceCode<Client, User>(({ userCode, allow, user }) => {
    calls.push('decide:' + allow);
    const dc = byUserCode.get(userCode);
    const row = dc ? devices.get(dc) : undefined;
    if (!row || row.status !== 'pending') return false;
    row.status = allow ? 'approved' : 'denied';
    if (allow) row.userId = user.id;
    return true;
  }));

  server.exchange(oauth2orize.exchange.authorizationCode({ pkce: { lookup: ({ code }) => codes.get(code) } }, ({ client, code, redirectURI }) => {
    const grant = codes.get(code);
    codes.delete(code);
    if (!grant || grant.clientId !== client.id || grant.redirectURI !== redirectURI) return false;
    const at = 'at-' + ++seq;
    tokens.set(at, { clientId: client.id, userId: grant.userId, scope: grant.scope });
    return at;
  }));
  server.exchange(oauth2orize.exchange.deviceCode<Client, DeviceRow>({ now }, {
    load: ({ client, deviceCode }) => {
      const row = devices.get(deviceCode);
      return row && row.clientId === client.id ? row : null;
    },
    update: ({ deviceCode, changes }) => {
      const row = devices.get(deviceCode);
      if (row) { row.lastPolledAt = changes.lastPolledAt.getTime(); row.interval = changes.interval; }
    },
    issue: ({ client, record }) => {
      // Consume once: the first redemption deletes the row.
      if (!devices.delete(record.deviceCode)) return false;
      byUserCode.delete(record.userCode);
      const at = 'at-' + ++seq;
      tokens.set(at, { clientId: client.id, userId: record.userId!, scope: record.scope });
      return { accessToken: at, params: { expires_in: 3600 } };
    },
  }));

  const app = express();
  app.set('query parser', 'extended');
  app.use(express.urlencoded({ extended: true }));
  app.use(express.json());
  app.use(session({ secret: 'device par tests', resave: false, saveUninitialized: true }));

  // Client authentication, standing in for passport-http: Basic or client_secret_post.
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
      secret = req.body.client_secret;
    }
    const client = typeof id === 'string' && Object.prototype.hasOwnProperty.call(clients, id) ? clients[id] : undefined;
    if (!client || client.secret !== secret) {
      res.status(401).set('WWW-Authenticate', 'Basic realm="clients"').json({ error: 'invalid_client' });
      return;
    }
    (req as any).user = client;
    next();
  };
  // The user signs in with GET /login?user=alice; later requests carry the session.
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

  app.post('/device_authorization', clientAuth,
    server.deviceAuthorization({ verificationURI: 'https://as.example/device', interval: opts.interval ?? 5, now, endpoint: 'https://as.example/device_authorization' },
      (record: DeviceAuthorizationRecord<Client>) => {
        calls.push('store-device');
        const row: DeviceRow = {
          deviceCode: record.deviceCode, userCode: record.userCode, displayUserCode: record.displayUserCode, clientId: record.client.id,
          scope: record.scope, expiresAt: record.expiresAt.getTime(), interval: record.interval, status: 'pending',
        };
        devices.set(row.deviceCode, row);
        byUserCode.set(row.userCode, row.deviceCode);
      }),
    server.errorHandler());

  app.all('/device/verify', ensureLogin,
    server.deviceVerification({ now, maxAttempts: opts.maxAttempts }, ({ userCode }) => {
      calls.push('lookup:' + userCode);
      const dc = byUserCode.get(userCode);
      const row = dc ? devices.get(dc) : undefined;
      if (!row) return null;
      return { client: clients[row.clientId]!, scope: row.scope, expiresAt: row.expiresAt, status: row.status, displayUserCode: row.displayUserCode };
    }),
    (req: express.Request, res: express.Response) => {
      const txn = req.oauth2!;
      res.json({ transactionID: txn.transactionID, client: (txn.client as Client).id, scope: txn.req.scope, userCode: txn.req.displayUserCode });
    },
    pageError);
  app.post('/device/decision', ensureLogin, server.decision(), pageError);

  app.post('/token', clientAuth, server.token(), server.errorHandler());

  app.post('/par', clientAuth,
    server.pushedAuthorization({ now, endpoint: 'https://as.example/par' }, validate, (record) => {
      calls.push('store-par');
      pushed.set(record.requestURI, JSON.parse(JSON.stringify({ ...record, client: undefined, areq: undefined })));
    }),
    server.errorHandler());

  app.get('/authorize', ensureLogin,
    server.authorize({
      requirePushedRequests: opts.requirePar,
      now,
      loadPushedRequest: ({ requestURI }) => {
        const record = pushed.get(requestURI);
        pushed.delete(requestURI);
        return record;
      },
    }, validate),
    (req: express.Request, res: express.Response) => {
      const txn = req.oauth2!;
      res.json({ transactionID: txn.transactionID, client: (txn.client as Client).id, redirectURI: txn.redirectURI, areq: txn.req });
    },
    pageError);
  app.post('/authorize/decision', ensureLogin, server.decision(), pageError);
  app.get('/.well-known/oauth-authorization-server', server.metadata({ issuer: 'https://as.example' }));

  return { app, server, clock, devices, byUserCode, pushed, codes, tokens, calls };
}
