import { randomBytes } from 'node:crypto';

/**
 * User codes and device codes for the device authorization grant.
 *
 * RFC 8628 §6.1 suggests user codes of 8 characters drawn from 20 consonants
 * (no vowels, so no words can be spelled, and no look-alike digits), which
 * gives 20^8 ≈ 2^34.5 codes, and a dash in the middle for legibility. Input
 * is compared case-insensitively with punctuation removed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 */

/**
 * The §6.1 alphabet: 20 upper-case consonants.
 *
 * @group Device flow
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

/** Longest user-code input examined; longer input cannot be a code and is refused cheaply. */
export const MAX_USER_CODE_INPUT = 64;

/**
 * Pick `length` characters uniformly from `alphabet` using the CSPRNG.
 * Bytes at or above the largest multiple of the alphabet size are rejected,
 * so every character is equally likely (no modulo bias).
 */
export function randomString(length: number, alphabet: string): string {
  const size = alphabet.length;
  if (size < 2 || size > 256) throw new RangeError('alphabet must have between 2 and 256 characters');
  const limit = 256 - (256 % size);
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(Math.max(16, (length - out.length) * 2));
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i]!;
      if (b < limit) out += alphabet[b % size];
    }
  }
  return out;
}

/**
 * Generate a user code as RFC 8628 §6.1 suggests: 8 characters from
 * {@link USER_CODE_ALPHABET}, shown as `XXXX-XXXX`.
 *
 * @example
 * ```ts
 * generateUserCode(); // 'WDJB-MJHT'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 *
 * @group Device flow
 */
export function generateUserCode(): string {
  const raw = randomString(8, USER_CODE_ALPHABET);
  return raw.slice(0, 4) + '-' + raw.slice(4);
}

/**
 * Reduce what a user typed to the canonical form of a user code: upper case,
 * with dashes, spaces and other punctuation removed, so `wdjb mjht`,
 * `WDJB-MJHT` and `wdjbmjht` all become `WDJBMJHT`. Store codes under this
 * form and look them up with it. Returns `''` for input that is not a string
 * or is longer than 64 characters (`MAX_USER_CODE_INPUT`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 * @param input the user code as typed
 *
 * @group Device flow
 */
export function normalizeUserCode(input: unknown): string {
  if (typeof input !== 'string' || input.length > MAX_USER_CODE_INPUT) return '';
  return input.toUpperCase().replace(/[^0-9A-Z]/g, '');
}

/**
 * Generate a device code: 32 random bytes (256 bits), base64url-encoded. It
 * is a bearer secret of the device, so it must be unguessable.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.2
 *
 * @group Device flow
 */
export function generateDeviceCode(): string {
  return randomBytes(32).toString('base64url');
}
