/**
 * Shape checks for JWS Compact Serialization (RFC 7515 §7.1), as carried by
 * JWT assertions (RFC 7523). No cryptography here: the application verifies
 * signatures with the keys it owns (e.g. with `jose`). What this module gives
 * is a cheap, strict gate, so that application callbacks never see a value
 * that cannot possibly be a signed JWT.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-7.2
 */

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
