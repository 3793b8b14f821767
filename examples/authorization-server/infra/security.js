/**
 * Small cryptographic helpers: password hashing, random tokens, token
 * digests and the PKCE S256 transform.
 *
 * Only Node's built-in `node:crypto` is used.
 *
 * @module security
 */
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

/** @type {(password: string, salt: Buffer, keylen: number, options: import('node:crypto').ScryptOptions) => Promise<Buffer>} */
const scryptAsync = /** @type {any} */ (promisify(scrypt));

const KEY_LENGTH = 32;

/** log2 of scrypt's cost parameter N: 14 is N = 16384, Node's default. */
export const DEFAULT_SCRYPT_COST = 14;

/**
 * Hash a password (or a client secret) with scrypt and a random salt.
 *
 * The result is self-describing: `scrypt$<log2 N>$<salt>$<hash>`, salt and
 * hash in base64url. Because the cost travels with the hash, it can be raised
 * later without breaking existing hashes. The synchronous variant is only
 * used while seeding the database.
 *
 * @param {string} password
 * @param {number} [cost] log2 of N; lower it only for tests
 * @returns {string}
 */
export function hashPasswordSync(password, cost = DEFAULT_SCRYPT_COST) {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEY_LENGTH, scryptOptions(cost));
  return `scrypt$${cost}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** @param {number} cost */
function scryptOptions(cost) {
  const N = 2 ** cost;
  // Node refuses 128 * N * r bytes above `maxmem` (32 MiB by default).
  return { N, r: 8, p: 1, maxmem: 256 * N * 8 };
}

/**
 * Check a password against a hash made by {@link hashPasswordSync}.
 *
 * scrypt runs on libuv's thread pool, so checking a password does not block
 * the event loop. The comparison is constant-time.
 *
 * @param {string} password
 * @param {string} stored
 * @returns {Promise<boolean>}
 */
export async function verifyPassword(password, stored) {
  const [scheme, cost, salt, hash] = stored.split('$');
  const log2N = Number(cost);
  if (scheme !== 'scrypt' || !Number.isInteger(log2N) || log2N < 1 || log2N > 17 || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, scryptOptions(log2N));
  return timingSafeEqual(actual, expected);
}

/**
 * A new opaque token (authorization code, access or refresh token):
 * 256 bits of randomness, base64url-encoded (43 characters).
 *
 * @returns {string}
 */
export function randomToken() {
  return randomBytes(32).toString('base64url');
}

/**
 * The digest under which a token is stored. The database never holds a
 * usable code or token, only its SHA-256, so a leaked database file cannot be
 * replayed against the API.
 *
 * @param {string} token
 * @returns {string}
 */
export function tokenDigest(token) {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * The PKCE `S256` code challenge for a verifier:
 * `BASE64URL(SHA256(ASCII(code_verifier)))`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 * @param {string} verifier
 * @returns {string}
 */
export function s256(verifier) {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * Compare two strings in constant time (for the lengths involved here, the
 * early return on a length mismatch reveals nothing useful).
 *
 * @param {string} a
 * @param {string} b
 * @returns {boolean}
 */
export function safeEqual(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * RFC 7636 §4.1: a code verifier (and an S256 challenge, which is 43
 * characters) uses the unreserved URL characters and is 43 to 128 long.
 */
export const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;
