/**
 * The OAuth 2.0 error codes this package raises, and the one table of their
 * HTTP statuses. `TokenError`, `AuthorizationError` and
 * `errorHandler({ rfcStatus })` read their statuses from it;
 * `test/errors/codes.test.ts` checks that every code raised in `src/` is in
 * it and that the statuses are those 1.x gives.
 */

/**
 * The error codes this package raises: those of RFC 6749 for the
 * authorization and token endpoints, and those of the extensions it
 * implements (revocation, token exchange, the device flow, pushed
 * authorization requests, dynamic client registration). The union stays open (`string & {}`) because
 * extensions and plugins define their own codes, such as OpenID Connect's
 * `login_required`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 * @group Errors
 */
export type OAuth2ErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'unsupported_response_mode'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_request_uri'
  | 'unsupported_token_type'
  | 'invalid_target'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_token'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  // Keeps literal completion while still accepting any other string.
  | (string & {});

/** The literal members of {@link OAuth2ErrorCode}, without the open `string & {}`. */
type KnownCode<C> = C extends unknown ? (string extends C ? never : C) : never;

/** One row of {@link ERROR_CODES}. A status left out is 500, the default of every error class. */
export interface ErrorCodeRow {
  /** Where the code is defined. */
  readonly spec: string;
  /** Status of `new TokenError(message, code)` given no status: 1.x's token-endpoint table. */
  readonly token?: number;
  /** Status of `new AuthorizationError(message, code)` given no status: 1.x's authorization-endpoint table. */
  readonly authorization?: number;
  /**
   * RFC 6749's status where 1.x's tables give another: what
   * `errorHandler({ rfcStatus: true })` sends in place of the error's own.
   */
  readonly rfc?: number;
  /**
   * For codes outside 1.x's tables: the status with which this package
   * raises them. It is passed explicitly where the error is built, since the
   * classes' defaults stay 1.x's (500 for a code 1.x does not know).
   */
  readonly raised?: number;
}

/** Every code this package raises, with its statuses (see {@link ErrorCodeRow}). */
export const ERROR_CODES: { readonly [C in KnownCode<OAuth2ErrorCode>]: ErrorCodeRow } = {
  invalid_request: { spec: 'RFC 6749 §4.1.2.1, §5.2', token: 400, authorization: 400 },
  invalid_client: { spec: 'RFC 6749 §5.2', token: 401 },
  invalid_grant: { spec: 'RFC 6749 §5.2', token: 403, rfc: 400 },
  unauthorized_client: { spec: 'RFC 6749 §4.1.2.1, §5.2', token: 403, authorization: 403, rfc: 400 },
  unsupported_grant_type: { spec: 'RFC 6749 §5.2', token: 501, rfc: 400 },
  unsupported_response_type: { spec: 'RFC 6749 §4.1.2.1', authorization: 501, rfc: 400 },
  unsupported_response_mode: { spec: 'oauth2orize 1.x (response modes)', raised: 501 },
  invalid_scope: { spec: 'RFC 6749 §4.1.2.1, §5.2', token: 400, authorization: 400 },
  access_denied: { spec: 'RFC 6749 §4.1.2.1, RFC 8628 §3.5', authorization: 403 },
  server_error: { spec: 'RFC 6749 §4.1.2.1' },
  temporarily_unavailable: { spec: 'RFC 6749 §4.1.2.1', authorization: 503 },
  invalid_request_uri: { spec: 'RFC 9101, RFC 9126 §4', raised: 400 },
  unsupported_token_type: { spec: 'RFC 7009 §2.2.1', raised: 400 },
  invalid_target: { spec: 'RFC 8707 §2, RFC 8693 §2.2.2', raised: 400 },
  authorization_pending: { spec: 'RFC 8628 §3.5', raised: 400 },
  slow_down: { spec: 'RFC 8628 §3.5', raised: 400 },
  expired_token: { spec: 'RFC 8628 §3.5', raised: 400 },
  invalid_redirect_uri: { spec: 'RFC 7591 §3.2.2', raised: 400 },
  invalid_client_metadata: { spec: 'RFC 7591 §3.2.2', raised: 400 },
  invalid_token: { spec: 'RFC 6750 §3.1 (RFC 7591 §3 initial access tokens)', raised: 401 },
  invalid_dpop_proof: { spec: 'RFC 9449 §5, §7.1 (a resource server answers it with 401)', raised: 400 },
  use_dpop_nonce: { spec: 'RFC 9449 §8, §9 (a resource server answers it with 401)', raised: 400 },
};

/** One column of {@link ERROR_CODES} as a map from code to status, for the codes that have one. */
function column(name: 'token' | 'authorization' | 'rfc'): ReadonlyMap<string, number> {
  const map = new Map<string, number>();
  for (const [code, row] of Object.entries(ERROR_CODES) as [string, ErrorCodeRow][]) {
    const status = row[name];
    if (status !== undefined) map.set(code, status);
  }
  return map;
}

/**
 * Statuses `TokenError` derives from a code given no status, as 1.x does.
 * Note that RFC 6749 §5.2 asks for 400 on `invalid_grant`,
 * `unauthorized_client` and `unsupported_grant_type`; that is {@link RFC_STATUS}.
 */
export const TOKEN_STATUS = column('token');

/** Statuses `AuthorizationError` derives from a code given no status, as 1.x does. */
export const AUTHORIZATION_STATUS = column('authorization');

/** The statuses `errorHandler({ rfcStatus: true })` sends where RFC 6749 and 1.x differ. */
export const RFC_STATUS = column('rfc');
