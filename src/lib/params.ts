/**
 * Helpers that read request parameters defensively. Extended query and body
 * parsers (`qs`, JSON) turn `a[]=1` or `{"a": {"$ne": 1}}` into arrays and
 * objects; 1.x handed those straight to application callbacks. Here they are
 * refused with an `invalid_request` error before any callback sees them.
 */

import type { ParamBag } from '../types.js';

// Declared in types.ts (it appears in public types); re-exported for the modules that
// still import it from here.
export type { ParamBag };

/** Constructor shape shared by `AuthorizationError` and `TokenError`. */
export type ProtocolErrorClass = new (message: string, code: string) => Error;

/**
 * Return the parameter when it is absent or a string. Any other type yields
 * an `invalid_request` error built with `ErrorClass`.
 */
export function stringParam(
  bag: ParamBag | undefined,
  name: string,
  ErrorClass: ProtocolErrorClass,
): string | undefined {
  // `name` is always one of this package's fixed parameter names, none of
  // which exists on Object.prototype, so a plain read is safe here; keys that
  // come from the request (transaction IDs, mode names) go through `own`.
  const value = bag === undefined || bag === null ? undefined : bag[name];
  if (typeof value === 'string') {
    if (value.length > SHORTEST_LIMIT) checkLength(name, value, ErrorClass);
    return value;
  }
  if (value === undefined || value === null) return undefined;
  throw new ErrorClass(`Invalid parameter: ${name} must be a string`, 'invalid_request');
}

/**
 * Longest value, in characters, of a request parameter not named in
 * {@link PARAMETER_LENGTHS}: `state`, `scope`, `redirect_uri`, `request_uri`,
 * `client_id`, `nonce` and the rest. Far above what real clients send (a URL
 * is seldom over 2,000 characters); it keeps one request from filling a
 * session or a store.
 */
export const MAX_PARAMETER_LENGTH = 8192;

/**
 * Parameters with a limit of their own: those that carry tokens or signed
 * request objects (which may hold certificate chains) get more room; signed
 * assertions are bounded where they are parsed; `code_challenge` is at most
 * 128 characters in any method (RFC 7636 §4.2).
 */
export const PARAMETER_LENGTHS: ReadonlyMap<string, number> = new Map([
  ['code_challenge', 128],
  // Signed assertions have their own limit, the `maxLength` option of
  // `exchange.jwtBearer` and `clientAssertion`, answered with their own errors.
  ['assertion', Infinity],
  ['client_assertion', Infinity],
  ...['subject_token', 'actor_token', 'request', 'code', 'refresh_token', 'token', 'device_code', 'id_token_hint', 'authorization_details', 'claims'].map((name) => [name, 65536] as const),
]);

/**
 * Most characters in all the parameters of one authorization request
 * (names and values), read at the authorization endpoint and when a request
 * is pushed (RFC 9126); what a pushed request or a pending transaction can
 * cost a store is bounded by it.
 */
export const MAX_REQUEST_LENGTH = 65536;

/** No limit is lower: shorter values need no look-up. */
const SHORTEST_LIMIT = 128;

/** The limit of parameter `name`. */
export function lengthLimit(name: string): number {
  const limit = PARAMETER_LENGTHS.get(name);
  return limit === undefined ? MAX_PARAMETER_LENGTH : limit;
}

/** Refuse `value` with `invalid_request` when it is longer than `name` allows. */
export function checkLength(name: string, value: string, ErrorClass: ProtocolErrorClass): void {
  const limit = lengthLimit(name);
  if (value.length > limit) throw new ErrorClass(`Invalid parameter: ${name} is too long (more than ${limit} characters)`, 'invalid_request');
}

/**
 * Check every string parameter of a parsed query or body (arrays element
 * by element) against its limit, and the sum of all names and values
 * against {@link MAX_REQUEST_LENGTH}. Returns the error to answer with, or
 * undefined. Values of other types are left to the readers, which refuse
 * them by name.
 */
export function oversizedParams(bag: unknown, ErrorClass: ProtocolErrorClass): Error | undefined {
  if (!bag || typeof bag !== 'object') return undefined;
  let total = 0;
  for (const key in bag) {
    if (!Object.prototype.hasOwnProperty.call(bag, key)) continue;
    const value = (bag as ParamBag)[key];
    total += key.length;
    if (typeof value === 'string') {
      total += value.length;
      if (value.length > SHORTEST_LIMIT && value.length > lengthLimit(key)) return tooLong(key, ErrorClass);
    } else if (Array.isArray(value)) {
      for (const v of value as unknown[]) {
        if (typeof v !== 'string') continue;
        total += v.length;
        if (v.length > SHORTEST_LIMIT && v.length > lengthLimit(key)) return tooLong(key, ErrorClass);
      }
    }
    if (total > MAX_REQUEST_LENGTH) return new ErrorClass(`Request too large: its parameters hold more than ${MAX_REQUEST_LENGTH} characters`, 'invalid_request');
  }
  return undefined;
}

function tooLong(name: string, ErrorClass: ProtocolErrorClass): Error {
  return new ErrorClass(`Invalid parameter: ${name} is too long (more than ${lengthLimit(name)} characters)`, 'invalid_request');
}

/** Read an own property only, so `__proto__` and friends are never picked up. */
export function own(bag: object, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(bag, name) ? (bag as ParamBag)[name] : undefined;
}

/**
 * Normalise the `scopeSeparator` option of the grants and exchanges into a
 * list. 1.x accepts a single separator or several, tried in order.
 */
export function separatorsOf(option: string | readonly string[] | undefined): readonly string[] {
  if (option === undefined || option === '') return [' '];
  return Array.isArray(option) ? option : [option as string];
}

/**
 * Split a scope string on the first separator that actually splits it. Some
 * deployed clients send comma-separated scopes, which the spec does not allow;
 * an application can accept them by listing `[' ', ',']`. A scope that no
 * separator splits becomes a one-element array.
 */
export function splitScope(scope: string, separators: readonly string[]): string[] {
  for (const separator of separators) {
    const parts = scope.split(separator);
    if (parts.length > 1) return parts;
  }
  return [scope];
}

/**
 * Read and split the `scope` parameter, as every grant and exchange of 1.x
 * does: absent or empty stays as it was, a non-string is refused.
 */
export function scopeParam(
  bag: ParamBag | undefined,
  separators: readonly string[],
  ErrorClass: ProtocolErrorClass,
): string[] | undefined | '' {
  const scope = bag === undefined || bag === null ? undefined : bag.scope;
  if (!scope) return scope === '' ? '' : undefined;
  if (typeof scope !== 'string') {
    throw new ErrorClass('Invalid parameter: scope must be a string', 'invalid_request');
  }
  if (scope.length > SHORTEST_LIMIT) checkLength('scope', scope, ErrorClass);
  return splitScope(scope, separators);
}

/** The content type every token request uses (RFC 6749 §4.1.3), so every app parses it. */
const FORM = /^\s*application\/x-www-form-urlencoded\s*(?:;|$)/i;

/**
 * The request's parsed body, or `undefined` when body parsing is missing.
 *
 * Express 4 always set `req.body` (to `{}` when nothing was parsed); Express 5
 * leaves it undefined when the request had no body or a content type no parser
 * accepted. Such a request from a real socket is the client's doing, so it is
 * read as an empty body and gets the same OAuth error an Express 4 app would
 * give. Only a request that really carries a form body, which any OAuth
 * server must parse, without `req.body` means the app forgot its body parser;
 * so does a hand-made request object with no socket, as in unit tests.
 */
export function bodyOf(req: { body?: unknown; headers?: Record<string, unknown>; socket?: unknown }): ParamBag | undefined {
  const body = req.body;
  if (body !== undefined && body !== null) return typeof body === 'object' ? (body as ParamBag) : EMPTY;
  const headers = req.headers;
  if (!req.socket || !headers) return undefined;
  const type = headers['content-type'];
  const length = headers['content-length'];
  const hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return hasBody && typeof type === 'string' && FORM.test(type) ? undefined : EMPTY;
}

const EMPTY: ParamBag = Object.freeze({}) as ParamBag;
