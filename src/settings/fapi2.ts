/**
 * The FAPI 2.0 Security Profile preset (`createServer({ profile: 'fapi2' })`):
 * the fixed values it imposes, and the checks the endpoints run through it.
 * The preset is resolved into the server's {@link Profile} (`profile.fapi2`)
 * by `profile.ts`; each endpoint reads it from the server's settings or from
 * what the request carries, so servers without the preset run none of this.
 *
 * Clauses cited as "FAPI 2.0 SP" are those of the FAPI 2.0 Security Profile
 * (OpenID Foundation, final, 2025): §5.3.2.1 (authorization servers, general:
 * sender-constrained tokens, client authentication, assertion `aud`, clock
 * skew, 60 s codes), §5.3.2.2 (flows that use the authorization endpoint:
 * PAR, `code`, PKCE, `iss`, redirects, `request_uri` lifetime), §5.4.1
 * (algorithms).
 *
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html
 */
import { TokenError } from '../errors/tokenerror.js';
import type { Profile } from './profile.js';
import type { Settings } from './settings.js';
import { DEFAULT_ALGS as DEFAULT_DPOP_ALGS, resolveDpop, type DpopSettings } from './dpop.js';

/**
 * What the FAPI 2.0 preset imposes. Read-only: the preset has no knobs; an
 * app that needs other values is not running the FAPI 2.0 profile.
 */
export interface Fapi2Settings {
  /** The one response type (FAPI 2.0 SP §5.3.2.2: "shall only support `code`"). */
  readonly responseTypes: readonly string[];
  /** Client authentication methods accepted (§5.3.2.1: mTLS per RFC 8705, or `private_key_jwt`). */
  readonly clientAuthMethods: readonly string[];
  /** JWS algorithms accepted for client assertions (§5.4.1: PS256, ES256, EdDSA with Ed25519). */
  readonly algorithms: readonly string[];
  /** Longest authorization code lifetime, in seconds (§5.3.2.1: at most 60). */
  readonly maxCodeLifetime: number;
  /** A `request_uri` must expire in less than this many seconds (§5.3.2.2: under 600). */
  readonly requestUriLifetimeBelow: number;
  /** The status of authorization response redirects (§5.3.2.2: 303 should be used; 307 never). */
  readonly redirectStatus: number;
  /** Accepted clock tolerance range for `iat`/`nbf` in the future, in seconds (§5.3.2.1: accept 0-10 s, refuse beyond 60 s). */
  readonly clockTolerance: { readonly min: number; readonly max: number };
}

/** The values of the preset. */
export const FAPI2: Fapi2Settings = Object.freeze({
  responseTypes: Object.freeze(['code']),
  clientAuthMethods: Object.freeze(['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']),
  algorithms: Object.freeze(['PS256', 'ES256', 'EdDSA', 'Ed25519']),
  maxCodeLifetime: 60,
  requestUriLifetimeBelow: 600,
  redirectStatus: 303,
  clockTolerance: Object.freeze({ min: 10, max: 60 }),
});

/** The preset of the server whose settings these are, if it runs FAPI 2.0. */
export function fapi2Of(settings: Settings): Fapi2Settings | undefined {
  return settings.profile ? settings.profile.fapi2 : undefined;
}

/**
 * Whether the server must issue only sender-constrained access tokens
 * (FAPI 2.0 SP §5.3.2.1; RFC 9449 DPoP or RFC 8705 mTLS). The preset sets
 * `profile.senderConstrained`; this is the one place that reads it.
 * `createSettings` turns DPoP on and `required` from it ({@link fapi2Dpop}).
 */
export function senderConstraintRequired(settings: Settings): boolean {
  return !!(settings.profile && settings.profile.senderConstrained);
}

/** The client authentication methods that run over mutual TLS (RFC 8705 §2). */
const MTLS_METHODS: readonly string[] = Object.freeze(['tls_client_auth', 'self_signed_tls_client_auth']);

/**
 * The DPoP settings of a FAPI 2.0 server (FAPI 2.0 SP §5.3.2.1: only
 * sender-constrained access tokens): DPoP on even when the app gave no
 * `dpop` option, proofs required, and only the §5.4.1 algorithms (the
 * app's `dpop.algs` may narrow them; a list with another alg throws, as
 * does `dpop: false` or `dpop.required: false`).
 *
 * The mTLS seam: a token request whose client authenticated over mutual TLS
 * (`req.authInfo.method` is `tls_client_auth` or
 * `self_signed_tls_client_auth`, set by `server.authenticateClient()` with
 * its `verifyCertificate` hook) needs no proof; the app binds its tokens to
 * the certificate (`cnf["x5t#S256"]`, RFC 8705 §3) in its issue callback.
 * See {@link proofExempt}.
 */
export function fapi2Dpop(fapi2: Fapi2Settings, option: unknown, resolved: DpopSettings | undefined): DpopSettings {
  const who = "oauth2orize: profile 'fapi2'";
  if (option === false) throw new TypeError(`${who} requires sender-constrained tokens: dpop cannot be false (FAPI 2.0 SP §5.3.2.1)`);
  const given = option && typeof option === 'object' ? (option as { required?: unknown; algs?: unknown }) : {};
  if (given.required === false) throw new TypeError(`${who} requires DPoP proofs: dpop.required cannot be false (FAPI 2.0 SP §5.3.2.1)`);
  const base = resolved ?? resolveDpop(true)!;
  let algs = base.algs;
  if (given.algs !== undefined) {
    const other = algs.filter((alg) => !fapi2.algorithms.includes(alg));
    if (other.length) throw new TypeError(`${who}: dpop.algs may hold only ${fapi2.algorithms.join(', ')} (not ${other.join(', ')}; FAPI 2.0 SP §5.4.1)`);
  } else {
    algs = Object.freeze(fapi2.algorithms.filter((alg) => DEFAULT_DPOP_ALGS.includes(alg)));
  }
  return { ...base, algs, required: true };
}

/**
 * Whether a token request without a DPoP proof is accepted by a FAPI 2.0
 * server: only when its client authenticated over mutual TLS, whose
 * certificate the app binds the tokens to (RFC 8705 §3).
 */
export function proofExempt(req: { authInfo?: unknown }): boolean {
  const info = req.authInfo as { method?: unknown } | null | undefined;
  const method = info && typeof info === 'object' ? info.method : undefined;
  return typeof method === 'string' && MTLS_METHODS.includes(method);
}

/**
 * Why the client that a request authenticated is refused by the preset, as
 * the error to pass on, or `undefined`: FAPI 2.0 admits only confidential
 * clients (§5.3.2.1), authenticated with `private_key_jwt` or mTLS. The
 * method is read from `req.authInfo.method`, which `server.authenticateClient()`
 * sets; other client authentication middleware must set it too.
 */
export function refusedClient(fapi2: Fapi2Settings, req: { authInfo?: unknown }): TokenError | undefined {
  const info = req.authInfo as { method?: unknown } | null | undefined;
  const method = info && typeof info === 'object' ? info.method : undefined;
  if (typeof method === 'string' && fapi2.clientAuthMethods.includes(method)) return undefined;
  return new TokenError(`Client authentication failed: this server accepts only ${fapi2.clientAuthMethods.join(', ')} (FAPI 2.0)`, 'invalid_client', null, 401);
}

/** The subset of the assertion options the preset fixes. */
export interface Fapi2AssertionOptions {
  algorithms?: readonly string[];
  clockTolerance?: number;
  strictAudience?: boolean;
}

/**
 * The client assertion options under the preset: the §5.4.1 algorithms by
 * default (a list with any other throws), `aud` the issuer only, as a
 * string (§5.3.2.1; `strictAudience`, which cannot be turned off), and a
 * clock tolerance between 10 and 60 s (§5.3.2.1: `iat`/`nbf` up to 10 s
 * ahead accepted, more than 60 s refused). Throws a `TypeError` naming `who`.
 */
export function fapi2AssertionOptions<T extends Fapi2AssertionOptions>(fapi2: Fapi2Settings, options: T, who: string): T {
  const { algorithms, clockTolerance, strictAudience } = options;
  if (algorithms !== undefined) {
    const other = algorithms.filter((alg) => !fapi2.algorithms.includes(alg));
    if (other.length) throw new TypeError(`${who}: the FAPI 2.0 profile accepts only ${fapi2.algorithms.join(', ')} (not ${other.join(', ')})`);
  }
  if (strictAudience === false) throw new TypeError(`${who}: the FAPI 2.0 profile requires strictAudience (aud is the issuer, as a string)`);
  const { min, max } = fapi2.clockTolerance;
  if (clockTolerance !== undefined && !(clockTolerance >= min && clockTolerance <= max)) {
    throw new TypeError(`${who}: under the FAPI 2.0 profile clockTolerance must be between ${min} and ${max} seconds`);
  }
  return { ...options, algorithms: algorithms ?? fapi2.algorithms.slice(), strictAudience: true };
}

/**
 * The client authentication methods a `server.authenticateClient()` of a
 * FAPI 2.0 server accepts: its `methods`, which must all be allowed
 * (a `TypeError` otherwise), or by default `private_key_jwt`.
 */
export function fapi2Methods<M extends string>(fapi2: Fapi2Settings, methods: readonly M[] | undefined, who: string): M[] {
  if (methods === undefined) return ['private_key_jwt' as M];
  const other = methods.filter((m) => !fapi2.clientAuthMethods.includes(m));
  if (other.length) throw new TypeError(`${who}: the FAPI 2.0 profile accepts only ${fapi2.clientAuthMethods.join(', ')} (not ${other.join(', ')})`);
  return methods.slice();
}

/** The `profile` option's values. */
export const PROFILE_NAMES: readonly string[] = Object.freeze(['fapi2']);

/** Whether a profile runs the preset; for code that holds a bare {@link Profile}. */
export function isFapi2(profile: Profile | undefined): boolean {
  return !!(profile && profile.fapi2);
}
