import { OAuth2Error, type OAuth2ErrorOptions } from './oauth2error.js';
import { AUTHORIZATION_STATUS, type OAuth2ErrorCode } from './codes.js';

/**
 * An error raised while processing a request at the authorization endpoint.
 *
 * When no status is given it is derived from the code, as in 1.x:
 * `invalid_request` 400, `unauthorized_client` 403, `access_denied` 403,
 * `unsupported_response_type` 501, `invalid_scope` 400,
 * `temporarily_unavailable` 503, anything else 500.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 *
 * @group Errors
 */
export class AuthorizationError extends OAuth2Error {
  /**
   * @example
   * ```ts
   * done(new AuthorizationError('Unknown client', 'unauthorized_client'));
   * ```
   * @param message - Human-readable text, sent as `error_description`.
   * @param code - The OAuth 2.0 error code, e.g. `invalid_request` or `access_denied` (default `server_error`).
   * @param uri - Optional `error_uri`.
   * @param status - HTTP status; by default derived from `code` as listed above.
   * @param options - Standard error options such as `cause`.
   */
  constructor(message?: string, code?: OAuth2ErrorCode, uri?: string | null, status?: number, options?: OAuth2ErrorOptions) {
    super(message, code, uri, status || (code !== undefined && AUTHORIZATION_STATUS.get(code)) || undefined, options);
    this.name = 'AuthorizationError';
  }
}
