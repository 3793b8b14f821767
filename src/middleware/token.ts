import { TokenError } from '../errors/tokenerror.js';
import { stringParam, bodyOf } from '../lib/params.js';
import { bodyParsingError } from '../lib/respond.js';
import type { Server } from '../server.js';
import type { Middleware } from '../types.js';

/** Options of the token middleware. None are defined yet; kept for 1.x parity. */
export interface TokenOptions {}

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
  void options;

  return function token(req, res, next) {
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
    server._exchange(type, req, res, (err) => {
      if (err) return next(err);
      next(new TokenError('Unsupported grant type: ' + type, 'unsupported_grant_type'));
    });
  };
}
