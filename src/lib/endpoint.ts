/**
 * Small helpers shared by the endpoints and exchanges added in 2.x
 * (revocation, introspection, token exchange, JWT bearer, client assertions).
 */
import { TokenError } from '../errors/tokenerror.js';
import type { NextFunction, ParamBag } from '../types.js';
import { call, type Callback } from './callback.js';
import { bodyOf, stringParam } from './params.js';
import { bodyParsingError } from './respond.js';

/**
 * A `TokenError` with an explicit status. Codes defined after RFC 6749
 * (`invalid_target`, `unsupported_token_type`, ...) have no status in 1.x's
 * table, which would render them as 500.
 */
export function tokenError(message: string, code: string, status = 400): TokenError {
  return new TokenError(message, code, undefined, status);
}

/** The client that authenticated in front of the endpoint, or `undefined`. */
export function clientOf(req: object, userProperty: string): unknown {
  const client = (req as ParamBag)[userProperty];
  return client ? client : undefined;
}

/** The error for an endpoint that requires client authentication and got none. */
export function clientRequired(): TokenError {
  return tokenError('Client authentication required', 'invalid_client', 401);
}

/** A parameter that must be present once, as a non-empty string. */
export function requiredString(body: ParamBag, name: string): string {
  const value = stringParam(body, name, TokenError);
  if (!value) throw tokenError(`Missing required parameter: ${name}`, 'invalid_request');
  return value;
}

/** A parameter that may be absent, but when present is a non-empty string. */
export function optionalString(body: ParamBag, name: string): string | undefined {
  const value = stringParam(body, name, TokenError);
  if (value === '') throw tokenError(`Invalid parameter: ${name} must not be empty`, 'invalid_request');
  return value;
}

/**
 * A parameter that may be repeated (`resource`, `audience`): absent gives an
 * empty list; a string or an array of strings gives the list. Anything else
 * (objects, nested arrays, numbers from a JSON body) is `invalid_request`.
 */
export function repeatableString(body: ParamBag, name: string, max = 100): string[] {
  const value = body[name];
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length <= max && value.every((v) => typeof v === 'string')) return value.slice() as string[];
  throw tokenError(`Invalid parameter: ${name} must be a string, possibly repeated`, 'invalid_request');
}

/** An absolute URI (RFC 3986 §4.3: a scheme, no fragment), as token type identifiers are. */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s#]+$/;

/** True when `value` looks like an absolute URI without fragment. */
export function isAbsoluteUri(value: string): boolean {
  return ABSOLUTE_URI.test(value);
}

/** What {@link readTokenRequest} reads. */
export interface TokenRequest {
  /** The authenticated client. */
  client: unknown;
  /** The `token` parameter. */
  token: string;
  /** The `token_type_hint` parameter, if sent. */
  tokenTypeHint: string | undefined;
  /** The request body. */
  body: ParamBag;
}

/**
 * The parameters shared by revocation (RFC 7009 §2.1) and introspection
 * (RFC 7662 §2.1) requests: an authenticated client, `token` and an optional
 * `token_type_hint`. Throws the error to pass to `next`: the 1.x
 * body-parsing error, `invalid_client` (401), or `invalid_request`.
 */
export function readTokenRequest(req: object, userProperty: string): TokenRequest {
  const body = bodyOf(req);
  if (!body) throw bodyParsingError();
  const client = clientOf(req, userProperty);
  if (!client) throw clientRequired();
  const token = requiredString(body, 'token');
  const tokenTypeHint = optionalString(body, 'token_type_hint');
  return { client, token, tokenTypeHint, body };
}

/**
 * Read a revocation or introspection request and call the app's callback
 * with `(client, token, tokenTypeHint, body)`, its `done` being `done`; a
 * request that cannot be read passes its error to `next` instead.
 */
export function callWithTokenRequest(fn: Callback, req: object, userProperty: string, next: NextFunction, done: (err?: unknown, ...results: any[]) => void): void {
  let read: TokenRequest;
  try {
    read = readTokenRequest(req, userProperty);
  } catch (err) {
    return next(err);
  }
  call(fn, done, next, read.client, read.token, read.tokenTypeHint, read.body);
}
