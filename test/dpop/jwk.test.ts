import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { jwkThumbprint, publicJwkProblem, isThumbprint } from '../../src/dpop/jwk.js';
import { keyFor } from './proofs.js';

// RFC 7638 §3.1's example key and thumbprint.
const RFC7638 = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};

describe('jwkThumbprint', () => {
  it('gives RFC 7638\'s example thumbprint', () => {
    assert.equal(jwkThumbprint(RFC7638), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('hashes EC and OKP keys in RFC 7638 §3.2\'s member order', () => {
    const ec = keyFor('ES256').publicJwk;
    const ecJson = `{"crv":"P-256","kty":"EC","x":"${ec.x}","y":"${ec.y}"}`;
    assert.equal(jwkThumbprint(ec), createHash('sha256').update(ecJson).digest('base64url'));
    const okp = keyFor('EdDSA').publicJwk;
    const okpJson = `{"crv":"Ed25519","kty":"OKP","x":"${okp.x}"}`;
    assert.equal(jwkThumbprint(okp), createHash('sha256').update(okpJson).digest('base64url'));
  });

  it('hashes only the required members, whatever their order', () => {
    const jwk = keyFor('ES256').publicJwk;
    const reordered = { y: jwk.y, x: jwk.x, kty: 'EC', crv: 'P-256', use: 'sig', kid: 'k' };
    assert.equal(jwkThumbprint(reordered), jwkThumbprint(jwk));
    assert.ok(isThumbprint(jwkThumbprint(jwk)));
    assert.notEqual(jwkThumbprint(keyFor('EdDSA').publicJwk), jwkThumbprint(jwk));
  });

  it('refuses private and malformed keys', () => {
    assert.throws(() => jwkThumbprint(keyFor('ES256').privateJwk), /private key/);
    assert.throws(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'a' }), /no usable y/);
    assert.equal(publicJwkProblem(null), 'jwk header is not a JSON object');
    assert.equal(publicJwkProblem([]), 'jwk header is not a JSON object');
    assert.equal(publicJwkProblem({ kty: 'RSA', n: 'a+b', e: 'AQAB' }), 'jwk header has no usable n');
  });

  it('isThumbprint accepts 43 base64url characters only', () => {
    assert.equal(isThumbprint('a'.repeat(43)), true);
    assert.equal(isThumbprint('a'.repeat(42)), false);
    assert.equal(isThumbprint('a'.repeat(42) + '='), false);
    assert.equal(isThumbprint(42), false);
  });
});
