import { TokenError } from '../errors/tokenerror.js';
import { stringParam, bodyOf } from '../lib/params.js';
import { bodyParsingError } from '../lib/respond.js';
import type { Server } from '../server.js';
import type { Middleware } from '../types.js';
import { carrySettings, settingsOf } from '../settings/settings.js';
import { tokenAnnotator, traced } from '../diagnostics/trace.js';

/**
 * Options of the token middleware. Each defaults to the server's setting (on when hardened).
 *
 * @group Core 1.x
 */
export interface TokenOptions {
  /**
   * Answer a request without `grant_type` with 400 `invalid_request`, before
   * any exchange runs. 1.x runs the `'*'` exchanges and then fails with
   * `unsupported_grant_type` "Unsupported grant type: undefined" (501).
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
   */
  requireGrantType?: boolean;
  /**
   * Refuse, with 401 `invalid_client`, a request on which no client was
   * authenticated (`req[userProperty]` unset), so that no exchange can issue
   * tokens to `undefined` when client authentication is missing or
   * misconfigured. Public clients must still be identified (e.g. by
   * passport-oauth2-client-public) before the token middleware.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2.1
   */
  requireClient?: boolean;
  /** Where `requireClient` looks for the client. Default `'user'`, like the exchanges. */
  userProperty?: string;
}

/**
 * Create the token-endpoint middleware. It reads `grant_type` from the body
 * and runs the exchanges registered for it, in order. When none answers, it
 * fails with `unsupported_grant_type`.
 *
 * Mount it after client authentication and a body parser, and follow it with
 * `server.errorHandler()`.
 *
 * @example
 * ```ts
 * app.post('/token',
 *   passport.authenticate(['basic', 'oauth2-client-password'], { session: false }),
 *   server.token(),
 *   server.errorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export function token(server: Server<any, any>, options?: TokenOptions): Middleware {
  if (!server) throw new TypeError('oauth2orize.token middleware requires a server argument');
  const opts = options || {};
  const settings = settingsOf(server);
  const profile = settings.profile;
  const requireGrantType = opts.requireGrantType ?? (profile ? profile.requireGrantType : false);
  const requireClient = opts.requireClient ?? (profile ? profile.requireClient : false);
  const userProperty = opts.userProperty || settings.userProperty;

  return traced('token', function token(req, res, next) {
    // 1.x reads `req.body.grant_type` and throws a TypeError when no body
    // parser ran; Express 5 leaves `req.body` undefined in that case.
    const body = bodyOf(req);
    if (!body) return next(bodyParsingError());
    let type: string | undefined;
    try {
      type = stringParam(body, 'grant_type', TokenError);
    } catch (err) {
      return next(err);
    }
    if (requireGrantType && !type) return next(new TokenError('Missing required parameter: grant_type', 'invalid_request'));
    if (requireClient && !(req as unknown as Record<string, unknown>)[userProperty]) {
      return next(new TokenError('Client authentication failed', 'invalid_client', null, 401));
    }
    // Exchanges do not see the server; they read its settings from the request.
    carrySettings(req, settings);
    server._exchange(type, req, res, (err) => {
      if (err) return next(err);
      next(new TokenError('Unsupported grant type: ' + type, 'unsupported_grant_type'));
    });
  }, tokenAnnotator(userProperty, settings.advertised.grantTypes));
}
