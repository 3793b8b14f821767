/**
 * Shape checks for JWS Compact Serialization (RFC 7515 §7.1), as carried by
 * JWT assertions (RFC 7523): the application verifies assertions' signatures
 * with the keys it owns (e.g. with `jose`), and what this module gives them
 * is a cheap, strict gate, so that application callbacks never see a value
 * that cannot possibly be a signed JWT. DPoP proofs carry their own public
 * key, so their signature is verified here, with `node:crypto`
 * ({@link verifyJwsSignature}).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-7.2
 */

import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { CompactJws } from '../types.js';

/** Default upper bound on the length of an assertion, in characters. */
export const MAX_JWS_LENGTH = 16 * 1024;

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Decode one base64url segment into a JSON object, or `undefined`. */
function jsonSegment(segment: string): Record<string, unknown> | undefined {
  // A length of 1 mod 4 cannot come from any byte string.
  if (segment.length % 4 === 1) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/**
 * Check that `value` is a well-formed compact JWS whose payload is a JSON
 * object: three base64url segments (RFC 7515 §2, no padding), a header that
 * decodes to a JSON object with a string `alg` other than `none`, a non-empty
 * signature, and at most `maxLength` characters.
 *
 * @returns the decoded header and claims, or a short reason when malformed.
 */
export function parseCompactJws(value: string, maxLength: number = MAX_JWS_LENGTH): CompactJws | string {
  if (value.length > maxLength) return 'assertion is too long';
  const parts = value.split('.');
  if (parts.length !== 3) return 'assertion is not a compact JWS (three dot-separated parts)';
  const [h, p, s] = parts as [string, string, string];
  if (!SEGMENT.test(h) || !SEGMENT.test(p) || !SEGMENT.test(s)) return 'assertion parts are not base64url';
  const header = jsonSegment(h);
  if (!header) return 'assertion header is not a JSON object';
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '' || alg.toLowerCase() === 'none') return 'assertion header has no usable alg';
  const claims = jsonSegment(p);
  if (!claims) return 'assertion payload is not a JSON object';
  return { header, claims };
}

/** How each asymmetric JWS `alg` (RFC 7518 §3.1, RFC 8037 §3.1) is verified with `node:crypto`. */
interface AlgVerifier {
  /** The digest for `crypto.verify`; `null` for EdDSA, which hashes internally. */
  readonly hash: string | null;
  /** The key type the alg needs (`KeyObject.asymmetricKeyType`). */
  readonly keyTypes: readonly string[];
  /** For ECDSA: the curve (`asymmetricKeyDetails.namedCurve`). */
  readonly curve?: string;
  /** For RSASSA-PSS: the salt length, the digest's length (RFC 7518 §3.5). */
  readonly pssSalt?: number;
  /** ECDSA signatures in JWS are `r || s` (RFC 7518 §3.4), not DER. */
  readonly ieee?: boolean;
}

const ALGS: Readonly<Record<string, AlgVerifier>> = {
  ES256: { hash: 'sha256', keyTypes: ['ec'], curve: 'prime256v1', ieee: true },
  ES384: { hash: 'sha384', keyTypes: ['ec'], curve: 'secp384r1', ieee: true },
  ES512: { hash: 'sha512', keyTypes: ['ec'], curve: 'secp521r1', ieee: true },
  RS256: { hash: 'sha256', keyTypes: ['rsa'] },
  RS384: { hash: 'sha384', keyTypes: ['rsa'] },
  RS512: { hash: 'sha512', keyTypes: ['rsa'] },
  PS256: { hash: 'sha256', keyTypes: ['rsa'], pssSalt: 32 },
  PS384: { hash: 'sha384', keyTypes: ['rsa'], pssSalt: 48 },
  PS512: { hash: 'sha512', keyTypes: ['rsa'], pssSalt: 64 },
  EdDSA: { hash: null, keyTypes: ['ed25519', 'ed448'] },
  Ed25519: { hash: null, keyTypes: ['ed25519'] },
};

/** The asymmetric `alg` values {@link verifyJwsSignature} knows. */
export const ASYMMETRIC_ALGS: readonly string[] = Object.freeze(Object.keys(ALGS));

/**
 * Verify the signature of a compact JWS with a public key, with `node:crypto`
 * only. `signingInput` is the first two segments with their dot (RFC 7515
 * §5.2), `signature` the third, base64url. The key must suit the alg (an EC
 * key on the alg's curve, an RSA key, an Ed25519/Ed448 key): a mismatch is a
 * failed verification, never an exception.
 *
 * @returns whether the signature verifies
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-5.2
 */
export function verifyJwsSignature(alg: string, key: KeyObject, signingInput: string, signature: string): boolean {
  const spec = Object.prototype.hasOwnProperty.call(ALGS, alg) ? ALGS[alg] : undefined;
  if (!spec || key.type !== 'public') return false;
  const type = key.asymmetricKeyType;
  if (!type || !spec.keyTypes.includes(type)) return false;
  if (spec.curve !== undefined) {
    const details = key.asymmetricKeyDetails;
    if (!details || details.namedCurve !== spec.curve) return false;
  }
  if (type === 'rsa') {
    const details = key.asymmetricKeyDetails;
    // RFC 7518 §3.3, §3.5: RSA keys of at least 2048 bits.
    if (!details || !details.modulusLength || details.modulusLength < 2048) return false;
  }
  const sig = Buffer.from(signature, 'base64url');
  const data = Buffer.from(signingInput, 'ascii');
  try {
    if (spec.pssSalt !== undefined) {
      return cryptoVerify(spec.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.pssSalt }, sig);
    }
    if (spec.ieee) return cryptoVerify(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    return cryptoVerify(spec.hash, data, key, sig);
  } catch {
    return false;
  }
}
