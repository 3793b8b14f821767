/**
 * PKCE built into grant.code and exchange.code, over HTTP (Express 5).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { modernApp, login, paramsOf, clients, isPublic, VERIFIER, CHALLENGE, type ModernAppOptions } from './app.js';

const CONF = { response_type: 'code', client_id: 'conf', redirect_uri: clients.conf!.redirectURI, state: 'st' };
const PUB = { response_type: 'code', client_id: 'pub', redirect_uri: clients.pub!.redirectURI, state: 'sp' };

/** Consent and decide; returns the decision response. */
async function authorize(app: any, query: Record<string, unknown>): Promise<any> {
  const agent = await login(app);
  const page = await agent.get('/authorize').query(query);
  if (page.status !== 200) return page;
  return agent.post('/decision').type('form').send({ transaction_id: page.body.transactionID });
}

async function codeFor(app: any, query: Record<string, unknown>): Promise<string> {
  const res = await authorize(app, query);
  assert.equal(res.status, 302, JSON.stringify(res.body));
  const code = paramsOf(res.headers.location).code;
  assert.ok(code, 'a code was issued: ' + res.headers.location);
  return code!;
}

function tokenRequest(app: any, body: Record<string, unknown>, client: 'conf' | 'pub' = 'conf'): any {
  const req = request(app).post('/token').type('form');
  if (client === 'conf') req.auth('conf', 'conf-secret');
  return req.send(client === 'pub' ? { client_id: 'pub', ...body } : body);
}

const s256 = { code_challenge: CHALLENGE, code_challenge_method: 'S256' };
const redeem = (code: string, extra: Record<string, unknown> = {}, redirect = clients.conf!.redirectURI) =>
  ({ grant_type: 'authorization_code', code, redirect_uri: redirect, ...extra });

function assertError(res: any, code: string, status?: number): void {
  assert.equal(res.body.error, code, `expected ${code}: ${res.status} ${JSON.stringify(res.body)}`);
  if (status) assert.equal(res.status, status, JSON.stringify(res.body));
  assert.notEqual(res.status, 500, 'never 500 for client input');
}

describe('PKCE (grant.code + exchange.code)', () => {
  const optional: ModernAppOptions = { server: { pkce: {} } };

  it('S256: the challenge reaches issue, and the right verifier redeems the code', async () => {
    const { app, issued, codes } = modernApp(optional);
    const code = await codeFor(app, { ...CONF, ...s256 });
    assert.deepEqual(issued, [{ client: 'conf', codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' }]);
    assert.equal(codes.get(code)!.codeChallenge, CHALLENGE, 'stored with the code');
    const ok = await tokenRequest(app, redeem(code, { code_verifier: VERIFIER }));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.access_token, 'at-' + code);
  });

  it('a wrong verifier is invalid_grant, and the code is not spent', async () => {
    const { app } = modernApp(optional);
    const code = await codeFor(app, { ...CONF, ...s256 });
    assertError(await tokenRequest(app, redeem(code, { code_verifier: VERIFIER.replace('d', 'D') })), 'invalid_grant', 403);
    assert.equal((await tokenRequest(app, redeem(code, { code_verifier: VERIFIER }))).status, 200);
  });

  it('a missing verifier is invalid_grant', async () => {
    const { app } = modernApp(optional);
    const code = await codeFor(app, { ...CONF, ...s256 });
    assertError(await tokenRequest(app, redeem(code)), 'invalid_grant');
  });

  it('a malformed verifier is invalid_request', async () => {
    const { app } = modernApp(optional);
    const code = await codeFor(app, { ...CONF, ...s256 });
    for (const bad of ['short', 'x'.repeat(129), VERIFIER.slice(0, 42) + '!', 'y'.repeat(100_000)]) {
      assertError(await tokenRequest(app, redeem(code, { code_verifier: bad })), 'invalid_request', 400);
    }
  });

  it('a verifier for a code issued without a challenge is invalid_grant (downgrade)', async () => {
    const { app } = modernApp(optional);
    const code = await codeFor(app, CONF);
    assertError(await tokenRequest(app, redeem(code, { code_verifier: VERIFIER })), 'invalid_grant');
    assert.equal((await tokenRequest(app, redeem(code))).status, 200, 'without a verifier the code is still good');
  });

  it('plain is refused by default (invalid_request, before any redirect) and accepted when allowed', async () => {
    const { app } = modernApp(optional);
    const res = await authorize(app, { ...CONF, code_challenge: VERIFIER, code_challenge_method: 'plain' });
    assertError({ status: res.status, body: { error: res.body.code } }, 'invalid_request', 400);
    const noMethod = await authorize(app, { ...CONF, code_challenge: VERIFIER });
    assert.equal(noMethod.body.code, 'invalid_request', 'the method defaults to plain (RFC 7636 §4.3), refused too');

    const plain = modernApp({ server: { pkce: { allowPlain: true } } });
    const code = await codeFor(plain.app, { ...CONF, code_challenge: VERIFIER, code_challenge_method: 'plain' });
    assertError(await tokenRequest(plain.app, redeem(code, { code_verifier: VERIFIER.replace('d', 'e') })), 'invalid_grant');
    assert.equal((await tokenRequest(plain.app, redeem(code, { code_verifier: VERIFIER }))).status, 200);
  });

  it('required for all: a request without a challenge is invalid_request', async () => {
    const { app, issued } = modernApp({ code: { pkce: { required: true } } });
    const res = await authorize(app, CONF);
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'invalid_request');
    assert.equal(res.body.message, 'Missing required parameter: code_challenge');
    assert.equal(issued.length, 0);
  });

  it('required for public clients: redirected invalid_request for a public client, fine for a confidential one', async () => {
    const policy = { pkce: { required: 'public', isPublic } };
    const { app, issued } = modernApp({ code: policy, exchangePkce: policy.pkce });
    const pub = await authorize(app, PUB);
    assert.equal(pub.status, 302);
    assert.deepEqual(paramsOf(pub.headers.location), { error: 'invalid_request', error_description: 'Missing required parameter: code_challenge', state: 'sp' });
    assert.equal(issued.length, 0, 'no code issued');
    const code = await codeFor(app, CONF);
    assert.equal((await tokenRequest(app, redeem(code))).status, 200);
    const pubCode = await codeFor(app, { ...PUB, ...s256 });
    const pubToken = await tokenRequest(app, redeem(pubCode, { code_verifier: VERIFIER }, clients.pub!.redirectURI), 'pub');
    assert.equal(pubToken.status, 200, JSON.stringify(pubToken.body));
  });

  it('bad input in every PKCE parameter gets a clear OAuth error, never 500', async () => {
    const { app } = modernApp(optional);
    const agent = await login(app);
    const cases: Array<Record<string, unknown>> = [
      { 'code_challenge[]': CHALLENGE }, { 'code_challenge[a]': 'b' }, { code_challenge: 'z'.repeat(8_000) },
      { code_challenge: CHALLENGE, 'code_challenge_method[]': 'S256' }, { code_challenge: CHALLENGE, 'code_challenge_method[x]': 'y' },
      { code_challenge: CHALLENGE, code_challenge_method: 'S' + '2'.repeat(8_000) }, { code_challenge_method: 'S256' },
    ];
    for (const extra of cases) {
      const qs = new URLSearchParams({ ...CONF, ...extra } as Record<string, string>).toString();
      const res = await agent.get('/authorize?' + qs);
      assert.equal(res.status, 400, `${Object.keys(extra)}: ${res.status}`);
      assert.equal(res.body.code, 'invalid_request');
      assert.ok(res.body.message.length < 200, 'no reflected huge value');
    }
    const code = await codeFor(app, { ...CONF, ...s256 });
    for (const body of ['code_verifier[]=a', 'code_verifier[a]=b']) {
      const res = await request(app).post('/token').auth('conf', 'conf-secret').type('form')
        .send(`grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(clients.conf!.redirectURI)}&${body}`);
      assertError(res, 'invalid_request', 400);
    }
  });

  it('pkce.lookup returning nothing is invalid_grant; an exchange without lookup under a server policy is a server_error', async () => {
    const { app } = modernApp(optional);
    assertError(await tokenRequest(app, redeem('no-such-code', { code_verifier: VERIFIER })), 'invalid_grant');
    const missing = modernApp({ server: { pkce: {} }, exchangePkce: 'none' });
    const code = await codeFor(missing.app, { ...CONF, ...s256 });
    const res = await tokenRequest(missing.app, redeem(code, { code_verifier: VERIFIER }));
    assert.equal(res.status, 500, 'a configuration error of the app, not of the client');
    assert.equal(res.body.error, 'server_error');
  });

  it('a 1.x app (no PKCE option) neither reads code_challenge nor checks code_verifier', async () => {
    const { app, issued } = modernApp({ exchangePkce: 'none' });
    const code = await codeFor(app, { ...CONF, code_challenge: 'not even valid', code_challenge_method: 'S512' });
    assert.deepEqual(issued, [{ client: 'conf', codeChallenge: undefined, codeChallengeMethod: undefined }]);
    assert.equal((await tokenRequest(app, redeem(code, { code_verifier: 'anything' }))).status, 200);
  });

  describe('with the oauth2orize-pkce plugin', () => {
    it('plugin + built-in policy: same areq fields, verified by the exchange', async () => {
      const { app, issued } = modernApp({ plugin: true, server: { pkce: {} } });
      const code = await codeFor(app, { ...CONF, ...s256 });
      assert.deepEqual(issued, [{ client: 'conf', codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' }]);
      assertError(await tokenRequest(app, redeem(code, { code_verifier: VERIFIER.replace('d', 'e') })), 'invalid_grant');
      assert.equal((await tokenRequest(app, redeem(code, { code_verifier: VERIFIER }))).status, 200);
    });

    it('plugin alone (1.x style, the app verifies in issue) keeps working', async () => {
      const { app, issued } = modernApp({ plugin: true, exchangePkce: false });
      const code = await codeFor(app, { ...CONF, code_challenge: VERIFIER });
      assert.deepEqual(issued, [{ client: 'conf', codeChallenge: VERIFIER, codeChallengeMethod: 'plain' }], 'plugin defaults to plain');
      assertError(await tokenRequest(app, redeem(code, { code_verifier: 'wrong' })), 'invalid_grant');
      assert.equal((await tokenRequest(app, redeem(code, { code_verifier: VERIFIER }))).status, 200);
    });

    it('the built-in policy still refuses plain when the plugin is mounted', async () => {
      const { app } = modernApp({ plugin: true, server: { pkce: {} } });
      const res = await authorize(app, { ...CONF, code_challenge: VERIFIER });
      assert.equal(res.body.code, 'invalid_request');
    });
  });
});
