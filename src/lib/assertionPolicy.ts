/**
 * The checks a JWT assertion passes before the application verifies its
 * signature, shared by client assertions (`private_key_jwt`, RFC 7523 §2.2)
 * and the JWT bearer grant (RFC 7523 §2.1): the algorithm, the time claims
 * on the server's clock, and the audience. Each check answers a short
 * reason, or `undefined` when the assertion passes it; the caller turns the
 * reason into its own error (`invalid_client` or `invalid_grant`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-rfc7523bis/
 */
import { OAuth2Error } from '../errors/oauth2error.js';
import { REPLAY_STORE, type Rule } from './checkOptions.js';

/**
 * The default algorithms: asymmetric signatures only. `none` is refused by
 * the shape check; HMAC (`HS*`) would make any holder of the shared secret
 * able to sign for the client, so it is allowed only when the app lists it.
 */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = Object.freeze([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
]);

/** The checks of one factory, resolved from its options at construction. */
export interface AssertionPolicy {
  /** Accepted `alg` header values. */
  readonly algorithms: readonly string[];
  /** The issuer identifier, when known at construction. */
  readonly issuer: string | undefined;
  /** Further accepted `aud` values; `false` when the app checks `aud` itself. */
  readonly audience: readonly string[] | false;
  /** Longest accepted time from now to `exp`, in seconds. */
  readonly maxLifetime: number;
  /** Allowed clock skew, in seconds. */
  readonly clockTolerance: number;
  /** The clock, in milliseconds; `undefined` to read the server's from the request. */
  readonly now: (() => number) | undefined;
}

/** The options the policy is read from; the factories document them. */
export interface AssertionPolicyOptions {
  algorithms?: readonly string[];
  issuer?: string;
  audience?: string | readonly string[] | false;
  maxLifetime?: number;
  clockTolerance?: number;
  now?: () => number;
}

/** Read a factory's assertion options, already checked against {@link ASSERTION_OPTION_RULES}; the issuer is checked here (a `TypeError` names the factory). */
export function assertionPolicy(who: string, options: AssertionPolicyOptions, defaultLifetime: number, checkIssuer: (issuer: unknown, who: string) => string): AssertionPolicy {
  // The values were checked at construction against ASSERTION_OPTION_RULES.
  const { algorithms, issuer, audience, maxLifetime, clockTolerance, now } = options;
  const aud: readonly string[] | false = audience === false ? false : audience === undefined ? [] : typeof audience === 'string' ? [audience] : audience.slice();
  return {
    algorithms: algorithms === undefined ? ASYMMETRIC_ALGORITHMS : algorithms.slice(),
    issuer: issuer === undefined ? undefined : checkIssuer(issuer, who),
    audience: aud,
    maxLifetime: maxLifetime === undefined ? defaultLifetime : maxLifetime,
    clockTolerance: clockTolerance === undefined ? DEFAULT_TOLERANCE : clockTolerance,
    now,
  };
}

/** Default allowed clock skew, in seconds. */
export const DEFAULT_TOLERANCE = 30;

/** Why the header's `alg` is refused, or undefined. */
export function checkAlgorithm(header: Record<string, unknown>, policy: AssertionPolicy): string | undefined {
  return policy.algorithms.includes(header.alg as string) ? undefined : 'alg not allowed';
}

/**
 * Why the time claims are refused at `nowSeconds`, or undefined: `exp` is a
 * number, not past and at most `maxLifetime` ahead; `nbf` and `iat`, when
 * present, are numbers and not ahead of now; each within the tolerance.
 */
export function checkTimes(claims: Record<string, unknown>, nowSeconds: number, policy: AssertionPolicy): string | undefined {
  const { exp, nbf, iat } = claims;
  const skew = policy.clockTolerance;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'exp is required';
  if (exp + skew <= nowSeconds) return 'expired';
  if (exp - nowSeconds > policy.maxLifetime + skew) return 'exp is too far in the future';
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf)) return 'nbf must be a number';
    if (nbf - skew > nowSeconds) return 'not valid yet (nbf)';
  }
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) return 'iat must be a number';
    if (iat - skew > nowSeconds) return 'issued in the future (iat)';
  }
  return undefined;
}

/**
 * The `aud` values this request accepts: the issuer identifier; the URL of
 * the endpoint the request reached, built from the issuer's origin and the
 * request's path (never from the `Host` header), which is the token endpoint
 * URL that RFC 7523 names and rfc7523bis still accepts; and the `audience`
 * option. Empty when nothing is known: the caller refuses.
 */
export function acceptedAudiences(policy: AssertionPolicy, issuer: string | undefined, req: { originalUrl?: unknown; url?: unknown }): string[] {
  const accepted = policy.audience === false ? [] : policy.audience.slice();
  if (issuer !== undefined) {
    accepted.push(issuer);
    const path = typeof req.originalUrl === 'string' ? req.originalUrl : typeof req.url === 'string' ? req.url : undefined;
    if (path !== undefined && path.startsWith('/')) {
      const endpoint = new URL(issuer).origin + path.split('?', 1)[0];
      accepted.push(endpoint);
    }
  }
  return accepted;
}

/** Why `aud` is refused, or undefined: a string or a list of strings, one of them accepted. */
export function checkAudience(aud: unknown, accepted: readonly string[]): string | undefined {
  if (aud === undefined) return 'aud is required';
  const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (!values || values.length === 0 || !values.every((v) => typeof v === 'string')) return 'aud must be a string or a list of strings';
  return values.some((v) => accepted.includes(v as string)) ? undefined : 'aud does not name this server';
}

/** Why the `jti` is refused (absent or not a string), or undefined. */
export function checkJti(jti: unknown): string | undefined {
  return typeof jti === 'string' && jti !== '' ? undefined : 'jti is required';
}

/** Seconds a `jti` is remembered: until `exp`, plus the tolerance, at least 1. */
export function replayTtl(exp: number, nowSeconds: number, policy: AssertionPolicy): number {
  return Math.max(1, Math.ceil(exp - nowSeconds + policy.clockTolerance));
}

/**
 * Whether an error of the app's verifier is a protocol answer it chose
 * (an OAuth error of this package, e.g. `TokenError('...', 'unauthorized_client')`),
 * which passes as it is. Anything else (a `jose` error, a `TypeError` from a
 * key-type mismatch, an unsupported algorithm) is the client's bad assertion.
 */
export function isDeliberate(err: unknown): boolean {
  return err instanceof OAuth2Error;
}


const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * What the assertion options of `clientAssertion` and `exchange.jwtBearer`
 * accept, checked at construction through their option tables.
 */
export const ASSERTION_OPTION_RULES = {
  algorithms: {
    kinds: ['array'],
    check: (value) => ((value as unknown[]).length > 0 && (value as unknown[]).every((a) => typeof a === 'string' && a !== '' && a.toLowerCase() !== 'none')
      ? undefined
      : 'must be a non-empty list of alg names (none is never accepted)'),
  },
  issuer: 'string',
  audience: {
    kinds: ['string', 'array', 'false'],
    check: (value) => (value === false || (typeof value === 'string' && value !== '') || (Array.isArray(value) && value.every((a) => typeof a === 'string' && a !== ''))
      ? undefined
      : 'must be a string, a list of strings, or false'),
  },
  maxLifetime: { kinds: ['number'], check: (value) => (finite(value) && value > 0 ? undefined : 'must be a positive number of seconds') },
  clockTolerance: { kinds: ['number'], check: (value) => (finite(value) && value >= 0 ? undefined : 'must be a number of seconds, 0 or more') },
  now: 'function',
  replay: REPLAY_STORE,
} as const satisfies Record<string, Rule>;
