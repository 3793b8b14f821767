import { once, optionsFirst, prepare, shape, type FactoryArgs } from '../lib/callback.js';
import { writeJson } from '../lib/respond.js';
import { callWithTokenRequest } from '../lib/endpoint.js';
import type { Middleware, ParamBag } from '../types.js';
import { systemClock, type Clock } from '../settings/clock.js';
import { USER_PROPERTY } from '../settings/settings.js';
import { traced, clientAnnotator } from '../diagnostics/trace.js';
import { NON_NEGATIVE, type OptionTable } from '../lib/checkOptions.js';
import { guardErrors } from '../lib/misuse.js';
import { errorHandler } from './errorHandler.js';
import { clientIdOf } from '../lib/clientId.js';

/**
 * Options of {@link introspection}.
 *
 * @group Endpoints
 */
export interface IntrospectionOptions {
  /** The request property that holds the authenticated caller. Default `'user'` (Passport). */
  userProperty?: string;
  /**
   * Allowed clock skew, in seconds, when the library checks `exp` and `nbf`
   * in the claims the application returns. Default 0.
   */
  clockTolerance?: number;
  /**
   * Clock of the `exp` and `nbf` checks, in milliseconds since the epoch.
   * Default: the server's `clock` option (through `server.introspection()`),
   * else the system clock.
   */
  now?: () => number;
  /**
   * Let resource servers introspect (RFC 7662 §2.1): the resource
   * identifier(s) (RFC 8707 URIs) the authenticated caller stands for, or
   * nothing for a caller that is no resource server. With this option the
   * library decides who sees what: `lookup` returns the claims of any active
   * token, and the answer is `{"active": false}` unless the caller is the
   * token's own client (`client_id`, compared with {@link IntrospectionOptions.clientID})
   * or one of its resources is in the token's `aud`. Without it, `lookup`
   * decides, as before.
   *
   * @example
   * ```ts
   * // fragment
   * server.introspection({ audience: (caller) => caller.resource }, lookup);
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
   */
  audience?: (caller: any) => string | readonly string[] | undefined | null;
  /**
   * The client identifier of the authenticated caller, compared with the
   * token's `client_id` when {@link IntrospectionOptions.audience} is set.
   * Default: the caller's `id`, `clientId`, `clientID` or `client_id`.
   */
  clientID?: (caller: any) => string | undefined;
}

/**
 * Claims returned for an active token (RFC 7662 §2.2). All are optional;
 * `active` is set by the library. Times are seconds since the epoch.
 *
 * @group Endpoints
 */
export interface IntrospectionClaims {
  /** Space-separated scopes of the token. */
  scope?: string;
  /** The client the token was issued to. */
  client_id?: string;
  /** Human-readable identifier of the resource owner. */
  username?: string;
  /**
   * The token's type: `Bearer`, or `DPoP` for a token bound to a DPoP key
   * (RFC 9449 §6.2; give `cnf.jkt` with it).
   */
  token_type?: string;
  /** Expiry, in seconds since the epoch. */
  exp?: number;
  /** Issue time, in seconds since the epoch. */
  iat?: number;
  /** Not-before time, in seconds since the epoch. */
  nbf?: number;
  /** Subject: usually the resource owner's identifier. */
  sub?: string;
  /** Intended audience(s). */
  aud?: string | string[];
  /** Issuer of the token. */
  iss?: string;
  /** Identifier of the token. */
  jti?: string;
  /**
   * Confirmation of a sender-constrained token (RFC 7800): `jkt`, the JWK
   * SHA-256 thumbprint of the DPoP key the token is bound to (RFC 9449
   * §6.2), or `x5t#S256` for an mTLS-bound token (RFC 8705 §3.2). A
   * resource server's `bearer({ dpop })` checks the proof against `jkt`.
   */
  cnf?: {
    /** The JWK SHA-256 thumbprint of the DPoP key (RFC 9449 §6.1). */
    jkt?: string;
    /** The SHA-256 thumbprint of the client certificate (RFC 8705 §3.1). */
    'x5t#S256'?: string;
    [member: string]: unknown;
  };
  [claim: string]: unknown;
}

/**
 * The context object of the Promise form of an {@link IntrospectFunction}.
 *
 * @group Endpoints
 */
export interface IntrospectContext<Client = any> {
  /** The authenticated caller (a client or protected resource). */
  client: Client;
  /** The `token` parameter, a non-empty string. */
  token: string;
  /** The `token_type_hint` parameter, if sent. */
  tokenTypeHint: string | undefined;
  /** The parsed request body. */
  body: ParamBag;
}

/**
 * The `done` callback of the 1.x-style forms of an {@link IntrospectFunction}.
 *
 * @group Endpoints
 */
export type IntrospectCallback = (err?: unknown, claims?: IntrospectionClaims | false | null) => void;

/**
 * The application's lookup, chosen by its arity: `(client, token, done)`,
 * `(client, token, tokenTypeHint, done)`, `(client, token, tokenTypeHint, body, done)`,
 * or the arity-1 form `async ({ client, token, tokenTypeHint, body }) => claims | null`.
 *
 * Give the token's claims when it is active **and** `client` may learn about
 * it; give `null`/`false` for an unknown, expired or revoked token, or for
 * one the caller is not entitled to see (RFC 7662 §2.2, §4). The library
 * answers `{"active": false}` in all those cases, and also when the claims
 * carry an `exp` in the past or an `nbf` in the future.
 *
 * @group Endpoints
 */
export type IntrospectFunction<Client = any> = (
  client: Client & IntrospectContext<Client>,
  token: string,
  tokenTypeHint: (string | undefined) & IntrospectCallback,
  body: ParamBag & IntrospectCallback,
  done: IntrospectCallback,
) => unknown;

/**
 * Create the token introspection endpoint middleware (RFC 7662). It reads
 * `token` and `token_type_hint`, requires an authenticated caller, calls
 * `lookup` and answers `{"active": true, ...claims}` or `{"active": false}`
 * as JSON with `Cache-Control: no-store`. Errors go to `next` for
 * `server.errorHandler()`: `invalid_request` (400) for a missing or
 * malformed `token`, `invalid_client` (401) without an authenticated caller.
 *
 * @example
 * ```ts
 * app.post('/introspect',
 *   passport.authenticate('basic', { session: false }),
 *   server.introspection(async ({ client, token }) => {
 *     const t = await db.tokens.find(token);
 *     if (!t || t.revoked || !mayIntrospect(client, t)) return null;
 *     return { scope: t.scope.join(' '), client_id: t.clientId, sub: t.userId, exp: t.exp, token_type: 'Bearer' };
 *   }),
 *   server.errorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 * @param options introspection options (`clockTolerance`, ...)
 * @param lookup returns the token's claims when it is active and the caller may see it, else null
 *
 * @group Endpoints
 */
export function introspection<Client = any>(options: IntrospectionOptions | undefined, lookup: IntrospectFunction<Client>): Middleware;
/**
 * Create the introspection endpoint middleware with the default options.
 * @param lookup returns the token's claims when it is active and the caller may see it, else null
 *
 * @group Endpoints
 */
export function introspection<Client = any>(lookup: IntrospectFunction<Client>): Middleware;
export function introspection(options: any, lookup?: any): Middleware {
  let opts: IntrospectionOptions;
  [opts, lookup] = optionsFirst<IntrospectionOptions>(INTROSPECTION_ARGS, [options, lookup]);
  const userProperty = opts.userProperty || USER_PROPERTY;
  const tolerance = opts.clockTolerance || 0;
  const clock = opts.now || systemClock;
  const fn = prepare(LOOKUP, lookup);
  const audienceOf = opts.audience;
  const idOf = opts.clientID || clientIdOf;

  return guardErrors('introspection', traced('introspection', function introspection(req, res, next) {
    const done = once<Parameters<IntrospectCallback>>((err, claims) => {
      if (err) return next(err);
      if (audienceOf !== undefined && claims && !visible(claims, (req as unknown as ParamBag)[userProperty], audienceOf, idOf)) claims = null;
      writeJson(res, answer(claims, tolerance, clock));
    });
    callWithTokenRequest(fn, req, userProperty, next, done);
  }, clientAnnotator(userProperty)), { errorHandler: () => errorHandler() });
}

/** `lookup(client, token, done)`, adding `tokenTypeHint` (4) and `body` (5), or the context form `{ client, token, tokenTypeHint, body }`. */
const LOOKUP = shape({ positional: ['client', 'token'], extras: ['tokenTypeHint', 'body'] });

/** `(options?, lookup)`. */
/** What each option of {@link introspection} accepts. */
const INTROSPECTION_OPTIONS = { userProperty: 'string', clockTolerance: NON_NEGATIVE, now: 'function', audience: 'function', clientID: 'function' } as const satisfies OptionTable<IntrospectionOptions>;

const INTROSPECTION_ARGS: FactoryArgs = { callbacks: ['oauth2orize.introspection middleware requires a lookup function'], missing: 'function', options: { name: 'server.introspection', table: INTROSPECTION_OPTIONS } };

/**
 * Whether `caller` may see the token of `claims`: it is the token's client,
 * or a resource server named in the token's `aud`.
 */
function visible(claims: IntrospectionClaims, caller: unknown, audienceOf: NonNullable<IntrospectionOptions['audience']>, idOf: (caller: any) => string | undefined): boolean {
  const id = idOf(caller);
  if (typeof id === 'string' && id !== '' && claims.client_id === id) return true;
  const mine = audienceOf(caller);
  const theirs = claims.aud;
  if (mine === undefined || mine === null || theirs === undefined || theirs === null) return false;
  const own = typeof mine === 'string' ? [mine] : mine;
  const aud = typeof theirs === 'string' ? [theirs] : Array.isArray(theirs) ? theirs : [];
  return own.some((r) => typeof r === 'string' && r !== '' && aud.includes(r));
}

/** The response body for what the application returned. */
function answer(claims: unknown, tolerance: number, clock: Clock): Record<string, unknown> {
  if (!claims || typeof claims !== 'object') return { active: false };
  const c = claims as IntrospectionClaims;
  if (c.active === false) return { active: false };
  // Claims are in whole seconds: a token is no longer active in the second of its `exp`.
  const now = Math.floor(clock() / 1000);
  if (typeof c.exp === 'number' && c.exp + tolerance <= now) return { active: false };
  if (typeof c.nbf === 'number' && c.nbf - tolerance > now) return { active: false };
  const out: Record<string, unknown> = { active: true };
  // `__proto__` as an own key (from JSON.parse) would swap the prototype, not add a claim.
  for (const key of Object.keys(c)) if (key !== 'active' && key !== '__proto__') out[key] = c[key];
  return out;
}
