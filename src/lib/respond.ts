import utilsMerge from 'utils-merge';
import { TokenError } from '../errors/tokenerror.js';
import { reportMisuse, type Once } from './callback.js';
import { debug } from './debug.js';
import { OAuth2Error } from '../errors/oauth2error.js';
import type { IssuedCallback, IssuedTokens, NextFunction, OAuth2ServerResponse } from '../types.js';



/**
 * Build the `done` callback handed to an exchange's `issue`. It writes the
 * RFC 6749 §5.1 token response, or passes an error on. A falsy access token
 * becomes `invalid_grant` with `invalidMessage`. Calls after the first are
 * ignored, so an application that calls `done` twice cannot write twice.
 * `token_type` is the app's, else `tokenType` (`'DPoP'` for a request with
 * a DPoP proof, RFC 9449 §5).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export function tokenResponder(res: OAuth2ServerResponse, next: NextFunction, invalidMessage: string, tokenType: string = 'Bearer'): Once<Parameters<IssuedCallback>> {
  // The guard of `once()`, written out: this runs on every token request, and
  // a direct call is cheaper than once()'s rest-parameter wrapper.
  const issued = function issued(err, accessToken, refreshToken, params) {
    if (self.called) return;
    self.called = true;
    if (err) return next(err);
    if (!accessToken) return next(new TokenError(invalidMessage, 'invalid_grant'));
    // 1.x allows `done(null, token, params)`: an object where the refresh token
    // goes is the params.
    if (refreshToken && typeof refreshToken === 'object') {
      params = refreshToken;
      refreshToken = null;
    }
    const body: Record<string, unknown> = { access_token: accessToken };
    if (refreshToken) body.refresh_token = refreshToken;
    // The app's own parameters, merged with utils-merge as 1.x does (request
    // input goes through lib/merge.ts, which skips `__proto__`).
    if (params) utilsMerge(body, params);
    if (!body.token_type) body.token_type = tokenType;
    writeJson(res, body);
  } as IssuedCallback & { called: boolean };
  // The name `issued` inside the function is the expression's own, typed without `called`.
  const self = issued;
  self.called = false;
  return issued;
}

/** Send a JSON token response with the caching headers RFC 6749 §5.1 requires. */
export function writeJson(res: OAuth2ServerResponse, body: unknown): void {
  const json = JSON.stringify(body);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.end(json);
}

/**
 * The error 1.x raises when `req.body` is missing. Its text is 1.x's (its
 * suite asserts it), though `express.bodyParser()` exists in neither
 * Express 4 nor 5: the debug log names today's parser.
 */
export function bodyParsingError(): Error {
  debug('no req.body: mount a body parser before this endpoint, such as app.use(express.urlencoded({ extended: false }))');
  return new Error('OAuth2orize requires body parsing. Did you forget app.use(express.bodyParser())?');
}



/**
 * Pass the value a context-form `issue` produced (or a positional one
 * returned or resolved without calling `done`) to its `done`: a string is
 * the access token, an object names the tokens (`{ accessToken,
 * refreshToken?, params? }`), anything falsy refuses (`invalid_grant`).
 *
 * An object with none of those three members is a mistake, not a refusal:
 * most often the token response itself (`{ access_token, expires_in }`).
 * It fails with `server_error` naming what was expected, instead of the
 * misleading `invalid_grant` a missing token would give. An object that
 * names the tokens but whose `accessToken` is falsy or absent still refuses.
 */
export function deliverTokens(value: unknown, issued: IssuedCallback): void {
  if (value && typeof value === 'object') {
    const tokens = value as IssuedTokens;
    if (!('accessToken' in tokens) && !('refreshToken' in tokens) && !('params' in tokens)) {
      return issued(shapeError('an object that names no tokens', 'a string, or { accessToken, refreshToken?, params? }', tokens, TOKEN_RENAMES));
    }
    return issued(null, tokens.accessToken, tokens.refreshToken, tokens.params);
  }
  issued(null, value as string | false | null | undefined);
}

/** Token-response names an `issue` result may carry by mistake, and what they are called there. */
export const TOKEN_RENAMES: Readonly<Record<string, string>> = { access_token: 'accessToken', refresh_token: 'refreshToken' };

/**
 * The error for an `issue` result in the wrong shape (`server_error`, 500),
 * reported through `reportMisuse` with kind `'shape'` (DEBUG and the
 * diagnostics hook). Its message says what was given, what is expected,
 * which keys look misnamed (`renames`: a wrong key and its right name) and
 * which keys the object had.
 *
 * @param got what the result was, e.g. `'an object that names no tokens'`
 * @param expected the shapes accepted, e.g. `'a string code'`
 * @param value the result
 * @param renames likely misnamed keys
 */
export function shapeError(got: string, expected: string, value: unknown, renames?: Readonly<Record<string, string>>): OAuth2Error {
  const isObject = value !== null && typeof value === 'object';
  const keys = isObject ? Object.keys(value) : [];
  const hints = renames ? keys.filter((k) => Object.prototype.hasOwnProperty.call(renames, k)).map((k) => `${k}: did you mean ${renames[k]}?`) : [];
  const hint = hints.length ? ` (${hints.join('; ')})` : '';
  const seen = isObject ? `keys: ${keys.join(', ') || 'none'}` : `a ${typeof value}`;
  const message = `issue gave ${got}${hint}; give ${expected} (got ${seen})`;
  reportMisuse('shape', undefined, message);
  return new OAuth2Error(message, 'server_error', null, 500);
}
