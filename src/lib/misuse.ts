/**
 * Detects a middleware factory that was handed to a router itself instead of
 * being called, e.g. `app.use(server.errorHandler)` or
 * `server.exchange(oauth2orize.exchange.password)`. The router then calls the
 * factory with `(req, res, next)` (or `(err, req, res, next)`); without this
 * check the factory would build a middleware nobody runs, and the request
 * would hang with nothing logged.
 */
import type { NextFunction } from '../types.js';

/** Looks like a `node:http` request: a method, headers and a URL. */
function isRequest(value: unknown): boolean {
  const v = value as { method?: unknown; headers?: unknown; url?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.method === 'string' && typeof v.headers === 'object' && typeof v.url === 'string';
}

/** Looks like a `node:http` response. */
function isResponse(value: unknown): boolean {
  const v = value as { setHeader?: unknown; end?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.setHeader === 'function' && typeof v.end === 'function';
}

/** The error passed on when a factory is used as middleware. */
export function misuseError(name: string): TypeError {
  return new TypeError(`oauth2orize: ${name} is a factory, not a middleware: call it, as in app.use(${name}())`);
}

/**
 * Whether `args` are a router's error-middleware call `(err, req, res, next)`:
 * an error handler factory mounted uncalled (`server.errorHandler` without
 * `()`), which has arity 4 so that Express and Connect treat it as error
 * middleware, and which then renders the error itself.
 */
export function calledAsErrorMiddleware(args: ArrayLike<unknown>): boolean {
  return args.length >= 4 && isRequest(args[1]) && isResponse(args[2]) && typeof args[3] === 'function';
}

/**
 * When `args` are a router's `(req, res, next)` or `(err, req, res, next)`,
 * pass a {@link misuseError} to `next` (or throw it when there is no `next`)
 * and return `true`; otherwise return `false`.
 */
export function usedAsMiddleware(name: string, args: ArrayLike<unknown>): boolean {
  for (let i = 0; i <= 1; i++) {
    if (isRequest(args[i]) && isResponse(args[i + 1])) {
      const next = args[i + 2];
      if (typeof next !== 'function') throw misuseError(name);
      (next as NextFunction)(misuseError(name));
      return true;
    }
  }
  return false;
}

/**
 * Throw a {@link misuseError} when a factory's first two arguments are a
 * router's `(req, res)`: an exchange factory registered itself
 * (`server.exchange(oauth2orize.exchange.password)`), which the token
 * endpoint calls with `(req, res, next)` and whose throw reaches `next`.
 */
export function throwIfRouterCall(name: string, first: unknown, second: unknown): void {
  const req = first as { method?: unknown; headers?: unknown } | null;
  if (typeof req === 'object' && req !== null && typeof req.method === 'string' && typeof req.headers === 'object' && isResponse(second)) {
    throw misuseError(name);
  }
}

/** What a factory returns after {@link usedAsMiddleware}: a middleware that passes the same error on. */
export function misusedMiddleware(name: string): (...args: unknown[]) => void {
  return (...args: unknown[]): void => {
    const next = args[args.length - 1];
    if (typeof next === 'function') (next as NextFunction)(misuseError(name));
  };
}
