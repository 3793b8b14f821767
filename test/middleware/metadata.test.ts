import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import oauth2orize, { metadataPath, buildMetadata, createServer } from '../../src/index.js';
import { advertise } from '../../src/settings/settings.js';
import { mockRequest, run } from '../helpers/mock.js';

const ISSUER = 'https://as.example.com';

function fullServer() {
  const server = createServer();
  server.grant(oauth2orize.grant.code((_c: any, _r: any, _u: any, done: any) => done(null, 'c')));
  server.grant(oauth2orize.grant.token((_c: any, _u: any, done: any) => done(null, 't')));
  server.grant('*', () => ({}));
  server.exchange(oauth2orize.exchange.code((_c: any, _code: any, _r: any, done: any) => done(null, 'a')));
  server.exchange(oauth2orize.exchange.clientCredentials((_c: any, done: any) => done(null, 'a')));
  server.exchange(oauth2orize.exchange.tokenExchange(() => null));
  server.exchange('*', (_req, _res, next) => next());
  return server;
}

describe('middleware/metadata', () => {
  it('serves issuer, registered response and grant types as JSON', async () => {
    const server = fullServer();
    const mw = server.metadata({ issuer: ISSUER, metadata: { token_endpoint: '/token', jwks_uri: 'https://keys.example/jwks' } });
    const { res, nextCalled } = await run(mw, mockRequest({ method: 'GET' }));
    assert.equal(nextCalled, false);
    assert.equal(res.statusCode, 200);
    assert.equal(res.getHeader('Content-Type'), 'application/json');
    assert.equal(res.getHeader('Cache-Control'), 'public, max-age=600');
    assert.equal(res.getHeader('Access-Control-Allow-Origin'), '*');
    const doc = JSON.parse(res.body!);
    assert.deepEqual(doc, {
      issuer: ISSUER,
      response_types_supported: ['code', 'token'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange', 'implicit'],
      token_endpoint: ISSUER + '/token',
      jwks_uri: 'https://keys.example/jwks',
    });
  });

  it('never lists device_code as a response type, even with no device endpoint created', () => {
    const server = createServer();
    server.grant(oauth2orize.grant.code((_c: any, _r: any, _u: any, done: any) => done(null, 'c')));
    server.grant(oauth2orize.grant.deviceCode((_ctx: any) => true));
    server.grant('device_code', 'response', (_txn: any, _res: any, next: any) => next());
    const doc = buildMetadata(server, { issuer: ISSUER });
    assert.deepEqual(doc.response_types_supported, ['code']);
  });

  it('reads the issuer from the server options', () => {
    const server = createServer({ issuer: ISSUER });
    assert.equal(buildMetadata(server).issuer, ISSUER);
  });

  it('throws at construction without a usable issuer', () => {
    const server = createServer();
    assert.throws(() => server.metadata(), /requires an issuer/);
    assert.throws(() => server.metadata({ issuer: 'not a url' }), /not a URL/);
    assert.throws(() => server.metadata({ issuer: ISSUER + '?x=1' }), /no query or fragment/);
    assert.throws(() => server.metadata({ issuer: ISSUER + '#f' }), /no query or fragment/);
  });

  it('includes advertised fields, grant and exchange metadata properties, and app fields win', async () => {
    const server = createServer();
    const mod: any = { name: 'code', request: () => ({}), response: () => {}, metadata: { code_challenge_methods_supported: ['S256'] } };
    server.grant(mod);
    const ex: any = function custom(_req: any, _res: any, next: any) { next(); };
    ex.metadata = { token_endpoint_auth_methods_supported: ['client_secret_basic'], custom_flag: true };
    server.exchange(ex);
    advertise(server, { token_endpoint_auth_methods_supported: ['private_key_jwt'] });
    server.clientAssertion({ issuer: ISSUER, algorithms: ['ES256'] }, () => null);
    const doc = buildMetadata(server, { issuer: ISSUER, metadata: { custom_flag: false, service_documentation: '/docs' } });
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['client_secret_basic', 'private_key_jwt']);
    assert.deepEqual(doc.token_endpoint_auth_signing_alg_values_supported, ['ES256']);
    assert.equal(doc.custom_flag, false, 'app fields win');
    assert.equal(doc.service_documentation, ISSUER + '/docs');
    assert.deepEqual(doc.grant_types_supported, ['custom']);
    assert.deepEqual(doc.response_types_supported, ['code']);
  });

  it('an app cannot override the issuer through metadata', () => {
    const doc = buildMetadata(createServer(), { issuer: ISSUER, metadata: { issuer: 'https://evil.example' } });
    assert.equal(doc.issuer, ISSUER);
  });

  it('sees registrations made after it was created', async () => {
    const server = createServer();
    const mw = server.metadata({ issuer: ISSUER });
    server.exchange(oauth2orize.exchange.jwtBearer(() => null));
    const { res } = await run(mw, mockRequest({ method: 'GET' }));
    assert.deepEqual(JSON.parse(res.body!).grant_types_supported, ['urn:ietf:params:oauth:grant-type:jwt-bearer']);
  });

  it('answers HEAD without a body, passes other methods on', async () => {
    const mw = createServer().metadata({ issuer: ISSUER, maxAge: 0, cors: false });
    const head = await run(mw, mockRequest({ method: 'HEAD' }));
    assert.equal(head.res.body, undefined);
    assert.equal(head.res.getHeader('Cache-Control'), 'no-cache');
    assert.equal(head.res.getHeader('Access-Control-Allow-Origin'), undefined);
    const post = await run(mw, mockRequest({ method: 'POST' }));
    assert.equal(post.nextCalled, true);
    assert.equal(post.err, undefined);
  });

  it('metadataPath inserts the well-known segment before the issuer path (RFC 8414 §3.1)', () => {
    assert.equal(metadataPath('https://as.example.com'), '/.well-known/oauth-authorization-server');
    assert.equal(metadataPath('https://as.example.com/'), '/.well-known/oauth-authorization-server');
    assert.equal(metadataPath('https://as.example.com/tenant/1'), '/.well-known/oauth-authorization-server/tenant/1');
    assert.equal(metadataPath('https://as.example.com/t', 'openid-configuration'), '/.well-known/openid-configuration/t');
  });

  it('is on the default export and as a named export', () => {
    assert.equal(typeof oauth2orize.metadata, 'function');
    assert.equal(oauth2orize.metadataPath, metadataPath);
  });
});

describe('middleware/metadata hostile fields', () => {
  it('ignores a __proto__ key in the app fields', () => {
    const doc = buildMetadata(createServer(), { issuer: ISSUER, metadata: JSON.parse('{"__proto__":{"x":1},"a":2}') });
    assert.equal(Object.getPrototypeOf(doc), Object.prototype);
    assert.equal((doc as any).x, undefined);
    assert.equal(doc.a, 2);
  });
});

describe('middleware/metadata with the issue-11 server options', () => {
  it('a server issuer gives issuer and iss support; grant.code contributes its fields', () => {
    const server = createServer({ issuer: ISSUER });
    server.grant(oauth2orize.grant.code((_c: any, _r: any, _u: any, done: any) => done(null, 'c')));
    const doc = buildMetadata(server);
    assert.equal(doc.issuer, ISSUER);
    assert.equal(doc.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(doc.response_types_supported, ['code']);
  });
});

describe('middleware/metadata issuer scheme', () => {
  it('requires https, except http on loopback hosts', () => {
    const server = createServer();
    assert.throws(() => server.metadata({ issuer: 'http://as.example.com' }), /https/);
    assert.throws(() => server.metadata({ issuer: 'ftp://as.example.com' }), /https/);
    for (const ok of ['http://localhost:3000', 'http://127.0.0.1:8080/x', 'http://[::1]:1']) {
      assert.equal(buildMetadata(server, { issuer: ok }).issuer, ok);
    }
  });
});
