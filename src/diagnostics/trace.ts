/**
 * Publishing on the channels from the endpoints: {@link traced} wraps an
 * endpoint's middleware once, at creation; per request it costs one check
 * of the channel's subscribers when nobody listens, and allocates nothing.
 */
import { debug } from '../lib/debug.js';
import { oauthCode } from '../lib/expose.js';
import type { Middleware, NextFunction, OAuth2IncomingMessage, OAuth2ServerResponse } from '../types.js';
import { describeClient, eventChannel, isTraced, tracingOf, userIdFor, type EndpointContext, type EndpointName, type HiddenErrorEvent, type Outcome, type Tracing } from './channels.js';

/**
 * Fills the context's descriptive fields (grant or response type, client,
 * user) when the request ends, from what the endpoint parsed and loaded.
 * Created once per endpoint, so a request allocates no closure for it.
 */
export type Annotate = (ctx: EndpointContext, req: OAuth2IncomingMessage, res: OAuth2ServerResponse) => void;

/**
 * The middleware `handler`, publishing on the endpoint's tracing channel
 * when someone listens: `start` before it runs, `end` when it returns, and
 * `error` (on failure), `asyncStart` and `asyncEnd` when the request ends:
 * it passed the request on (`next`), or the response finished or closed.
 * Keeps the handler's name and arity.
 */
export function traced(endpoint: EndpointName, handler: Middleware, annotate?: Annotate): Middleware {
  const t = tracingOf(endpoint);
  const observed = function (req: OAuth2IncomingMessage, res: OAuth2ServerResponse, next: NextFunction): void {
    if (!isTraced(t)) return handler(req, res, next);
    traceRequest(t, endpoint, handler, annotate, req, res, next);
  };
  Object.defineProperty(observed, 'name', { value: handler.name, configurable: true });
  return observed;
}

/** The OAuth error code of an error passed on; `server_error` when it has none. */
export function errorCodeOf(err: unknown): string {
  const code = err && typeof err === 'object' ? oauthCode((err as { code?: unknown }).code) : undefined;
  return code || 'server_error';
}

function outcomeOf(status: number): Outcome {
  if (status >= 400) return 'error';
  return status >= 300 ? 'redirect' : 'success';
}

function traceRequest(
  t: Tracing,
  endpoint: EndpointName,
  handler: Middleware,
  annotate: Annotate | undefined,
  req: OAuth2IncomingMessage,
  res: OAuth2ServerResponse,
  next: NextFunction,
): void {
  const ctx: EndpointContext = { endpoint };
  // Mock responses in unit tests may not be event emitters.
  const emitter = typeof res.once === 'function' && typeof res.removeListener === 'function';
  let ended = false;
  const finish = (outcome: Outcome, err: unknown): void => {
    if (ended) return;
    ended = true;
    if (emitter) {
      res.removeListener('finish', onFinish);
      res.removeListener('close', onClose);
    }
    ctx.outcome = outcome;
    if (annotate) {
      try {
        annotate(ctx, req, res);
      } catch (e) {
        debug('diagnostics: annotating %s failed: %O', endpoint, e);
      }
    }
    if (err !== undefined) {
      ctx.error = err;
      ctx.errorCode = errorCodeOf(err);
      t.error.publish(ctx);
    }
    t.asyncStart.publish(ctx);
    t.asyncEnd.publish(ctx);
  };
  const onFinish = (): void => {
    ctx.status = res.statusCode;
    finish(outcomeOf(res.statusCode), undefined);
  };
  const onClose = (): void => finish('aborted', undefined);
  if (emitter) {
    res.once('finish', onFinish);
    res.once('close', onClose);
  }
  const tracedNext = function (err?: unknown): void {
    if (err && err !== 'route' && err !== 'router') finish('error', err);
    else finish('continue', undefined);
    next(err);
  } as NextFunction;

  t.start.publish(ctx);
  try {
    handler(req, res, tracedNext);
  } catch (err) {
    finish('error', err);
    throw err;
  } finally {
    t.end.publish(ctx);
  }
}

const hidden = new WeakSet<object>();

/**
 * Make an error that the client sees only as a bare `server_error` visible
 * to the operator: logged under `DEBUG=oauth2orize`, and published on
 * `oauth2orize:error` with the original error. Each error object is
 * reported once, however many handlers hide it.
 */
export function reportHidden(err: unknown, where: HiddenErrorEvent['where']): void {
  if (err && typeof err === 'object') {
    if (hidden.has(err)) return;
    hidden.add(err);
  }
  debug('%s: hid an internal error from the client (exposeErrors: false): %O', where, err);
  const ch = eventChannel('error');
  if (ch.hasSubscribers) ch.publish({ error: err, where } satisfies HiddenErrorEvent);
}

/** Reads `req[property]`, where client authentication put the client. */
function propertyOf(req: object, property: string): unknown {
  return (req as Record<string, unknown>)[property];
}

/** An {@link Annotate} for endpoints behind client authentication: the client at `req[userProperty]`. */
export function clientAnnotator(userProperty: string): Annotate {
  return function annotateClient(ctx, req) {
    const clientId = describeClient(propertyOf(req, userProperty));
    if (clientId !== undefined) ctx.clientId = clientId;
  };
}

/**
 * An {@link Annotate} for the token endpoint: the client, and `grant_type`
 * when it is one of `registered` (a list the server keeps up to date).
 */
export function tokenAnnotator(userProperty: string, registered: readonly string[]): Annotate {
  return function annotateToken(ctx, req) {
    const clientId = describeClient(propertyOf(req, userProperty));
    if (clientId !== undefined) ctx.clientId = clientId;
    const body = req.body as Record<string, unknown> | undefined;
    const type = body && typeof body === 'object' ? body.grant_type : undefined;
    if (typeof type === 'string' && registered.includes(type)) ctx.grantType = type;
  };
}

/**
 * An {@link Annotate} for the endpoints of the authorization transaction
 * (authorize, resume, decision, device verification): its response type,
 * client and user, and `denied` when the user refused.
 */
export function transactionAnnotator(ctx: EndpointContext, req: OAuth2IncomingMessage): void {
  const txn = req.oauth2 as { client?: unknown; user?: unknown; req?: { type?: unknown }; res?: { allow?: unknown } } | undefined;
  if (!txn || typeof txn !== 'object') return;
  const type = txn.req && txn.req.type;
  if (typeof type === 'string') ctx.responseType = type;
  const clientId = describeClient(txn.client);
  if (clientId !== undefined) ctx.clientId = clientId;
  const userId = userIdFor(txn.user);
  if (userId !== undefined) ctx.userId = userId;
  if (ctx.outcome === 'redirect' && txn.res && txn.res.allow === false) ctx.outcome = 'denied';
}
