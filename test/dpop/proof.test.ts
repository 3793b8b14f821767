import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { verifyDpopProof, DEFAULT_DPOP_ALGS, type VerifyDpopProofOptions } from '../../src/dpop/proof.js';
import { jwkThumbprint } from '../../src/dpop/jwk.js';
import { DpopNonces } from '../../src/dpop/nonce.js';
import { MemoryReplayStore } from '../../src/stores/replay.js';
import { EVENT_CHANNELS } from '../../src/diagnostics/channels.js';
import { keyFor, proof, signJws, type ProofSpec } from './proofs.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

function request(value: string | string[] | undefined, init: { method?: string; url?: string; host?: string; protocol?: string } = {}): IncomingMessage {
  const headers: Record<string, unknown> = { host: init.host || '127.0.0.1' };
  const rawHeaders = ['Host', init.host || '127.0.0.1'];
  for (const v of value === undefined ? [] : Array.isArray(value) ? value : [value]) rawHeaders.push('DPoP', v);
  if (value !== undefined) headers.dpop = Array.isArray(value) ? value.join(', ') : value;
  return { method: init.method || 'POST', url: init.url || '/token', headers, rawHeaders, socket: {}, protocol: init.protocol } as unknown as IncomingMessage;
}

function opts(extra: VerifyDpopProofOptions = {}): VerifyDpopProofOptions {
  return { now: () => NOW, replay: new MemoryReplayStore({ now: () => NOW }), ...extra };
}

async function refused(value: string | string[] | undefined, reason: RegExp, extra: VerifyDpopProofOptions = {}, init = {}): Promise<void> {
  await assert.rejects(verifyDpopProof(request(value, init), opts(extra)), (err: any) => {
    assert.equal(err.code, 'invalid_dpop_proof');
    assert.equal(err.status, 400);
    assert.match(err.message, reason);
    return true;
  });
}

const at = (spec: ProofSpec = {}): string => proof({ now: NOW, ...spec });

describe('verifyDpopProof', () => {
  for (const alg of DEFAULT_DPOP_ALGS) {
    it(`accepts a proof signed with ${alg} and returns the key's thumbprint`, async () => {
      const key = keyFor(alg);
      const result = await verifyDpopProof(request(at({ key })), opts());
      assert.equal(result.jkt, jwkThumbprint(key.publicJwk));
      assert.equal(result.alg, alg);
      assert.equal(result.claims.htm, 'POST');
    });
  }

  it('accepts ES384 and ES512 when allowed', async () => {
    for (const alg of ['ES384', 'ES512']) {
      await verifyDpopProof(request(at({ key: keyFor(alg) })), opts({ algs: [alg] }));
    }
  });

  it('refuses a request without a DPoP header, or with two', async () => {
    await refused(undefined, /no DPoP header/);
    await refused([at(), at()], /more than one DPoP header/);
    await refused('', /empty DPoP header|not a compact JWS/);
  });

  it('refuses a value that is not a compact JWS', async () => {
    await refused('abc', /not a compact JWS/);
    await refused('a.b.c.d', /not a compact JWS/);
    await refused('a b.c.d', /not a compact JWS/);
    await refused('x'.repeat(9000), /too long/);
    await refused('e30.e30.AAAA', /typ is not dpop\+jwt/);
  });

  it('refuses a wrong typ', async () => {
    await refused(at({ header: { typ: 'JWT' } }), /typ/);
    await refused(at({ header: { typ: undefined } }), /typ/);
  });

  it('refuses alg none, HS256, and algs not allowed', async () => {
    await refused(at({ header: { alg: 'none' }, signature: 'AAAA' }), /alg not allowed/);
    const input = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'HS256', jwk: keyFor().publicJwk })).toString('base64url') + '.' + Buffer.from(JSON.stringify({ jti: 'x', htm: 'POST', htu: 'http://127.0.0.1/token', iat: NOW / 1000 })).toString('base64url');
    await refused(input + '.' + createHmac('sha256', 'secret').update(input).digest('base64url'), /alg not allowed/);
    await refused(at({ key: keyFor('RS256') }), /alg not allowed/, { algs: ['ES256'] });
    // An alg listed by the app but not asymmetric is never accepted.
    await refused(at({ header: { alg: 'HS256' }, signature: 'AAAA' }), /alg not allowed/, { algs: ['HS256'] });
  });

  it('refuses a jwk with private members, a missing jwk, and an unsupported kty', async () => {
    const key = keyFor('ES256');
    await refused(at({ header: { jwk: key.privateJwk } }), /private key/);
    await refused(at({ header: { jwk: { ...key.publicJwk, k: 'AAAA' } } }), /private key/);
    const rsa = keyFor('RS256');
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
      await refused(at({ key: rsa, header: { jwk: { ...rsa.publicJwk, [m]: 'AAAA' } } }), /private key/);
    }
    await refused(at({ header: { jwk: undefined } }), /jwk header is not a JSON object/);
    await refused(at({ header: { jwk: { kty: 'oct', k: 'AAAA' } } }), /private key/);
    await refused(at({ header: { jwk: { kty: 'XYZ' } } }), /unsupported kty/);
    await refused(at({ header: { jwk: { ...key.publicJwk, x: 42 } } }), /no usable x/);
  });

  it('refuses a bad signature, and a key of the wrong type for the alg', async () => {
    const good = at();
    const parts = good.split('.');
    const sig = Buffer.from(parts[2]!, 'base64url');
    sig[5] = sig[5]! ^ 1;
    await refused(parts[0] + '.' + parts[1] + '.' + sig.toString('base64url'), /signature does not verify/);
    // Signed by another key than the jwk names.
    await refused(at({ header: { jwk: keyFor('ES256', true).publicJwk } }), /signature does not verify/);
    // An Ed25519 key under ES256.
    await refused(at({ key: keyFor('EdDSA'), header: { alg: 'ES256' }, signature: signJws('EdDSA', keyFor('EdDSA').privateKey, 'x') }), /signature does not verify/);
  });

  it('refuses a wrong htm or htu, ignoring query and fragment', async () => {
    await refused(at({ htm: 'GET' }), /htm/);
    await refused(at({ htu: 'https://127.0.0.1/token' }), /htu/);
    await refused(at({ htu: 'http://evil.example/token' }), /htu/);
    await refused(at({ htu: 'http://127.0.0.1/other' }), /htu/);
    await refused(at({ htu: 'not a url' }), /htu/);
    await refused(at({ claims: { htu: 42 } }), /htu/);
    await verifyDpopProof(request(at({ htu: 'http://127.0.0.1/token?x=1#f' }), { url: '/token?y=2' }), opts());
    await verifyDpopProof(request(at({ htu: 'http://127.0.0.1:80/token' })), opts());
  });

  it('honours the base URL option, and Express protocol and host', async () => {
    await verifyDpopProof(request(at({ htu: 'https://as.example.com/auth/token' })), opts({ baseUrl: 'https://as.example.com/auth/' }));
    await refused(at(), /htu/, { baseUrl: 'https://as.example.com' });
    await verifyDpopProof(request(at({ htu: 'https://as.example.com/token' }), { protocol: 'https', host: 'as.example.com' }), opts());
    await verifyDpopProof(request(at({ htu: 'https://x.example/y' }), { url: '/ignored' }), opts({ htu: 'https://x.example/y' }));
  });

  it('refuses a stale or future iat, and accepts one within the window', async () => {
    await refused(at({ claims: { iat: NOW / 1000 - 301 } }), /iat is too old/);
    await refused(at({ claims: { iat: NOW / 1000 + 11 } }), /iat is in the future/);
    await refused(at({ claims: { iat: '1' } }), /no usable iat/);
    await verifyDpopProof(request(at({ claims: { iat: NOW / 1000 - 299 } })), opts());
    await verifyDpopProof(request(at({ claims: { iat: NOW / 1000 + 9 } })), opts());
    await refused(at({ claims: { iat: NOW / 1000 - 61 } }), /iat is too old/, { maxAge: 60 });
  });

  it('refuses a replayed jti, and a missing one', async () => {
    const replay = new MemoryReplayStore({ now: () => NOW });
    const p = at();
    await verifyDpopProof(request(p), opts({ replay }));
    await refused(p, /jti was used before/, { replay });
    await refused(at({ claims: { jti: undefined } }), /jti/);
    await refused(at({ claims: { jti: 'x'.repeat(300) } }), /jti/);
  });

  it('checks ath against the access token', async () => {
    await verifyDpopProof(request(at({ accessToken: 'tok' })), opts({ accessToken: 'tok' }));
    await refused(at({ accessToken: 'other' }), /ath/, { accessToken: 'tok' });
    await refused(at(), /ath/, { accessToken: 'tok' });
    assert.equal(createHash('sha256').update('tok').digest('base64url').length, 43);
  });

  it('asks for a nonce when none or a stale one is sent, with the nonce to use', async () => {
    let t = NOW;
    const nonces = new DpopNonces({ secrets: ['s'.repeat(32)], now: () => t });
    const ask = async (spec: ProofSpec): Promise<string> => {
      let nonce = '';
      await assert.rejects(verifyDpopProof(request(proof({ now: t, ...spec })), opts({ nonces, now: () => t })), (err: any) => {
        assert.equal(err.code, 'use_dpop_nonce');
        assert.equal(err.status, 400);
        nonce = err.dpopNonce;
        return true;
      });
      return nonce;
    };
    const nonce = await ask({});
    assert.equal(nonce, nonces.current());
    await verifyDpopProof(request(proof({ now: t, nonce })), opts({ nonces, now: () => t }));
    t += 300_000;
    await verifyDpopProof(request(proof({ now: t, nonce })), opts({ nonces, now: () => t }));
    t += 300_000;
    await ask({ nonce });
    await ask({ nonce: 'made-up' });
  });

  it('publishes dpopRejected with a fixed reason', async () => {
    const seen: unknown[] = [];
    const listener = (m: unknown): void => { seen.push(m); };
    subscribe(EVENT_CHANNELS.dpopRejected, listener);
    try {
      await refused(at({ header: { typ: 'JWT' } }), /typ/, { endpoint: 'token' });
    } finally {
      unsubscribe(EVENT_CHANNELS.dpopRejected, listener);
    }
    assert.deepEqual(seen, [{ endpoint: 'token', reason: 'typ is not dpop+jwt' }]);
  });
});
