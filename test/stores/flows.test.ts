/**
 * The device flow and PAR carried by the stores, over HTTP: two server
 * instances (two Servers, two Express apps, each with its own Redis
 * connection) share one real redis-server through deviceCodeCallbacks and
 * pushedRequestCallbacks; the races have one winner and never a 500. The
 * same apps run on the in-memory stores (one instance).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import oauth2orize, {
  deviceCodeCallbacks, pushedRequestCallbacks, MemoryDeviceCodeStore, RedisDeviceCodeStore, MemoryRequestURIStore, RedisRequestURIStore,
  RedisAttemptStore, type DeviceCodeStore, type RequestURIStore, type AttemptStore,
} from '../../src/index.js';
import { startRedis, haveRedis, type RedisServer } from '../redis/server.js';
import { connect, type TestClient } from '../redis/clients.js';

interface Client { id: string; secret: string; redirectURI: string }
const clients: Record<string, Client> = {
  tv: { id: 'tv', secret: 'tv-secret', redirectURI: 'https://tv.example/cb' },
  web: { id: 'web', secret: 'web-secret', redirectURI: 'https://web.example/cb' },
};
const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');

interface Stores { devices: DeviceCodeStore<any>; pushed: RequestURIStore; attempts?: AttemptStore }

/** One instance; `issued` collects every access token issued, across instances. */
function instance(stores: Stores, issued: string[], name: string) {
  const server = oauth2orize.createServer<Client, { id: string }>();
  server.serializeClient((client, done) => done(null, client.id));
  server.deserializeClient((id, done) => done(null, clients[id as string] || false));
  const validate = async ({ clientID, redirectURI }: { clientID: string; redirectURI: string | undefined }) => {
    const client = clients[clientID];
    if (!client || (redirectURI !== undefined && redirectURI !== client.redirectURI)) return null;
    return { client, redirectURI: client.redirectURI };
  };
  const device = deviceCodeCallbacks<Client, { id: string }>(stores.devices, {
    findClient: (id) => clients[id]!,
    issueTokens: ({ client, grant }) => {
      const at = `at-${name}-${issued.length + 1}-${grant.userID}`;
      issued.push(at);
      assert.equal(client.id, 'tv');
      return { accessToken: at };
    },
  });
  const par = pushedRequestCallbacks(stores.pushed);
  server.grant(oauth2orize.grant.code(({ client }) => `code-for-${client.id}`));
  server.grant(oauth2orize.grant.deviceCode(device.decide));
  server.exchange(oauth2orize.exchange.deviceCode(device.exchange));

  const app = express();
  app.use(express.urlencoded({ extended: true }));
  app.use(session({ secret: 'state blocks', resave: false, saveUninitialized: true }));
  const clientAuth: express.RequestHandler = (req, res, next) => {
    const header = req.headers.authorization || '';
    const [id, secret] = Buffer.from(header.slice(6), 'base64').toString().split(':');
    const client = id && Object.prototype.hasOwnProperty.call(clients, id) ? clients[id] : undefined;
    if (!client || client.secret !== secret) { res.status(401).json({ error: 'invalid_client' }); return; }
    (req as any).user = client;
    next();
  };
  app.get('/login', (req, res) => { (req.session as any).userId = String(req.query.user); res.json({ ok: true }); });
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
    server.deviceAuthorization({ verificationURI: 'https://as.example/device', interval: 0.001 }, device.store), server.errorHandler());
  app.all('/device/verify', ensureLogin, server.deviceVerification({ attemptStore: stores.attempts, maxAttempts: 5 }, device.lookup),
    (req: express.Request, res: express.Response) => { res.json({ transactionID: req.oauth2!.transactionID }); }, pageError);
  app.post('/device/decision', ensureLogin, server.decision(), pageError);
  app.post('/token', clientAuth, server.token(), server.errorHandler());
  app.post('/par', clientAuth, server.pushedAuthorization({}, validate, par.store), server.errorHandler());
  app.get('/authorize', ensureLogin, server.authorize({ loadPushedRequest: par.loadPushedRequest }, validate),
    (req: express.Request, res: express.Response) => { res.json({ client: (req.oauth2!.client as Client).id, state: req.oauth2!.req.state }); }, pageError);
  return app;
}

async function signedIn(app: express.Express, user = 'alice') {
  const agent = request.agent(app);
  await agent.get('/login').query({ user }).expect(200);
  return agent;
}

const poll = (app: express.Express, deviceCode: string) => request(app).post('/token').set('Authorization', basic('tv', 'tv-secret')).type('form')
  .send({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode });

/** The flows, on two instances (possibly the same app twice, for the in-memory stores). */
function flows(apps: () => [express.Express, express.Express], issued: string[]) {
  it('device flow: approval on one instance against 40 polls split over both: one token, no 500', async () => {
    const [a, b] = apps();
    const dar = (await request(a).post('/device_authorization').set('Authorization', basic('tv', 'tv-secret')).type('form').send({ scope: 'read' }).expect(200)).body;
    const user = await signedIn(b);
    const page = await user.get('/device/verify').query({ user_code: dar.user_code }).expect(200);
    const before = issued.length;
    const polls = Array.from({ length: 40 }, (_, i) => poll(i % 2 ? a : b, dar.device_code));
    const decision = user.post('/device/decision').type('form').send({ transaction_id: page.body.transactionID });
    const [decided, ...answers] = await Promise.all([decision, ...polls]);
    assert.equal(decided.status, 200);
    const late = await Promise.all([poll(a, dar.device_code), poll(b, dar.device_code)]);
    const all = [...answers, ...late];
    assert.ok(all.every((r) => r.status === 200 || r.status === 400), `statuses ${all.map((r) => r.status)}`);
    const won = all.filter((r) => r.status === 200);
    assert.equal(won.length, 1, 'one poll gets the tokens');
    assert.equal(issued.length - before, 1, 'issueTokens ran once');
    assert.match(won[0]!.body.access_token, /-alice$/);
    const errors = new Set(all.filter((r) => r.status === 400).map((r) => r.body.error));
    for (const e of errors) assert.ok(['authorization_pending', 'slow_down', 'invalid_grant'].includes(e), e);
    const final = await Promise.all([poll(a, dar.device_code), poll(b, dar.device_code)]);
    assert.deepEqual(final.map((r) => r.body.error), ['invalid_grant', 'invalid_grant'], 'consumed');
  });

  it('device flow: denial answers access_denied on both instances', async () => {
    const [a, b] = apps();
    const dar = (await request(a).post('/device_authorization').set('Authorization', basic('tv', 'tv-secret')).type('form').send({}).expect(200)).body;
    const user = await signedIn(a);
    const page = await user.get('/device/verify').query({ user_code: dar.user_code }).expect(200);
    await user.post('/device/decision').type('form').send({ transaction_id: page.body.transactionID, cancel: 'Deny' }).expect(200);
    for (const app of [a, b]) assert.equal((await poll(app, dar.device_code)).body.error, 'access_denied');
    const again = await user.get('/device/verify').query({ user_code: dar.user_code });
    assert.equal(again.status, 400, 'a decided code cannot be verified again');
  });

  it('PAR: wrong client_id first burns nothing, then of 30 concurrent uses split over both instances one wins', async () => {
    const [a, b] = apps();
    const pushed = await request(a).post('/par').set('Authorization', basic('web', 'web-secret')).type('form')
      .send({ response_type: 'code', redirect_uri: 'https://web.example/cb', state: 'xyz' }).expect(201);
    const uri = pushed.body.request_uri;
    const user = await signedIn(a);
    const userB = await signedIn(b);
    const wrong = await user.get('/authorize').query({ client_id: 'tv', request_uri: uri });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_request_uri');
    const uses = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? user : userB).get('/authorize').query({ client_id: 'web', request_uri: uri })));
    assert.ok(uses.every((r) => r.status === 200 || r.status === 400), `statuses ${uses.map((r) => r.status)}`);
    const ok = uses.filter((r) => r.status === 200);
    assert.equal(ok.length, 1);
    assert.deepEqual(ok[0]!.body, { client: 'web', state: 'xyz' });
    assert.ok(uses.filter((r) => r.status === 400).every((r) => r.body.error === 'invalid_request_uri'));
  });

  it('verification page: guesses spread over both instances share one limit', async () => {
    const [a, b] = apps();
    const ua = await signedIn(a, 'mallory');
    const ub = await signedIn(b, 'mallory');
    const guesses = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? ua : ub).get('/device/verify').query({ user_code: `BBBB${String(i).padStart(4, '0')}` })));
    assert.equal(guesses.filter((r) => r.status === 400).length, 5, 'maxAttempts 5 for mallory, in all');
    assert.equal(guesses.filter((r) => r.status === 429).length, 15);
  });
}

describe('state blocks over HTTP, in memory (one instance)', () => {
  const issued: string[] = [];
  let app: express.Express;
  before(() => { app = instance({ devices: new MemoryDeviceCodeStore(), pushed: new MemoryRequestURIStore() }, issued, 'm'); });
  // The in-memory attempt store of a middleware is its own: the shared-limit case needs Redis.
  flows(() => [app, app], issued);
});

describe('state blocks over HTTP, two instances on one Redis', { skip: !haveRedis && !process.env.CI && 'no redis-server' }, () => {
  let redis: RedisServer;
  let ca: TestClient;
  let cb: TestClient;
  let a: express.Express;
  let b: express.Express;
  const issued: string[] = [];
  before(async () => {
    redis = await startRedis();
    ca = await connect('ioredis', redis.url);
    cb = await connect('node-redis v5', redis.url);
    const storesOf = (c: TestClient): Stores => ({
      devices: new RedisDeviceCodeStore({ client: c.client }),
      pushed: new RedisRequestURIStore({ client: c.client }),
      attempts: new RedisAttemptStore({ client: c.client }),
    });
    a = instance(storesOf(ca), issued, 'a');
    b = instance(storesOf(cb), issued, 'b');
  });
  after(async () => {
    if (ca) await ca.close();
    if (cb) await cb.close();
    if (redis) await redis.stop();
  });
  flows(() => [a, b], issued);
});
