/**
 * Reading `client_secret_basic` credentials: the HTTP Basic scheme (RFC 7617)
 * with the client identifier and secret form-urlencoded first, as RFC 6749
 * §2.3.1 requires ("encoded using the application/x-www-form-urlencoded
 * encoding algorithm", so `+` is a space and `%XX` a byte of UTF-8).
 *
 * Many 1.x deployments authenticated clients with `passport-http`, which
 * does not decode, so their clients (and `curl -u id:secret`) send the raw
 * values. A header therefore yields up to two candidate pairs: the decoded
 * one, then the raw one when it differs. {@link authenticateClient} tries
 * the raw pair only when the decoded one fails and the `legacyBasic` option
 * allows it; see there for why that is safe.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 * @see https://www.rfc-editor.org/rfc/rfc7617#section-2
 */

/** Longest `Authorization` header value read, in characters: a secret never needs more. */
export const MAX_BASIC_HEADER = 16 * 1024;

/** Longest client identifier or secret accepted from any method, in characters. */
export const MAX_CREDENTIAL = 4096;

/** One identifier and secret to try. */
export interface SecretPair {
  /** The client identifier. */
  readonly id: string;
  /** The client secret, never empty. */
  readonly secret: string;
}

/** What a Basic header holds: the pairs to try, in order (decoded first), or why it is unusable. */
export type BasicCredentials = { readonly pairs: readonly SecretPair[]; readonly reason?: undefined } | { readonly pairs?: undefined; readonly reason: string };

/** `Basic <token68>`: the scheme is case-insensitive (RFC 7235 §2.1), the credentials one token. */
const BASIC = /^basic[ ]+([^ ]*)[ ]*$/i;
/** Standard base64 (RFC 4648 §4), padded or not. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The characters form-urlencoding decodes. */
const ENCODED = /[%+]/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether an `Authorization` header value uses the Basic scheme. */
export function isBasic(header: string): boolean {
  return /^basic(?:[ ]|$)/i.test(header);
}

/**
 * The form-urlencoding decoding of one value (`+` is a space, `%XX` bytes
 * of UTF-8), or `undefined` when a `%` escape is malformed.
 */
export function formDecode(value: string): string | undefined {
  if (!ENCODED.test(value)) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Read a Basic `Authorization` header value. Never throws: anything that is
 * not base64 of UTF-8 text `id:secret`, with a non-empty identifier and
 * secret each at most {@link MAX_CREDENTIAL} characters, gives a reason.
 *
 * @param header the header value, e.g. `Basic ZGVtbzpzM2NyZXQ=`
 * @param legacy whether to add the raw (undecoded) pair when it differs from the decoded one
 */
export function parseBasic(header: string, legacy: boolean): BasicCredentials {
  if (header.length > MAX_BASIC_HEADER) return { reason: 'Authorization header too long' };
  const match = BASIC.exec(header);
  if (!match) return { reason: 'Malformed Basic credentials' };
  const token = match[1]!;
  const bare = token.replace(/=+$/, '');
  // A length of 1 mod 4 cannot come from any byte string; padding, when sent, completes a quantum.
  if (!BASE64.test(token) || bare.length % 4 === 1 || (bare.length !== token.length && token.length % 4 !== 0)) {
    return { reason: 'Basic credentials are not base64' };
  }
  let text: string;
  try {
    text = utf8.decode(Buffer.from(bare, 'base64'));
  } catch {
    return { reason: 'Basic credentials are not UTF-8 text' };
  }
  const colon = text.indexOf(':');
  if (colon < 0) return { reason: 'Basic credentials have no colon' };
  const rawId = text.slice(0, colon);
  const rawSecret = text.slice(colon + 1);
  const pairs: SecretPair[] = [];
  const id = formDecode(rawId);
  const secret = formDecode(rawSecret);
  if (id !== undefined && secret !== undefined && usable(id, secret)) pairs.push({ id, secret });
  // Decoding changes a value exactly when it holds a `+` or a `%` escape.
  if (legacy && (ENCODED.test(rawId) || ENCODED.test(rawSecret)) && usable(rawId, rawSecret)) pairs.push({ id: rawId, secret: rawSecret });
  if (!pairs.length) return { reason: id === undefined || secret === undefined ? 'Basic credentials are not form-urlencoded' : 'Empty or oversized client credentials' };
  return { pairs };
}

/** A pair worth trying: both parts present and of a sane length. */
function usable(id: string, secret: string): boolean {
  return id.length > 0 && secret.length > 0 && id.length <= MAX_CREDENTIAL && secret.length <= MAX_CREDENTIAL;
}
