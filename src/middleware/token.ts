import { TokenError } from '../errors/tokenerror.js';
import { stringParam, bodyOf } from '../lib/params.js';
import { bodyParsingError } from '../lib/respond.js';
import type { Server } from '../server.js';
import type { Middleware, OAuth2IncomingMessage } from '../types.js';
import { guardErrors } from '../lib/misuse.js';

/** What a token request with a JSON body and no `grant_type` is told (RFC 6749 §4.1.3 and the other grants' token requests). */
const WRONG_CONTENT_TYPE = 'token requests must be application/x-www-form-urlencoded';

/** The error for a request without `grant_type`, when one is required: the content type, when that is the reason. */
function missingGrantType(req: OAuth2IncomingMessage): TokenError {
  return new TokenError(isJson(req) ? WRONG_CONTENT_TYPE : 'Missing required parameter: grant_type', 'invalid_request');
}

/** Whether the request declares a JSON body (`application/json`, `application/*+json`). */
function isJson(req: OAuth2IncomingMessage): boolean {
  const type = req.headers && req.headers['content-type'];
  return typeof type === 'string' && /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(type);
}
import { fapi2Of, proofExempt, refusedClient } from '../settings/fapi2.js';
import { carrySettings, settingsOf } from '../settings/settings.js';
import { tokenAnnotator, traced } from '../diagnostics/trace.js';
import { checkOptions, type OptionTable } from '../lib/checkOptions.js';
import { checkRequestProof } from '../dpop/tokenRequest.js';

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

/** What each option of {@link token} accepts. */
const TOKEN_OPTIONS = { requireGrantType: 'boolean', requireClient: 'boolean', userProperty: 'string' } as const satisfies OptionTable<TokenOptions>;

/**
 * Create the token-endpoint middleware. It reads `grant_type` from the body
 * and runs the exchanges registered for it, in order. When none answers, it
 * fails with `unsupported_grant_type`; but a request without `grant_type`
 * whose body is JSON (`Content-Type: application/json`), which token
 * requests never are, fails with 400 `invalid_request` "token requests must
 * be application/x-www-form-urlencoded".
 *
 * When the first error handler after it (in its route, then in the routers
 * that hold the route) is `server.errorHandler` without the call, which
 * Express never calls with an error, it renders its errors itself, as
 * `server.errorHandler()` would; an error middleware of the app's own that
 * comes first gets them untouched.
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
  checkOptions('server.token', options, TOKEN_OPTIONS);
  const opts = options || {};
  const settings = settingsOf(server);
  const profile = settings.profile;
  const requireGrantType = opts.requireGrantType ?? (profile ? profile.requireGrantType : false);
  const requireClient = opts.requireClient ?? (profile ? profile.requireClient : false);
  const userProperty = opts.userProperty || settings.userProperty;
  // FAPI 2.0 SP §5.3.2.1: confidential clients only, with private_key_jwt or mTLS.
  const fapi2 = fapi2Of(settings);

  const endpoint = traced('token', function token(req, res, next) {
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
    if (requireGrantType && !type) return next(missingGrantType(req));
    if (requireClient && !(req as unknown as Record<string, unknown>)[userProperty]) {
      return next(new TokenError('Client authentication failed', 'invalid_client', null, 401));
    }
    if (fapi2) {
      const refused = refusedClient(fapi2, req);
      if (refused) return next(refused);
    }
    // Exchanges do not see the server; they read its settings from the request.
    carrySettings(req, settings);
    const unanswered = (err?: unknown): void => {
      if (err) return next(err);
      // A JSON body (which urlencoded parsers leave empty) would read as a
      // missing grant type: 501 "Unsupported grant type: undefined".
      if (!type && isJson(req)) return next(new TokenError(WRONG_CONTENT_TYPE, 'invalid_request'));
      next(new TokenError('Unsupported grant type: ' + type, 'unsupported_grant_type'));
    };
    if (!settings.dpop) return server._exchange(type, req, res, unanswered);
    // RFC 9449 §5: the proof is validated before any exchange runs.
    // FAPI 2.0: a client authenticated over mTLS has its tokens bound to its certificate instead.
    const exempt = fapi2 && proofExempt(req) ? false : undefined;
    checkRequestProof(settings, 'token', req, res, (err) => (err ? next(err) : server._exchange(type, req, res, unanswered)), exempt);
  }, tokenAnnotator(userProperty, settings.advertised.grantTypes));
  return guardErrors('token', endpoint, { errorHandler: () => server.errorHandler() });
}
