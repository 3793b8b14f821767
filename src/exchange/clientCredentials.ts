import type { ParamBag } from '../types.js';
import type { IssuedCallback } from '../types.js';
import { type OptionTable } from '../lib/checkOptions.js';
import { defineExchange, SCOPE } from './defineExchange.js';
import type { ExchangeOptions } from '../types.js';
import type { ExchangeFunction } from '../types.js';
import type { Bivariant } from '../types.js';
import { EXCHANGE_OPTIONS } from './exchangeOptions.js';
import type { DpopProof } from '../dpop/proof.js';

/** Options of {@link exchange.clientCredentials}. */
export type ClientCredentialsOptions = ExchangeOptions;

/** The context object of the Promise form of {@link exchange.clientCredentials}'s `issue`. */
export interface ClientCredentialsContext<Client = any> {
  /** The authenticated client (`req.user`, or the `userProperty` option). */
  client: Client;
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
 * `issue` callback of {@link exchange.clientCredentials}, chosen by its arity as in 1.x:
 * `(client, done)`, `(client, scope, done)`, `(client, scope, body, done)`,
 * `(client, scope, body, authInfo, done)`, or the arity-1 form
 * `async ({ client, scope, body, authInfo }) => accessToken` (a string, or `{ accessToken, refreshToken?, params? }`, or falsy).
 * Each position carries every role it has in some arity, so callbacks
 * written without annotations are typed in every form.
 */
export type ClientCredentialsIssue<Client = any> = Bivariant<(
  client: Client & ClientCredentialsContext<Client>,
  scope: string[] & IssuedCallback,
  body: ParamBag & IssuedCallback,
  authInfo: IssuedCallback,
  done: IssuedCallback,
) => unknown>;

/**
 * Exchange for the client credentials grant (`grant_type=client_credentials`):
 * the client, already authenticated (by Passport) and found on `req.user`,
 * gets an access token for itself.
 *
 * `done(err, accessToken, refreshToken?, params?)`; a falsy token fails with
 * `invalid_grant` "Invalid client credentials".
 *
 * @example
 * ```ts
 * server.exchange(oauth2orize.exchange.clientCredentials((client, scope, done) => {
 *   done(null, issueToken(client, scope));
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export function clientCredentials<Client = any>(options: ClientCredentialsOptions, issue: ClientCredentialsIssue<Client>): ExchangeFunction<Client>;
export function clientCredentials<Client = any>(issue: ClientCredentialsIssue<Client>): ExchangeFunction<Client>;
export function clientCredentials(options: any, issue?: any): ExchangeFunction {
  return define(options, issue);
}

const define = defineExchange({
  options: EXCHANGE_OPTIONS satisfies OptionTable<ClientCredentialsOptions>,
  factory: 'clientCredentials',
  grantType: 'client_credentials',
  params: [SCOPE],
  issue: { positional: ['client'], extras: ['scope', 'body', 'authInfo'] },
  invalid: 'Invalid client credentials',
});
