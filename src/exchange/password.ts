import { TokenError } from '../errors/tokenerror.js';
import type { ParamBag } from '../types.js';
import type { IssuedCallback } from '../types.js';
import { type OptionTable } from '../lib/checkOptions.js';
import { defineExchange, required, SCOPE } from './defineExchange.js';
import type { ExchangeOptions } from '../types.js';
import type { ExchangeFunction } from '../types.js';
import { profileOf } from '../settings/profile.js';
import type { Bivariant } from '../types.js';
import { EXCHANGE_OPTIONS } from './exchangeOptions.js';
import type { DpopProof } from '../dpop/proof.js';

/** Options of {@link exchange.password}. */
export type PasswordOptions = ExchangeOptions;

/** The context object of the Promise form of {@link exchange.password}'s `issue`. */
export interface PasswordContext<Client = any> {
  /** The authenticated client (`req.user`, or the `userProperty` option). */
  client: Client;
  /** The `username` parameter. */
  username: string;
  /** The `password` parameter. */
  password: string;
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
 * `issue` callback of {@link exchange.password}, chosen by its arity as in 1.x:
 * `(client, username, password, done)`, then `scope`, `body` and `authInfo`
 * before `done` for arities 5 to 7, or the arity-1 form
 * `async ({ client, username, password, scope, body, authInfo }) => accessToken` (a string, or `{ accessToken, refreshToken?, params? }`, or falsy).
 * Each position carries every role it has in some arity, so callbacks
 * written without annotations are typed in every form.
 */
export type PasswordIssue<Client = any> = Bivariant<(
  client: Client & PasswordContext<Client>,
  username: string,
  password: string,
  scope: string[] & IssuedCallback,
  body: ParamBag & IssuedCallback,
  authInfo: IssuedCallback,
  done: IssuedCallback,
) => unknown>;

/**
 * Exchange for the resource owner password credentials grant
 * (`grant_type=password`). The app checks the user's credentials and issues
 * tokens to `client`.
 *
 * `done(err, accessToken, refreshToken?, params?)`; a falsy token fails with
 * `invalid_grant` "Invalid resource owner credentials".
 *
 * Under the hardened profile (`createServer({ hardened: true })`) every
 * request fails with `unsupported_grant_type` unless
 * `hardened: { allowPassword: true }`: RFC 9700 §2.4 says it MUST NOT be used.
 *
 * @example
 * ```ts
 * server.exchange(oauth2orize.exchange.password((client, username, password, scope, done) => {
 *   const user = users.verify(username, password);
 *   if (!user) return done(null, false);
 *   done(null, issueToken(client, user, scope));
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3
 */
export function password<Client = any>(options: PasswordOptions, issue: PasswordIssue<Client>): ExchangeFunction<Client>;
export function password<Client = any>(issue: PasswordIssue<Client>): ExchangeFunction<Client>;
export function password(options: any, issue?: any): ExchangeFunction {
  return define(options, issue);
}

const define = defineExchange({
  options: EXCHANGE_OPTIONS satisfies OptionTable<PasswordOptions>,
  factory: 'password',
  grantType: 'password',
  // RFC 9700 §2.4: the hardened profile refuses the grant unless it allows it.
  gate(req) {
    const profile = profileOf(req);
    if (profile && !profile.allowPassword) return new TokenError('Unsupported grant type: password', 'unsupported_grant_type');
  },
  params: [required('username'), required('password'), SCOPE],
  issue: { positional: ['client', 'username', 'password'], extras: ['scope', 'body', 'authInfo'] },
  invalid: 'Invalid resource owner credentials',
});
