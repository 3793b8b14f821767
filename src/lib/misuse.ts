/**
 * Detects a middleware factory that was handed to a router itself instead of
 * being called, e.g. `app.use(server.errorHandler)` or
 * `server.exchange(oauth2orize.exchange.password)`. The router then calls the
 * factory with `(req, res, next)` (or `(err, req, res, next)`); without this
 * check the factory would build a middleware nobody runs, and the request
 * would hang with nothing logged.
 */
import type { NextFunction } from '../types.js';
import { debug } from './debug.js';

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

/**
 * Marks the error-handler factories: `'errorHandler'` for
 * `server.errorHandler` and `oauth2orize.errorHandler`,
 * `'authorizationErrorHandler'` for `server.authorizationErrorHandler`.
 */
const ERROR_HANDLER_FACTORY = Symbol.for('oauth2orize.errorHandlerFactory');

/** Which error-handler factory was mounted without the call. */
export type ErrorHandlerKind = 'errorHandler' | 'authorizationErrorHandler';

/**
 * Mark an error-handler factory, so that {@link guardErrors} can tell it
 * mounted without the call. Its `length` is not changed (1.x's is 1).
 */
export function markErrorHandlerFactory(fn: Function, kind: ErrorHandlerKind = 'errorHandler'): void {
  (fn as unknown as Record<symbol, ErrorHandlerKind>)[ERROR_HANDLER_FACTORY] = kind;
}

type ErrorFn = (err: unknown, req: any, res: any, next: NextFunction) => void;

/** What renders an endpoint's error in place of each kind of uncalled factory. */
export type ErrorRenderers = Partial<Record<ErrorHandlerKind, () => ErrorFn | ErrorFn[]>>;

interface RouterLayer { handle?: unknown; route?: unknown }

function stackOf(holder: unknown): RouterLayer[] | undefined {
  const stack = holder && (typeof holder === 'object' || typeof holder === 'function') ? (holder as { stack?: unknown }).stack : undefined;
  return Array.isArray(stack) ? (stack as RouterLayer[]) : undefined;
}

function kindOf(handle: unknown): ErrorHandlerKind | undefined {
  return typeof handle === 'function' ? (handle as unknown as Record<symbol, ErrorHandlerKind | undefined>)[ERROR_HANDLER_FACTORY] : undefined;
}

/**
 * The first layer after `from` that an error would reach: an error
 * middleware (arity 4) the app wrote (`null`: leave the error to it), or an
 * uncalled factory (its kind). `undefined` when there is neither.
 */
function nextErrorLayer(stack: RouterLayer[], from: number): ErrorHandlerKind | null | undefined {
  for (let j = from; j < stack.length; j++) {
    const handle = stack[j] && stack[j].handle;
    if (typeof handle !== 'function') continue;
    const kind = kindOf(handle);
    if (kind) return kind;
    if (handle.length === 4) return null;
  }
  return undefined;
}

/**
 * Where `target` (an endpoint's mounted middleware, or the request's route)
 * sits in `stack`, searched through nested routers: `found` and what the
 * error meets after it, in the innermost stack first, then outwards.
 */
function search(stack: RouterLayer[], target: unknown, route: unknown, depth: number): { found: boolean; next?: ErrorHandlerKind | null } {
  for (let i = 0; i < stack.length; i++) {
    const layer = stack[i];
    if (!layer) continue;
    let found = false;
    let next: ErrorHandlerKind | null | undefined;
    if (layer.handle === target || (route !== undefined && layer.route === route)) {
      found = true;
      const inner = layer.route === route ? stackOf(route) : undefined;
      if (inner) {
        const at = inner.findIndex((l) => l && l.handle === target);
        if (at >= 0) next = nextErrorLayer(inner, at + 1);
      }
    } else if (depth < 8 && !layer.route) {
      const inner = stackOf(layer.handle);
      if (inner) {
        const r = search(inner, target, route, depth + 1);
        found = r.found;
        next = r.next;
      }
    }
    if (found) return { found, next: next !== undefined ? next : nextErrorLayer(stack, i + 1) };
  }
  return { found: false };
}

/**
 * Which uncalled error-handler factory an error passed on by `target` would
 * meet first, after `target`, in the request's route and the routers that
 * hold it (Express 4's `app._router`, Express 5's `app.router`). `undefined`
 * when an error middleware the app wrote comes first, when there is none,
 * and under other frameworks.
 */
export function uncalledErrorHandler(req: unknown, target: unknown): ErrorHandlerKind | undefined {
  const r = req as { route?: unknown; app?: { _router?: unknown; router?: unknown } } | null;
  if (!r || typeof r !== 'object') return undefined;
  const route = r.route && typeof r.route === 'object' ? r.route : undefined;
  const app = r.app;
  let router: unknown;
  if (app && (typeof app === 'object' || typeof app === 'function')) {
    try {
      // Express 5 has `app.router`; Express 4 has `app._router` (and throws
      // on reading `app.router`).
      router = app._router || app.router;
    } catch {
      router = app._router;
    }
  }
  const stack = stackOf(router);
  if (stack) {
    const r2 = search(stack, target, route, 0);
    if (r2.found) return r2.next || undefined;
  }
  // A route the application's router does not hold (a router used on its own).
  const inner = stackOf(route);
  if (inner) {
    const at = inner.findIndex((l) => l && l.handle === target);
    if (at >= 0) return nextErrorLayer(inner, at + 1) || undefined;
  }
  return undefined;
}

const RENDERERS = Symbol('oauth2orize.errorRenderers');

/**
 * Wrap an endpoint so that an error it passes on is rendered here when the
 * first error handler it would meet is a factory mounted without the call
 * (`app.post('/token', server.token(), server.errorHandler)`). Express and
 * Connect never call those (arity 1) with an error, so the client would get
 * the framework's HTML error page. Otherwise the error goes to `next`,
 * untouched. Only the error path reads the routing tables.
 *
 * @param endpoint the endpoint's name, for the debug log
 * @param mw the endpoint middleware
 * @param renderers what renders the error for each kind of factory
 */
export function guardErrors<M extends (req: any, res: any, next: NextFunction) => void>(endpoint: string, mw: M, renderers: ErrorRenderers): M {
  const guarded = function (req: any, res: any, next: NextFunction): void {
    mw(req, res, function (err?: unknown) {
      if (err === undefined || err === null || err === 'route' || err === 'router') return next(err as undefined);
      const kind = uncalledErrorHandler(req, guarded);
      const render = kind && (guarded as unknown as Record<symbol, ErrorRenderers>)[RENDERERS][kind];
      if (!kind || !render) return next(err);
      const name = kind === 'errorHandler' ? 'server.errorHandler' : 'server.authorizationErrorHandler';
      debug('%s is mounted without the call after the %s endpoint, and Express never calls it with an error: the endpoint renders the error itself; write %s()', name, endpoint, name);
      const chain = render();
      const list = Array.isArray(chain) ? chain : [chain];
      let i = 0;
      const step = (e: unknown): void => {
        const fn = list[i++];
        if (!fn) return next(e);
        fn(e, req, res, step);
      };
      step(err);
    });
  } as M;
  Object.defineProperty(guarded, 'name', { value: mw.name, configurable: true });
  (guarded as unknown as Record<symbol, ErrorRenderers>)[RENDERERS] = renderers;
  return guarded;
}

/**
 * Replace the renderers of a middleware built by {@link guardErrors}: the
 * server's methods hand their standalone factories' endpoints the server's
 * own error handler (its profile, its issuer).
 */
export function setErrorRenderers(mw: unknown, renderers: ErrorRenderers): void {
  if (typeof mw === 'function' && (mw as unknown as Record<symbol, unknown>)[RENDERERS]) {
    (mw as unknown as Record<symbol, ErrorRenderers>)[RENDERERS] = renderers;
  }
}
