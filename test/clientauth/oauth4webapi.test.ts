/**
 * A standards client, oauth4webapi 3, authenticates with each method against an app that
 * uses only `server.authenticateClient()` (no decoding of its own), over real sockets:
 * ClientSecretBasic and ClientSecretPost with secrets holding `-_.~%+` and spaces (clear
 * and scrypt-hashed), PrivateKeyJwt, and None for a public client; at the token endpoint,
 * pushed authorization, device authorization, revocation and introspection. Then the
 * refusals on the wire: status, body and `WWW-Authenticate`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { generateKeyPair, exportJWK, type CryptoKey } from 'jose';
import { hashSecret, SECRETS, startClientAuthApp, type Running } from './app.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('authenticateClient with oauth4webapi', () => {
  let s: Running;
  let as: oauth.AuthorizationServer;
  let privateKey: CryptoKey;

  before(async () => {
    s = await startClientAuthApp();
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    s.clients.set('basic-app', { client_id: 'basic-app', client_secret: SECRETS.basic, redirectURI: 'https://basic.example/cb' });
    s.clients.set('post-app', { client_id: 'post-app', client_secret: SECRETS.post, token_endpoint_auth_method: 'client_secret_post' });
    s.clients.set('hashed app~1', { client_id: 'hashed app~1', secretHash: hashSecret(SECRETS.hashed) });
    s.clients.set('jwt-app', { client_id: 'jwt-app', token_endpoint_auth_method: 'private_key_jwt', jwk: { ...(await exportJWK(pair.publicKey)), alg: 'ES256' } });
    s.clients.set('device', { client_id: 'device', token_endpoint_auth_method: 'none' });
    as = await oauth.processDiscoveryResponse(new URL(s.base), await oauth.discoveryRequest(new URL(s.base), { algorithm: 'oauth2', ...insecure }));
  });
  after(async () => { await s.close(); });

  const clientCredentials = async (client: oauth.Client, auth: oauth.ClientAuth) =>
    oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams(), insecure));

  it('advertises the configured methods at each endpoint', () => {
    const methods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
    assert.deepEqual(as.token_endpoint_auth_methods_supported, methods);
    assert.deepEqual(as.revocation_endpoint_auth_methods_supported, methods);
    assert.deepEqual(as.introspection_endpoint_auth_methods_supported, methods);
    assert.deepEqual(as.token_endpoint_auth_signing_alg_values_supported, ['ES256']);
  });

  it('ClientSecretBasic: the form-encoded id and secret are decoded (secret with -_.~%+ and a space)', async () => {
    const client = { client_id: 'basic-app' };
    const tokens = await clientCredentials(client, oauth.ClientSecretBasic(SECRETS.basic));
    assert.match(tokens.access_token, /^at-/);
    assert.equal(s.tokens.get(tokens.access_token)!.clientId, 'basic-app');
  });

  it('ClientSecretBasic with a hashed secret (verifySecret) and an id with a space and ~', async () => {
    const client = { client_id: 'hashed app~1' };
    const tokens = await clientCredentials(client, oauth.ClientSecretBasic(SECRETS.hashed));
    assert.equal(s.tokens.get(tokens.access_token)!.clientId, 'hashed app~1');
  });

  it('ClientSecretPost', async () => {
    const client = { client_id: 'post-app' };
    const tokens = await clientCredentials(client, oauth.ClientSecretPost(SECRETS.post));
    assert.equal(s.tokens.get(tokens.access_token)!.clientId, 'post-app');
  });

  it('PrivateKeyJwt', async () => {
    const client = { client_id: 'jwt-app' };
    const tokens = await clientCredentials(client, oauth.PrivateKeyJwt(privateKey));
    assert.equal(s.tokens.get(tokens.access_token)!.clientId, 'jwt-app');
  });

  it('the assertion checks run on the server clock (server.authenticateClient hands it on)', async () => {
    const client = { client_id: 'jwt-app' };
    s.clock.t += 3_600_000;
    try {
      await rejectedAsInvalidClient(clientCredentials(client, oauth.PrivateKeyJwt(privateKey)));
    } finally {
      s.clock.t -= 3_600_000;
    }
  });

  it('None: a public device gets its codes, then polls (authorization_pending)', async () => {
    const device = { client_id: 'device' };
    const auth = await oauth.processDeviceAuthorizationResponse(as, device, await oauth.deviceAuthorizationRequest(as, device, oauth.None(), new URLSearchParams(), insecure));
    assert.ok(auth.device_code);
    await assert.rejects(
      async () => oauth.processDeviceCodeResponse(as, device, await oauth.deviceCodeGrantRequest(as, device, oauth.None(), auth.device_code, insecure)),
      (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'authorization_pending',
    );
  });

  it('pushed authorization with ClientSecretBasic, revocation with ClientSecretPost, introspection with PrivateKeyJwt', async () => {
    const basicClient = { client_id: 'basic-app' };
    const par = await oauth.processPushedAuthorizationResponse(as, basicClient,
      await oauth.pushedAuthorizationRequest(as, basicClient, oauth.ClientSecretBasic(SECRETS.basic), new URLSearchParams({ response_type: 'code', redirect_uri: 'https://basic.example/cb' }), insecure));
    assert.match(par.request_uri, /^urn:ietf:params:oauth:request_uri:/);

    const jwtClient = { client_id: 'jwt-app' };
    const { access_token } = await clientCredentials(jwtClient, oauth.PrivateKeyJwt(privateKey));
    const active = await oauth.processIntrospectionResponse(as, jwtClient, await oauth.introspectionRequest(as, jwtClient, oauth.PrivateKeyJwt(privateKey), access_token, insecure));
    assert.equal(active.active, true);

    const postClient = { client_id: 'post-app' };
    const own = (await clientCredentials(postClient, oauth.ClientSecretPost(SECRETS.post))).access_token;
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, postClient, oauth.ClientSecretPost(SECRETS.post), own, insecure));
    assert.equal(s.tokens.get(own)!.revoked, true);
  });

  /** oauth4webapi reports a 401 with a challenge as a WWWAuthenticateChallengeError; the body is invalid_client. */
  async function rejectedAsInvalidClient(promise: Promise<unknown>): Promise<void> {
    let caught: unknown;
    await promise.catch((err: unknown) => { caught = err; });
    assert.ok(caught instanceof oauth.WWWAuthenticateChallengeError, `expected a challenge, got ${String(caught)}`);
    assert.equal(caught.status, 401);
    assert.equal(caught.cause[0]!.scheme, 'basic');
    assert.equal(caught.cause[0]!.parameters.realm, 'oauth2');
    assert.equal(((await caught.response.json()) as { error: string }).error, 'invalid_client');
  }

  it('the registered method is enforced: a client_secret_post client may not use Basic', async () => {
    await rejectedAsInvalidClient(clientCredentials({ client_id: 'post-app' }, oauth.ClientSecretBasic(SECRETS.post)));
  });

  it('a wrong secret and an unknown client are invalid_client for the client too', async () => {
    await rejectedAsInvalidClient(clientCredentials({ client_id: 'basic-app' }, oauth.ClientSecretBasic('wrong')));
    await rejectedAsInvalidClient(clientCredentials({ client_id: 'nobody' }, oauth.ClientSecretPost('x')));
    await rejectedAsInvalidClient(clientCredentials({ client_id: 'jwt-app' }, oauth.PrivateKeyJwt((await generateKeyPair('ES256')).privateKey)));
  });

  describe('refusals on the wire', () => {
    const tokenRequest = (headers: Record<string, string>, body: Record<string, string> = {}) =>
      fetch(s.base + '/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ grant_type: 'client_credentials', ...body }) });
    const basic = (text: string) => 'Basic ' + Buffer.from(text).toString('base64');

    async function expectRefusal(res: Response, status: number, error: string, challenge: string | null): Promise<void> {
      assert.equal(res.status, status);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('www-authenticate'), challenge);
      const body = (await res.json()) as { error: string; error_description?: string };
      assert.equal(body.error, error);
      assert.equal(typeof body.error_description, 'string');
    }

    it('wrong secret, unknown client, registered method mismatch: 401 invalid_client with a Basic challenge', async () => {
      await expectRefusal(await tokenRequest({ authorization: basic('basic-app:nope') }), 401, 'invalid_client', 'Basic realm="oauth2"');
      await expectRefusal(await tokenRequest({ authorization: basic('nobody:x') }), 401, 'invalid_client', 'Basic realm="oauth2"');
      await expectRefusal(await tokenRequest({ authorization: basic('post-app:' + SECRETS.post) }), 401, 'invalid_client', 'Basic realm="oauth2"');
      await expectRefusal(await tokenRequest({}, { client_id: 'post-app', client_secret: 'nope' }), 401, 'invalid_client', 'Basic realm="oauth2"');
    });

    it('no credentials: 401 invalid_client', async () => {
      await expectRefusal(await tokenRequest({}), 401, 'invalid_client', 'Basic realm="oauth2"');
    });

    it('two methods: 400 invalid_request, no challenge', async () => {
      await expectRefusal(await tokenRequest({ authorization: basic('basic-app:x') }, { client_id: 'basic-app', client_secret: 'x' }), 400, 'invalid_request', null);
      await expectRefusal(await tokenRequest({ authorization: basic('basic-app:x') }, { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'a.b.c' }), 400, 'invalid_request', null);
    });

    it('malformed Basic: bad base64, no colon, not UTF-8, a huge header: 401 invalid_client, never a 500', async () => {
      await expectRefusal(await tokenRequest({ authorization: 'Basic %%%%' }), 401, 'invalid_client', 'Basic realm="oauth2"');
      await expectRefusal(await tokenRequest({ authorization: basic('no-colon') }), 401, 'invalid_client', 'Basic realm="oauth2"');
      await expectRefusal(await tokenRequest({ authorization: 'Basic ' + Buffer.from([0x61, 0x3a, 0xc3]).toString('base64') }), 401, 'invalid_client', 'Basic realm="oauth2"');
      await expectRefusal(await tokenRequest({ authorization: basic('basic-app:' + 'x'.repeat(9000)) }), 401, 'invalid_client', 'Basic realm="oauth2"');
      // Beyond Node's header limit (16 KiB), Node itself answers 431 before any middleware.
      const huge = await tokenRequest({ authorization: basic('a:' + 'x'.repeat(20_000)) });
      assert.equal(huge.status, 431);
    });

    it('the legacy raw form still works for a client that never encoded (curl -u)', async () => {
      const res = await tokenRequest({ authorization: basic('basic-app:' + SECRETS.basic) });
      assert.equal(res.status, 200, await res.clone().text());
      assert.ok(((await res.json()) as { access_token: string }).access_token);
    });
  });
});
