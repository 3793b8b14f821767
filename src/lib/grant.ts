import { AuthorizationError } from '../errors/authorizationerror.js';
import { own, scopeParam, separatorsOf, stringParam, type ParamBag } from './params.js';
import type { GrantErrorHandler, SyncRequestParser } from '../server.js';
import type { OAuth2IncomingMessage, OAuth2Transaction, ResponseMode, ResponseModes } from '../types.js';

/** Options shared by the bundled grants. */
export interface GrantOptions {
  /**
   * Separator(s) used to split the `scope` parameter: a string, or a list
   * tried in order (the first that splits wins). Default `' '`.
   */
  scopeSeparator?: string | readonly string[];
  /**
   * Response modes the grant may answer in, added to (or replacing) its
   * default one, e.g. `{ form_post: formPost }`.
   */
  modes?: ResponseModes;
}

/**
 * The request parser of the `code` and `token` grants: reads `client_id`,
 * `redirect_uri`, `scope` and `state` from the query.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export function authorizationParser(scopeSeparator: GrantOptions['scopeSeparator']): SyncRequestParser {
  const separators = separatorsOf(scopeSeparator);
  return function request(req: OAuth2IncomingMessage) {
    const q = (req.query || {}) as ParamBag;
    const clientID = own(q, 'client_id');
    if (!clientID) throw new AuthorizationError('Missing required parameter: client_id', 'invalid_request');
    if (typeof clientID !== 'string') {
      throw new AuthorizationError('Invalid parameter: client_id must be a string', 'invalid_request');
    }
    return {
      clientID,
      redirectURI: stringParam(q, 'redirect_uri', AuthorizationError),
      scope: scopeParam(q, separators, AuthorizationError),
      state: stringParam(q, 'state', AuthorizationError),
    };
  };
}

/**
 * Merge the app's `modes` with the grant's default mode, and return a lookup
 * that ignores inherited keys.
 */
export function modeTable(defaultName: string, defaultMode: ResponseMode, modes: ResponseModes | undefined): (name: string) => ResponseMode | undefined {
  const table: ResponseModes = { ...modes };
  if (!table[defaultName]) table[defaultName] = defaultMode;
  return (name) => (Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined);
}

/** The response mode a transaction asks for, or the grant's default. */
export function modeOf(txn: OAuth2Transaction<any, any>, fallback: string): string {
  return (txn.req && txn.req.responseMode) || fallback;
}

/**
 * Find the response mode for `txn`, and check that it can answer. Returns
 * the error to pass on when it cannot.
 */
export function pickMode(
  txn: OAuth2Transaction<any, any>,
  fallback: string,
  lookup: (name: string) => ResponseMode | undefined,
): { respond: ResponseMode; error?: undefined } | { respond?: undefined; error: unknown } {
  const mode = modeOf(txn, fallback);
  const respond = lookup(mode);
  if (!respond) {
    return { error: new AuthorizationError('Unsupported response mode: ' + mode, 'unsupported_response_mode', null, 501) };
  }
  if (respond.validate) {
    try {
      respond.validate(txn);
    } catch (err) {
      return { error: err };
    }
  }
  return { respond };
}

/**
 * The `error` phase of the bundled grants: send the error to the client in
 * the transaction's response mode, or pass it on when that is impossible.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export function grantErrorHandler(fallback: string, lookup: (name: string) => ResponseMode | undefined): GrantErrorHandler {
  return function errorHandler(err, txn, res, next) {
    const picked = pickMode(txn, fallback, lookup);
    if (!picked.respond) return next(err);
    const e = err || {};
    const params: Record<string, unknown> = { error: e.code || 'server_error' };
    if (e.message) params.error_description = e.message;
    if (e.uri) params.error_uri = e.uri;
    if (txn.req && txn.req.state) params.state = txn.req.state;
    picked.respond(txn, res, params);
  };
}

/** The redirect sent when the user denies access. */
export function deniedParams(txn: OAuth2Transaction<any, any>): Record<string, unknown> {
  const params: Record<string, unknown> = { error: 'access_denied' };
  if (txn.req && txn.req.state) params.state = txn.req.state;
  return params;
}

/** Split a grant factory's `(options?, issue, extra?)` arguments. */
export function grantArgs<I, X>(options: unknown, issue: unknown, extra: unknown): [GrantOptions, I | undefined, X | undefined] {
  if (typeof options === 'function') return [{}, options as I, issue as X];
  return [(options || {}) as GrantOptions, issue as I, extra as X];
}
