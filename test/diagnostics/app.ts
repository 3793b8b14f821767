/**
 * An Express 5 app with every endpoint the package instruments (authorize,
 * decision, token with five grant types, device authorization and
 * verification, PAR, revocation, introspection, metadata), for the
 * observability tests. Every code, token, secret and user id is random and
 * recorded in `secrets`, so that a test can look for them in what the
 * channels and the OpenTelemetry bridge recorded. (Not a test file.)
 */
import { createHash, randomBytes } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import oauth2orize, { type DeviceAuthorizationRecord, type PushedRequestRecord } from '../../src/index.js';

export interface Client { id: string; secret: string; redirectURI: string }
export interface User { id: string }

const rnd = (prefix: string) => prefix + randomBytes(12).toString('base64url');

export function buildApp(serverOptions?: Parameters<typeof oauth2orize.createServer>[0]) {
  const secrets: string[] = [];
  const remember = <T extends string>(s: T): T => (secrets.push(s), s);
  const clients: Record<string, Client> = {
    web: { id: 'web', secret: remember(rnd('web-secret-')), redirectURI: 'https://web.example/cb' },
    tv: { id: 'tv', secret: remember(rnd('tv-secret-')), redirectURI: 'https://tv.example/cb' },
  };
  const userId = remember(rnd('user-'));
  const codes = new Map<string, { clientId: string; redirectURI?: string; codeChallenge?: string; codeChallengeMethod?: string }>();
  const tokens = new Map<string, { clientId: string; kind: 'access' | 'refresh' }>();
  const devices = new Map<string, { clientId: string; userCode: string; approved?: boolean }>();
  const byUserCode = new Map<string, string>();
  const pushed = new Map<string, PushedRequestRecord>();

  const issue = (clientId: string, refresh = false): [string, string | undefined] => {
    const at = remember(rnd('at-'));
    tokens.set(at, { clientId, kind: 'access' });
    if (!refresh) return [at, undefined];
    const rt = remember(rnd('rt-'));
    tokens.set(rt, { clientId, kind: 'refresh' });
    return [at, rt];
  };

  const server = oauth2orize.createServer<Client, User>(serverOptions ?? { pkce: { required: false } });
  server.serializeClient((client, done) => done(null, client.id));
  server.deserializeClient((id, done) => done(null, clients[id] || false));
  const validate = async ({ clientID, redirectURI }: { clientID: string; redirectURI: string | undefined }) => {
    const client = clients[clientID];
    if (!client || (redirectURI !== undefined && redirectURI !== client.redirectURI)) return null;
    return { client, redirectURI: client.redirectURI };
  };

  server.grant(oauth2orize.grant.code(({ client, redirectURI, areq }) => {
    const code = remember(rnd('code-'));
    codes.set(code, { clientId: client.id, redirectURI, codeChallenge: areq.codeChallenge as string | undefined, codeChallengeMethod: areq.codeChallengeMethod as string | undefined });
    return code;
  }));
  server.grant(oauth2orize.grant.deviceCode<Client, User>(({ userCode, allow }) => {
    const dc = byUserCode.get(userCode);
    const row = dc ? devices.get(dc) : undefined;
    if (!row) return false;
    row.approved = allow;
    return true;
  }));
  server.exchange(oauth2orize.exchange.authorizationCode({ pkce: { lookup: ({ code }) => codes.get(code) } }, ({ client, code, redirectURI }) => {
    const grant = codes.get(code);
    codes.delete(code);
    if (!grant || grant.clientId !== client.id || grant.redirectURI !== redirectURI) return false;
    const [at, rt] = issue(client.id, true);
    return { accessToken: at, refreshToken: rt };
  }));
  server.exchange(oauth2orize.exchange.refreshToken((client: Client, refreshToken: string, _scope: unknown, done: (err: unknown, at?: string | false, rt?: string) => void) => {
    const t = tokens.get(refreshToken);
    if (!t || t.kind !== 'refresh' || t.clientId !== client.id) return done(null, false);
    tokens.delete(refreshToken);
    const [at, rt] = issue(client.id, true);
    done(null, at, rt);
  }));
  server.exchange(oauth2orize.exchange.clientCredentials((client: Client, _scope: unknown, done: (err: unknown, at?: string) => void) => {
    done(null, issue(client.id)[0]);
  }));
  server.exchange(oauth2orize.exchange.deviceCode<Client, { deviceCode: string; userCode: string; clientId: string; approved?: boolean; expiresAt: number; interval: number; status: 'pending' | 'approved' | 'denied' }>({
    load: ({ client, deviceCode }) => {
      const row = devices.get(deviceCode);
      if (!row || row.clientId !== client.id) return null;
      return { deviceCode, userCode: row.userCode, clientId: row.clientId, expiresAt: Date.now() + 60_000, interval: 1,
        status: row.approved === undefined ? 'pending' : row.approved ? 'approved' : 'denied' };
    },
    update: () => {},
    issue: ({ client, record }) => {
      if (!devices.delete(record.deviceCode)) return false;
      return { accessToken: issue(client.id)[0] };
    },
  }));

  const app = express();
  app.set('query parser', 'extended');
  app.use(express.urlencoded({ extended: true }));
  app.use(session({ secret: remember(rnd('session-')), resave: false, saveUninitialized: true }));

  const clientAuth: express.RequestHandler = (req, res, next) => {
    const header = req.headers.authorization;
    let id: unknown, secret: unknown;
    if (typeof header === 'string' && header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString();
      const i = decoded.indexOf(':');
      id = decoded.slice(0, i);
      secret = decoded.slice(i + 1);
    }
    const client = typeof id === 'string' && Object.prototype.hasOwnProperty.call(clients, id) ? clients[id] : undefined;
    if (!client || client.secret !== secret) {
      res.status(401).json({ error: 'invalid_client' });
      return;
    }
    (req as unknown as { user: Client }).user = client;
    next();
  };
  const ensureLogin: express.RequestHandler = (req, _res, next) => {
    (req as unknown as { user: User }).user = { id: userId };
    next();
  };
  const pageError: express.ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(err.status || 500).json({ error: err.code || 'server_error' });
  };
  const showTransaction = (req: express.Request, res: express.Response) => {
    res.json({ transactionID: req.oauth2!.transactionID });
  };

  app.get('/authorize', ensureLogin, server.authorize({
    loadPushedRequest: ({ requestURI }) => {
      const record = pushed.get(requestURI);
      pushed.delete(requestURI);
      return record;
    },
  }, validate), showTransaction, server.authorizationErrorHandler(), pageError);
  app.post('/authorize/decision', ensureLogin, server.decision(), pageError);
  app.post('/token', clientAuth, server.token(), server.errorHandler());
  app.post('/device_authorization', clientAuth,
    server.deviceAuthorization({ verificationURI: 'https://as.example/device', interval: 1 }, (record: DeviceAuthorizationRecord<Client>) => {
      remember(record.deviceCode);
      remember(record.userCode);
      devices.set(record.deviceCode, { clientId: record.client.id, userCode: record.userCode });
      byUserCode.set(record.userCode, record.deviceCode);
    }),
    server.errorHandler());
  app.all('/device/verify', ensureLogin, server.deviceVerification({}, ({ userCode }) => {
    const dc = byUserCode.get(userCode);
    const row = dc ? devices.get(dc) : undefined;
    if (!row) return null;
    return { client: clients[row.clientId]!, expiresAt: Date.now() + 60_000, status: 'pending' as const };
  }), showTransaction, pageError);
  app.post('/device/decision', ensureLogin, server.decision(), pageError);
  app.post('/par', clientAuth, server.pushedAuthorization({}, validate, (record) => {
    remember(record.requestURI);
    pushed.set(record.requestURI, JSON.parse(JSON.stringify({ ...record, client: undefined, areq: undefined })));
  }), server.errorHandler());
  app.post('/revoke', clientAuth, server.revocation(({ token }) => { tokens.delete(token); }), server.errorHandler());
  app.post('/introspect', clientAuth, server.introspection(({ token }) => {
    const t = tokens.get(token);
    return t ? { client_id: t.clientId, token_type: 'Bearer' } : null;
  }), server.errorHandler());
  app.get('/.well-known/oauth-authorization-server', server.metadata({ issuer: 'https://as.example' }));
  app.post('/boom', clientAuth, ((_req: express.Request, _res: express.Response, next: express.NextFunction) => next(new Error('database is down'))) as express.RequestHandler, server.errorHandler({ exposeErrors: false }));

  const basic = (c: Client) => 'Basic ' + Buffer.from(`${c.id}:${c.secret}`).toString('base64');
  return { app, server, clients, userId, secrets, remember, basic };
}

export type App = ReturnType<typeof buildApp>;

/** A verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The code flow with PKCE, then a refresh: returns the tokens. */
export async function codeFlow(a: App): Promise<{ accessToken: string; refreshToken: string }> {
  const agent = request.agent(a.app);
  const { verifier, challenge } = pkcePair();
  a.remember(verifier);
  a.remember(challenge);
  const authz = await agent.get('/authorize').query({ response_type: 'code', client_id: 'web', redirect_uri: a.clients.web.redirectURI, code_challenge: challenge, code_challenge_method: 'S256', state: a.remember(rnd('state-')) }).expect(200);
  const decided = await agent.post('/authorize/decision').type('form').send({ transaction_id: authz.body.transactionID }).expect(302);
  const code = new URL(decided.headers.location!).searchParams.get('code')!;
  const tokens = await agent.post('/token').set('Authorization', a.basic(a.clients.web)).type('form')
    .send({ grant_type: 'authorization_code', code, redirect_uri: a.clients.web.redirectURI, code_verifier: verifier }).expect(200);
  const refreshed = await agent.post('/token').set('Authorization', a.basic(a.clients.web)).type('form')
    .send({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token }).expect(200);
  return { accessToken: refreshed.body.access_token, refreshToken: refreshed.body.refresh_token };
}

/** Client credentials, the device flow, PAR, revocation, introspection, metadata, a PKCE failure and a hidden error. */
export async function otherFlows(a: App, accessToken: string): Promise<void> {
  const agent = request.agent(a.app);
  const web = a.basic(a.clients.web);
  await agent.post('/token').set('Authorization', web).type('form').send({ grant_type: 'client_credentials' }).expect(200);
  const device = await agent.post('/device_authorization').set('Authorization', a.basic(a.clients.tv)).type('form').send({}).expect(200);
  const verify = await agent.get('/device/verify').query({ user_code: device.body.user_code }).expect(200);
  await agent.post('/device/decision').type('form').send({ transaction_id: verify.body.transactionID });
  await agent.post('/token').set('Authorization', a.basic(a.clients.tv)).type('form')
    .send({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.body.device_code }).expect(200);
  const par = await agent.post('/par').set('Authorization', web).type('form')
    .send({ response_type: 'code', client_id: 'web', redirect_uri: a.clients.web.redirectURI }).expect(201);
  await agent.get('/authorize').query({ client_id: 'web', request_uri: par.body.request_uri }).expect(200);
  await agent.post('/introspect').set('Authorization', web).type('form').send({ token: accessToken }).expect(200);
  await agent.post('/revoke').set('Authorization', web).type('form').send({ token: accessToken }).expect(200);
  await agent.get('/.well-known/oauth-authorization-server').expect(200);
  // A PKCE failure: a code requested with a challenge, redeemed with the wrong verifier.
  const { challenge } = pkcePair();
  const wrong = a.remember(pkcePair().verifier);
  const authz = await agent.get('/authorize').query({ response_type: 'code', client_id: 'web', redirect_uri: a.clients.web.redirectURI, code_challenge: challenge, code_challenge_method: 'S256' }).expect(200);
  const decided = await agent.post('/authorize/decision').type('form').send({ transaction_id: authz.body.transactionID }).expect(302);
  const code = new URL(decided.headers.location!).searchParams.get('code')!;
  await agent.post('/token').set('Authorization', web).type('form')
    .send({ grant_type: 'authorization_code', code, redirect_uri: a.clients.web.redirectURI, code_verifier: wrong }).expect(403);
  // An unsupported grant type, and an internal error hidden by exposeErrors: false.
  await agent.post('/token').set('Authorization', web).type('form').send({ grant_type: 'made-up-' + a.remember(rnd('x')) }).expect(501);
  await agent.post('/boom').set('Authorization', web).type('form').send({}).expect(500);
}
