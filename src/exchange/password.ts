import { TokenError } from '../errors/tokenerror.js';
import { scopeParam, stringParam, bodyOf, type ParamBag } from '../lib/params.js';
import { bodyParsingError, deliverTokens, tokenResponder, type IssuedCallback } from '../lib/respond.js';
import { catchRejection, settle } from '../lib/async.js';
import { setupExchange, type ExchangeOptions } from '../lib/exchange.js';
import type { ExchangeFunction } from '../server.js';
import { profileOf } from '../settings/profile.js';
import type { Bivariant } from '../types.js';

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
  const { issue: fn, userProperty, separators } = setupExchange<Function>('password', options, issue);
  // A function's arity cannot change, so the calling convention is chosen once.
  const arity = fn.length;

  return function password(req, res, next) {
    const profile = profileOf(req);
    if (profile && !profile.allowPassword) return next(new TokenError('Unsupported grant type: password', 'unsupported_grant_type'));
    const body = bodyOf(req);
    if (!body) return next(bodyParsingError());
    const client = (req as unknown as ParamBag)[userProperty];
    let username, passwd, scope;
    try {
      username = stringParam(body, 'username', TokenError);
      passwd = stringParam(body, 'password', TokenError);
      if (!username) return next(new TokenError('Missing required parameter: username', 'invalid_request'));
      if (!passwd) return next(new TokenError('Missing required parameter: password', 'invalid_request'));
      scope = scopeParam(body, separators, TokenError);
    } catch (err) {
      return next(err);
    }
    const issued = tokenResponder(res, next, 'Invalid resource owner credentials');
    try {
      if (arity === 1) return settle(fn({ client, username, password: passwd, scope, body, authInfo: req.authInfo }), (value) => deliverTokens(value, issued), issued);
      let returned: unknown;
      switch (arity) {
        case 7: returned = fn(client, username, passwd, scope, body, req.authInfo, issued); break;
        case 6: returned = fn(client, username, passwd, scope, body, issued); break;
        case 5: returned = fn(client, username, passwd, scope, issued); break;
        default: returned = fn(client, username, passwd, issued);
      }
      catchRejection(returned, issued, fn, deliverTokens);
    } catch (err) {
      return next(err);
    }
  };
}
