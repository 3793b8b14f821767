/**
 * The public key a DPoP proof carries in its `jwk` header: checked to be a
 * public key of a kind the allowed algs can use, imported with `node:crypto`,
 * and named by its JWK SHA-256 thumbprint (RFC 7638), the `jkt` that tokens
 * and codes are bound to.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/** Members that only a private (or symmetric) JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The members RFC 7638 §3.2 hashes, per key type, in lexicographic order. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

const B64URL = /^[A-Za-z0-9_-]+$/;

/** A public JWK as a DPoP proof carries it (RFC 7517). */
export type PublicJwk = Readonly<Record<string, unknown>>;

/**
 * Check that `value` is a public JWK this package can hash and verify with:
 * an object with `kty` EC, RSA or OKP, its required members as base64url
 * strings (curve names as strings), and no private member.
 *
 * @returns a short reason, or `undefined` when it is fine
 */
export function publicJwkProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'jwk header is not a JSON object';
  const jwk = value as Record<string, unknown>;
  for (const name of PRIVATE_MEMBERS) {
    if (Object.prototype.hasOwnProperty.call(jwk, name)) return 'jwk header holds a private key';
  }
  const kty = jwk.kty;
  if (typeof kty !== 'string' || !Object.prototype.hasOwnProperty.call(REQUIRED, kty)) return 'jwk header has an unsupported kty';
  for (const name of REQUIRED[kty]!) {
    const member = jwk[name];
    if (typeof member !== 'string' || member === '' || member.length > 2048) return `jwk header has no usable ${name}`;
    if (name !== 'crv' && name !== 'kty' && !B64URL.test(member)) return `jwk header has no usable ${name}`;
  }
  return undefined;
}

/**
 * The JWK SHA-256 thumbprint of a public key (RFC 7638 §3): the SHA-256 of
 * the JSON object of its required members, in lexicographic order and
 * without whitespace, base64url-encoded. It is what `dpop_jkt` and
 * `cnf.jkt` hold.
 *
 * @param jwk a public EC, RSA or OKP key
 * @returns the thumbprint, 43 base64url characters
 * @throws TypeError when `jwk` is not such a key
 * @example
 * ```ts
 * const jkt = jwkThumbprint({ kty: 'EC', crv: 'P-256', x: '...', y: '...' });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-6.1
 *
 * @group DPoP
 */
export function jwkThumbprint(jwk: PublicJwk): string {
  const problem = publicJwkProblem(jwk);
  if (problem) throw new TypeError('oauth2orize.jwkThumbprint: ' + problem);
  const members = REQUIRED[jwk.kty as string]!;
  // Every member is a string: JSON.stringify gives RFC 7638's form.
  const canonical = '{' + members.map((name) => JSON.stringify(name) + ':' + JSON.stringify(jwk[name])).join(',') + '}';
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/**
 * Keys imported lately, by their members: a client signs its proofs with
 * one key, and importing a JWK costs about as much as checking a signature.
 * Bounded; the oldest import is dropped first.
 */
const imported = new Map<string, KeyObject>();
const MAX_IMPORTED = 1000;

/** Import a public JWK (already checked by {@link publicJwkProblem}); `undefined` when `node:crypto` refuses it. */
export function importPublicJwk(jwk: PublicJwk): KeyObject | undefined {
  const names = REQUIRED[jwk.kty as string]!;
  const members: Record<string, string> = {};
  let id = jwk.kty as string;
  for (const name of names) {
    members[name] = jwk[name] as string;
    id += '|' + (jwk[name] as string);
  }
  const known = imported.get(id);
  if (known) return known;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members as unknown as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch {
    return undefined;
  }
  if (imported.size >= MAX_IMPORTED) imported.delete(imported.keys().next().value!);
  imported.set(id, key);
  return key;
}

/** Whether `value` has the form of a SHA-256 JWK thumbprint: 43 base64url characters. */
export function isThumbprint(value: unknown): value is string {
  return typeof value === 'string' && value.length === 43 && B64URL.test(value);
}
