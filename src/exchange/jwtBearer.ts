import { TokenError } from '../errors/tokenerror.js';
import type { DpopProof } from '../dpop/proof.js';
import type { ParamBag } from '../types.js';
import type { IssuedCallback } from '../types.js';
import { once } from '../lib/callback.js';
import { POSITIVE_INTEGER, type OptionTable } from '../lib/checkOptions.js';
import { resourcesOf } from '../lib/resource.js';
import { defineExchange, required, SCOPE } from './defineExchange.js';
import type { ExchangeOptions } from '../types.js';
import { clientRequired } from '../lib/endpoint.js';
import { MAX_JWS_LENGTH, parseCompactJws } from '../lib/jws.js';
import {
  ASSERTION_OPTION_RULES, acceptedAudiences, assertionPolicy, checkAlgorithm, checkAudience, checkJti, checkTimes, isDeliberate, replayTtl,
  type AssertionPolicy,
} from '../lib/assertionPolicy.js';
import type { CompactJws } from '../types.js';
import type { ExchangeFunction } from '../types.js';
import { checkIssuer, profileOf } from '../settings/profile.js';
import { clockOf } from '../settings/clock.js';
import { MemoryReplayStore, type ReplayStore } from '../stores/replay.js';
import { EXCHANGE_OPTIONS } from './exchangeOptions.js';

/** The grant type of RFC 7523 §2.1. */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Options of {@link jwtBearer}. */
export interface JwtBearerOptions extends ExchangeOptions {
  /**
   * Refuse requests without an authenticated client (`invalid_client`, 401).
   * Default `false`: RFC 7523 §3.1 lets the grant be used without client authentication.
   */
  requireClient?: boolean;
  /** Longest accepted assertion, in characters. Default 16384. */
  maxLength?: number;
  /**
   * Accepted `alg` header values, checked before `issue`. Default: the
   * asymmetric ones, `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`,
   * `ES256`, `ES384`, `ES512`, `EdDSA`, `Ed25519`. `none` is never accepted.
   */
  algorithms?: string[];
  /**
   * The issuer identifier of this server. Default: the `issuer` option of
   * the server the exchange is registered on. `aud` must name it, or the URL
   * of the token endpoint the request reached (its origin and the request's
   * path), or a value of `audience`.
   */
  issuer?: string;
  /**
   * Further accepted `aud` values. `false`: the library does not check
   * `aud`, and `issue` must. With no issuer known and no `audience`, every
   * request fails (a server error naming this option), rather than accept
   * assertions made for another server.
   */
  audience?: string | string[] | false;
  /**
   * Longest accepted time from now to `exp`, in seconds. Default 3600 (one
   * hour, as service-account assertions commonly last).
   */
  maxLifetime?: number;
  /** Allowed clock skew, in seconds, for `exp`, `nbf` and `iat`. Default 30. */
  clockTolerance?: number;
  /**
   * The clock, in milliseconds since the epoch. Default: the server's
   * `clock` option, else `Date.now()`.
   */
  now?: () => number;
  /**
   * Where used `jti` values are remembered (per `iss`), until the assertion
   * expires: an assertion grants once. Default a {@link MemoryReplayStore}
   * of this exchange (one process; several instances share a
   * {@link RedisReplayStore}). `false`: no replay check, and `jti` is optional.
   */
  replay?: ReplayStore | false;
}

/** The context object of the Promise form of {@link jwtBearer}'s `issue`. */
export interface JwtBearerContext<Client = any> {
  /** The authenticated client, if any. */
  client: Client | undefined;
  /** The `assertion` parameter: a well-formed compact JWS, **not verified**. */
  assertion: string;
  /** Its decoded header, unverified (`alg` is a string other than `none`). */
  header: Record<string, unknown>;
  /** Its decoded claims, unverified: use them to find the key, then verify. */
  claims: Record<string, unknown>;
  /** The requested `scope`, split into an array; undefined when absent. */
  scope: string[] | undefined;
  /** The request body. */
  body: ParamBag;
  /** What the client authentication strategy passed as `info` (`req.authInfo`). */
  authInfo: unknown;
  /**
   * The request's `resource` values (RFC 8707), checked: absolute URIs
   * without fragment, in request order; `[]` when none. The positional
   * forms read them with `requestedResources(body)`.
   */
  resource: string[];
  /** The request's DPoP proof (with the key's thumbprint `jkt`), when the server validated one. */
  dpop: DpopProof | undefined;
}

/**
 * `issue` callback of {@link jwtBearer}, chosen by its arity:
 * `(client, assertion, done)`, `(client, assertion, scope, done)`,
 * `(client, assertion, scope, body, done)`, `(client, assertion, scope, body, authInfo, done)`,
 * or the arity-1 form `async ({ client, assertion, header, claims, scope, body, authInfo }) => accessToken`.
 *
 * The app verifies the signature with the issuer's key and checks the claims
 * as RFC 7523 §3 requires (`iss`, `sub`, `aud` naming this server, `exp`,
 * and `jti` replay when it wants), then issues. A falsy token answers
 * `invalid_grant`, and so does an error thrown by `jose` (`ERR_JW...` codes).
 */
export type JwtBearerIssue<Client = any> = (
  client: Client & JwtBearerContext<Client>,
  assertion: string,
  scope: (string[] | undefined) & IssuedCallback,
  body: ParamBag & IssuedCallback,
  authInfo: IssuedCallback,
  done: IssuedCallback,
) => unknown;

/**
 * Exchange for the JWT bearer authorization grant (RFC 7523 §2.1),
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`. Before the app
 * sees it, the library checks:
 *
 * - `assertion` present, sent once (`invalid_request`), and a well-formed
 *   compact JWS;
 * - `alg` in `algorithms` (default: asymmetric algorithms only);
 * - `iss` and `sub` present;
 * - `exp` present, not past and at most `maxLifetime` ahead (default one
 *   hour); `nbf` and `iat`, when present, not ahead; with `clockTolerance`
 *   (default 30 s) on the server's clock;
 * - `aud` names this server: its issuer identifier, the token endpoint URL,
 *   or a value of `audience`;
 * - `jti` present, unless `replay` is `false`.
 *
 * Each refusal is `invalid_grant`. The app verifies the signature and
 * issues; any error it throws or rejects with (a `jose` error, an unsupported
 * `alg`, a `crit` header, a key of the wrong type) is `invalid_grant`
 * `Invalid assertion`, with the error as `cause`, unless it is an
 * `OAuth2Error` raised on purpose. Once `issue` gave a token, the `jti` is
 * recorded in the `replay` store; a `jti` already recorded is refused
 * (`invalid_grant`) and the token is not sent. Recording only verified
 * assertions keeps forged ones from filling the store; the cost is that
 * `issue` runs for a replayed assertion, whose token is then discarded.
 *
 * Earlier 2.0 releases left all but the shape to `issue`, and passed its
 * errors other than `jose`'s on as they were (a 500). `audience: false`,
 * `replay: false` and a wider `algorithms` give the old checks back; `exp`
 * (required by RFC 7523 §3) stays required. Register with
 * `server.exchange(fn)`: the function is named after the grant type.
 *
 * @example
 * ```ts
 * import { jwtVerify } from 'jose';
 * server.exchange(oauth2orize.exchange.jwtBearer(async ({ assertion, claims, scope }) => {
 *   const key = await trustedIssuers.keyFor(claims.iss);
 *   if (!key) return null;
 *   const { payload } = await jwtVerify(assertion, key, { issuer: String(claims.iss) });
 *   return tokens.issue(payload.sub, scope);
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @param options JWT bearer options (`issuer`, `audience`, `algorithms`, `maxLifetime`, `replay`, `requireClient`, ...)
 * @param issue verifies the assertion and issues the token
 */
export function jwtBearer<Client = any>(options: JwtBearerOptions, issue: JwtBearerIssue<Client>): ExchangeFunction;
/**
 * Create the JWT bearer grant with the default options.
 * @param issue verifies the assertion and issues the token
 */
export function jwtBearer<Client = any>(issue: JwtBearerIssue<Client>): ExchangeFunction;
export function jwtBearer(options: any, issue?: any): ExchangeFunction {
  return define(options, issue);
}

interface JwtBearerState {
  requireClient: boolean;
  maxLength: number;
  policy: AssertionPolicy;
  replay: ReplayStore | undefined;
}

const WHO = 'oauth2orize.jwtBearer';

/** `invalid_grant` for a refused check. */
function refuse(reason: string | undefined): void {
  if (reason !== undefined) throw new TokenError('Invalid assertion: ' + reason, 'invalid_grant');
}

function setup(options: JwtBearerOptions): JwtBearerState {
  let replay: ReplayStore | undefined;
  if (options.replay === undefined) replay = new MemoryReplayStore({ now: options.now });
  else if (options.replay === false) replay = undefined;
  else replay = options.replay;
  return {
    requireClient: options.requireClient === true,
    maxLength: options.maxLength || MAX_JWS_LENGTH,
    policy: assertionPolicy(WHO, options, 3600, checkIssuer),
    replay,
  };
}

const define = defineExchange<JwtBearerState>({
  options: {
    ...EXCHANGE_OPTIONS,
    requireClient: 'boolean',
    maxLength: POSITIVE_INTEGER,
    ...ASSERTION_OPTION_RULES,
  } satisfies OptionTable<JwtBearerOptions>,
  factory: 'jwtBearer',
  grantType: JWT_BEARER_GRANT_TYPE,
  setup,
  client(client, ex) {
    if (ex.state.requireClient && !client) throw clientRequired();
    return client ? client : undefined;
  },
  params: [
    required('assertion'),
    {
      as: 'jws',
      read(_body, ex, assertion: string): CompactJws {
        const parsed = parseCompactJws(assertion, ex.state.maxLength);
        if (typeof parsed === 'string') throw new TokenError('Invalid assertion: ' + parsed, 'invalid_grant');
        refuse(checkAlgorithm(parsed.header, ex.state.policy));
        return parsed;
      },
    },
    SCOPE,
  ],
  issue: {
    positional: ['client', 'assertion'],
    extras: ['scope', 'body', 'authInfo'],
    context: (client, assertion, jws: CompactJws, scope, body, authInfo) => ({ client, assertion, header: jws.header, claims: jws.claims, scope, body, authInfo, resource: resourcesOf(body, TokenError) }),
  },
  invalid: 'Invalid assertion',
  proceed(ex, req, next, issued, client, assertion, jws: CompactJws, scope, body) {
    const { policy, replay } = ex.state;
    const { claims } = jws;
    let now: number;
    try {
      if (typeof claims.iss !== 'string' || !claims.iss) refuse('iss is required');
      if (typeof claims.sub !== 'string' || !claims.sub) refuse('sub is required');
      now = Math.floor((policy.now || clockOf(req))() / 1000);
      refuse(checkTimes(claims, now, policy));
      if (policy.audience !== false) {
        const accepted = acceptedAudiences(policy, policy.issuer ?? profileOf(req)?.issuer, req);
        if (accepted.length === 0) {
          throw new Error(`${WHO} needs to know this server to check aud: give the server an issuer option, or the exchange an issuer or audience option (audience: false leaves aud to issue)`);
        }
        refuse(checkAudience(claims.aud, accepted));
      }
      if (replay) refuse(checkJti(claims.jti));
    } catch (err) {
      return next(err);
    }
    const finish = once<Parameters<IssuedCallback>>((err, accessToken, ...rest) => {
      if (err) {
        return issued(isDeliberate(err) ? err : new TokenError('Invalid assertion', 'invalid_grant', undefined, undefined, { cause: err }));
      }
      // A falsy token is the app's refusal; the responder answers it.
      if (!accessToken || !replay) return issued(null, accessToken, ...rest);
      const key = JSON.stringify(['jwt-bearer', claims.iss, claims.jti]);
      let claim: Promise<boolean>;
      try {
        claim = Promise.resolve(replay.claimOnce(key, replayTtl(claims.exp as number, now, policy)));
      } catch (e) {
        return issued(e);
      }
      claim.then(
        (fresh) => (fresh ? issued(null, accessToken, ...rest) : issued(new TokenError('Invalid assertion: jti already used', 'invalid_grant'))),
        (e) => issued(e),
      );
    });
    // A synchronous throw of `issue` is its failure too, unless it came after `done`.
    ex.issueTokens(finish, (err) => (finish.called ? next(err) : finish(err)), client, assertion, jws, scope, body, req.authInfo, req);
  },
});
