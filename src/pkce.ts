/**
 * Proof Key for Code Exchange (RFC 7636): the checks shared by `grant.code`
 * (the challenge) and `exchange.code` (the verifier).
 *
 * The field names on the authorization request, `codeChallenge` and
 * `codeChallengeMethod`, are those of the `oauth2orize-pkce` plugin, so an
 * app written for the plugin reads the same fields with or without it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636
 */
import { createHash } from 'node:crypto';
import { safeEqual } from './lib/safeEqual.js';
import { AuthorizationError } from './errors/authorizationerror.js';
import { TokenError } from './errors/tokenerror.js';
import { describeClient, isObserved, publishEvent, type PkceFailedEvent, type PkceFailureReason } from './diagnostics/channels.js';
import type { ParamBag } from './types.js';
import { stringParam } from './lib/params.js';
import { checkOptions, type OptionTable } from './lib/checkOptions.js';

/**
 * When PKCE is required, and which methods are accepted. Given to
 * `createServer({ pkce })` (the default of every code grant and exchange),
 * or to `grant.code({ pkce })` and `exchange.code({ pkce })`.
 *
 * @example Required for public clients only
 * ```ts
 * createServer({ pkce: { required: 'public', isPublic: (client) => !client.secret } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 *
 * @group Types
 */
export interface PkcePolicy<Client = any> {
  /**
   * `true`: every authorization request for a code must carry a
   * `code_challenge`; `'public'`: only those of public clients (see
   * `isPublic`); `false` (default): a challenge is optional, but checked when
   * sent.
   */
  required?: boolean | 'public';
  /** Accept `code_challenge_method=plain`. Default `false`: S256 only. */
  allowPlain?: boolean;
  /** Tells whether a client is public (has no credentials). Needed by `required: 'public'`. */
  isPublic?: (client: Client) => boolean;
}

/**
 * What the app stores with a code, and hands back to `exchange.code`'s `pkce.lookup`.
 *
 * @group Types
 */
export interface PkceRecord {
  /** `areq.codeChallenge` when the code was issued; absent if it was issued without one. */
  codeChallenge?: string | null;
  /** `areq.codeChallengeMethod`: `'S256'` or `'plain'` (`'plain'` when absent). */
  codeChallengeMethod?: string | null;
  /**
   * When the code was issued (a `Date`, milliseconds since the epoch, or an
   * ISO string). Required under `profile: 'fapi2'`, where a code older than
   * 60 s is refused with `invalid_grant` (FAPI 2.0 SP §5.3.2.1); ignored otherwise.
   */
  issuedAt?: Date | number | string;
  /**
   * `areq.dpopJkt` when the code was issued (`dpop_jkt`, RFC 9449 §10):
   * `exchange.code` then refuses a request whose DPoP proof is made with
   * another key, or that has none.
   */
  dpopJkt?: string | null;
}

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is the base64url SHA-256 of the verifier: 43 characters, no padding. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** What each field of a {@link PkcePolicy} accepts. */
const PKCE_POLICY_OPTIONS = {
  required: { kinds: ['boolean', 'string'], check: (v) => (v === 'public' || typeof v === 'boolean' ? undefined : `must be true, false or 'public', got ${JSON.stringify(v)}`) },
  allowPlain: 'boolean',
  isPublic: 'function',
} as const satisfies OptionTable<PkcePolicy>;

/** Throws unless the policy is usable; called at construction. */
export function checkPolicy(policy: PkcePolicy | undefined, where: string): void {
  if (!policy) return;
  checkOptions(`oauth2orize.${where}: pkce`, policy, PKCE_POLICY_OPTIONS);
  const r = policy.required;
  if (r !== undefined && r !== true && r !== false && r !== 'public') {
    throw new TypeError(`oauth2orize.${where}: pkce.required must be true, false or 'public'`);
  }
  if (r === 'public' && typeof policy.isPublic !== 'function') {
    throw new TypeError(`oauth2orize.${where}: pkce.required 'public' needs a pkce.isPublic(client) function`);
  }
}

/**
 * Read `code_challenge` and `code_challenge_method` from the authorization
 * request. Returns the areq fields (none without a challenge). Throws
 * `invalid_request` for a malformed challenge, an unknown or refused method,
 * a method without a challenge, or a missing challenge when `required` is
 * `true`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.4.1
 */
export function parseChallenge(query: ParamBag, policy: PkcePolicy): { codeChallenge?: string; codeChallengeMethod?: string } {
  const challenge = stringParam(query, 'code_challenge', AuthorizationError);
  const method = stringParam(query, 'code_challenge_method', AuthorizationError);
  if (!challenge) {
    if (method) throw new AuthorizationError('Missing required parameter: code_challenge', 'invalid_request');
    if (policy.required === true) throw new AuthorizationError('Missing required parameter: code_challenge', 'invalid_request');
    return {};
  }
  const m = method || 'plain';
  if (m === 'S256') {
    if (!S256_CHALLENGE.test(challenge)) throw new AuthorizationError('Invalid parameter: code_challenge', 'invalid_request');
  } else if (m === 'plain') {
    if (!policy.allowPlain) throw new AuthorizationError('Unsupported code_challenge_method: plain (use S256)', 'invalid_request');
    if (!VERIFIER.test(challenge)) throw new AuthorizationError('Invalid parameter: code_challenge', 'invalid_request');
  } else {
    throw new AuthorizationError('Unsupported code_challenge_method', 'invalid_request');
  }
  return { codeChallenge: challenge, codeChallengeMethod: m };
}

/** Whether the policy requires a challenge from `client`. */
export function challengeRequired(policy: PkcePolicy, client: unknown): boolean {
  if (policy.required === true) return true;
  if (policy.required === 'public') return !!policy.isPublic!(client);
  return false;
}

/** The methods a policy accepts, for metadata. */
export function methodsOf(policy: PkcePolicy): string[] {
  return policy.allowPlain ? ['S256', 'plain'] : ['S256'];
}

/**
 * Check a `code_verifier` against what was stored with the code. Throws a
 * `TokenError`: `invalid_request` for a malformed verifier, `invalid_grant`
 * when it does not match, when the code has a challenge and no verifier was
 * sent, when a verifier is sent for a code issued without a challenge
 * (a downgrade, RFC 9700 §2.1.1), when the code has no challenge but the
 * policy requires one, or when the stored method is refused.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 */
export function checkVerifier(verifier: string | undefined, record: PkceRecord, policy: PkcePolicy, client: unknown): void {
  if (verifier !== undefined && !VERIFIER.test(verifier)) {
    throw refused('malformed_verifier', 'Invalid parameter: code_verifier', 'invalid_request', record, client);
  }
  const challenge = record.codeChallenge;
  if (!challenge) {
    if (verifier !== undefined) throw refused('unexpected_verifier', 'code_verifier sent for a code issued without code_challenge', 'invalid_grant', record, client);
    if (challengeRequired(policy, client)) throw refused('challenge_required', 'Authorization code was issued without code_challenge', 'invalid_grant', record, client);
    return;
  }
  if (verifier === undefined) throw refused('missing_verifier', 'Missing required parameter: code_verifier', 'invalid_grant', record, client);
  const method = record.codeChallengeMethod || 'plain';
  let ok: boolean;
  if (method === 'S256') {
    ok = safeEqual(createHash('sha256').update(verifier, 'ascii').digest(), Buffer.from(String(challenge), 'base64url'));
  } else if (method === 'plain' && policy.allowPlain) {
    // Hash both sides so the comparison is constant-time whatever the lengths.
    ok = safeEqual(sha256(verifier), sha256(String(challenge)));
  } else {
    ok = false;
  }
  if (!ok) throw refused('mismatch', 'Invalid code_verifier', 'invalid_grant', record, client);
}

/** The error for a failed check, published first on `oauth2orize:pkce_failed` when someone listens. */
function refused(reason: PkceFailureReason, message: string, code: string, record: PkceRecord, client: unknown): TokenError {
  if (isObserved('pkceFailed')) {
    const event: PkceFailedEvent = { reason };
    const clientId = describeClient(client);
    if (clientId !== undefined) event.clientId = clientId;
    if (record.codeChallenge) {
      const method = record.codeChallengeMethod || 'plain';
      event.method = method === 'S256' || method === 'plain' ? method : 'other';
    }
    publishEvent('pkceFailed', event);
  }
  return new TokenError(message, code);
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
