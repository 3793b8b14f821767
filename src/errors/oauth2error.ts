import type { OAuth2ErrorCode } from './codes.js';

// Declared with the table of codes and statuses; re-exported where 1.x-minded readers look.
export type { OAuth2ErrorCode };

/**
 * Extra construction options accepted by every error class in this package.
 *
 * @group Errors
 */
export interface OAuth2ErrorOptions {
  /** The underlying error, exposed as the standard `cause` property. */
  cause?: unknown;
}

/**
 * Base class of the errors this package raises for OAuth 2.0 protocol failures.
 *
 * The error handlers read only `code`, `status`, `uri` and `message`, so errors
 * from plugins that merely look like this one are rendered the same way.
 *
 * @example Fail an exchange with a custom error
 * ```ts
 * done(new OAuth2Error('Client is suspended', 'unauthorized_client', undefined, 403));
 * ```
 *
 * @group Errors
 */
export class OAuth2Error extends Error {
  /** The OAuth 2.0 error code; `server_error` when none was given. */
  code: OAuth2ErrorCode;
  /** Optional URI of a page describing the error, sent as `error_uri` (kept as given, as 1.x does). */
  uri: string | null | undefined;
  /** The HTTP status used when the error is rendered directly; 500 by default. */
  status: number;

  /**
   * @param message - Human-readable text, sent as `error_description`.
   * @param code - The OAuth 2.0 error code (default `server_error`).
   * @param uri - Optional `error_uri`.
   * @param status - HTTP status (default 500).
   * @param options - Standard error options such as `cause`.
   */
  constructor(message?: string, code?: OAuth2ErrorCode, uri?: string | null, status?: number, options?: OAuth2ErrorOptions) {
    super(message, options);
    ownMessage(this, message);
    this.name = 'OAuth2Error';
    this.code = code || 'server_error';
    this.uri = uri;
    this.status = status || 500;
  }
}

/**
 * Make `message` an own, enumerable property holding exactly what was passed,
 * as 1.x's `this.message = message` did: an error built without a message has
 * `message === undefined` (not `''`), and the message shows in
 * `JSON.stringify(err)` and `Object.keys(err)`.
 *
 * @internal
 */
export function ownMessage(err: Error, message: string | undefined): void {
  Object.defineProperty(err, 'message', { value: message, writable: true, enumerable: true, configurable: true });
}
