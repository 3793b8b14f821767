/**
 * The FAPI 2.0 Security Profile preset, `createServer({ profile: 'fapi2' })`: one table of
 * the options it refuses at construction, the profile it resolves (the sender-constraint
 * requirement included, which DPoP reads at merge), and one table of the requests it
 * refuses on the wire, each with its OAuth error and status, against a small Express app
 * (./fapi2-app.ts). The oauth4webapi flow is in fapi2-oauth4webapi.test.ts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import express from 'express';
import request from 'supertest';
import oauth2orize, { createServer } from '../../src/index.js';
import { resolveProfile } from '../../src/settings/profile.js';
import { FAPI2, senderConstraintRequired } from '../../src/settings/fapi2.js';
import { attachProfile, settingsOf } from '../../src/settings/settings.js';
import { startFapiApp, type FapiRunning } from './fapi2-app.js';
import { keyFor, proof } from '../dpop/proofs.js';
import { withServerDefaults } from '../../src/clientauth/serverDefaults.js';
import { query } from '../../src/response/query.js';
import { fragment } from '../../src/response/fragment.js';

const ISSUER = 'https://as.example.com';
const fapi = { issuer: ISSUER, profile: 'fapi2' as const };
const verify = () => null;
const lookup = () => null;
const validate = () => null;

describe('fapi2: what the preset refuses at construction (TypeError)', () => {
  const rows: Array<[string, () => unknown, RegExp]> = [
    ['no issuer (FAPI 2.0 SP §5.3.2.2, RFC 9207)', () => createServer({ profile: 'fapi2' }), /requires the issuer/],
    ['an unknown profile name', () => createServer({ issuer: ISSUER, profile: 'fapi1' as 'fapi2' }), /profile must be one of 'fapi2'/],
    ['hardened: false', () => createServer({ ...fapi, hardened: false }), /implies hardened/],
    ['the password grant allowed (§5.3.2.1)', () => createServer({ ...fapi, hardened: { allowPassword: true } }), /allowImplicit and allowPassword/],
    ['the implicit grant allowed (§5.3.2.2)', () => createServer({ ...fapi, hardened: { allowImplicit: true } }), /allowImplicit and allowPassword/],
    ['PKCE off (§5.3.2.2)', () => createServer({ ...fapi, pkce: false }), /PKCE with S256/],
    ['PKCE for public clients only', () => createServer({ ...fapi, pkce: { required: 'public', isPublic: () => false } }), /PKCE with S256/],
    ['PKCE plain allowed', () => createServer({ ...fapi, pkce: { required: true, allowPlain: true } }), /PKCE with S256/],
    ['requireClient: false (§5.3.2.1)', () => createServer({ ...fapi, requireClient: false }), /requires client authentication/],
    ['client_secret_basic at authenticateClient (§5.3.2.1)', () => createServer(fapi).authenticateClient({ methods: ['client_secret_basic'] }, lookup), /accepts only private_key_jwt, tls_client_auth, self_signed_tls_client_auth \(not client_secret_basic\)/],
    ['public clients (none) at authenticateClient (§5.3.2.1)', () => createServer(fapi).authenticateClient({ methods: ['private_key_jwt', 'none'], assertion: { verify } }, lookup), /\(not none\)/],
    ['RS256 assertions (§5.4.1)', () => createServer(fapi).authenticateClient({ assertion: { verify, algorithms: ['RS256'] } }, lookup), /accepts only PS256, ES256, EdDSA, Ed25519 \(not RS256\)/],
    ['HS256 at server.clientAssertion (§5.4.1)', () => createServer(fapi).clientAssertion({ algorithms: ['HS256'] }, verify), /\(not HS256\)/],
    ['a clock tolerance under 10 s (§5.3.2.1)', () => createServer(fapi).authenticateClient({ assertion: { verify, clockTolerance: 5 } }, lookup), /between 10 and 60 seconds/],
    ['a clock tolerance over 60 s (§5.3.2.1)', () => createServer(fapi).authenticateClient({ assertion: { verify, clockTolerance: 61 } }, lookup), /between 10 and 60 seconds/],
    ['strictAudience: false (§5.3.2.1)', () => createServer(fapi).authenticateClient({ assertion: { verify, strictAudience: false } }, lookup), /requires strictAudience/],
    ['authorize without loadPushedRequest (§5.3.2.2)', () => createServer(fapi).authorize(validate), /requires pushed authorization requests/],
    ['authorize with requirePushedRequests: false', () => createServer(fapi).authorize({ loadPushedRequest: lookup, requirePushedRequests: false }, validate), /requires pushed authorization requests/],
    ['strictAudience without an issuer (standalone clientAssertion)', () => oauth2orize.clientAssertion({ strictAudience: true, audience: 'https://as.example.com' }, verify), /strictAudience needs the issuer/],
    ['a request_uri lifetime of 600 s (§5.3.2.2)', () => createServer(fapi).pushedAuthorization({ expiresIn: 600 }, validate, () => {}), /expiresIn must be under 600 seconds/],
  ];
  for (const [what, build, message] of rows) {
    it(`refuses ${what}`, () => {
      assert.throws(build, (err: unknown) => err instanceof TypeError && message.test(err.message));
    });
  }

  it('accepts what agrees with it: hardened: true, pkce: true, the mTLS methods, a 599 s request_uri, tolerance 10 to 60', () => {
    const server = createServer({ ...fapi, hardened: true, pkce: true, requireClient: true });
    server.authenticateClient({ methods: ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'], verifyCertificate: () => true, assertion: { verify, clockTolerance: 10 } }, lookup);
    server.authenticateClient({ assertion: { verify, clockTolerance: 60, algorithms: ['ES256'] } }, lookup);
    server.pushedAuthorization({ expiresIn: 599 }, validate, () => {});
    server.authorize({ loadPushedRequest: lookup }, validate);
  });
});

describe('fapi2: the resolved profile', () => {
  it('implies hardened, with PKCE S256 required, hidden errors, RFC statuses, a required client', () => {
    const p = resolveProfile(fapi)!;
    assert.equal(p.hardened, true);
    assert.deepEqual(p.pkce, { required: true, allowPlain: false });
    assert.equal(p.exposeErrors, false);
    assert.equal(p.rfcStatus, true);
    assert.equal(p.requireClient, true);
    assert.equal(p.allowImplicit, false);
    assert.equal(p.allowPassword, false);
    assert.equal(p.fapi2, FAPI2);
    assert.equal(p.fapi2.maxCodeLifetime, 60);
  });

  it('records that access tokens must be sender-constrained (§5.3.2.1): DPoP on and required, FAPI algs only', () => {
    assert.equal(resolveProfile(fapi)!.senderConstrained, true);
    assert.equal(senderConstraintRequired(settingsOf(createServer(fapi))), true);
    const dpop = settingsOf(createServer(fapi)).dpop!;
    assert.equal(dpop.required, true, 'DPoP is on and required without a dpop option');
    assert.deepEqual(dpop.algs, ['PS256', 'ES256', 'EdDSA', 'Ed25519']);
    assert.equal(settingsOf(createServer({ ...fapi, dpop: true })).dpop!.required, true);
    assert.deepEqual(settingsOf(createServer({ ...fapi, dpop: { algs: ['ES256'] } })).dpop!.algs, ['ES256'], 'the app may narrow the algs');
    assert.equal(resolveProfile({ issuer: ISSUER, hardened: true })!.senderConstrained, false, 'hardened alone does not');
    assert.equal(resolveProfile({ issuer: ISSUER, hardened: true })!.fapi2, undefined);
    assert.equal(settingsOf(createServer({ issuer: ISSUER, hardened: true })).dpop, undefined, 'hardened alone has no DPoP');
    assert.equal(senderConstraintRequired(settingsOf(createServer())), false, 'a 1.x server does not');
    assert.equal(settingsOf(createServer()).dpop, undefined);
  });

  it('refuses DPoP options that would loosen it (TypeError)', () => {
    assert.throws(() => createServer({ ...fapi, dpop: false }), /dpop cannot be false/);
    assert.throws(() => createServer({ ...fapi, dpop: { required: false } }), /dpop.required cannot be false/);
    assert.throws(() => createServer({ ...fapi, dpop: { algs: ['ES256', 'RS256'] } }), /not RS256/);
  });

  it('advertises only the FAPI DPoP algs', async () => {
    const doc = settingsOf(createServer(fapi)).advertised.fields;
    assert.deepEqual(doc.dpop_signing_alg_values_supported, ['PS256', 'ES256', 'EdDSA', 'Ed25519']);
  });

  it('a client authenticated over mTLS needs no proof (its tokens are bound to the certificate); others do', async () => {
    const server = createServer<{ id: string }>(fapi);
    server.exchange(oauth2orize.exchange.clientCredentials(() => 'at-mtls'));
    for (const [method, status, error] of [['tls_client_auth', 200, undefined], ['self_signed_tls_client_auth', 200, undefined], ['private_key_jwt', 400, 'invalid_dpop_proof']] as const) {
      const app = express();
      const mtls: express.RequestHandler = (req, _res, next) => {
        Object.assign(req, { user: { id: 'c' }, authInfo: { method } });
        next();
      };
      app.post('/token', express.urlencoded({ extended: false }), mtls, server.token(), server.errorHandler());
      const res = await request(app).post('/token').type('form').send({ grant_type: 'client_credentials' });
      assert.equal(res.status, status, method + ': ' + res.text);
      assert.equal(res.body.error, error, method);
    }
  });
});

describe('fapi2: what server.authenticateClient() and the response modes get from the preset', () => {
  it('authenticateClient: private_key_jwt by default, the §5.4.1 algorithms, strictAudience on', () => {
    const opts = withServerDefaults(settingsOf(createServer(fapi)), { assertion: { verify } });
    assert.deepEqual(opts.methods, ['private_key_jwt']);
    assert.deepEqual(opts.assertion!.algorithms, ['PS256', 'ES256', 'EdDSA', 'Ed25519']);
    assert.equal(opts.assertion!.strictAudience, true);
    assert.equal(opts.assertion!.issuer, ISSUER);
    const plain = withServerDefaults(settingsOf(createServer({ issuer: ISSUER, hardened: true })), { assertion: { verify } });
    assert.equal(plain.methods, undefined, 'hardened alone leaves the methods alone');
    assert.equal(plain.assertion!.strictAudience, undefined);
  });

  it('the query and fragment modes redirect with 303, through Express and through node:http', () => {
    for (const mode of [query, fragment]) {
      const txn = { redirectURI: 'https://rp.example/cb' };
      attachProfile(txn, resolveProfile(fapi));
      const calls: unknown[][] = [];
      mode(txn as never, { redirect: (...args: unknown[]) => { calls.push(args); } } as never, { code: 'c' });
      assert.equal(calls[0]![0], 303);
      assert.match(String(calls[0]![1]), /^https:\/\/rp\.example\/cb[?#]code=c&iss=/);
      const headers: Record<string, string> = {};
      const res = { statusCode: 200, setHeader: (k: string, v: string) => { headers[k] = v; }, end: () => {} };
      mode(txn as never, res as never, { code: 'c' });
      assert.equal(res.statusCode, 303);
      assert.ok(headers.Location);
      const plainTxn = { redirectURI: 'https://rp.example/cb' };
      const plainCalls: unknown[][] = [];
      mode(plainTxn as never, { redirect: (...args: unknown[]) => { plainCalls.push(args); } } as never, { code: 'c' });
      assert.equal(plainCalls[0]!.length, 1, 'without the preset, res.redirect(url) as in 1.x');
    }
  });
});

describe('fapi2: what the preset refuses on the wire', () => {
  let s: FapiRunning;
  let ec: CryptoKey;
  let rsa: CryptoKey;
  const REDIRECT = 'https://rp.example/cb';
  const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // S256 of RFC 7636's example verifier
  const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

  before(async () => {
    s = await startFapiApp();
    const pair = await generateKeyPair('ES256', { extractable: true });
    ec = pair.privateKey;
    const rsaPair = await generateKeyPair('RS256', { extractable: true });
    rsa = rsaPair.privateKey;
    s.clients.set('rp-rsa', { client_id: 'rp-rsa', redirectURI: REDIRECT, jwk: { ...(await exportJWK(rsaPair.publicKey)), alg: 'RS256' } });
    s.clients.set('rp', { client_id: 'rp', redirectURI: REDIRECT, client_secret: 'rp-secret', jwk: { ...(await exportJWK(pair.publicKey)), alg: 'ES256' } });
  });
  after(async () => { await s.close(); });

  const nowS = () => Math.floor(s.clock.t / 1000);
  /** A client assertion for `rp`, with claims and the algorithm changed as a row needs. */
  const assertion = (over: { aud?: unknown; iat?: number; nbf?: number; alg?: string; client?: string } = {}) => {
    const id = over.client ?? 'rp';
    const claims: Record<string, unknown> = { iss: id, sub: id, aud: over.aud ?? s.base, jti: crypto.randomUUID(), iat: over.iat ?? nowS(), exp: nowS() + 60 };
    if (over.nbf !== undefined) claims.nbf = over.nbf;
    const alg = over.alg ?? 'ES256';
    return new SignJWT(claims).setProtectedHeader({ alg }).sign(alg === 'RS256' ? rsa : ec);
  };
  const jwtAuth = async (over?: Parameters<typeof assertion>[0]) => ({
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await assertion(over),
  });
  const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(s.base + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body), redirect: 'manual' });
  /** A DPoP proof for the token endpoint on the app's clock (ES256 unless told). */
  const dpop = (alg = 'ES256') => ({ dpop: proof({ key: keyFor(alg), htu: s.base + '/token', now: s.clock.t }) });
  /** A token request, with a DPoP proof (FAPI 2.0 SP §5.3.2.1: sender-constrained tokens). */
  const token = (body: Record<string, string>, headers: Record<string, string> = {}) => post('/token', body, { ...dpop(), ...headers });
  const basic = { authorization: 'Basic ' + Buffer.from('rp:rp-secret').toString('base64') };
  const pushParams = { response_type: 'code', redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 'st' };
  const push = async (params: Record<string, string> = pushParams) => post('/par', { ...params, ...(await jwtAuth()) });
  const authorizeWith = async (params: Record<string, string> = pushParams) => {
    const res = await push(params);
    assert.equal(res.status, 201, await res.clone().text());
    const { request_uri } = (await res.json()) as { request_uri: string };
    return fetch(`${s.base}/authorize?client_id=rp&request_uri=${encodeURIComponent(request_uri)}`, { redirect: 'manual' });
  };
  const codeOf = async () => new URL((await authorizeWith()).headers.get('location')!).searchParams.get('code')!;
  const redeem = async (code: string) => token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, ...(await jwtAuth()) });

  const rows: Array<[string, () => Promise<Response>, number, string]> = [
    ['an authorization request without request_uri (§5.3.2.2: PAR required)',
      () => fetch(`${s.base}/authorize?${new URLSearchParams({ ...pushParams, client_id: 'rp' })}`, { redirect: 'manual' }), 400, 'invalid_request'],
    ['response_type=token (§5.3.2.2: code only)', () => push({ ...pushParams, response_type: 'token' }), 400, 'unsupported_response_type'],
    ['response_type=code id_token, a hybrid (§5.3.2.2: code only)', () => push({ ...pushParams, response_type: 'code id_token' }), 400, 'unsupported_response_type'],
    ['a pushed request without code_challenge (§5.3.2.2: PKCE)', () => push({ response_type: 'code', redirect_uri: REDIRECT }), 400, 'invalid_request'],
    ['code_challenge_method=plain (§5.3.2.2: S256 only)', () => push({ ...pushParams, code_challenge: VERIFIER, code_challenge_method: 'plain' }), 400, 'invalid_request'],
    ['a pushed request without redirect_uri (§5.3.2.2)', () => push({ response_type: 'code', code_challenge: CHALLENGE, code_challenge_method: 'S256' }), 400, 'invalid_request'],
    ['a client authenticated with a secret, at PAR (§5.3.2.1)', () => post('/legacy/par', pushParams, basic), 401, 'invalid_client'],
    ['a client authenticated with a secret, at the token endpoint (§5.3.2.1)', () => post('/legacy/token', { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, code_verifier: VERIFIER }, basic), 401, 'invalid_client'],
    ['a secret at authenticateClient (§5.3.2.1)', () => post('/token', { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }, basic), 401, 'invalid_client'],
    ['the password grant (§5.3.2.1)', async () => token({ grant_type: 'password', username: 'a', password: 'b', ...(await jwtAuth()) }), 400, 'unsupported_grant_type'],
    ['an assertion whose aud is the token endpoint URL (§5.3.2.1: the issuer only)', async () => token({ grant_type: 'refresh_token', refresh_token: 'x', ...(await jwtAuth({ aud: s.base + '/token' })) }), 401, 'invalid_client'],
    ['an assertion whose aud is a list holding the issuer (§5.3.2.1: as a string)', async () => token({ grant_type: 'refresh_token', refresh_token: 'x', ...(await jwtAuth({ aud: [s.base] })) }), 401, 'invalid_client'],
    ['an RS256 assertion from a client that registered an RSA key (§5.4.1)', async () => token({ grant_type: 'refresh_token', refresh_token: 'x', ...(await jwtAuth({ alg: 'RS256', client: 'rp-rsa' })) }), 401, 'invalid_client'],
    ['an assertion issued 61 s in the future (§5.3.2.1)', async () => token({ grant_type: 'refresh_token', refresh_token: 'x', ...(await jwtAuth({ iat: nowS() + 61 })) }), 401, 'invalid_client'],
    ['an assertion not valid for 61 s (nbf, §5.3.2.1)', async () => token({ grant_type: 'refresh_token', refresh_token: 'x', ...(await jwtAuth({ nbf: nowS() + 61 })) }), 401, 'invalid_client'],
    ['a token request without a DPoP proof (§5.3.2.1: sender-constrained tokens only)',
      async () => post('/token', { grant_type: 'refresh_token', refresh_token: 'x', ...(await jwtAuth()) }), 400, 'invalid_dpop_proof'],
    ['a code redeemed without a DPoP proof (§5.3.2.1)', async () => post('/token', { grant_type: 'authorization_code', code: await codeOf(), redirect_uri: REDIRECT, code_verifier: VERIFIER, ...(await jwtAuth()) }), 400, 'invalid_dpop_proof'],
    ['a DPoP proof signed with RS256 (§5.4.1: PS256, ES256, EdDSA only)', async () => token({ grant_type: 'refresh_token', refresh_token: 'x', ...(await jwtAuth()) }, dpop('RS256')), 400, 'invalid_dpop_proof'],
    ['a code redeemed 61 s after it was issued (§5.3.2.1)', async () => {
      const code = await codeOf();
      s.clock.t += 61_000;
      try { return await redeem(code); } finally { s.clock.t -= 61_000; }
    }, 400, 'invalid_grant'],
  ];
  for (const [what, send, status, error] of rows) {
    it(`refuses ${what}: ${status} ${error}`, async () => {
      const res = await send();
      const text = await res.text();
      assert.equal(res.status, status, text);
      assert.equal((JSON.parse(text) as { error: string }).error, error, text);
    });
  }

  it('accepts iat and nbf 10 s in the future (§5.3.2.1); the refresh token is then checked (invalid_grant)', async () => {
    for (const over of [{ iat: nowS() + 10 }, { nbf: nowS() + 10 }]) {
      const res = await token({ grant_type: 'refresh_token', refresh_token: 'unknown', ...(await jwtAuth(over)) });
      assert.equal(res.status, 400, await res.clone().text());
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_grant');
    }
  });

  it('redeems a code at 60 s, not later (§5.3.2.1)', async () => {
    const code = await codeOf();
    s.clock.t += 60_000;
    try {
      const res = await redeem(code);
      assert.equal(res.status, 200, await res.clone().text());
    } finally {
      s.clock.t -= 60_000;
    }
  });

  it('a pkce.lookup record without issuedAt is a setup error: 500 server_error, its message hidden', async () => {
    const code = await codeOf();
    s.forgetIssuedAt.on = true;
    try {
      const res = await redeem(code);
      assert.equal(res.status, 500);
      const body = (await res.json()) as { error: string; error_description?: string };
      assert.equal(body.error, 'server_error');
      assert.doesNotMatch(body.error_description ?? '', /issuedAt/);
    } finally {
      s.forgetIssuedAt.on = false;
    }
  });

  it('redirects authorization responses with 303, never 302 or 307: the code and an error (§5.3.2.2)', async () => {
    const ok = await authorizeWith();
    assert.equal(ok.status, 303);
    const location = new URL(ok.headers.get('location')!);
    assert.ok(location.searchParams.get('code'));
    assert.equal(location.searchParams.get('iss'), s.base, 'iss on (RFC 9207)');
    const denied = await authorizeWith({ ...pushParams, state: 'deny' });
    assert.equal(denied.status, 303);
    const errorLocation = new URL(denied.headers.get('location')!);
    assert.equal(errorLocation.searchParams.get('error'), 'access_denied');
    assert.equal(errorLocation.searchParams.get('iss'), s.base);
  });

  it('advertises only what it accepts, whatever is registered (grant.token, a hybrid, exchange.password)', async () => {
    const doc = (await (await fetch(s.base + '/.well-known/oauth-authorization-server')).json()) as Record<string, unknown>;
    assert.deepEqual(doc.response_types_supported, ['code']);
    assert.deepEqual(doc.grant_types_supported, ['authorization_code', 'refresh_token']);
    assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(doc.token_endpoint_auth_signing_alg_values_supported, FAPI2.algorithms);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.equal(doc.require_pushed_authorization_requests, true);
    assert.equal(doc.authorization_response_iss_parameter_supported, true);
    assert.equal(doc.pushed_authorization_request_endpoint, s.base + '/par');
  });

  it('a hardened server without the preset lists the hybrid and the secret methods it accepts', async () => {
    const server = oauth2orize.createServer({ issuer: ISSUER, hardened: true });
    server.grant({ name: 'code id_token', request: () => ({ clientID: 'c' }), response: (_txn, res) => { res.end(); } });
    server.authenticateClient({ methods: ['client_secret_basic'] }, lookup);
    const doc = (await import('../../src/middleware/metadata.js')).buildMetadata(server);
    assert.deepEqual(doc.response_types_supported, ['code id_token']);
    assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['client_secret_basic']);
    assert.equal(doc.require_pushed_authorization_requests, undefined);
  });
});
