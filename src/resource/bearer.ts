/**
 * The protected resource's side of OAuth 2.0: a middleware that takes the
 * access token a request presents (RFC 6750 §2), has the app verify it,
 * checks its audience and scope, and answers failures as RFC 6750 §3 and
 * RFC 9728 §5.1 say, with a `WWW-Authenticate` challenge that points
 * clients to the resource's metadata.
 */
import { call, once, optionsFirst, prepare, shape, type FactoryArgs } from '../lib/callback.js';
import { NON_NEGATIVE, STRINGS, type OptionTable } from '../lib/checkOptions.js';
import { bodyOf } from '../lib/params.js';
import { systemClock } from '../settings/clock.js';
import { traced } from '../diagnostics/trace.js';
import type { Middleware, NextFunction, OAuth2IncomingMessage, OAuth2ServerResponse, ParamBag } from '../types.js';
import { protectedResourceMetadataURL } from './protectedResourceMetadata.js';
import { checkResourceURL } from './resourceURL.js';
import { BEARER, DPOP, SCHEMES, TOKEN68, type Presented, type TokenScheme } from './schemes.js';
import { boundJkt, checkResourceProof, resolveResourceDpop, type BearerDpopOptions } from './dpop.js';
import type { DpopProof } from '../dpop/proof.js';

/**
 * What the app's `verify` returns for an active token: the claims of an
 * introspection response (RFC 7662 §2.2), or of a JWT access token
 * (RFC 9068). Times are seconds since the epoch.
 *
 * @group Resource servers
 */
export interface BearerTokenInfo {
  /** `false` for a token that is not active; absent or `true` otherwise. */
  active?: boolean;
  /** The client the token was issued to. */
  client_id?: string;
  /** The resource owner, or the client for a client-credentials token. */
  sub?: string;
  /** The token's scopes: space-separated (as RFC 7662 sends them) or a list. */
  scope?: string | readonly string[];
  /** The audience(s): the resources the token is for (RFC 8707). */
  aud?: string | readonly string[];
  /** Expiry, in seconds since the epoch. */
  exp?: number;
  /** Not-before time, in seconds since the epoch. */
  nbf?: number;
  /** Confirmation claim of a sender-constrained token (`jkt` for DPoP, `x5t#S256` for mTLS). */
  cnf?: Record<string, unknown>;
  /** Issuer of the token. */
  iss?: string;
  [claim: string]: unknown;
}

/**
 * What the middleware sets as `req.auth`: the shape the MCP TypeScript SDK
 * reads (`AuthInfo`), so its request handlers see the caller.
 *
 * @group Resource servers
 */
export interface BearerAuth {
  /** The access token as presented. */
  token: string;
  /** `client_id` of the token; `''` when it has none. */
  clientId: string;
  /** The token's scopes. */
  scopes: string[];
  /** Expiry, in seconds since the epoch, when the token has one. */
  expiresAt?: number;
  /** The resource this middleware protects (its `resource` option), when set. */
  resource?: URL;
  /** Everything `verify` returned, `sub` included. */
  extra: Record<string, unknown>;
}

/**
 * Options of {@link bearer}.
 *
 * @group Resource servers
 */
export interface BearerOptions {
  /**
   * The identifier of the protected resource (RFC 8707, RFC 9728): an
   * `https` URL (`http` on localhost only) without fragment. Tokens whose
   * `aud` does not include it are refused (`invalid_token`), and
   * challenges point to its metadata.
   */
  resource?: string;
  /**
   * URL of the resource's metadata, sent as `resource_metadata` in
   * challenges. Default: {@link protectedResourceMetadataURL}`(resource)`
   * when `resource` is set. `false` leaves it out.
   */
  resourceMetadata?: string | false;
  /** Sent as `realm` in challenges, when set. */
  realm?: string;
  /**
   * Scopes every request must have (all of them), else `insufficient_scope`
   * (403). See also {@link requireScope} for per-route scopes.
   */
  scopes?: readonly string[];
  /**
   * Check the token's `aud` against `resource`. Default `true` when
   * `resource` is set. `false` leaves the audience to `verify`.
   */
  checkAudience?: boolean;
  /**
   * Also accept the token as the `access_token` parameter of a
   * form-encoded body (RFC 6750 §2.2). Default `false`: the `Authorization`
   * header only. The query parameter (§2.3) is never accepted.
   */
  allowBody?: boolean;
  /** Allowed clock skew, in seconds, for `exp` and `nbf`. Default 0. */
  clockTolerance?: number;
  /** Clock, in milliseconds since the epoch. Default: the system clock. */
  now?: () => number;
  /**
   * Accept DPoP-bound tokens (RFC 9449 §7): `Authorization: DPoP <token>`
   * with a `DPoP` proof, checked with `ath` and against the token's
   * `cnf.jkt`. `true` takes the defaults; see {@link BearerDpopOptions}.
   * Default `false`. A token whose info has `cnf.jkt` is refused as
   * `Bearer` with or without this option.
   */
  dpop?: boolean | BearerDpopOptions;
}

/**
 * The app's check of a token, chosen by its arity: `async (token) => info`
 * (or `null`/`false` for an unknown, expired or revoked token), or
 * `(token, done)`, or `(token, req, done)` with `done(err, info)`. Use
 * introspection, a JWT library, or the app's own token store. An error (a
 * rejected Promise) goes to `next`: the store failed, it is not the
 * client's fault.
 *
 * @group Resource servers
 */
export type BearerVerify = (
  token: string,
  req: OAuth2IncomingMessage & ((err?: unknown, info?: BearerTokenInfo | null | false) => void),
  done: (err?: unknown, info?: BearerTokenInfo | null | false) => void,
) => unknown;

/** `verify(token)` returning its result, `(token, done)`, `(token, req, done)`. */
const VERIFY = shape({ positional: ['token'], extras: ['req'], context: false, contextArities: [0, 1], beyond: 'longest' });

const OPTIONS = {
  resource: 'string',
  resourceMetadata: ['string', 'false'],
  realm: 'string',
  scopes: STRINGS,
  checkAudience: 'boolean',
  allowBody: 'boolean',
  clockTolerance: NON_NEGATIVE,
  now: 'function',
  dpop: ['boolean', 'object'],
} as const satisfies OptionTable<BearerOptions>;

const ARGS: FactoryArgs = {
  callbacks: ['oauth2orize.bearer middleware requires a verify function'],
  missing: 'function',
  options: { name: 'oauth2orize.bearer', table: OPTIONS },
};

/** Tokens longer than this are refused without calling `verify`. */
const MAX_TOKEN_LENGTH = 8192;

/** What the middleware keeps on a request it let through. */
interface Verified {
  info: BearerTokenInfo;
  scopes: string[];
  challenge: Challenge;
}

/** The parameters every challenge of one middleware carries. */
interface Challenge {
  schemes: readonly TokenScheme[];
  realm: string | undefined;
  resourceMetadata: string | undefined;
  /** The `algs` parameter of the `DPoP` challenge (RFC 9449 §7.1). */
  algs?: string;
}

const verified = new WeakMap<object, Verified>();

/**
 * The claims `verify` gave for the token of `req`, once {@link bearer} let
 * it through; `undefined` before that. Typed, unlike `req.auth`.
 *
 * @param req the request
 * @group Resource servers
 */
export function bearerTokenInfo(req: object): BearerTokenInfo | undefined {
  const v = verified.get(req);
  return v ? v.info : undefined;
}

/**
 * Create the middleware that protects a resource with bearer tokens
 * (RFC 6750). It reads the token from the `Authorization` header (and from
 * a form body's `access_token` with `allowBody`), calls `verify`, checks
 * that the token is active, not expired, meant for `resource` and carries
 * `scopes`, sets `req.auth` (see {@link BearerAuth}) and calls `next()`.
 * Otherwise it answers itself, with `WWW-Authenticate: Bearer` carrying
 * `realm`, `resource_metadata` (RFC 9728 §5.1), `error`,
 * `error_description` and `scope`:
 *
 * - no credentials: 401, with no `error` (RFC 6750 §3.1);
 * - `invalid_request` (400): a malformed header, a token in the query, a
 *   token sent two ways;
 * - `invalid_token` (401): unknown, inactive, expired or for another audience;
 * - `insufficient_scope` (403): a required scope is missing.
 *
 * Publishes on the `bearer` tracing channel.
 *
 * @example
 * ```ts
 * // fragment
 * const RESOURCE = 'https://api.example.com/mcp';
 * app.post('/mcp', oauth2orize.bearer({ resource: RESOURCE, scopes: ['tools'] }, async (token) => tokens.introspect(token)), mcpHandler);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 * @param options the resource, required scopes, challenge parameters
 * @param verify the app's check of a token
 * @group Resource servers
 */
export function bearer(options: BearerOptions, verify: BearerVerify): Middleware;
/**
 * Create the bearer middleware with no audience or scope requirement.
 * @param verify the app's check of a token
 * @group Resource servers
 */
export function bearer(verify: BearerVerify): Middleware;
export function bearer(first: unknown, second?: unknown): Middleware {
  const [opts, fn] = optionsFirst<BearerOptions>(ARGS, [first, second]);
  const resource = opts.resource === undefined ? undefined : checkResourceURL(opts.resource, 'oauth2orize.bearer');
  const resourceURL = resource === undefined ? undefined : new URL(resource);
  const metadataURL = opts.resourceMetadata === false ? undefined : opts.resourceMetadata ?? (resource && protectedResourceMetadataURL(resource));
  const clock = opts.now || systemClock;
  const dpop = resolveResourceDpop(opts.dpop, clock);
  const schemes = dpop ? (dpop.required ? [DPOP] : [BEARER, DPOP]) : [BEARER];
  const challenge: Challenge = { schemes, realm: opts.realm, resourceMetadata: metadataURL };
  if (dpop) challenge.algs = dpop.algs.join(' ');
  const required = opts.scopes ? opts.scopes.slice() : [];
  const checkAudience = resource !== undefined && opts.checkAudience !== false;
  const tolerance = opts.clockTolerance || 0;
  const allowBody = !!opts.allowBody;
  const check = prepare(VERIFY, fn as Function);

  return traced('bearer', function bearer(req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next: NextFunction) {
    const found = present(req, allowBody, schemes);
    if (found === undefined) return refuse(res, challenge, 401);
    if (typeof found === 'string') return refuse(res, challenge, 400, 'invalid_request', found);
    const scheme = SCHEMES.get(found.scheme.toLowerCase())!;
    let proof: DpopProof | undefined;
    const done = once((err?: unknown, info?: BearerTokenInfo | null | false): void => {
      if (err) return next(err);
      if (!info || typeof info !== 'object' || info.active === false) return refuse(res, challenge, 401, 'invalid_token', 'The access token is invalid', undefined, scheme);
      const now = Math.floor(clock() / 1000);
      if (typeof info.exp === 'number' && info.exp + tolerance <= now) return refuse(res, challenge, 401, 'invalid_token', 'The access token expired', undefined, scheme);
      if (typeof info.nbf === 'number' && info.nbf - tolerance > now) return refuse(res, challenge, 401, 'invalid_token', 'The access token is not valid yet', undefined, scheme);
      if (checkAudience && !audienceIncludes(info.aud, resource!)) {
        return refuse(res, challenge, 401, 'invalid_token', 'The access token is not meant for this resource', undefined, scheme);
      }
      // RFC 9449 §7.1, §7.2: a DPoP-bound token needs a proof by its key, and is never a bearer token.
      const jkt = boundJkt(info as Record<string, unknown>);
      if (proof) {
        if (jkt === undefined) return refuse(res, challenge, 401, 'invalid_token', 'The access token is not bound to a DPoP key', undefined, scheme);
        if (jkt !== proof.jkt) return refuse(res, challenge, 401, 'invalid_token', 'The access token is bound to another key than the DPoP proof', undefined, scheme);
      } else if (jkt !== undefined) {
        return refuse(res, challenge, 401, 'invalid_token', 'A DPoP-bound access token must be presented with the DPoP scheme and a proof', undefined, scheme);
      }
      if (scheme.check) {
        const problem = scheme.check(req, found, info as Record<string, unknown>);
        if (problem) return refuse(res, challenge, 401, 'invalid_token', problem, undefined, scheme);
      }
      const scopes = scopesOf(info.scope);
      const missing = required.filter((s) => !scopes.includes(s));
      if (missing.length) return refuse(res, challenge, 403, 'insufficient_scope', 'The access token lacks a required scope', required, scheme);
      verified.set(req, { info, scopes, challenge });
      const auth: BearerAuth = {
        token: found.token,
        clientId: typeof info.client_id === 'string' ? info.client_id : '',
        scopes,
        extra: { ...info },
      };
      if (typeof info.exp === 'number') auth.expiresAt = info.exp;
      if (resourceURL) auth.resource = new URL(resourceURL.href);
      (req as unknown as { auth?: BearerAuth }).auth = auth;
      // RFC 9449 §9: a fresh nonce with each answer, so the next proof can carry it.
      if (proof && dpop && dpop.nonces) res.setHeader('DPoP-Nonce', dpop.nonces.current());
      next();
    });
    if (scheme !== DPOP || !dpop) return call(check, done, next, found.token, req);
    // The proof is checked before the token, so that a request without a usable proof costs no lookup.
    checkResourceProof(req, found.token, dpop, clock).then((outcome) => {
      if ('refused' in outcome) {
        if (outcome.nonce !== undefined) res.setHeader('DPoP-Nonce', outcome.nonce);
        return refuse(res, challenge, 401, outcome.refused, outcome.description, undefined, DPOP);
      }
      proof = outcome.proof;
      call(check, done, next, found.token, req);
    }, next);
  });
}

/**
 * Middleware that requires scopes of the token {@link bearer} let through
 * (all of them), for routes that need more than the bearer middleware's own
 * `scopes`: `insufficient_scope` (403) otherwise, with the same challenge
 * parameters. Mount it after `bearer`; without it, the request gets a 401.
 *
 * @example
 * ```ts
 * // fragment
 * app.post('/admin', protect, oauth2orize.requireScope('admin'), handler);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @param scopes the scopes required
 * @group Resource servers
 */
export function requireScope(...scopes: string[]): Middleware {
  if (!scopes.length || !scopes.every((s) => typeof s === 'string' && s !== '')) {
    throw new TypeError('oauth2orize.requireScope requires one or more scope names');
  }
  return function requireScope(req, res, next) {
    const v = verified.get(req);
    if (!v) return refuse(res, { schemes: [SCHEMES.get('bearer')!], realm: undefined, resourceMetadata: undefined }, 401);
    if (!scopes.every((s) => v.scopes.includes(s))) {
      return refuse(res, v.challenge, 403, 'insufficient_scope', 'The access token lacks a required scope', scopes);
    }
    next();
  };
}

/**
 * The credentials of a request: what a scheme found, `undefined` when there
 * are none, or the description of an `invalid_request`.
 */
function present(req: OAuth2IncomingMessage, allowBody: boolean, schemes: readonly TokenScheme[]): Presented | string | undefined {
  const headers = (req.headers || {}) as Record<string, unknown>;
  const header = headers.authorization;
  const query = (req as unknown as { query?: ParamBag }).query;
  if (query && typeof query === 'object' && Object.prototype.hasOwnProperty.call(query, 'access_token')) {
    return 'Access tokens are not accepted in the query';
  }
  let fromBody: string | undefined;
  if (allowBody && isForm(headers['content-type'])) {
    const body = bodyOf(req as never);
    const value = body && Object.prototype.hasOwnProperty.call(body, 'access_token') ? body.access_token : undefined;
    if (value !== undefined) {
      if (typeof value !== 'string' || value === '') return 'The access_token parameter must be one string';
      fromBody = value;
    }
  }
  let fromHeader: Presented | undefined;
  if (typeof header === 'string' && header !== '') {
    const space = header.indexOf(' ');
    const name = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const scheme = SCHEMES.get(name);
    if (scheme && schemes.includes(scheme)) {
      const token = space < 0 ? '' : header.slice(space + 1).trim();
      if (!token) return 'The Authorization header has no token';
      if (token.length > MAX_TOKEN_LENGTH || !TOKEN68.test(token)) return 'The Authorization header is malformed';
      fromHeader = { scheme: scheme.name, token, method: 'header' };
    }
  } else if (header !== undefined && typeof header !== 'string') {
    return 'The Authorization header is malformed';
  }
  if (fromHeader && fromBody !== undefined) return 'The access token was sent more than one way';
  if (fromHeader) return fromHeader;
  if (fromBody !== undefined) {
    if (fromBody.length > MAX_TOKEN_LENGTH) return 'The access_token parameter is too long';
    if (!schemes.includes(BEARER)) return 'The access token must be sent with the DPoP scheme';
    return { scheme: 'Bearer', token: fromBody, method: 'body' };
  }
  return undefined;
}

function isForm(type: unknown): boolean {
  return typeof type === 'string' && /^\s*application\/x-www-form-urlencoded\s*(?:;|$)/i.test(type);
}

function audienceIncludes(aud: BearerTokenInfo['aud'], resource: string): boolean {
  if (typeof aud === 'string') return aud === resource;
  return Array.isArray(aud) && aud.includes(resource);
}

function scopesOf(scope: BearerTokenInfo['scope']): string[] {
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

/** RFC 6750 §3: quoted-string values keep to printable ASCII without `"` and `\`. */
function quoted(value: string): string {
  return '"' + value.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '') + '"';
}

/**
 * The challenge of one scheme (RFC 6750 §3): its parameters, then `error`,
 * `error_description` and `scope` for a failed request.
 */
function challengeOf(scheme: string, challenge: Challenge, error?: string, description?: string, scope?: readonly string[]): string {
  const params: string[] = [];
  if (challenge.realm !== undefined) params.push('realm=' + quoted(challenge.realm));
  if (challenge.resourceMetadata !== undefined) params.push('resource_metadata=' + quoted(challenge.resourceMetadata));
  if (scheme === DPOP.name && challenge.algs !== undefined) params.push('algs=' + quoted(challenge.algs));
  if (error) params.push('error=' + quoted(error));
  if (description) params.push('error_description=' + quoted(description));
  if (scope && scope.length) params.push('scope=' + quoted(scope.join(' ')));
  return params.length ? `${scheme} ${params.join(', ')}` : scheme;
}

/**
 * Answer a refused request: the status, one challenge per scheme, and a JSON
 * body for a failure. With `used`, the error goes in that scheme's challenge
 * only (the other schemes are listed bare); else in each.
 */
function refuse(res: OAuth2ServerResponse, challenge: Challenge, status: number, error?: string, description?: string, scope?: readonly string[], used?: TokenScheme): void {
  const values = challenge.schemes.map((s) => (used && s !== used ? challengeOf(s.name, challenge) : challengeOf(s.name, challenge, error, description, scope)));
  res.statusCode = status;
  res.setHeader('WWW-Authenticate', values.length === 1 ? values[0]! : values);
  res.setHeader('Cache-Control', 'no-store');
  if (!error) {
    res.setHeader('Content-Length', 0);
    return void res.end();
  }
  const body: Record<string, unknown> = { error, error_description: description };
  if (scope && scope.length) body.scope = scope.join(' ');
  const json = JSON.stringify(body);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
