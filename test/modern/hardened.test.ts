/**
 * The hardened profile (`createServer({ issuer, hardened: true })`) and the
 * always-on fixes, over HTTP (Express 5). Each finding of issue 11 has a test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import oauth2orize from '../../src/index.js';
import { modernApp, login, paramsOf, clients, ISSUER, VERIFIER, CHALLENGE } from './app.js';

const CONF = { response_type: 'code', client_id: 'conf', redirect_uri: clients.conf!.redirectURI, state: 'st' };
const APP = { response_type: 'code', client_id: 'app', redirect_uri: clients.app!.redirectURI, state: 'sa' };
const s256 = { code_challenge: CHALLENGE, code_challenge_method: 'S256' };
const hardened = { server: { issuer: ISSUER, hardened: true as const } };

describe('hardened profile', () => {
  it('requires an issuer', () => {
    assert.throws(() => oauth2orize.createServer({ hardened: true }), /issuer/);
  });

  it('PKCE S256 is required; plain is refused', async () => {
    const { app, issued } = modernApp(hardened);
    const agent = await login(app);
    const none = await agent.get('/authorize').query(CONF);
    assert.equal(none.status, 400);
    assert.equal(none.body.code, 'invalid_request');
    const plain = await agent.get('/authorize').query({ ...CONF, code_challenge: VERIFIER, code_challenge_method: 'plain' });
    assert.equal(plain.body.code, 'invalid_request');
    assert.equal(issued.length, 0);
  });

  it('a full code + PKCE flow works, with iss, 192-bit transaction IDs and RFC statuses', async () => {
    const { app } = modernApp(hardened);
    const agent = await login(app);
    const page = await agent.get('/authorize').query({ ...CONF, ...s256 });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.transactionID.length, 32, 'transaction ID of 32 base64url characters');
    const dec = await agent.post('/decision').type('form').send({ transaction_id: page.body.transactionID });
    const params = paramsOf(dec.headers.location);
    assert.equal(params.iss, ISSUER);
    const body = { grant_type: 'authorization_code', code: params.code, redirect_uri: clients.conf!.redirectURI };
    const bad = await request(app).post('/token').auth('conf', 'conf-secret').type('form').send({ ...body, code_verifier: VERIFIER.replace('d', 'e') });
    assert.equal(bad.status, 400, 'invalid_grant is 400 (RFC 6749 §5.2), not 1.x\'s 403');
    assert.equal(bad.body.error, 'invalid_grant');
    const good = await request(app).post('/token').auth('conf', 'conf-secret').type('form').send({ ...body, code_verifier: VERIFIER });
    assert.equal(good.status, 200, JSON.stringify(good.body));
  });

  it('an explicit idLength still wins', async () => {
    const { app } = modernApp({ ...hardened, authorizeOptions: { idLength: 40 } });
    const page = await (await login(app)).get('/authorize').query({ ...CONF, ...s256 });
    assert.equal(page.body.transactionID.length, 40);
  });

  it('the implicit grant is refused unless allowed', async () => {
    const { app } = modernApp(hardened);
    const res = await (await login(app)).get('/authorize').query({ ...CONF, response_type: 'token' });
    assert.equal(res.body.code, 'unsupported_response_type');
    assert.ok(res.body.final, 'not redirected: nothing was validated yet');
    const allowed = modernApp({ server: { issuer: ISSUER, hardened: { allowImplicit: true } } });
    const ok = await (await login(allowed.app)).get('/authorize').query({ ...CONF, response_type: 'token' });
    assert.equal(ok.status, 200, 'consent page');
  });

  it('the password grant is refused unless allowed', async () => {
    const { app } = modernApp({ ...hardened, password: true });
    const res = await request(app).post('/token').auth('conf', 'conf-secret').type('form').send({ grant_type: 'password', username: 'alice', password: 'pw' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'unsupported_grant_type');
    const allowed = modernApp({ server: { issuer: ISSUER, hardened: { allowPassword: true } }, password: true });
    const ok = await request(allowed.app).post('/token').auth('conf', 'conf-secret').type('form').send({ grant_type: 'password', username: 'alice', password: 'pw' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.access_token, 'at-pw-conf');
  });

  it('internal error messages are hidden in redirects (both error handlers)', async () => {
    for (const errors of ['authorizationErrorHandler', 'indirect'] as const) {
      const { app, finalErrors } = modernApp({ ...hardened, errors });
      const agent = await login(app);
      const res = await agent.get('/authorize').query({ ...APP, ...s256, scope: 'explode' });
      assert.equal(res.status, 302, errors);
      assert.deepEqual(paramsOf(res.headers.location), { error: 'server_error', state: 'sa', iss: ISSUER }, errors);
      assert.ok(!res.headers.location.includes('ECONNREFUSED'));
      assert.equal(finalErrors.length, 0);
      const busy = await agent.get('/authorize').query({ ...APP, ...s256, scope: 'busy' });
      assert.equal(paramsOf(busy.headers.location).error_description, 'Try later', 'OAuth errors keep their description');
    }
  });

  it('without hardened, the same internal error is exposed (1.x)', async () => {
    const { app } = modernApp({});
    const res = await (await login(app)).get('/authorize').query({ ...APP, scope: 'explode' });
    assert.equal(paramsOf(res.headers.location).error_description, 'connect ECONNREFUSED 10.0.0.7:5432');
  });

  it('exposeErrors: false alone hides them in the grants\' redirects', async () => {
    const { app } = modernApp({ server: { exposeErrors: false } });
    const res = await (await login(app)).get('/authorize').query({ ...APP, scope: 'explode' });
    assert.deepEqual(paramsOf(res.headers.location), { error: 'server_error', state: 'sa' });
  });

  it('internal errors at the token endpoint are hidden', async () => {
    const { app, server } = modernApp(hardened);
    server.exchange('urn:test:explode', (_req, _res, next) => next(new Error('SELECT * FROM secrets failed')));
    const res = await request(app).post('/token').auth('conf', 'conf-secret').type('form').send({ grant_type: 'urn:test:explode' });
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { error: 'server_error' });
  });

  it('no authenticated client: invalid_client (401), before any exchange runs', async () => {
    const { app, codes } = modernApp({ ...hardened, noClientAuth: true });
    codes.set('c', { clientID: 'conf', redirectURI: undefined });
    const res = await request(app).post('/token').type('form').send({ grant_type: 'authorization_code', code: 'c' });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
    assert.ok(res.headers['www-authenticate'], 'with a challenge');
    assert.ok(codes.has('c'), 'the code was not touched');
  });

  it('missing grant_type: 400 invalid_request', async () => {
    const { app } = modernApp(hardened);
    const res = await request(app).post('/token').auth('conf', 'conf-secret').type('form').send({ code: 'x' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'invalid_request', error_description: 'Missing required parameter: grant_type' });
  });
});

describe('opt-in fixes, one by one', () => {
  it('requireGrantType and requireClient as token() options', async () => {
    const { app } = modernApp({ noClientAuth: true, tokenOptions: { requireGrantType: true, requireClient: true } });
    const noType = await request(app).post('/token').type('form').send({});
    assert.deepEqual([noType.status, noType.body.error], [400, 'invalid_request']);
    const noClient = await request(app).post('/token').type('form').send({ grant_type: 'authorization_code', code: 'x' });
    assert.deepEqual([noClient.status, noClient.body.error], [401, 'invalid_client']);
  });

  it('1.x behaviour without options: missing grant_type is 501, and an unauthenticated exchange runs', async () => {
    const { app, codes } = modernApp({ noClientAuth: true, exchangePkce: 'none' });
    const noType = await request(app).post('/token').type('form').send({});
    assert.deepEqual([noType.status, noType.body.error, noType.body.error_description], [501, 'unsupported_grant_type', 'Unsupported grant type: undefined']);
    codes.set('c', { clientID: 'conf', redirectURI: undefined });
    const res = await request(app).post('/token').type('form').send({ grant_type: 'authorization_code', code: 'c' });
    assert.equal(res.body.error, 'invalid_grant', 'the app\'s issue ran (and refused client undefined)');
  });
});

describe('always-on fixes', () => {
  it('token-endpoint errors carry Cache-Control: no-store and Pragma: no-cache (1.x server too)', async () => {
    const { app } = modernApp({ exchangePkce: 'none' });
    for (const body of [{}, { grant_type: 'authorization_code' }, { grant_type: 'authorization_code', code: 'nope' }, { grant_type: 'nope' }]) {
      const res = await request(app).post('/token').auth('conf', 'conf-secret').type('form').send(body);
      assert.ok(res.status >= 400, JSON.stringify(body));
      assert.equal(res.headers['cache-control'], 'no-store', JSON.stringify(body));
      assert.equal(res.headers['pragma'], 'no-cache');
    }
  });

  it('a request parser returning {"__proto__": ...} cannot swap the prototype of areq', async () => {
    const { app, server } = modernApp({});
    let seen: any;
    server.grant('*', (_req: any) => JSON.parse('{"__proto__": {"clientID": "evil", "isAdmin": true}, "extra": 1}'));
    server.grant('*', (req: any) => { seen = req; return {}; });
    const agent = await login(app);
    const page = await agent.get('/authorize').query(CONF);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.areq.clientID, 'conf');
    assert.equal(page.body.areq.extra, 1);
    assert.equal(page.body.areq.isAdmin, undefined);
    assert.ok(seen, 'parsers ran');
    const parsed: any = await new Promise((resolve, reject) => server._parse('code', { query: CONF, headers: {} } as any, (err, areq) => (err ? reject(err) : resolve(areq))));
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    assert.equal(parsed.isAdmin, undefined);
  });
});
