import type { ParamBag } from '../types.js';
import type { IssuedCallback } from '../types.js';
import { type OptionTable } from '../lib/checkOptions.js';
import { defineExchange, required, SCOPE } from './defineExchange.js';
import type { ExchangeOptions } from '../types.js';
import type { ExchangeFunction } from '../types.js';
import type { Bivariant } from '../types.js';
import { EXCHANGE_OPTIONS } from './exchangeOptions.js';
import type { DpopProof } from '../dpop/proof.js';

/**
 * Finds the DPoP key a token is bound to: the `jkt` the app stored with it
 * when it was issued (from `dpop.jkt` of `issue`'s context), or nothing
 * when it is not bound. Either `(token, client, done)` with `done(err, jkt)`
 * (three parameters), or `async ({ <token>, client, body }) => jkt` (fewer),
 * where `<token>` is `Name`: `code` or `refreshToken`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export type DpopBindingLookup<Client = any, Name extends string = string> = (
  token: string & { [K in Name]: string } & { client: Client; body: ParamBag },
  client: Client & ((err?: unknown, jkt?: string | null | false) => void),
  done: (err?: unknown, jkt?: string | null | false) => void,
) => unknown;

/** Options of {@link exchange.refreshToken}. */
export interface RefreshTokenOptions extends ExchangeOptions {
  /**
   * The `jkt` the refresh token is bound to (a public client's refresh
   * token, RFC 9449 §5), looked up before `issue` runs: `{ refreshToken,
   * client, body }`. A bound token is refused (`invalid_grant`) without a
   * proof made with that key.
   */
  dpopBinding?: DpopBindingLookup<any, 'refreshToken'>;
}

/** The context object of the Promise form of {@link exchange.refreshToken}'s `issue`. */
export interface RefreshTokenContext<Client = any> {
  /** The authenticated client (`req.user`, or the `userProperty` option). */
  client: Client;
  /** The `refresh_token` parameter. */
  refreshToken: string;
  /** The requested `scope`, split into an array; undefined when absent. */
  scope: string[] | undefined;
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
}

/**
 * `issue` callback of {@link exchange.refreshToken}, chosen by its arity as in 1.x:
 * `(client, refreshToken, done)`, then `scope`, `body` and `authInfo` before
 * `done` for arities 4 to 6, or the arity-1 form
 * `async ({ client, refreshToken, scope, body, authInfo }) => accessToken` (a string, or `{ accessToken, refreshToken?, params? }`, or falsy).
 * Each position carries every role it has in some arity, so callbacks
 * written without annotations are typed in every form.
 */
export type RefreshTokenIssue<Client = any> = Bivariant<(
  client: Client & RefreshTokenContext<Client>,
  refreshToken: string,
  scope: string[] & IssuedCallback,
  body: ParamBag & IssuedCallback,
  authInfo: IssuedCallback,
  done: IssuedCallback,
) => unknown>;

/**
 * Exchange for refreshing an access token (`grant_type=refresh_token`). The
 * app checks that the refresh token belongs to `client` and that `scope`, if
 * sent, does not exceed the original grant, then issues new tokens.
 *
 * `done(err, accessToken, refreshToken?, params?)`; a falsy token fails with
 * `invalid_grant` "Invalid refresh token".
 *
 * @example
 * ```ts
 * server.exchange(oauth2orize.exchange.refreshToken((client, refreshToken, scope, done) => {
 *   const grant = refreshTokens.rotate(refreshToken, client);
 *   if (!grant) return done(null, false);
 *   done(null, grant.accessToken, grant.refreshToken);
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function refreshToken<Client = any>(options: RefreshTokenOptions, issue: RefreshTokenIssue<Client>): ExchangeFunction<Client>;
export function refreshToken<Client = any>(issue: RefreshTokenIssue<Client>): ExchangeFunction<Client>;
export function refreshToken(options: any, issue?: any): ExchangeFunction {
  return define(options, issue);
}

const define = defineExchange({
  options: { ...EXCHANGE_OPTIONS, dpopBinding: 'function' } satisfies OptionTable<RefreshTokenOptions>,
  binding: 'refresh token',
  factory: 'refreshToken',
  grantType: 'refresh_token',
  params: [required('refresh_token', 'refreshToken'), SCOPE],
  issue: { positional: ['client', 'refreshToken'], extras: ['scope', 'body', 'authInfo'] },
  invalid: 'Invalid refresh token',
});
