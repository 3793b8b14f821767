/**
 * DPoP at the token endpoint over HTTP (supertest, hand-made proofs):
 * token_type, nonces, `required`, the code and refresh-token bindings, PAR,
 * `dpop_jkt` at authorize, and the metadata.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { buildApp, type AppOptions } from './app.js';
import { keyFor, proof, type ProofSpec } from './proofs.js';
import { jwkThumbprint } from '../../src/dpop/jwk.js';
import oauth2orize from '../../src/index.js';

const VERIFIER = 'v'.repeat(43);

interface Running { base: string; built: ReturnType<typeof buildApp>; close(): Promise<void> }

async function run(opts: AppOptions = {}): Promise<Running> {
  const built = buildApp(opts);
  const server = http.createServer(built.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, built, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const basic = 'Basic ' + Buffer.from('svc:svc-secret').toString('base64');

function token(r: Running, form: Record<string, string>, spec?: ProofSpec | false, auth = true) {
  let req = request(r.base).post('/token').type('form');
  if (auth) req = req.set('Authorization', basic);
  if (spec !== false) req = req.set('DPoP', proof({ htu: r.base + '/token', ...spec }));
  return req.send(form);
}

/** Get a code for `spa` through authorize and decision, with `extra` parameters (dpop_jkt). */
async function codeFor(r: Running, extra: Record<string, string> = {}): Promise<string> {
  const agent = request.agent(r.base);
  await agent.get('/login?user=alice').expect(200);
  const { createHash } = await import('node:crypto');
  const challenge = createHash('sha256').update(VERIFIER).digest('base64url');
  const page = await agent.get('/authorize').query({ response_type: 'code', client_id: 'spa', redirect_uri: 'https://spa.example/cb', code_challenge: challenge, code_challenge_method: 'S256', ...extra });
  assert.equal(page.status, 200, page.text);
  const decided = await agent.post('/authorize/decision').type('form').send({ transaction_id: page.body.transactionID });
  assert.equal(decided.status, 302, decided.text);
  return new URL(decided.headers.location).searchParams.get('code')!;
}

const codeForm = (code: string) => ({ grant_type: 'authorization_code', code, redirect_uri: 'https://spa.example/cb', client_id: 'spa', code_verifier: VERIFIER });

describe('DPoP at the token endpoint', () => {
  let r: Running;
  before(async () => { r = await run(); });
  after(() => r.close());

  it('answers token_type DPoP and hands the thumbprint to issue', async () => {
    const key = keyFor('ES256');
    const res = await token(r, { grant_type: 'client_credentials' }, { key });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.token_type, 'DPoP');
    assert.equal(r.built.tokens.get(res.body.access_token)!.cnf!.jkt, jwkThumbprint(key.publicJwk));
  });

  it('keeps Bearer for a request without a proof when DPoP is not required', async () => {
    const res = await token(r, { grant_type: 'client_credentials' }, false);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(r.built.tokens.get(res.body.access_token)!.cnf, undefined);
  });

  const refusals: Array<[string, ProofSpec]> = [
    ['a wrong typ', { header: { typ: 'jwt' } }],
    ['alg none', { header: { alg: 'none' }, signature: 'AAAA' }],
    ['a private key in jwk', { header: { jwk: keyFor('ES256').privateJwk } }],
    ['a bad signature', { signature: 'A'.repeat(86) }],
    ['a wrong htm', { htm: 'GET' }],
    ['a wrong htu', { htu: 'http://127.0.0.1:1/token' }],
    ['a stale iat', { claims: { iat: Math.floor(Date.now() / 1000) - 600 } }],
    ['a future iat', { claims: { iat: Math.floor(Date.now() / 1000) + 600 } }],
  ];
  for (const [what, spec] of refusals) {
    it(`refuses ${what} with invalid_dpop_proof before the exchange runs`, async () => {
      const before = r.built.issued.length;
      const res = await token(r, { grant_type: 'client_credentials' }, spec);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error, 'invalid_dpop_proof');
      assert.equal(r.built.issued.length, before);
    });
  }

  it('refuses a replayed proof', async () => {
    const p = proof({ htu: r.base + '/token' });
    const first = await request(r.base).post('/token').set('Authorization', basic).set('DPoP', p).type('form').send({ grant_type: 'client_credentials' });
    assert.equal(first.status, 200, first.text);
    const again = await request(r.base).post('/token').set('Authorization', basic).set('DPoP', p).type('form').send({ grant_type: 'client_credentials' });
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_dpop_proof');
    assert.match(again.body.error_description, /jti/);
  });

  it('binds a code to dpop_jkt: another key, or no proof, is invalid_grant; the right key works', async () => {
    const key = keyFor('ES256');
    const jkt = jwkThumbprint(key.publicJwk);
    let code = await codeFor(r, { dpop_jkt: jkt });
    assert.equal(r.built.codes.get(code)!.dpopJkt, jkt);
    let res = await token(r, codeForm(code), { key: keyFor('EdDSA') }, false);
    assert.equal(res.status, 403, res.text);
    assert.equal(res.body.error, 'invalid_grant');
    assert.match(res.body.error_description, /bound/);
    code = await codeFor(r, { dpop_jkt: jkt });
    res = await token(r, codeForm(code), false, false);
    assert.equal(res.body.error, 'invalid_grant');
    code = await codeFor(r, { dpop_jkt: jkt });
    res = await token(r, codeForm(code), { key }, false);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.token_type, 'DPoP');
  });

  it('binds a public client\'s refresh token to its key', async () => {
    const key = keyFor('ES256');
    const code = await codeFor(r);
    const res = await token(r, codeForm(code), { key }, false);
    assert.equal(res.status, 200, res.text);
    const rt = res.body.refresh_token;
    assert.equal(r.built.refreshes.get(rt)!.jkt, jwkThumbprint(key.publicJwk));
    let again = await token(r, { grant_type: 'refresh_token', refresh_token: rt, client_id: 'spa' }, { key: keyFor('EdDSA') }, false);
    assert.equal(again.status, 403, again.text);
    assert.equal(again.body.error, 'invalid_grant');
    again = await token(r, { grant_type: 'refresh_token', refresh_token: rt, client_id: 'spa' }, false, false);
    assert.equal(again.body.error, 'invalid_grant');
    again = await token(r, { grant_type: 'refresh_token', refresh_token: rt, client_id: 'spa' }, { key }, false);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.token_type, 'DPoP');
  });

  it('refuses a malformed dpop_jkt at authorize', async () => {
    const agent = request.agent(r.base);
    await agent.get('/login?user=alice').expect(200);
    const page = await agent.get('/authorize').query({ response_type: 'code', client_id: 'spa', redirect_uri: 'https://spa.example/cb', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256', dpop_jkt: 'short' });
    // Request parsers run before the redirect URI is validated: the app's page shows the error.
    assert.equal(page.status, 400, page.text);
    assert.equal(page.body.error, 'invalid_request');
    assert.match(page.body.error_description, /dpop_jkt/);
  });

  it('binds a pushed request to the proof key, and refuses a dpop_jkt of another key', async () => {
    const key = keyFor('ES256');
    const form = { response_type: 'code', client_id: 'svc', redirect_uri: 'https://svc.example/cb', code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' };
    let res = await request(r.base).post('/par').set('Authorization', basic).set('DPoP', proof({ key, htu: r.base + '/par' })).type('form').send(form);
    assert.equal(res.status, 201, res.text);
    const agent = request.agent(r.base);
    await agent.get('/login?user=alice').expect(200);
    const page = await agent.get('/authorize').query({ client_id: 'svc', request_uri: res.body.request_uri });
    assert.equal(page.status, 200, page.text);
    assert.equal(page.body.areq.dpopJkt, jwkThumbprint(key.publicJwk));
    res = await request(r.base).post('/par').set('Authorization', basic).set('DPoP', proof({ key, htu: r.base + '/par' })).type('form').send({ ...form, dpop_jkt: jwkThumbprint(keyFor('EdDSA').publicJwk) });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error, 'invalid_dpop_proof');
  });

  it('advertises dpop_signing_alg_values_supported', async () => {
    const res = await request(r.base).get('/.well-known/oauth-authorization-server');
    assert.deepEqual(res.body.dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256']);
  });
});

describe('DPoP required, and nonces', () => {
  it('refuses a token request without a proof when required', async () => {
    const r = await run({ dpop: { required: true } });
    try {
      const res = await token(r, { grant_type: 'client_credentials' }, false);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_dpop_proof');
      assert.equal((await token(r, { grant_type: 'client_credentials' })).status, 200);
    } finally {
      await r.close();
    }
  });

  it('answers use_dpop_nonce with a DPoP-Nonce header, then accepts the nonce', async () => {
    const r = await run({ nonceSecrets: ['n'.repeat(32)] });
    try {
      let res = await token(r, { grant_type: 'client_credentials' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'use_dpop_nonce');
      const nonce = res.headers['dpop-nonce'];
      assert.match(nonce, /^[A-Za-z0-9_-]{43}$/);
      res = await token(r, { grant_type: 'client_credentials' }, { nonce: 'A'.repeat(43) });
      assert.equal(res.body.error, 'use_dpop_nonce');
      res = await token(r, { grant_type: 'client_credentials' }, { nonce });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['dpop-nonce'], nonce);
      assert.equal(res.body.token_type, 'DPoP');
    } finally {
      await r.close();
    }
  });

  it('a nonce from one instance works on another sharing the secret', async () => {
    const a = await run({ nonceSecrets: ['n'.repeat(32)] });
    const b = await run({ nonceSecrets: ['m'.repeat(32), 'n'.repeat(32)] });
    try {
      const nonce = (await token(a, { grant_type: 'client_credentials' })).headers['dpop-nonce'];
      const res = await token(b, { grant_type: 'client_credentials' }, { nonce });
      assert.equal(res.status, 200, res.text);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('binds a code through the dpopBinding option when no pkce.lookup gives the record', async () => {
    const r = await run({ bindingOption: true });
    try {
      const key = keyFor('ES256');
      const code = await codeFor(r, { dpop_jkt: jwkThumbprint(key.publicJwk) });
      let res = await token(r, codeForm(code), { key: keyFor('EdDSA') }, false);
      assert.equal(res.body.error, 'invalid_grant');
      const code2 = await codeFor(r, { dpop_jkt: jwkThumbprint(key.publicJwk) });
      res = await token(r, codeForm(code2), { key }, false);
      assert.equal(res.status, 200, res.text);
    } finally {
      await r.close();
    }
  });
});

describe('the dpop server option', () => {
  it('throws at construction for bad values', () => {
    assert.throws(() => oauth2orize.createServer({ dpop: 'yes' as never }), TypeError);
    assert.throws(() => oauth2orize.createServer({ dpop: { algs: ['HS256'] } }), /HS256 is not an asymmetric/);
    assert.throws(() => oauth2orize.createServer({ dpop: { algs: [] } }), TypeError);
    assert.throws(() => oauth2orize.createServer({ dpop: { required: 'true' as never } }), TypeError);
    assert.throws(() => oauth2orize.createServer({ dpop: { baseUrl: 'ftp://x' } }), TypeError);
    assert.throws(() => oauth2orize.createServer({ dpop: { maxAge: -1 } }), TypeError);
  });
});
