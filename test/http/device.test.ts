/**
 * The device authorization grant (RFC 8628) over HTTP: supertest for the
 * wire details, and oauth4webapi as a real client running the whole flow,
 * including a `slow_down` it must honour. The clock is the app's, advanced
 * by the test, so no test waits for an interval to pass.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import request from 'supertest';
import * as oauth from 'oauth4webapi';
import { buildApp } from './device-par-app.js';

const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');

async function signedIn(app: any) {
  const agent = request.agent(app);
  await agent.get('/login?user=alice').expect(200);
  return agent;
}

describe('device authorization endpoint over HTTP', () => {
  it('issues codes with the RFC 8628 §3.2 fields and no-store', async () => {
    const { app, devices } = buildApp();
    const res = await request(app).post('/device_authorization').set('Authorization', basic('tv', 'tv-secret')).type('form').send({ scope: 'read write' });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers['content-type'], /application\/json/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.body.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(res.body.verification_uri, 'https://as.example/device');
    assert.equal(res.body.verification_uri_complete, 'https://as.example/device?user_code=' + res.body.user_code);
    assert.equal(res.body.expires_in, 600);
    assert.equal(res.body.interval, 5);
    assert.ok(typeof res.body.device_code === 'string' && res.body.device_code.length >= 43, 'device code has 256 bits');
    const row = devices.get(res.body.device_code);
    assert.ok(row, 'the app stored the record');
    assert.deepEqual(row.scope, ['read', 'write']);
    assert.equal(row.userCode, res.body.user_code.replace('-', ''), 'stored under the normalized user code');
  });

  it('refuses an unauthenticated client with invalid_client', async () => {
    const { app } = buildApp();
    const res = await request(app).post('/device_authorization').set('Authorization', basic('tv', 'wrong')).type('form').send({});
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
  });

  it('refuses an array-valued scope with invalid_request', async () => {
    const { app, devices } = buildApp();
    const res = await request(app).post('/device_authorization').set('Authorization', basic('tv', 'tv-secret')).type('form').send('scope[]=a&scope[]=b');
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    assert.equal(devices.size, 0, 'nothing stored');
  });
});

describe('token endpoint polling over HTTP', () => {
  async function start(opts = {}) {
    const built = buildApp(opts);
    const res = await request(built.app).post('/device_authorization').set('Authorization', basic('tv', 'tv-secret')).type('form').send({ scope: 'read' });
    assert.equal(res.status, 200, res.text);
    const poll = () => request(built.app).post('/token').set('Authorization', basic('tv', 'tv-secret')).type('form')
      .send({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: res.body.device_code });
    return { ...built, dar: res.body, poll };
  }

  it('answers authorization_pending, then slow_down when polled too soon, and the interval grows by 5 s', async () => {
    const { poll, clock, devices, dar } = await start();
    let res = await poll();
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'authorization_pending');
    clock.t += 2000;
    res = await poll();
    assert.equal(res.body.error, 'slow_down');
    assert.equal(devices.get(dar.device_code)!.interval, 10);
    clock.t += 9000; // less than the new 10 s
    res = await poll();
    assert.equal(res.body.error, 'slow_down', 'the grown interval is enforced');
    assert.equal(devices.get(dar.device_code)!.interval, 15);
    clock.t += 15000;
    res = await poll();
    assert.equal(res.body.error, 'authorization_pending');
  });

  it('answers expired_token once the codes expire, and invalid_grant for another client', async () => {
    const { app, poll, clock, dar } = await start();
    const other = await request(app).post('/token').set('Authorization', basic('web', 'web-secret')).type('form')
      .send({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: dar.device_code });
    assert.equal(other.status, 403);
    assert.equal(other.body.error, 'invalid_grant');
    clock.t += 601_000;
    const res = await poll();
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'expired_token');
  });

  it('answers access_denied after the user denies on the verification page', async () => {
    const { app, poll, dar, calls } = await start();
    const user = await signedIn(app);
    const page = await user.get('/device/verify').query({ user_code: dar.user_code.toLowerCase() });
    assert.equal(page.status, 200, page.text);
    const decided = await user.post('/device/decision').type('form').send({ transaction_id: page.body.transactionID, cancel: 'Deny' });
    assert.equal(decided.status, 200);
    assert.match(decided.text, /Access denied/);
    assert.ok(calls.includes('decide:false'));
    const res = await poll();
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'access_denied');
  });

  it('issues tokens once after approval; the second redemption is invalid_grant', async () => {
    const { app, poll, dar, tokens } = await start();
    const user = await signedIn(app);
    const page = await user.post('/device/verify').type('form').send({ user_code: dar.user_code.replace('-', ' ') });
    assert.equal(page.status, 200, page.text);
    assert.equal(page.body.client, 'tv');
    assert.deepEqual(page.body.scope, ['read']);
    assert.equal(page.body.userCode, dar.user_code, 'the page can show the code to compare');
    const decided = await user.post('/device/decision').type('form').send({ transaction_id: page.body.transactionID });
    assert.equal(decided.status, 200);
    assert.match(decided.text, /authorized/);
    const res = await poll();
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(tokens.get(res.body.access_token)?.userId, 'alice');
    const again = await poll();
    assert.equal(again.body.error, 'invalid_grant');
  });
});

describe('verification page over HTTP', () => {
  it('refuses unknown codes and stops after too many attempts (429)', async () => {
    const { app } = buildApp({ maxAttempts: 3 });
    const user = await signedIn(app);
    for (let i = 0; i < 3; i++) {
      const res = await user.get('/device/verify').query({ user_code: 'BBBB-BBBB' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_request');
    }
    const res = await user.get('/device/verify').query({ user_code: 'BBBB-BBBB' });
    assert.equal(res.status, 429);
    assert.equal(res.body.error, 'temporarily_unavailable');
  });

  it('refuses an expired code, and a code already decided', async () => {
    const { app, clock } = buildApp();
    const dar = (await request(app).post('/device_authorization').set('Authorization', basic('tv', 'tv-secret')).type('form').send({})).body;
    const user = await signedIn(app);
    const page = await user.get('/device/verify').query({ user_code: dar.user_code });
    await user.post('/device/decision').type('form').send({ transaction_id: page.body.transactionID }).expect(200);
    const again = await user.get('/device/verify').query({ user_code: dar.user_code });
    assert.equal(again.status, 400, 'a decided code cannot be verified again');

    const dar2 = (await request(app).post('/device_authorization').set('Authorization', basic('tv', 'tv-secret')).type('form').send({})).body;
    clock.t += 600_000;
    const late = await user.get('/device/verify').query({ user_code: dar2.user_code });
    assert.equal(late.status, 400);
    assert.equal(late.body.error_description, 'Invalid or expired user code');
  });

  it('refuses an array-valued user_code with invalid_request', async () => {
    const { app } = buildApp();
    const user = await signedIn(app);
    const res = await user.get('/device/verify?user_code[]=A&user_code[]=B');
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
  });
});

describe('oauth4webapi runs the device flow', () => {
  let server: http.Server;
  let base = '';
  let built: ReturnType<typeof buildApp>;
  before(async () => {
    built = buildApp();
    server = http.createServer(built.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

  it('device authorization, polling with slow_down, scripted approval, tokens', async () => {
    const as: oauth.AuthorizationServer = {
      issuer: base,
      device_authorization_endpoint: base + '/device_authorization',
      token_endpoint: base + '/token',
    };
    const client: oauth.Client = { client_id: 'tv' };
    const auth = oauth.ClientSecretBasic('tv-secret');
    const insecure = { [oauth.allowInsecureRequests]: true };

    const darResponse = await oauth.deviceAuthorizationRequest(as, client, auth, { scope: 'read' }, insecure);
    const dar = await oauth.processDeviceAuthorizationResponse(as, client, darResponse);
    assert.equal(dar.interval, 5);

    let interval = dar.interval!;
    const seen: string[] = [];
    let result: oauth.TokenEndpointResponse | undefined;
    // The client's polling loop: "waiting" advances the app's clock. The
    // second poll is deliberately early, to draw a real slow_down.
    for (let attempt = 0; attempt < 10 && !result; attempt++) {
      if (attempt !== 1) built.clock.t += interval * 1000;
      if (attempt === 2) {
        // The user approves on another device, through the verification page.
        const user = await signedIn(base);
        const page = await user.get('/device/verify').query({ user_code: dar.user_code });
        assert.equal(page.status, 200, page.text);
        await user.post('/device/decision').type('form').send({ transaction_id: page.body.transactionID }).expect(200);
      }
      const response = await oauth.deviceCodeGrantRequest(as, client, auth, dar.device_code, insecure);
      try {
        result = await oauth.processDeviceCodeResponse(as, client, response);
      } catch (err) {
        if (!(err instanceof oauth.ResponseBodyError)) throw err;
        seen.push(err.error);
        if (err.error === 'slow_down') interval += 5;
        else if (err.error !== 'authorization_pending') throw err;
      }
    }
    assert.deepEqual(seen, ['authorization_pending', 'slow_down'], 'pending, then slow_down for the early poll');
    assert.equal(interval, 10);
    assert.ok(result, 'tokens issued');
    assert.equal(result.token_type, 'bearer');
    assert.equal(built.tokens.get(result.access_token)?.userId, 'alice');
  });
});
