/**
 * src/clientauth/authenticateClient.ts with mock requests: each method, the registered
 * method, one method per request, the callback forms, the refusals and their codes, the
 * throttle calls, and what it advertises.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { jwtVerify } from 'jose';
import diagnostics from 'node:diagnostics_channel';
import { authenticateClient, buildMetadata, configureDiagnostics, createServer, EVENT_CHANNELS, TokenError, type ClientThrottle } from '../../src/index.js';
import { mockRequest, run, MockResponse } from '../helpers/mock.js';
import { assertTokenError } from '../exchange/helpers.js';
import { clientAssertionJwt, keyPair, rawJws, type TestKey } from '../helpers/jwt.js';

interface Client { id: string; secret?: string; token_endpoint_auth_method?: string | string[] }

const TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const AUD = 'https://as.example';
const clients: Record<string, Client> = {
  conf: { id: 'conf', secret: 's3cret' },
  plus: { id: 'plus', secret: 'a+b%2B c' },
  basicOnly: { id: 'basicOnly', secret: 'b', token_endpoint_auth_method: 'client_secret_basic' },
  pub: { id: 'pub', token_endpoint_auth_method: 'none' },
  jwt: { id: 'jwt', token_endpoint_auth_method: 'private_key_jwt' },
  mtls: { id: 'mtls', token_endpoint_auth_method: 'tls_client_auth' },
};
const lookup = async ({ clientId }: { clientId: string }) => clients[clientId] ?? null;
const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
const post = (body: Record<string, unknown>, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  mockRequest({ method: 'POST', url: '/token', body: { grant_type: 'client_credentials', ...body }, headers, ...extra });

/** A throttle that records its calls and blocks what `blocked` says. */
function recordingThrottle(blocked: (id: string | undefined, address: string) => number = () => 0) {
  const calls: string[] = [];
  const throttle: ClientThrottle = {
    async check(id, address) {
      calls.push(`check ${id} ${address}`);
      const wait = blocked(id, address);
      return { blocked: wait > 0, retryAfter: wait };
    },
    async failed(id, address) { calls.push(`failed ${id} ${address}`); },
    async succeeded(id, address) { calls.push(`succeeded ${id} ${address}`); },
  };
  return { throttle, calls };
}

describe('clientauth/authenticateClient', () => {
  describe('construction', () => {
    it('throws without a lookup function', () => {
      assert.throws(() => (authenticateClient as any)({}), /oauth2orize\.authenticateClient middleware requires a lookup function/);
      assert.throws(() => (authenticateClient as any)(), TypeError);
    });

    it('throws on an unknown method, or a method whose hook is missing', () => {
      assert.throws(() => authenticateClient({ methods: ['client_secret_magic' as any] }, lookup), /unknown client authentication method: client_secret_magic/);
      assert.throws(() => authenticateClient({ methods: ['private_key_jwt'] }, lookup), /private_key_jwt requires the assertion option/);
      assert.throws(() => authenticateClient({ methods: ['tls_client_auth'] }, lookup), /tls_client_auth requires the verifyCertificate option/);
      assert.throws(() => authenticateClient({ endpoints: ['userinfo' as any] }, lookup), /endpoints lists userinfo/);
      assert.throws(() => authenticateClient({ throttle: {} as any }, lookup), /throttle must have check, failed and succeeded/);
    });

    it('refuses a verifySecret or accessor of an arity that could never answer', () => {
      // (client, secret) would be called with a done it does not declare.
      assert.throws(() => authenticateClient({ verifySecret: ((_c: unknown, _s: unknown) => true) as any }, lookup), /verifySecret takes/);
      assert.throws(() => authenticateClient({ verifyCertificate: ((_c: unknown, _x: unknown) => true) as any, methods: ['tls_client_auth'] }, lookup), /verifyCertificate takes/);
      assert.throws(() => authenticateClient({ secretOf: 'secret' as any }, lookup), /secretOf must be a function/);
    });

    it('used as a middleware itself, it passes a TypeError naming it', () => {
      assert.throws(() => (authenticateClient as any)(post({}), new MockResponse(), () => {}), /oauth2orize\.authenticateClient is a factory/);
    });
  });

  describe('client_secret_basic', () => {
    it('authenticates, sets req.user and req.authInfo', async () => {
      const { err, nextCalled, req } = await run(authenticateClient(lookup), post({}, { authorization: basic('conf', 's3cret') }));
      assert.equal(nextCalled, true);
      assert.equal(err, undefined);
      assert.equal(req.user, clients.conf);
      assert.deepEqual(req.authInfo, { method: 'client_secret_basic' });
    });

    it('decodes the form-urlencoded id and secret (RFC 6749 §2.3.1)', async () => {
      const header = basic(encodeURIComponent('plus'), encodeURIComponent('a+b%2B c'));
      const { err, req } = await run(authenticateClient({ legacyBasic: false }, lookup), post({}, { authorization: header }));
      assert.equal(err, undefined);
      assert.equal(req.user, clients.plus);
    });

    it('tries the raw pair after the decoded one fails, unless legacyBasic is false', async () => {
      const header = basic('plus', 'a+b%2B c');
      const seen: string[] = [];
      const verifySecret = async ({ secret }: { secret: string }) => { seen.push(secret); return secret === 'a+b%2B c'; };
      const ok = await run(authenticateClient({ verifySecret }, lookup), post({}, { authorization: header }));
      assert.equal(ok.err, undefined);
      assert.deepEqual(seen, ['a b+ c', 'a+b%2B c'], 'decoded first, then as sent');
      const strict = await run(authenticateClient({ legacyBasic: false }, lookup), post({}, { authorization: header }));
      assertTokenError(strict.err, 'Client authentication failed', 'invalid_client', 401);
    });

    it('a wrong secret, an unknown client, a client without a secret: invalid_client 401, one message', async () => {
      for (const header of [basic('conf', 'wrong'), basic('nobody', 's3cret'), basic('pub', 'anything')]) {
        const { err, req } = await run(authenticateClient(lookup), post({}, { authorization: header }));
        assertTokenError(err, header === basic('pub', 'anything') ? 'The client is not registered for client_secret_basic' : 'Client authentication failed', 'invalid_client', 401);
        assert.equal(req.user, undefined);
      }
    });

    it('malformed headers are invalid_client, never an exception', async () => {
      for (const header of ['Basic', 'Basic !!!', basic('no-colon', '').slice(0, -4), 'Basic ' + Buffer.from('nocolon').toString('base64'), 'Basic ' + 'A'.repeat(20_000)]) {
        const { err } = await run(authenticateClient(lookup), post({}, { authorization: header }));
        assert.ok(err instanceof TokenError, header.slice(0, 30));
        assert.equal((err as TokenError).code, 'invalid_client');
        assert.equal((err as TokenError).status, 401);
      }
    });

    it('another scheme in the Authorization header is invalid_client', async () => {
      const { err } = await run(authenticateClient(lookup), post({}, { authorization: 'Bearer abc' }));
      assertTokenError(err, 'Unsupported authentication scheme', 'invalid_client', 401);
    });

    it('a body client_id other than the Basic one is invalid_request', async () => {
      const { err } = await run(authenticateClient(lookup), post({ client_id: 'other' }, { authorization: basic('conf', 's3cret') }));
      assertTokenError(err, 'client_id does not match the client of the Authorization header', 'invalid_request', 400);
      const same = await run(authenticateClient(lookup), post({ client_id: 'conf' }, { authorization: basic('conf', 's3cret') }));
      assert.equal(same.err, undefined);
    });

    it('compares secrets through crypto.timingSafeEqual, right or wrong', async () => {
      const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
      const original = crypto.timingSafeEqual;
      let calls = 0;
      crypto.timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => { calls++; return original(a, b); };
      syncBuiltinESMExports();
      try {
        await run(authenticateClient(lookup), post({}, { authorization: basic('conf', 's3cret') }));
        await run(authenticateClient(lookup), post({}, { authorization: basic('conf', 's3cre') }));
      } finally {
        crypto.timingSafeEqual = original;
        syncBuiltinESMExports();
      }
      assert.equal(calls, 2);
    });
  });

  describe('client_secret_post', () => {
    it('authenticates from the body', async () => {
      const { err, req } = await run(authenticateClient(lookup), post({ client_id: 'conf', client_secret: 's3cret' }));
      assert.equal(err, undefined);
      assert.equal(req.user, clients.conf);
      assert.deepEqual(req.authInfo, { method: 'client_secret_post' });
    });

    it('refuses a missing client_id, an empty secret, a method not listed', async () => {
      const a = await run(authenticateClient(lookup), post({ client_secret: 's3cret' }));
      assertTokenError(a.err, 'Missing client_id', 'invalid_client', 401);
      const b = await run(authenticateClient(lookup), post({ client_id: 'conf', client_secret: '' }));
      assertTokenError(b.err, 'Empty or oversized client_secret', 'invalid_client', 401);
      const c = await run(authenticateClient({ methods: ['client_secret_basic'] }, lookup), post({ client_id: 'conf', client_secret: 's3cret' }));
      assertTokenError(c.err, 'client_secret_post is not accepted here', 'invalid_client', 401);
    });

    it('repeated or non-string parameters are invalid_request', async () => {
      const a = await run(authenticateClient(lookup), post({ client_id: ['conf', 'x'], client_secret: 's3cret' }));
      assertTokenError(a.err, 'Invalid parameter: client_id must be a string', 'invalid_request', 400);
      const b = await run(authenticateClient(lookup), post({ client_id: 'conf', client_secret: { $ne: 1 } }));
      assertTokenError(b.err, 'Invalid parameter: client_secret must be a string', 'invalid_request', 400);
    });
  });

  describe('one method per request (RFC 6749 §2.3)', () => {
    it('Basic plus a body secret, Basic plus an assertion, a secret plus an assertion: invalid_request', async () => {
      const cases = [
        post({ client_id: 'conf', client_secret: 's3cret' }, { authorization: basic('conf', 's3cret') }),
        post({ client_assertion_type: TYPE, client_assertion: 'a.b.c' }, { authorization: basic('conf', 's3cret') }),
        post({ client_id: 'conf', client_secret: 's3cret', client_assertion_type: TYPE, client_assertion: 'a.b.c' }),
      ];
      for (const req of cases) {
        const { err } = await run(authenticateClient(lookup), req);
        assertTokenError(err, 'Client authenticated with more than one method', 'invalid_request', 400);
      }
    });
  });

  describe('the registered method', () => {
    it('is enforced when the client has one (default: token_endpoint_auth_method)', async () => {
      const ok = await run(authenticateClient(lookup), post({}, { authorization: basic('basicOnly', 'b') }));
      assert.equal(ok.err, undefined);
      const refused = await run(authenticateClient(lookup), post({ client_id: 'basicOnly', client_secret: 'b' }));
      assertTokenError(refused.err, 'The client is not registered for client_secret_post', 'invalid_client', 401);
    });

    it('methodOf may give a list, and may be a Promise or take done', async () => {
      const forms = [
        (c: Client) => (c.id === 'conf' ? ['client_secret_post', 'private_key_jwt'] : undefined),
        async (c: Client) => (c.id === 'conf' ? ['client_secret_post'] : undefined),
        (c: Client, done: (err: unknown, m?: unknown) => void) => setImmediate(() => done(null, c.id === 'conf' ? 'client_secret_post' : undefined)),
      ];
      for (const methodOf of forms) {
        const refused = await run(authenticateClient({ methodOf: methodOf as any }, lookup), post({}, { authorization: basic('conf', 's3cret') }));
        assertTokenError(refused.err, 'The client is not registered for client_secret_basic', 'invalid_client', 401);
        const ok = await run(authenticateClient({ methodOf: methodOf as any }, lookup), post({ client_id: 'conf', client_secret: 's3cret' }));
        assert.equal(ok.err, undefined);
      }
    });
  });

  describe('none (public clients)', () => {
    it('only when listed, and only for clients registered for none', async () => {
      const mw = authenticateClient({ methods: ['client_secret_basic', 'none'] }, lookup);
      const ok = await run(mw, post({ client_id: 'pub' }));
      assert.equal(ok.err, undefined);
      assert.equal(ok.req.user, clients.pub);
      assert.deepEqual(ok.req.authInfo, { method: 'none' });
      const confidential = await run(mw, post({ client_id: 'conf' }));
      assertTokenError(confidential.err, 'Client authentication required', 'invalid_client', 401);
      const unknown = await run(mw, post({ client_id: 'nobody' }));
      assertTokenError(unknown.err, 'Client authentication failed', 'invalid_client', 401);
      const notListed = await run(authenticateClient(lookup), post({ client_id: 'pub' }));
      assertTokenError(notListed.err, 'Client authentication required', 'invalid_client', 401);
    });

    it("reads the method and secret of a client stored as server.registration() hands it over", async () => {
      // RegisteredClient: clientId, clientSecret, and the RFC 7591 fields under metadata.
      const registered: Record<string, object> = {
        dcrPublic: { clientId: 'dcrPublic', clientIdIssuedAt: 1, metadata: { token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/cb'] } },
        dcrSecret: { clientId: 'dcrSecret', clientSecret: 'dcr-s3cret', clientIdIssuedAt: 1, metadata: { token_endpoint_auth_method: 'client_secret_basic' } },
      };
      const mw = authenticateClient({ methods: ['client_secret_basic', 'client_secret_post', 'none'] }, async ({ clientId }: { clientId: string }) => registered[clientId] ?? null);
      const pub = await run(mw, post({ client_id: 'dcrPublic' }));
      assert.equal(pub.err, undefined);
      assert.deepEqual(pub.req.authInfo, { method: 'none' });
      const secret = await run(mw, post({}, { authorization: basic('dcrSecret', 'dcr-s3cret') }));
      assert.equal(secret.err, undefined);
      assert.deepEqual(secret.req.authInfo, { method: 'client_secret_basic' });
      const wrong = await run(mw, post({}, { authorization: basic('dcrSecret', 'nope') }));
      assertTokenError(wrong.err, 'Client authentication failed', 'invalid_client', 401);
      // The registered method is enforced: the secret in the body is refused for a Basic client.
      const otherMethod = await run(mw, post({ client_id: 'dcrSecret', client_secret: 'dcr-s3cret' }));
      assert.ok(otherMethod.err, 'client_secret_post refused for a client registered for client_secret_basic');
    });

    it('no credentials at all is invalid_client', async () => {
      const { err } = await run(authenticateClient({ methods: ['none'] }, lookup), post({}));
      assertTokenError(err, 'Client authentication required', 'invalid_client', 401);
    });
  });

  describe('private_key_jwt', () => {
    const verify = (key: TestKey) => async ({ clientId, assertion }: { clientId: string; assertion: string }) => {
      const client = clients[clientId];
      if (!client) return null;
      await jwtVerify(assertion, key.publicKey, { issuer: clientId, subject: clientId, audience: AUD });
      return client;
    };

    it('folds in clientAssertion: a signed assertion authenticates, and sets authInfo', async () => {
      const key = await keyPair();
      const mw = authenticateClient({ assertion: { verify: verify(key), algorithms: ['ES256'], issuer: AUD } }, lookup);
      const jwt = await clientAssertionJwt(key, 'jwt', AUD);
      const { err, req } = await run(mw, post({ client_assertion_type: TYPE, client_assertion: jwt }));
      assert.equal(err, undefined);
      assert.equal(req.user, clients.jwt);
      assert.deepEqual(req.authInfo, { method: 'private_key_jwt' });
      assert.equal(req['oauth2orize:assertedClient'], undefined, 'the internal property is gone');
    });

    it('a session user in req.user does not stop it: the client replaces it', async () => {
      const key = await keyPair();
      const mw = authenticateClient({ assertion: { verify: verify(key), issuer: AUD } }, lookup);
      const jwt = await clientAssertionJwt(key, 'jwt', AUD);
      const { err, req } = await run(mw, post({ client_assertion_type: TYPE, client_assertion: jwt }, {}, { user: { name: 'alice' } }));
      assert.equal(err, undefined);
      assert.equal(req.user, clients.jwt);
    });

    it('a bad signature is invalid_client; the registered method is enforced', async () => {
      const key = await keyPair();
      const mw = authenticateClient({ assertion: { verify: verify(key), issuer: AUD } }, lookup);
      const forged = await clientAssertionJwt(await keyPair(), 'jwt', AUD);
      assertTokenError((await run(mw, post({ client_assertion_type: TYPE, client_assertion: forged }))).err, 'Invalid client assertion', 'invalid_client', 401);
      const secretClient = await clientAssertionJwt(key, 'basicOnly', AUD);
      assertTokenError((await run(mw, post({ client_assertion_type: TYPE, client_assertion: secretClient }))).err, 'The client is not registered for private_key_jwt', 'invalid_client', 401);
    });

    it('an HMAC assertion is client_secret_jwt, refused before verify unless listed', async () => {
      let called = 0;
      const mw = authenticateClient({ assertion: { issuer: AUD, verify: async () => { called++; return clients.conf; } } }, lookup);
      const hs = rawJws({ alg: 'HS256' }, { iss: 'conf', sub: 'conf', aud: AUD, exp: Math.floor(Date.now() / 1000) + 60, jti: 'j1' });
      assertTokenError((await run(mw, post({ client_assertion_type: TYPE, client_assertion: hs }))).err, 'client_secret_jwt not accepted here', 'invalid_client', 401);
      assert.equal(called, 0);
      const listed = authenticateClient({ methods: ['client_secret_jwt'], assertion: { issuer: AUD, algorithms: ['HS256'], verify: async () => { called++; return clients.conf; } } }, lookup);
      const ok = await run(listed, post({ client_assertion_type: TYPE, client_assertion: hs }));
      assert.equal(ok.err, undefined);
      assert.deepEqual(ok.req.authInfo, { method: 'client_secret_jwt' });
    });

    it('without the method, an assertion is invalid_client', async () => {
      const { err } = await run(authenticateClient(lookup), post({ client_assertion_type: TYPE, client_assertion: 'a.b.c' }));
      assertTokenError(err, 'Client assertions not accepted here', 'invalid_client', 401);
    });
  });

  describe('tls_client_auth / self_signed_tls_client_auth', () => {
    const cert = { subject: { CN: 'mtls' }, raw: Buffer.from('der') };
    it('a client registered for it, with a certificate the hook accepts', async () => {
      const seen: unknown[] = [];
      const mw = authenticateClient({
        methods: ['tls_client_auth'],
        certificateOf: (req: any) => req.headers['x-client-cert'] ? cert : undefined,
        verifyCertificate: async ({ client, certificate, method, clientId }) => { seen.push(method, clientId); return (certificate as typeof cert).subject.CN === (client as Client).id; },
      }, lookup);
      const ok = await run(mw, post({ client_id: 'mtls' }, { 'x-client-cert': 'yes' }));
      assert.equal(ok.err, undefined);
      assert.deepEqual(ok.req.authInfo, { method: 'tls_client_auth', certificate: cert });
      assert.deepEqual(seen, ['tls_client_auth', 'mtls']);
      assertTokenError((await run(mw, post({ client_id: 'mtls' }))).err, 'Client certificate required', 'invalid_client', 401);
      assertTokenError((await run(mw, post({ client_id: 'conf' }, { 'x-client-cert': 'yes' }))).err, 'Client authentication required', 'invalid_client', 401);
    });

    it('a certificate the hook refuses is invalid_client; the positional form works', async () => {
      const mw = authenticateClient({
        methods: ['tls_client_auth'],
        certificateOf: () => cert,
        verifyCertificate: (_client, _certificate, done) => done(null, false),
      }, lookup);
      assertTokenError((await run(mw, post({ client_id: 'mtls' }))).err, 'Client certificate not accepted', 'invalid_client', 401);
    });

    it('reads the TLS peer certificate by default', async () => {
      const socket = { getPeerCertificate: () => cert, remoteAddress: '127.0.0.1' };
      const mw = authenticateClient({ methods: ['tls_client_auth'], verifyCertificate: async ({ certificate }) => certificate === cert }, lookup);
      const ok = await run(mw, post({ client_id: 'mtls' }, {}, { socket }));
      assert.equal(ok.err, undefined);
      const none = await run(mw, post({ client_id: 'mtls' }, {}, { socket: { getPeerCertificate: () => ({}) } }));
      assertTokenError(none.err, 'Client certificate required', 'invalid_client', 401);
    });
  });

  describe('callback forms', () => {
    it('lookup: (clientId, done), the context form, a Promise; secretOf and verifySecret likewise', async () => {
      const lookups = [
        (id: any, done: any) => done(null, clients[id]),
        ({ clientId }: any) => clients[clientId],
        async ({ clientId }: any) => clients[clientId],
      ];
      const secretChecks = [
        {},
        { secretOf: (c: Client) => c.secret },
        { secretOf: async (c: Client) => Buffer.from(c.secret!) },
        { secretOf: (c: Client, done: any) => done(null, c.secret) },
        { verifySecret: ({ client, secret }: any) => secret === client.secret },
        { verifySecret: (client: any, secret: string, done: any) => done(null, secret === client.secret) },
      ];
      for (const l of lookups) {
        for (const options of secretChecks) {
          const ok = await run(authenticateClient(options as any, l as any), post({}, { authorization: basic('conf', 's3cret') }));
          assert.equal(ok.err, undefined);
          assert.equal(ok.req.user, clients.conf);
          const wrong = await run(authenticateClient(options as any, l as any), post({}, { authorization: basic('conf', 'nope') }));
          assert.equal((wrong.err as TokenError).code, 'invalid_client');
        }
      }
    });

    it('errors of the app callbacks pass on as they are', async () => {
      const boom = new Error('db down');
      const a = await run(authenticateClient(async () => { throw boom; }), post({}, { authorization: basic('conf', 's3cret') }));
      assert.equal(a.err, boom);
      const b = await run(authenticateClient({ verifySecret: async () => { throw boom; } }, lookup), post({}, { authorization: basic('conf', 's3cret') }));
      assert.equal(b.err, boom);
      const c = await run(authenticateClient((_id: any, done: any) => done(boom)), post({ client_id: 'conf', client_secret: 'x' }));
      assert.equal(c.err, boom);
    });

    it('userProperty names where the client goes', async () => {
      const { req } = await run(authenticateClient({ userProperty: 'client' }, lookup), post({}, { authorization: basic('conf', 's3cret') }));
      assert.equal(req.client, clients.conf);
      assert.equal(req.user, undefined);
    });

    it('without a body parser, the 1.x error', async () => {
      const { err } = await run(authenticateClient(lookup), mockRequest({ method: 'POST', headers: { authorization: basic('conf', 's3cret') } }));
      assert.match((err as Error).message, /OAuth2orize requires body parsing/);
    });
  });

  describe('throttle', () => {
    const socket = { remoteAddress: '10.0.0.7' };

    it('checks first, then counts the failure (keyed by the presented client and the address)', async () => {
      const { throttle, calls } = recordingThrottle();
      const mw = authenticateClient({ throttle }, lookup);
      await run(mw, post({}, { authorization: basic('conf', 'wrong') }, { socket }));
      await run(mw, post({}, { authorization: basic('conf', 's3cret') }, { ip: '10.0.0.8', socket }));
      await run(mw, post({}, { authorization: 'Basic !!' }, { socket }));
      assert.deepEqual(calls, [
        'check conf 10.0.0.7', 'failed conf 10.0.0.7',
        'check conf 10.0.0.8', 'succeeded conf 10.0.0.8',
        'check undefined 10.0.0.7', 'failed undefined 10.0.0.7',
      ]);
    });

    it('a blocked attempt is 429 temporarily_unavailable with Retry-After, and the secret is not checked', async () => {
      const { throttle, calls } = recordingThrottle(() => 42.2);
      let verified = 0;
      const mw = authenticateClient({ throttle, verifySecret: async () => { verified++; return true; } }, lookup);
      const { err, res } = await run(mw, post({}, { authorization: basic('conf', 's3cret') }, { socket }));
      assertTokenError(err, 'Too many failed client authentications; retry in 43 seconds', 'temporarily_unavailable', 429);
      assert.equal(res.getHeader('retry-after'), '43');
      assert.equal(verified, 0);
      assert.deepEqual(calls, ['check conf 10.0.0.7']);
    });

    it('counts nothing but invalid_client: not invalid_request, not the app\'s errors', async () => {
      const { throttle, calls } = recordingThrottle();
      await run(authenticateClient({ throttle }, lookup), post({ client_id: 'conf', client_secret: 'x' }, { authorization: basic('conf', 's3cret') }, { socket }));
      await run(authenticateClient({ throttle }, async () => { throw new Error('db'); }), post({ client_id: 'conf', client_secret: 'x' }, {}, { socket }));
      assert.deepEqual(calls, ['check conf 10.0.0.7']);
    });

    it('a check that fails fails the request; failed and succeeded that fail do not change the outcome', async () => {
      const down = new Error('store down');
      const broken: ClientThrottle = { check: async () => { throw down; }, failed: async () => {}, succeeded: async () => {} };
      assert.equal((await run(authenticateClient({ throttle: broken }, lookup), post({}, { authorization: basic('conf', 's3cret') }, { socket }))).err, down);
      const flaky: ClientThrottle = { check: async () => ({ blocked: false, retryAfter: 0 }), failed: () => { throw down; }, succeeded: async () => { throw down; } };
      const ok = await run(authenticateClient({ throttle: flaky }, lookup), post({}, { authorization: basic('conf', 's3cret') }, { socket }));
      assert.equal(ok.err, undefined);
      const no = await run(authenticateClient({ throttle: flaky }, lookup), post({}, { authorization: basic('conf', 'x') }, { socket }));
      assert.equal((no.err as TokenError).code, 'invalid_client');
    });
  });

  describe('diagnostics events', () => {
    it('publishes each failed authentication (client as configured, method, reason) and each throttled attempt', async () => {
      const events: Array<[string, unknown]> = [];
      const onFailed = (message: unknown) => events.push(['failed', message]);
      const onThrottled = (message: unknown) => events.push(['throttled', message]);
      diagnostics.subscribe(EVENT_CHANNELS.clientAuthFailed, onFailed);
      diagnostics.subscribe(EVENT_CHANNELS.throttled, onThrottled);
      configureDiagnostics({ clientId: 'raw' });
      try {
        const mw = authenticateClient({ methods: ['client_secret_basic', 'client_secret_post', 'none'], throttle: recordingThrottle((id) => (id === 'blocked' ? 7 : 0)).throttle }, lookup);
        await run(mw, post({}, { authorization: basic('conf', 'wrong') }));
        await run(mw, post({}, { authorization: basic('nobody', 'x') }));
        await run(mw, post({ client_id: 'basicOnly', client_secret: 'b' }));
        await run(mw, post({}, { authorization: 'Basic !!' }));
        await run(mw, post({}));
        await run(mw, post({ client_id: 'conf' }));
        await run(mw, post({}, { authorization: basic('conf', 's3cret') }));
        await run(mw, post({ client_id: 'conf', client_secret: 'x' }, { authorization: basic('conf', 'x') }));
        await run(mw, post({}, { authorization: basic('blocked', 'x') }));
        configureDiagnostics({});
        await run(mw, post({}, { authorization: basic('conf', 'wrong') }));
      } finally {
        configureDiagnostics({});
        diagnostics.unsubscribe(EVENT_CHANNELS.clientAuthFailed, onFailed);
        diagnostics.unsubscribe(EVENT_CHANNELS.throttled, onThrottled);
      }
      assert.deepEqual(events, [
        ['failed', { reason: 'bad_secret', method: 'client_secret_basic', clientId: 'conf' }],
        ['failed', { reason: 'unknown_client', method: 'client_secret_basic', clientId: 'nobody' }],
        ['failed', { reason: 'method_not_registered', method: 'client_secret_post', clientId: 'basicOnly' }],
        ['failed', { reason: 'malformed_credentials', method: 'client_secret_basic' }],
        ['failed', { reason: 'missing_credentials' }],
        ['failed', { reason: 'missing_credentials', method: 'none', clientId: 'conf' }],
        ['throttled', { retryAfter: 7, clientId: 'blocked' }],
        ['failed', { reason: 'bad_secret', method: 'client_secret_basic' }],
      ], 'no event for a success or an invalid_request; no client id once diagnostics are off');
    });
  });

  describe('server.authenticateClient and the metadata', () => {
    it('advertises the methods at the endpoints it guards, and the assertion algorithms', () => {
      const server = createServer({ issuer: AUD });
      server.authenticateClient(lookup);
      let doc = buildMetadata(server, { issuer: AUD });
      assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
      assert.equal(doc.revocation_endpoint_auth_methods_supported, undefined);
      server.authenticateClient({
        methods: ['client_secret_basic', 'private_key_jwt', 'none'],
        endpoints: ['token', 'revocation', 'introspection'],
        assertion: { algorithms: ['ES256', 'EdDSA'], verify: async () => null },
      }, lookup);
      doc = buildMetadata(server, { issuer: AUD });
      assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
      assert.deepEqual(doc.revocation_endpoint_auth_methods_supported, ['client_secret_basic', 'private_key_jwt', 'none']);
      assert.deepEqual(doc.introspection_endpoint_auth_signing_alg_values_supported, ['ES256', 'EdDSA']);
      assert.deepEqual(doc.token_endpoint_auth_signing_alg_values_supported, ['ES256', 'EdDSA']);
      const other = createServer({ issuer: AUD });
      other.authenticateClient({ assertion: { verify: async () => null } }, lookup);
      const defaults = buildMetadata(other, { issuer: AUD });
      assert.deepEqual(defaults.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
      assert.deepEqual(defaults.token_endpoint_auth_signing_alg_values_supported, ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'], 'the assertion checks\' default');
    });

    it('assertions need the server\'s issuer (or assertion.issuer or audience), which the server method passes on', () => {
      assert.throws(() => createServer().authenticateClient({ assertion: { verify: async () => null } }, lookup), /oauth2orize\.authenticateClient: assertions need this server's identity to check aud/);
      assert.throws(() => authenticateClient({ assertion: { verify: async () => null } }, lookup), /assertions need this server's identity/);
      assert.doesNotThrow(() => createServer({ issuer: AUD }).authenticateClient({ assertion: { verify: async () => null } }, lookup));
      assert.doesNotThrow(() => authenticateClient({ assertion: { audience: false, verify: async () => null } }, lookup));
    });

    it('client_secret_jwt needs an HMAC algorithm listed', () => {
      assert.throws(() => authenticateClient({ methods: ['client_secret_jwt'], assertion: { issuer: AUD, verify: async () => null } }, lookup), /client_secret_jwt requires an HMAC algorithm/);
    });

    it('one throttle per server: failures at one authenticator count at another (hardened default, or throttle: true)', async () => {
      for (const [options, server] of [[undefined, createServer({ issuer: AUD, hardened: true })], [{ throttle: true as const }, createServer()]] as const) {
        const token = server.authenticateClient(options, lookup);
        const revoke = server.authenticateClient(options, lookup);
        const socket = { remoteAddress: '10.1.1.1' };
        for (let i = 0; i < 10; i++) await run(i % 2 ? token : revoke, post({}, { authorization: basic('conf', 'wrong') }, { socket }));
        const { err } = await run(revoke, post({}, { authorization: basic('conf', 's3cret') }, { socket }));
        assert.equal((err as TokenError).status, 429);
      }
      const separate = createServer();
      const a = separate.authenticateClient({ throttle: true }, lookup);
      const b = authenticateClient({ throttle: true }, lookup);
      for (let i = 0; i < 10; i++) await run(a, post({}, { authorization: basic('conf', 'wrong') }, { socket: { remoteAddress: '10.1.1.2' } }));
      assert.equal((await run(b, post({}, { authorization: basic('conf', 's3cret') }, { socket: { remoteAddress: '10.1.1.2' } }))).err, undefined, 'the standalone factory has its own');
      const off = createServer({ issuer: AUD, hardened: true }).authenticateClient({ throttle: false }, lookup);
      for (let i = 0; i < 12; i++) await run(off, post({}, { authorization: basic('conf', 'wrong') }, { socket: { remoteAddress: '10.1.1.3' } }));
      assert.equal((await run(off, post({}, { authorization: basic('conf', 's3cret') }, { socket: { remoteAddress: '10.1.1.3' } }))).err, undefined, 'throttle: false turns it off');
    });

    it('is the same middleware as the standalone factory', async () => {
      const mw = createServer().authenticateClient(lookup);
      const { req } = await run(mw, post({}, { authorization: basic('conf', 's3cret') }));
      assert.equal(req.user, clients.conf);
    });
  });
});
