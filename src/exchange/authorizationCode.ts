import { TokenError } from '../errors/tokenerror.js';
import { stringParam, bodyOf, type ParamBag } from '../lib/params.js';
import { bodyParsingError, deliverTokens, tokenResponder, type IssuedCallback } from '../lib/respond.js';
import { catchRejection, settle } from '../lib/async.js';
import { setupExchange, type ExchangeOptions } from '../lib/exchange.js';
import type { ExchangeFunction } from '../server.js';
import type { Bivariant } from '../types.js';

/** Options of {@link authorizationCode}. */
export type AuthorizationCodeOptions = Omit<ExchangeOptions, 'scopeSeparator'>;

/** The context object of the Promise form of {@link authorizationCode}'s `issue`. */
export interface AuthorizationCodeContext<Client = any> { client: Client; code: string; redirectURI: string | undefined; body: ParamBag; authInfo: unknown }

/**
 * `issue` callback of {@link authorizationCode}, chosen by its arity as in 1.x:
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
 * @example
 * ```ts
 * server.exchange(oauth2orize.exchange.code((client, code, redirectURI, done) => {
 *   const grant = codes.take(code);
 *   if (!grant || grant.clientId !== client.id || grant.redirectURI !== redirectURI) return done(null, false);
 *   done(null, issueToken(grant), issueRefreshToken(grant), { expires_in: 3600 });
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 */
export function authorizationCode<Client = any>(options: AuthorizationCodeOptions, issue: AuthorizationCodeIssue<Client>): ExchangeFunction<Client>;
export function authorizationCode<Client = any>(issue: AuthorizationCodeIssue<Client>): ExchangeFunction<Client>;
export function authorizationCode(options: any, issue?: any): ExchangeFunction {
  const { issue: fn, userProperty } = setupExchange<Function>('authorizationCode', options, issue);
  // A function's arity cannot change, so the calling convention is chosen once.
  const arity = fn.length;

  return function authorization_code(req, res, next) {
    const body = bodyOf(req);
    if (!body) return next(bodyParsingError());
    const client = (req as unknown as ParamBag)[userProperty];
    let code, redirectURI;
    try {
      code = stringParam(body, 'code', TokenError);
      redirectURI = stringParam(body, 'redirect_uri', TokenError);
    } catch (err) {
      return next(err);
    }
    if (!code) return next(new TokenError('Missing required parameter: code', 'invalid_request'));
    const issued = tokenResponder(res, next, 'Invalid authorization code');
    try {
      if (arity === 1) return settle(fn({ client, code, redirectURI, body, authInfo: req.authInfo }), (value) => deliverTokens(value, issued), issued);
      let returned: unknown;
      switch (arity) {
        case 6: returned = fn(client, code, redirectURI, body, req.authInfo, issued); break;
        case 5: returned = fn(client, code, redirectURI, body, issued); break;
        default: returned = fn(client, code, redirectURI, issued);
      }
      catchRejection(returned, issued, fn, (value) => deliverTokens(value, issued));
    } catch (err) {
      return next(err);
    }
  };
}
