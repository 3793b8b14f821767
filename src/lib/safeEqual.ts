/**
 * The one comparison of secrets (PKCE verifiers and challenges, and any
 * other secret the package compares): constant-time, so the time taken
 * tells nothing about how many leading bytes matched.
 *
 * `crypto.timingSafeEqual` is read from the `node:crypto` namespace at each
 * call, so a test can wrap it and see that every secret comparison goes
 * through here.
 */
import * as crypto from 'node:crypto';

/**
 * Whether `a` and `b` hold the same bytes, compared in constant time. Buffers
 * of different lengths are unequal at once: compare fixed-length values
 * (such as hashes) so that the length itself is no secret.
 */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
