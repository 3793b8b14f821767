import { OAuth2Error, type OAuth2ErrorOptions } from './oauth2error.js';
import { TOKEN_STATUS, type OAuth2ErrorCode } from './codes.js';

/**
 * An error raised while exchanging a grant at the token endpoint.
 *
 * When no status is given it is derived from the code, as in 1.x:
 * `invalid_request` 400, `invalid_client` 401, `invalid_grant` 403,
 * `unauthorized_client` 403, `unsupported_grant_type` 501, `invalid_scope`
 * 400, anything else 500.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 *
 * @group Errors
 */
export class TokenError extends OAuth2Error {
  /**
   * @example
   * ```ts
   * done(new TokenError('Client is not allowed this grant', 'unauthorized_client'));
   * ```
   * @param message - Human-readable text, sent as `error_description`.
   * @param code - The OAuth 2.0 error code, e.g. `invalid_grant` (default `server_error`).
   * @param uri - Optional `error_uri`.
   * @param status - HTTP status; by default derived from `code` as listed above.
   * @param options - Standard error options such as `cause`.
   */
  constructor(message?: string, code?: OAuth2ErrorCode, uri?: string | null, status?: number, options?: OAuth2ErrorOptions) {
    super(message, code, uri, status || (code !== undefined && TOKEN_STATUS.get(code)) || undefined, options);
    this.name = 'TokenError';
  }
}
