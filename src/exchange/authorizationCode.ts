import { TokenError } from '../errors/tokenerror.js';
import { stringParam } from '../lib/params.js';
import type { ParamBag } from '../types.js';
import { deliverTokens } from '../lib/respond.js';
import type { IssuedCallback } from '../types.js';
import { call, once, prepare, shape, type Callback } from '../lib/callback.js';
import { type OptionTable } from '../lib/checkOptions.js';
import { defineExchange, optional, required, withResource } from './defineExchange.js';
import type { ExchangeOptions } from '../types.js';
import type { ExchangeFunction } from '../types.js';
import type { Bivariant } from '../types.js';
import { profileOf } from '../settings/profile.js';
import { clockOf } from '../settings/clock.js';
import { timeOf } from '../lib/timeOf.js';
import { checkPolicy, checkVerifier, type PkcePolicy, type PkceRecord } from '../pkce.js';
import { EXCHANGE_OPTIONS } from './exchangeOptions.js';
import type { DpopProof } from '../dpop/proof.js';
import type { DpopBindingLookup } from './refreshToken.js';
import { bindingError, dpopProofOf } from '../dpop/tokenRequest.js';

/**
 * Finds what the app stored with `code` when it was issued: an object with
 * `codeChallenge` and `codeChallengeMethod` (absent or `null` when the code
 * was issued without a challenge), typically the code's own record. Falsy
 * means the code is unknown (`invalid_grant`). Either `(code, client, done)`
 * with `done(err, record)` (a function declaring three parameters), or
 * `async ({ code, client, body }) => record` (fewer parameters; the value may
 * also be returned directly).
 */
export type PkceLookup<Client = any> = (
  code: string & { code: string; client: Client; body: ParamBag },
  client: Client & ((err?: unknown, record?: PkceRecord | null | false) => void),
  done: (err?: unknown, record?: PkceRecord | null | false) => void,
) => unknown;

/** The `pkce` option of {@link exchange.authorizationCode}. */
export interface AuthorizationCodePkceOptions<Client = any> extends PkcePolicy<Client> {
  /** Returns the challenge stored with a code; see {@link PkceLookup}. */
  lookup: PkceLookup<Client>;
}

/** Options of {@link exchange.authorizationCode}. */
export interface AuthorizationCodeOptions extends Omit<ExchangeOptions, 'scopeSeparator'> {
  /**
   * Verify `code_verifier` (RFC 7636 §4.6) before `issue` runs. The policy
   * fields default to the server's (`createServer({ pkce })` or `hardened`).
   * `false` turns verification off even when the server has a policy (the
   * app then checks `body.code_verifier` itself, as with `oauth2orize-pkce`).
   */
  pkce?: AuthorizationCodePkceOptions | false;
  /**
   * The `jkt` the code is bound to (`dpop_jkt` at authorize, `areq.dpopJkt`,
   * RFC 9449 §10), looked up before `issue` runs: `{ code, client, body }`.
   * A bound code is refused (`invalid_grant`) without a proof made with that
   * key. With `pkce.lookup`, a `dpopJkt` member of the record it returns is
   * checked the same way, without this option.
   */
  dpopBinding?: DpopBindingLookup<any, 'code'>;
}

/** The context object of the Promise form of {@link exchange.authorizationCode}'s `issue`. */
export interface AuthorizationCodeContext<Client = any> {
  /** The authenticated client (`req.user`, or the `userProperty` option). */
  client: Client;
  /** The `code` parameter. */
  code: string;
  /** The `redirect_uri` parameter; undefined when absent. */
  redirectURI: string | undefined;
  /** The request body, for parameters the exchange does not read itself. */
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
  /** The `code_verifier` sent, once verified; present only when PKCE verification ran. */
  codeVerifier?: string | undefined;
}

/**
 * `issue` callback of {@link exchange.authorizationCode}, chosen by its arity as in 1.x:
 * `(client, code, redirectURI, done)`, `(client, code, redirectURI, body, done)`,
 * `(client, code, redirectURI, body, authInfo, done)`, or the arity-1 form
 * `async ({ client, code, redirectURI, body, authInfo }) => accessToken` (a string, or `{ accessToken, refreshToken?, params? }`, or falsy).
 * Each position carries every role it has in some arity, so callbacks
 * written without annotations are typed in every form.
 */
export type AuthorizationCodeIssue<Client = any> = Bivariant<(
  client: Client & AuthorizationCodeContext<Client>,
  code: string,
  redirectURI: string | undefined,
  body: ParamBag & IssuedCallback,
  authInfo: IssuedCallback,
  done: IssuedCallback,
) => unknown>;

/**
 * Exchange for the authorization code grant (`grant_type=authorization_code`).
 * The app checks that `code` was issued to `client` for `redirectURI` (which
 * must match the one in the authorization request, when one was sent) and
 * issues tokens. Also exported as `exchange.code`.
 *
 * `done(err, accessToken, refreshToken?, params?)`; a falsy token fails with
 * `invalid_grant` "Invalid authorization code".
 *
 * PKCE: with `options.pkce.lookup`, the exchange reads `code_verifier`,
 * asks `lookup` for the `codeChallenge` / `codeChallengeMethod` the app
 * stored with the code (from `areq` in `grant.code`'s `issue`), and checks
 * them, constant-time, before `issue` runs: a wrong or missing verifier is
 * `invalid_grant`, a malformed one `invalid_request`, and a verifier sent for
 * a code issued without a challenge is `invalid_grant` (no downgrade). When
 * the server has a PKCE policy (or is hardened) and the exchange has no
 * `lookup` nor `pkce: false`, `server.exchange()` throws a `TypeError` at
 * registration (and, registered some other way, requests fail with `server_error`).
 *
 * @example With PKCE
 * ```ts
 * server.exchange(oauth2orize.exchange.code({ pkce: { lookup: async ({ code }) => codes.get(code) } },
 *   async ({ client, code, redirectURI }) => {
 *     const grant = await codes.take(code);
 *     if (!grant || grant.clientId !== client.id || grant.redirectURI !== redirectURI) return false;
 *     return { accessToken: await issueToken(grant) };
 *   }));
 * ```
 *
 * @example
 * ```ts
 * server.exchange(oauth2orize.exchange.code((client, code, redirectURI, done) => {
 *   const grant = codes.take(code);
 *   if (!grant || grant.clientId !== client.id || grant.redirectURI !== redirectURI) return done(null, false);
 *   done(null, issueToken(grant), issueRefreshToken(grant), { expires_in: 3600 });
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 */
export function authorizationCode<Client = any>(options: AuthorizationCodeOptions, issue: AuthorizationCodeIssue<Client>): ExchangeFunction<Client>;
export function authorizationCode<Client = any>(issue: AuthorizationCodeIssue<Client>): ExchangeFunction<Client>;
export function authorizationCode(options: any, issue?: any): ExchangeFunction {
  return define(options, issue);
}

/** `issue` as 1.x calls it: `(client, code, redirectURI, done)`, adding `body` (5) and `authInfo` (6). */
const ISSUE = { positional: ['client', 'code', 'redirectURI'], extras: ['body', 'authInfo'] };

/**
 * The same, once PKCE verification ran: the context object also holds the
 * verified `codeVerifier`. The values are those `defineExchange` gives
 * `issue` (`client`, the parameters with a free third place, `body`,
 * `authInfo`), then `codeVerifier`; the free third place holds the DPoP proof.
 */
const VERIFIED_VALUES = ['client', 'code', 'redirectURI', 'dpop', 'body', 'authInfo', 'codeVerifier'];
const ISSUE_VERIFIED = shape({ ...ISSUE, values: VERIFIED_VALUES, context: withResource(VERIFIED_VALUES), result: deliverTokens });

/** `lookup(code, client, done(err, record))`, or (fewer parameters) the context form `{ code, client, body }`. */
const LOOKUP = shape({ positional: ['code', 'client'], values: ['code', 'client', 'body'], contextArities: [0, 1, 2] });

/** What one authorization_code exchange keeps from its options. */
interface PkceSetup {
  /** The exchange's own `pkce` option. */
  own: AuthorizationCodePkceOptions | false | undefined;
  /** `pkce.lookup`, when given. */
  lookup: Callback | undefined;
  /** `issue`, called with the verified `codeVerifier` in its context. */
  verified: Callback;
}

const define = defineExchange<PkceSetup>({
  options: {
    userProperty: EXCHANGE_OPTIONS.userProperty,
    pkce: ['false', 'object'],
    dpopBinding: 'function',
  } satisfies OptionTable<AuthorizationCodeOptions>,
  factory: 'authorizationCode',
  grantType: 'authorization_code',
  params: [required('code'), optional('redirect_uri', 'redirectURI')],
  issue: ISSUE,
  invalid: 'Invalid authorization code',
  binding: 'authorization code',
  setup(options: AuthorizationCodeOptions, issue: Function) {
    const own = options.pkce;
    if (own) {
      checkPolicy(own, 'authorizationCode exchange');
      if (typeof own.lookup !== 'function') throw new TypeError('oauth2orize.authorizationCode exchange: pkce.lookup must be a function');
    }
    return { own, lookup: own ? prepare(LOOKUP, own.lookup) : undefined, verified: prepare(ISSUE_VERIFIED, issue) };
  },
  created(exchange, ex) {
    if (ex.state.own !== false && !ex.state.lookup) withoutPkceSetup.add(exchange);
  },
  // RFC 7636 §4.6: with a PKCE policy, `code_verifier` is checked against
  // what the app stored with the code before `issue` runs.
  proceed(ex, req, next, issued, client, code: string, redirectURI: string | undefined, _c, body) {
    const { own, lookup, verified } = ex.state;
    const serverPolicy = own === false ? undefined : (profileOf(req) || { pkce: undefined }).pkce;
    if (!own && !serverPolicy) return ex.issueTokens(issued, next, client, code, redirectURI, undefined, body, req.authInfo, req);
    // A setup error of the app, caught at registration by server.exchange();
    // here for an exchange registered some other way. A plain Error: with
    // exposeErrors off, clients see a bare server_error, not this message.
    if (!lookup) return next(Object.assign(new Error('oauth2orize: the server has a PKCE policy but exchange.code has no pkce.lookup'), { status: 500 }));
    let verifier: string | undefined;
    try {
      verifier = stringParam(body, 'code_verifier', TokenError);
    } catch (err) {
      return next(err);
    }
    const policy: PkcePolicy = { ...serverPolicy, ...own };
    const found = once((err?: unknown, record?: PkceRecord | null | false): void => {
      if (err) return next(err);
      if (!record || typeof record !== 'object') return next(new TokenError('Invalid authorization code', 'invalid_grant'));
      try {
        checkVerifier(verifier, record, policy, client);
      } catch (err) {
        return next(err);
      }
      const expired = fapi2CodeAge(req, record);
      if (expired) return next(expired);
      // RFC 9449 §10: a code issued for a `dpop_jkt` is redeemed only with that key.
      const refusal = bindingError(req, (record as { dpopJkt?: unknown }).dpopJkt, 'authorization code');
      if (refusal) return next(refusal);
      call(verified, issued, next, client, code, redirectURI, dpopProofOf(req), body, req.authInfo, verifier);
    });
    call(lookup, found, 'done', code, client, body);
  },
});

/**
 * Under the FAPI 2.0 profile, why the code is refused because of its age,
 * or `undefined`: codes live at most 60 s (FAPI 2.0 SP §5.3.2.1), counted
 * from the `issuedAt` that `pkce.lookup` hands back with the challenge, on
 * the server's clock. A record without `issuedAt` is the app's setup error
 * (a 500 whose message clients do not see on a hardened server).
 */
function fapi2CodeAge(req: unknown, record: PkceRecord): unknown {
  const profile = profileOf(req);
  const fapi2 = profile && profile.fapi2;
  if (!fapi2) return undefined;
  const issuedAt = timeOf(record.issuedAt);
  if (!Number.isFinite(issuedAt)) {
    return Object.assign(new Error('oauth2orize: under the FAPI 2.0 profile, pkce.lookup must give the code\'s issuedAt (codes live at most 60 s)'), { status: 500 });
  }
  const age = clockOf(req)() - issuedAt;
  if (age > fapi2.maxCodeLifetime * 1000) return new TokenError('Invalid authorization code: expired', 'invalid_grant');
  return undefined;
}

/** Exchanges made by {@link authorizationCode} with neither `pkce.lookup` nor `pkce: false`. */
const withoutPkceSetup = new WeakSet<object>();

/**
 * @internal Whether `fn` is a bundled authorization_code exchange that cannot
 * verify PKCE (no `pkce.lookup`, no `pkce: false`): `server.exchange()`
 * refuses it on a server with a PKCE policy.
 */
export function lacksPkceLookup(fn: unknown): boolean {
  return typeof fn === 'function' && withoutPkceSetup.has(fn);
}
