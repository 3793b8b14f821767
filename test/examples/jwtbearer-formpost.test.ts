/**
 * Two features of the example's OAuth wiring (oauth/jwtbearer.js, oauth/oauth2.js):
 * - the JWT bearer grant (RFC 7523 §2.1): the confidential client trades an assertion that
 *   the demo identity provider signed about alice (made here with jose) for an access token,
 *   through oauth4webapi; a replayed, foreign-signed, mis-addressed or stale assertion is
 *   `invalid_grant`, and a client without the grant is refused;
 * - `response_mode=form_post`, advertised in the metadata: the decision answers with a form
 *   that posts the code to the callback, which oauth4webapi validates and exchanges.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { SignJWT, importJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { Browser, DEMO, consentForm, signInThrough, startExample, unescapeHtml } from './helpers.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const client: oauth.Client = { client_id: DEMO.confidential.id };
const clientAuth = oauth.ClientSecretBasic(DEMO.confidential.secret);
/** The demo identity provider, as examples/authorization-server/storage/demo.js publishes it (kept here on purpose). */
const IDP = {
  issuer: 'https://idp.example',
  privateJwk: {
    kty: 'EC',
    crv: 'P-256',
    x: 'X0253U-ZjO8KKyb0SgZSPL8-aFKI-hxLujT62MUkUCg',
    y: 'smQrU9QrfrHuclxZaxrvtql3ttMN5PnJaX5Ta4P5z8A',
    d: 'pViLfgOKqJpt7u49eP5In2ja-P1cq3amy3o5gTBCT_4',
  },
};

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

async function setup(t: TestContext) {
  const app = await startExample();
  t.after(() => app.close());
  const issuer = new URL(app.origin);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  return { app, as };
}

/** An assertion about `sub`, signed with the identity provider's key unless `key` is given. */
async function assertion(audience: string, claims: { sub?: string; iat?: number; jti?: string } = {}, key?: SigningKey) {
  const { sub = DEMO.username, iat = Math.floor(Date.now() / 1000), jti = randomUUID() } = claims;
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(IDP.issuer)
    .setSubject(sub)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 120)
    .setJti(jti)
    .sign(key ?? (await importJWK(IDP.privateJwk, 'ES256')));
}

/** The token request of the grant, through oauth4webapi. */
async function exchange(as: oauth.AuthorizationServer, jwt: string, scope = 'profile') {
  const response = await oauth.genericTokenEndpointRequest(as, client, clientAuth, GRANT_TYPE, new URLSearchParams({ assertion: jwt, scope }), insecure);
  return oauth.processGenericTokenEndpointResponse(as, client, response);
}

describe('example: JWT bearer grant and form_post', { timeout: 120_000 }, () => {
  test('the metadata advertises the JWT bearer grant and the form_post response mode', async (t) => {
    const { as } = await setup(t);
    assert.ok(as.grant_types_supported?.includes(GRANT_TYPE), `grant_types_supported: ${as.grant_types_supported}`);
    assert.deepEqual([...(as.response_modes_supported ?? [])].sort(), ['form_post', 'query']);
  });

  test('an assertion signed by the trusted identity provider becomes an access token for its subject', async (t) => {
    const { app, as } = await setup(t);
    const tokens = await exchange(as, await assertion(app.origin));
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.scope, 'profile');
    assert.equal(tokens.refresh_token, undefined, 'no refresh token: the client comes back with a new assertion');
    const me = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(app.url('/api/userinfo')), undefined, undefined, insecure);
    assert.equal(((await me.json()) as { username: string }).username, DEMO.username);

    // The token endpoint's URL is an accepted audience too.
    await exchange(as, await assertion(app.url('/token')));
  });

  test('replayed, foreign-signed, mis-addressed, stale or unknown-subject assertions are invalid_grant', async (t) => {
    const { app, as } = await setup(t);
    const rejects = async (jwt: string, why: string) =>
      assert.rejects(exchange(as, jwt), (err: unknown) => {
        assert.ok(err instanceof oauth.ResponseBodyError, `${why}: expected an OAuth error, got ${String(err)}`);
        assert.equal(err.error, 'invalid_grant', why);
        assert.equal(err.status, 400, why);
        return true;
      });
    const once = await assertion(app.origin);
    await exchange(as, once);
    await rejects(once, 'replayed');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await rejects(await assertion(app.origin, {}, await importJWK(privateKey.export({ format: 'jwk' }), 'ES256')), 'foreign key');
    await rejects(await assertion('https://elsewhere.example'), 'another audience');
    await rejects(await assertion(app.origin, { iat: Math.floor(Date.now() / 1000) - 600 }), 'issued ten minutes ago');
    await rejects(await assertion(app.origin, { sub: 'mallory' }), 'unknown user');
  });

  test('a client that was not given the grant is refused', async (t) => {
    const { app, as } = await setup(t);
    const publicClient: oauth.Client = { client_id: DEMO.public.id };
    const response = await oauth.genericTokenEndpointRequest(
      as,
      publicClient,
      oauth.None(),
      GRANT_TYPE,
      new URLSearchParams({ assertion: await assertion(app.origin) }),
      insecure,
    );
    await assert.rejects(oauth.processGenericTokenEndpointResponse(as, publicClient, response), { error: 'unauthorized_client' });
  });

  test('response_mode=form_post: the code arrives in a posted form, and exchanges', async (t) => {
    const { app, as } = await setup(t);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      response_mode: 'form_post',
      client_id: client.client_id,
      redirect_uri: app.url('/callback'),
      scope: 'profile',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const browser = new Browser();
    const consent = await signInThrough(browser, app, url.href);
    assert.equal(consent.status, 200);
    const answer = await browser.post(app.url('/authorize/decision'), consentForm(await consent.text()));
    assert.equal(answer.status, 200, 'a page, not a redirect');
    assert.match(answer.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await answer.text();
    assert.match(html, new RegExp(`<form method="post" action="${app.url('/callback').replace(/[/.]/g, '\\$&')}"`));
    const fields = new URLSearchParams(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [unescapeHtml(m[1]), unescapeHtml(m[2])]),
    );
    assert.deepEqual([...fields.keys()].sort(), ['code', 'iss', 'state']);

    // The browser posts the form to the stand-in client, which shows the code.
    const posted = await browser.post(app.url('/callback'), Object.fromEntries(fields));
    assert.equal(posted.status, 200);
    assert.match(await posted.text(), new RegExp(`<code id="param-code">${fields.get('code')}</code>`));

    const params = oauth.validateAuthResponse(as, client, fields, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, app.url('/callback'), verifier, insecure),
    );
    assert.equal(tokens.scope, 'profile');
  });
});
