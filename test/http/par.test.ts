/**
 * Pushed authorization requests (RFC 9126) over HTTP: supertest for the
 * endpoint's answers and the `request_uri` rules of `authorize`, and
 * oauth4webapi pushing a request and completing the code flow with it.
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

function push(app: any, params: Record<string, string> | string, who: [string, string] = ['web', 'web-secret']) {
  return request(app).post('/par').set('Authorization', basic(...who)).type('form').send(params);
}

const good = { response_type: 'code', client_id: 'web', redirect_uri: 'https://web.example/cb', scope: 'read', state: 's1' };

describe('pushed authorization request endpoint over HTTP', () => {
  it('answers 201 with a request_uri and expires_in, no-store', async () => {
    const { app, pushed } = buildApp();
    const res = await push(app, good);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.body.request_uri, /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
    assert.equal(res.body.expires_in, 60);
    const record = pushed.get(res.body.request_uri)!;
    assert.equal(record.clientID, 'web');
    assert.equal(record.params.state, 's1');
  });

  it('keeps no client credentials in the stored request', async () => {
    const { app, pushed } = buildApp();
    const res = await request(app).post('/par').type('form').send({ ...good, client_secret: 'web-secret' });
    assert.equal(res.status, 201, res.text);
    assert.equal(pushed.get(res.body.request_uri)!.params.client_secret, undefined);
  });

  it('fills client_id from the authenticated client when it is absent', async () => {
    const { app } = buildApp();
    const { client_id: _omit, ...rest } = good;
    const res = await push(app, rest);
    assert.equal(res.status, 201, res.text);
  });

  const refusals: Array<[string, Record<string, string> | string, number, string]> = [
    ['request_uri inside a pushed request', { ...good, request_uri: 'urn:x' }, 400, 'invalid_request'],
    ['another client\'s client_id', { ...good, client_id: 'tv' }, 400, 'invalid_request'],
    ['a redirect_uri the client does not own', { ...good, redirect_uri: 'https://evil.example/cb' }, 403, 'unauthorized_client'],
    ['no response_type', { client_id: 'web' }, 400, 'invalid_request'],
    ['an unknown response_type', { ...good, response_type: 'bogus' }, 400, 'unsupported_response_type'],
    ['an array-valued scope', 'response_type=code&scope[]=a&scope[]=b', 400, 'invalid_request'],
    ['an object-valued state', 'response_type=code&state[a]=b', 400, 'invalid_request'],
  ];
  for (const [what, params, status, error] of refusals) {
    it(`refuses ${what} with ${error}`, async () => {
      const { app, pushed } = buildApp();
      const res = await push(app, params);
      assert.equal(res.status, status, res.text);
      assert.equal(res.body.error, error);
      assert.equal(pushed.size, 0, 'nothing stored');
    });
  }

  it('refuses an unauthenticated client', async () => {
    const { app } = buildApp();
    const res = await push(app, good, ['web', 'nope']);
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
  });
});

describe('authorize with request_uri over HTTP', () => {
  it('uses the pushed parameters, once', async () => {
    const { app } = buildApp();
    const uri = (await push(app, good)).body.request_uri;
    const user = await signedIn(app);
    const res = await user.get('/authorize').query({ client_id: 'web', request_uri: uri, scope: 'admin' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.areq.scope, ['read'], 'the pushed scope, not the one in the query');
    assert.equal(res.body.areq.state, 's1');
    assert.equal(res.body.redirectURI, 'https://web.example/cb');
    const again = await user.get('/authorize').query({ client_id: 'web', request_uri: uri });
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_request_uri');
  });

  it('refuses a request_uri pushed by another client', async () => {
    const { app } = buildApp();
    const uri = (await push(app, { response_type: 'code', client_id: 'tv' }, ['tv', 'tv-secret'])).body.request_uri;
    const user = await signedIn(app);
    const res = await user.get('/authorize').query({ client_id: 'web', request_uri: uri });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request_uri');
  });

  it('refuses an expired request_uri', async () => {
    const { app, clock } = buildApp();
    const uri = (await push(app, good)).body.request_uri;
    clock.t += 60_000;
    const user = await signedIn(app);
    const res = await user.get('/authorize').query({ client_id: 'web', request_uri: uri });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request_uri');
  });

  it('refuses a request_uri without client_id, and an array-valued request_uri', async () => {
    const { app } = buildApp();
    const user = await signedIn(app);
    let res = await user.get('/authorize').query({ request_uri: 'urn:x' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    res = await user.get('/authorize?client_id=web&request_uri[]=a&request_uri[]=b');
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
  });

  it('still accepts plain requests unless PAR is required', async () => {
    const plain = buildApp();
    let user = await signedIn(plain.app);
    let res = await user.get('/authorize').query(good);
    assert.equal(res.status, 200, res.text);

    const strict = buildApp({ requirePar: true });
    user = await signedIn(strict.app);
    res = await user.get('/authorize').query(good);
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    const uri = (await push(strict.app, good)).body.request_uri;
    res = await user.get('/authorize').query({ client_id: 'web', request_uri: uri });
    assert.equal(res.status, 200, res.text);
  });
});

describe('oauth4webapi: PAR, then the code flow', () => {
  let server: http.Server;
  let base = '';
  let built: ReturnType<typeof buildApp>;
  before(async () => {
    built = buildApp({ requirePar: true });
    server = http.createServer(built.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

  it('pushes, authorizes with request_uri, decides and redeems the code', async () => {
    const as: oauth.AuthorizationServer = {
      issuer: base,
      pushed_authorization_request_endpoint: base + '/par',
      authorization_endpoint: base + '/authorize',
      token_endpoint: base + '/token',
    };
    const client: oauth.Client = { client_id: 'web' };
    const auth = oauth.ClientSecretBasic('web-secret');
    const insecure = { [oauth.allowInsecureRequests]: true };
    const state = oauth.generateRandomState();
    const redirectUri = 'https://web.example/cb';

    const parResponse = await oauth.pushedAuthorizationRequest(as, client, auth, { response_type: 'code', redirect_uri: redirectUri, scope: 'read', state }, insecure);
    const par = await oauth.processPushedAuthorizationResponse(as, client, parResponse);
    assert.equal(par.expires_in, 60);

    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('request_uri', par.request_uri);
    const user = await signedIn(base);
    const page = await user.get(url.pathname + url.search);
    assert.equal(page.status, 200, page.text);
    const decided = await user.post('/authorize/decision').type('form').send({ transaction_id: page.body.transactionID });
    assert.equal(decided.status, 302);
    const location = new URL(decided.headers.location);
    assert.equal(location.origin + location.pathname, redirectUri);

    const params = oauth.validateAuthResponse(as, client, location, state);
    const tokenResponse = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, oauth.nopkce, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, tokenResponse);
    assert.equal(built.tokens.get(tokens.access_token)?.userId, 'alice');
    assert.deepEqual(built.tokens.get(tokens.access_token)?.scope, ['read']);
  });
});

describe('PAR with the built-in PKCE policy (required)', () => {
  it('refuses a pushed request without code_challenge at the PAR endpoint', async () => {
    const { app, pushed } = buildApp({ pkce: true });
    const res = await push(app, good);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error, 'invalid_request');
    assert.equal(pushed.size, 0);
  });

  it('oauth4webapi: PAR with S256, authorize with request_uri, code redeemed with the verifier only', async () => {
    const built = buildApp({ pkce: true, requirePar: true });
    const server = http.createServer(built.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const as: oauth.AuthorizationServer = { issuer: base, pushed_authorization_request_endpoint: base + '/par', authorization_endpoint: base + '/authorize', token_endpoint: base + '/token' };
      const client: oauth.Client = { client_id: 'web' };
      const auth = oauth.ClientSecretBasic('web-secret');
      const insecure = { [oauth.allowInsecureRequests]: true };
      const verifier = oauth.generateRandomCodeVerifier();
      const challenge = await oauth.calculatePKCECodeChallenge(verifier);
      const redirectUri = 'https://web.example/cb';
      const par = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth,
        { response_type: 'code', redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' }, insecure));
      const user = await signedIn(base);
      const page = await user.get('/authorize').query({ client_id: 'web', request_uri: par.request_uri });
      assert.equal(page.status, 200, page.text);
      assert.equal(page.body.areq.codeChallenge, challenge, 'the pushed challenge reached the grant');
      const decided = await user.post('/authorize/decision').type('form').send({ transaction_id: page.body.transactionID });
      const params = oauth.validateAuthResponse(as, client, new URL(decided.headers.location), oauth.expectNoState);
      // A wrong verifier fails; the right one succeeds.
      const wrong = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, oauth.generateRandomCodeVerifier(), insecure);
      await assert.rejects(oauth.processAuthorizationCodeResponse(as, client, wrong), (err: any) => err.error === 'invalid_grant');
      // The wrong attempt did not consume the code in this app (lookup runs before issue), so retry.
      const right = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, insecure);
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, right);
      assert.equal(built.tokens.get(tokens.access_token)?.userId, 'alice');
    } finally {
      await new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
    }
  });
});

describe('metadata (RFC 8414) advertises the device flow and PAR', () => {
  it('endpoints, grant type and the PAR requirement, without device_code as a response type', async () => {
    const plain = await request(buildApp().app).get('/.well-known/oauth-authorization-server');
    assert.equal(plain.status, 200, plain.text);
    assert.equal(plain.body.device_authorization_endpoint, 'https://as.example/device_authorization');
    assert.equal(plain.body.pushed_authorization_request_endpoint, 'https://as.example/par');
    assert.ok(plain.body.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:device_code'), JSON.stringify(plain.body));
    assert.deepEqual(plain.body.response_types_supported, ['code']);
    assert.equal(plain.body.require_pushed_authorization_requests, undefined);
    const strict = await request(buildApp({ requirePar: true }).app).get('/.well-known/oauth-authorization-server');
    assert.equal(strict.body.require_pushed_authorization_requests, true);
  });
});
