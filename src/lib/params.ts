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
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return undefined;
  throw new ErrorClass(`Invalid parameter: ${name} must be a string`, 'invalid_request');
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
