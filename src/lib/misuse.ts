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

/** Marks the error-handler factories (`server.errorHandler`, `oauth2orize.errorHandler`). */
const ERROR_HANDLER_FACTORY = Symbol.for('oauth2orize.errorHandlerFactory');

/**
 * Mark an error-handler factory, so that {@link uncalledErrorHandler} can
 * tell it mounted without the call.
 */
export function markErrorHandlerFactory(fn: Function): void {
  (fn as unknown as Record<symbol, boolean>)[ERROR_HANDLER_FACTORY] = true;
}

interface RouterLayer { handle?: unknown }
interface RouterStack { stack?: unknown }

function hasFactory(router: unknown): boolean {
  const stack = router && (typeof router === 'object' || typeof router === 'function') ? (router as RouterStack).stack : undefined;
  if (!Array.isArray(stack)) return false;
  for (const layer of stack as RouterLayer[]) {
    const handle = layer && layer.handle;
    if (typeof handle === 'function' && (handle as unknown as Record<symbol, unknown>)[ERROR_HANDLER_FACTORY] === true) return true;
  }
  return false;
}

/**
 * Whether an error-handler factory is mounted without the call on the
 * request's route or application (`app.post('/token', server.token(),
 * server.errorHandler)`). 1.x's factories have arity 1, which Express and
 * Connect never call with an error: the client would get the framework's
 * HTML error page. Reads Express's routing tables (`req.route.stack`, the
 * application router's stack, Express 4 and 5); `false` under other
 * frameworks. Called only on error paths.
 */
export function uncalledErrorHandler(req: unknown): boolean {
  const r = req as { route?: unknown; app?: { _router?: unknown; router?: unknown } } | null;
  if (!r || typeof r !== 'object') return false;
  if (hasFactory(r.route)) return true;
  const app = r.app;
  if (!app || (typeof app !== 'object' && typeof app !== 'function')) return false;
  let router: unknown;
  try {
    // Express 5 has `app.router`; Express 4 has `app._router` (and throws
    // on reading `app.router`).
    router = app._router || app.router;
  } catch {
    router = app._router;
  }
  return hasFactory(router);
}
