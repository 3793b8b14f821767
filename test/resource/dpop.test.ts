/**
 * The bearer middleware's `DPoP` scheme (RFC 9449 §7): a DPoP-bound token
 * presented with a proof by its key (with `ath`), the refusals with
 * `WWW-Authenticate: DPoP error=..., algs=...`, a bound token presented as
 * `Bearer`, nonces (`use_dpop_nonce` and the `DPoP-Nonce` header), and the
 * `required` switch; malformed proofs and tokens (fast-check) get a 400 or
 * a 401, never a 500.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import fc from 'fast-check';
import { bearer, DpopNonces, type BearerOptions, type BearerTokenInfo } from '../../src/index.js';
import { jwkThumbprint } from '../../src/dpop/jwk.js';
import { keyFor, proof } from '../dpop/proofs.js';

const BASE = 'http://rs.test';
const key = keyFor('ES256');
const other = keyFor('ES256', true);
const jkt = jwkThumbprint(key.publicJwk as never);

function appWith(options: BearerOptions, tokens: Record<string, BearerTokenInfo>) {
  const app = express();
  app.get('/api', bearer(options, async (token: string) => tokens[token] ?? null), (req, res) => {
    res.json((req as unknown as { auth: unknown }).auth);
  });
  return app;
}

const tokens: Record<string, BearerTokenInfo> = {
  bound: { client_id: 'spa', scope: 'read', cnf: { jkt } },
  plain: { client_id: 'svc', scope: 'read' },
};
const dpopProof = (token: string, over: Parameters<typeof proof>[0] = {}) => proof({ key, htm: 'GET', htu: BASE + '/api', accessToken: token, ...over });

describe('bearer({ dpop }): the DPoP scheme', () => {
  const app = appWith({ dpop: { baseUrl: BASE } }, tokens);

  it('accepts a DPoP-bound token with a proof by its key, carrying ath', async () => {
    const res = await request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound'));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.clientId, 'spa');
    assert.equal(res.body.extra.cnf.jkt, jkt);
  });

  it('lists both challenges, DPoP with algs, when no credentials are sent', async () => {
    const res = await request(app).get('/api');
    assert.equal(res.status, 401);
    assert.deepEqual(res.headers['www-authenticate'], 'Bearer, DPoP algs="ES256 EdDSA Ed25519 PS256 RS256"');
  });

  const refusals: Array<[string, () => request.Test, string, string]> = [
    ['a DPoP-bound token presented as Bearer (RFC 9449 §7.2)', () => request(app).get('/api').set('Authorization', 'Bearer bound'), 'invalid_token', 'Bearer'],
    ['a DPoP-bound token presented as Bearer with a proof', () => request(app).get('/api').set('Authorization', 'Bearer bound').set('DPoP', dpopProof('bound')), 'invalid_token', 'Bearer'],
    ['a proof by another key', () => request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound', { key: other })), 'invalid_token', 'DPoP'],
    ['a token that is not bound, with the DPoP scheme', () => request(app).get('/api').set('Authorization', 'DPoP plain').set('DPoP', dpopProof('plain')), 'invalid_token', 'DPoP'],
    ['an unknown token with a good proof', () => request(app).get('/api').set('Authorization', 'DPoP nope').set('DPoP', dpopProof('nope')), 'invalid_token', 'DPoP'],
    ['the DPoP scheme without a proof', () => request(app).get('/api').set('Authorization', 'DPoP bound'), 'invalid_dpop_proof', 'DPoP'],
    ['a proof without ath', () => request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', proof({ key, htm: 'GET', htu: BASE + '/api' })), 'invalid_dpop_proof', 'DPoP'],
    ['a proof whose ath is of another token', () => request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('plain')), 'invalid_dpop_proof', 'DPoP'],
    ['a proof for another method', () => request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound', { htm: 'POST' })), 'invalid_dpop_proof', 'DPoP'],
    ['a proof for another URL', () => request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound', { htu: BASE + '/other' })), 'invalid_dpop_proof', 'DPoP'],
    ['a stale proof', () => request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound', { now: Date.now() - 600_000 })), 'invalid_dpop_proof', 'DPoP'],
    ['a proof that is not a JWS', () => request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', 'not-a-jws'), 'invalid_dpop_proof', 'DPoP'],
    ['a proof with alg none', () => request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound', { header: { alg: 'none' }, signature: '' })), 'invalid_dpop_proof', 'DPoP'],
  ];
  for (const [what, send, error, scheme] of refusals) {
    it(`refuses ${what}: 401 ${error} in the ${scheme} challenge`, async () => {
      const res = await send();
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.error, error);
      const header = String(res.headers['www-authenticate']);
      const at = header.indexOf(', DPoP');
      const [bearerPart, dpopPart] = [header.slice(0, at), header.slice(at + 2)];
      assert.match(scheme === 'DPoP' ? dpopPart : bearerPart, new RegExp(`^${scheme} .*error="${error}"`), header);
      assert.doesNotMatch(scheme === 'DPoP' ? bearerPart : dpopPart, /error=/, header);
      assert.match(dpopPart, /^DPoP .*algs="ES256 EdDSA Ed25519 PS256 RS256"/, header);
    });
  }

  it('refuses a replayed proof', async () => {
    const p = dpopProof('bound');
    assert.equal((await request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', p)).status, 200);
    const again = await request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', p);
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'invalid_dpop_proof');
  });
});

describe('bearer({ dpop: { nonces } }): use_dpop_nonce (RFC 9449 §9)', () => {
  const nonces = new DpopNonces({ secrets: ['resource nonce secret of at least 32 bytes'] });
  const app = appWith({ dpop: { baseUrl: BASE, nonces, algs: ['ES256'] } }, tokens);

  it('asks for a nonce with 401 use_dpop_nonce and DPoP-Nonce, then accepts it and sends a fresh one', async () => {
    const first = await request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound'));
    assert.equal(first.status, 401);
    assert.equal(first.body.error, 'use_dpop_nonce');
    assert.match(String(first.headers['www-authenticate']), /, DPoP algs="ES256", error="use_dpop_nonce"/);
    const nonce = first.headers['dpop-nonce'];
    assert.ok(typeof nonce === 'string' && nonces.check(nonce));
    const second = await request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound', { nonce }));
    assert.equal(second.status, 200, second.text);
    assert.ok(second.headers['dpop-nonce']);
    const stale = await request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound', { nonce: 'x'.repeat(43) }));
    assert.equal(stale.body.error, 'use_dpop_nonce');
  });
});

describe('bearer({ dpop: { required: true } }) and bearer() without dpop', () => {
  it('required: only the DPoP scheme, and only its challenge', async () => {
    const app = appWith({ dpop: { baseUrl: BASE, required: true } }, tokens);
    const bare = await request(app).get('/api').set('Authorization', 'Bearer plain');
    assert.equal(bare.status, 401);
    assert.equal(bare.headers['www-authenticate'], 'DPoP algs="ES256 EdDSA Ed25519 PS256 RS256"');
    const ok = await request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound'));
    assert.equal(ok.status, 200);
  });

  it('without the option: the DPoP scheme is not read, and a bound token is refused as Bearer', async () => {
    const app = appWith({}, tokens);
    const dpop = await request(app).get('/api').set('Authorization', 'DPoP bound').set('DPoP', dpopProof('bound'));
    assert.equal(dpop.status, 401);
    assert.equal(dpop.headers['www-authenticate'], 'Bearer');
    const bound = await request(app).get('/api').set('Authorization', 'Bearer bound');
    assert.equal(bound.status, 401);
    assert.equal(bound.body.error, 'invalid_token');
    assert.equal((await request(app).get('/api').set('Authorization', 'Bearer plain')).status, 200);
  });

  it('refuses bad dpop options at construction (TypeError)', () => {
    const verify = async () => null;
    for (const dpop of ['yes', { required: 'yes' }, { algs: ['HS256'] }, { algs: [] }, { replay: {} }, { nonces: {} }, { maxAge: -1 }, { other: 1 }]) {
      assert.throws(() => bearer({ dpop } as never, verify), TypeError, JSON.stringify(dpop));
    }
  });
});

describe('bearer({ dpop }): malformed input (fast-check)', () => {
  const app = appWith({ dpop: { baseUrl: BASE } }, tokens);
  const b64 = fc.string({ maxLength: 60 }).map((t) => Buffer.from(t).toString('base64url'));
  const jws = fc.tuple(b64, b64, b64).map((parts) => parts.join('.'));
  // A good proof with one character changed (not among the last two, whose low bits base64url may drop): never valid.
  const good = dpopProof('bound');
  const spoiled = fc.tuple(fc.nat({ max: good.length - 3 }), fc.constantFrom('A', '_', '.', '-')).map(([i, c]) => good.slice(0, i) + (good[i] === c ? 'B' : c) + good.slice(i + 1));
  const header = fc.oneof(jws, fc.string({ maxLength: 200 }), spoiled);

  it('answers any DPoP header and token with 400 or 401, never a 500 or a pass', async () => {
    await fc.assert(
      fc.asyncProperty(header, fc.oneof(fc.constant('bound'), fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,40}$/)), async (proofHeader, token) => {
        const req = request(app).get('/api').set('Authorization', `DPoP ${token}`);
        // supertest refuses header values with control characters; those never reach a server either.
        if (/^[\x20-\x7e]*$/.test(proofHeader) && proofHeader !== '') req.set('DPoP', proofHeader);
        const res = await req;
        assert.ok(res.status === 400 || res.status === 401, `${res.status} ${res.text}`);
      }),
      { numRuns: 150 },
    );
  });
});
