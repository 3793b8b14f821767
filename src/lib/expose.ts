/**
 * Which errors are internal, and what clients see of them when internal
 * messages are hidden (`exposeErrors: false`).
 */
import { AuthorizationError } from '../errors/authorizationerror.js';

/**
 * The error's `code` when it looks like an OAuth error code (lower-case
 * words joined by `_`, as RFC 6749 and its extensions define them), so that
 * system codes such as `ECONNREFUSED` or `23505` count as internal errors.
 */
export function oauthCode(code: unknown): string | undefined {
  return typeof code === 'string' && /^[a-z][a-z0-9_]*$/.test(code) ? code : undefined;
}

/** A 4xx status: the error was raised on purpose about the request, so its message is meant for the client. */
export function isClientStatus(status: unknown): boolean {
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * `err` itself when it is a protocol error (an OAuth code, or a 4xx
 * status); otherwise a bare `server_error` with no description, so that
 * nothing of an internal failure reaches the client.
 */
export function shownError(err: unknown): unknown {
  const e = (err || {}) as { code?: unknown; status?: unknown };
  if (oauthCode(e.code) || isClientStatus(e.status)) return err;
  return new AuthorizationError('', 'server_error');
}
