/**
 * Metadata, revocation, introspection, token exchange, JWT bearer and
 * private_key_jwt over real HTTP (Express 5): a real client, oauth4webapi 3,
 * configured only with the issuer URL, plus supertest for the negative cases.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import request from 'supertest';
import * as oauth from 'oauth4webapi';
import { buildAssertionsApp, AT, type TestApp } from './assertions-app.js';
import { clientAssertionJwt, keyPair, rawJws, type TestKey } from '../helpers/jwt.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
const CA_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('HTTP: metadata, revocation, introspection, token exchange, JWT assertions', () => {
  let t: TestApp;
  let http: HttpServer;
  let issuer: string;
  let as: oauth.AuthorizationServer;
  let key: TestKey;

  before(async () => {
    t = buildAssertionsApp();
    key = await keyPair();
    t.clients.set('c1', { id: 'c1', secret: 's1' });
    t.clients.set('c2', { id: 'c2', secret: 's2' });
    t.clients.set('rs', { id: 'rs', secret: 'rs', mayIntrospect: true });
    t.clients.set('pk', { id: 'pk', jwk: key.jwk });
    http = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => http.once('listening', resolve));
    issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    t.setIssuer(issuer);
    const url = new URL(issuer);
    as = await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oauth2', ...insecure }));
  });
  after(() => new Promise<void>((resolve) => http.close(() => resolve())));

  const c1 = { client_id: 'c1' };
  const c1Auth = () => oauth.ClientSecretBasic('s1');
  async function tokenFor(client: oauth.Client, auth: oauth.ClientAuth, scope = 'read'): Promise<string> {
    const res = await oauth.clientCredentialsGrantRequest(as, client, auth, { scope }, insecure);
    return (await oauth.processClientCredentialsResponse(as, client, res)).access_token;
  }

  it('oauth4webapi discovers the server from the issuer alone', () => {
    assert.equal(as.issuer, issuer);
    assert.equal(as.token_endpoint, issuer + '/token');
    assert.equal(as.revocation_endpoint, issuer + '/revoke');
    assert.equal(as.introspection_endpoint, issuer + '/introspect');
    assert.deepEqual(as.grant_types_supported, [
      'client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ]);
    assert.deepEqual(as.token_endpoint_auth_methods_supported, ['client_secret_basic', 'private_key_jwt']);
    assert.deepEqual(as.introspection_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(as.token_endpoint_auth_signing_alg_values_supported, ['ES256']);
  });

  it('metadata headers', async () => {
    const res = await request(http).get('/.well-known/oauth-authorization-server').expect(200);
    assert.match(res.headers['content-type']!, /^application\/json/);
    assert.equal(res.headers['cache-control'], 'public, max-age=600');
  });

  it('introspection: active for the owner, inactive after revocation', async () => {
    const token = await tokenFor(c1, c1Auth());
    let res = await oauth.introspectionRequest(as, c1, c1Auth(), token, insecure);
    let info = await oauth.processIntrospectionResponse(as, c1, res);
    assert.equal(info.active, true);
    assert.equal(info.client_id, 'c1');
    assert.equal(info.scope, 'read');
    res = await oauth.revocationRequest(as, c1, c1Auth(), token, { ...insecure, additionalParameters: { token_type_hint: 'access_token' } });
    await oauth.processRevocationResponse(res);
    assert.equal(t.tokens.get(token)!.revoked, true);
    res = await oauth.introspectionRequest(as, c1, c1Auth(), token, insecure);
    info = await oauth.processIntrospectionResponse(as, c1, res);
    assert.deepEqual(info, { active: false });
  });

  it('revocation of an unknown token answers 200', async () => {
    const res = await oauth.revocationRequest(as, c1, c1Auth(), 'no-such-token', insecure);
    assert.equal(await oauth.processRevocationResponse(res), undefined);
  });

  it("revocation of another client's token: 200, and the token stays valid", async () => {
    const token = await tokenFor(c1, c1Auth());
    const c2 = { client_id: 'c2' };
    const res = await oauth.revocationRequest(as, c2, oauth.ClientSecretBasic('s2'), token, insecure);
    await oauth.processRevocationResponse(res);
    assert.equal(t.tokens.get(token)!.revoked, false);
  });

  it("introspection of another client's token is inactive, unless the app lets the caller see it", async () => {
    const token = await tokenFor(c1, c1Auth());
    const other = await request(http).post('/introspect').set('Authorization', basic('c2', 's2')).type('form').send({ token }).expect(200);
    assert.deepEqual(other.body, { active: false });
    const rs = await request(http).post('/introspect').set('Authorization', basic('rs', 'rs')).type('form').send({ token }).expect(200);
    assert.equal(rs.body.active, true);
    assert.equal(rs.headers['cache-control'], 'no-store');
  });

  it('introspection and revocation without client authentication: 401 invalid_client', async () => {
    for (const path of ['/introspect', '/revoke']) {
      const res = await request(http).post(path).type('form').send({ token: 'x' }).expect(401);
      assert.equal(res.body.error, 'invalid_client');
      assert.ok(res.headers['www-authenticate'], 'challenge header');
    }
  });

  it('token exchange through genericTokenEndpointRequest', async () => {
    const subject = await tokenFor(c1, c1Auth(), 'read write');
    const res = await oauth.genericTokenEndpointRequest(as, c1, c1Auth(), 'urn:ietf:params:oauth:grant-type:token-exchange', {
      subject_token: subject, subject_token_type: AT, audience: 'downstream', scope: 'read',
    }, insecure);
    const result = await oauth.processGenericTokenEndpointResponse(as, c1, res);
    assert.equal(result.issued_token_type, AT);
    assert.equal(result.token_type, 'bearer');
    assert.equal(result.expires_in, 300);
    assert.deepEqual(t.tokens.get(result.access_token)!.scope, ['read']);
  });

  it('token exchange: repeated resource and audience, invalid_target, invalid subject', async () => {
    const subject = await tokenFor(c1, c1Auth());
    const ok = await request(http).post('/token').set('Authorization', basic('c1', 's1')).type('form')
      .send(`grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=${subject}&subject_token_type=${AT}`
        + '&resource=https://a.example&resource=https://b.example&audience=x&audience=y').expect(200);
    assert.equal(ok.body.issued_token_type, AT);
    const call = t.calls.filter((c) => c.fn === 'tokenExchange').at(-1)!;
    assert.deepEqual(call.args.resource, ['https://a.example', 'https://b.example']);
    assert.deepEqual(call.args.audience, ['x', 'y']);
    const target = await request(http).post('/token').set('Authorization', basic('c1', 's1')).type('form')
      .send({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: subject, subject_token_type: AT, resource: 'relative/path' }).expect(400);
    assert.equal(target.body.error, 'invalid_target');
    const forbidden = await request(http).post('/token').set('Authorization', basic('c1', 's1')).type('form')
      .send({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: subject, subject_token_type: AT, audience: 'forbidden' }).expect(400);
    assert.equal(forbidden.body.error, 'invalid_target');
    const invalid = await request(http).post('/token').set('Authorization', basic('c1', 's1')).type('form')
      .send({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: 'bogus', subject_token_type: AT }).expect(400);
    assert.equal(invalid.body.error, 'invalid_request');
  });

  it('client_credentials with private_key_jwt client authentication', async () => {
    const pk = { client_id: 'pk' };
    const auth = oauth.PrivateKeyJwt({ key: key.privateKey, kid: 'k1' });
    const token = await tokenFor(pk, auth);
    assert.equal(t.tokens.get(token)!.clientId, 'pk');
    const res = await oauth.introspectionRequest(as, pk, oauth.PrivateKeyJwt({ key: key.privateKey, kid: 'k1' }), token, insecure);
    const info = await oauth.processIntrospectionResponse(as, pk, res);
    assert.equal(info.active, true);
  });

  it('private_key_jwt: replayed assertion, wrong key, and two methods at once are refused', async () => {
    const jwt = await clientAssertionJwt(key, 'pk', issuer);
    const form = { grant_type: 'client_credentials', client_assertion_type: CA_TYPE, client_assertion: jwt };
    await request(http).post('/token').type('form').send(form).expect(200);
    const replay = await request(http).post('/token').type('form').send(form).expect(401);
    assert.equal(replay.body.error, 'invalid_client');
    const wrong = await clientAssertionJwt(await keyPair(), 'pk', issuer);
    const bad = await request(http).post('/token').type('form').send({ ...form, client_assertion: wrong }).expect(401);
    assert.equal(bad.body.error, 'invalid_client');
    const fresh = await clientAssertionJwt(key, 'pk', issuer);
    const both = await request(http).post('/token').set('Authorization', basic('c1', 's1')).type('form').send({ ...form, client_assertion: fresh }).expect(400);
    assert.equal(both.body.error, 'invalid_request');
  });

  it('JWT bearer grant: a signed assertion gets a token, a malformed one invalid_grant', async () => {
    const jwt = await clientAssertionJwt(key, 'pk', issuer, {}, 'grant-1');
    const ok = await request(http).post('/token').set('Authorization', basic('c1', 's1')).type('form')
      .send({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt }).expect(200);
    assert.equal(t.tokens.get(ok.body.access_token)!.sub, 'pk');
    for (const assertion of ['a.b', rawJws({ alg: 'none' }, { iss: 'pk' }), 'x'.repeat(50_000)]) {
      const res = await request(http).post('/token').set('Authorization', basic('c1', 's1')).type('form')
        .send({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).expect(403);
      assert.equal(res.body.error, 'invalid_grant');
    }
    const repeated = await request(http).post('/token').set('Authorization', basic('c1', 's1')).type('form')
      .send(`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=${jwt}&assertion=${jwt}`).expect(400);
    assert.equal(repeated.body.error, 'invalid_request');
  });
});
