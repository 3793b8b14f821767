import { optionsFirst, once, type FactoryArgs } from '../lib/callback.js';
import { debug } from '../lib/debug.js';
import { tokenError } from '../lib/endpoint.js';
import { bodyOf } from '../lib/params.js';
import { bodyParsingError } from '../lib/respond.js';
import type { TokenError } from '../errors/tokenerror.js';
import type { Middleware, OAuth2IncomingMessage, OAuth2ServerResponse, ParamBag } from '../types.js';
import { Attempt } from './attempt.js';
import { acceptedMethods, compile, guardedEndpoints } from './config.js';
import { present, reasonOf, type Presented } from './credentials.js';
import { describeClient, isObserved, publishEvent, type ClientAuthFailedEvent, type ThrottledEvent } from '../diagnostics/channels.js';
import { authMethodsMetadata } from './methods.js';
import type { AuthenticateClientOptions, ClientAuthInfo, LookupClientFunction } from './options.js';
import type { ClientThrottle, ThrottleDecision } from './throttle.js';
import { KeyedQueue } from './serial.js';

/** `(options?, lookup)`. */
const AUTHENTICATE_CLIENT_ARGS: FactoryArgs = {
  misuse: 'oauth2orize.authenticateClient',
  callbacks: ['oauth2orize.authenticateClient middleware requires a lookup function'],
  missing: 'function',
};

/** The request's source address: Express's `req.ip` (which follows `trust proxy`), else the socket's. */
function addressOf(req: OAuth2IncomingMessage): string {
  const ip = (req as { ip?: unknown }).ip;
  if (typeof ip === 'string' && ip) return ip;
  const socket = req.socket as { remoteAddress?: unknown } | undefined;
  return socket && typeof socket.remoteAddress === 'string' ? socket.remoteAddress : '';
}

/** An error of a failed client authentication: the ones a throttle counts. */
function isAuthFailure(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as { code?: unknown }).code === 'invalid_client';
}

/**
 * The 429 of a throttled attempt (RFC 6585 §4), with its `Retry-After` set
 * on the response, published on `oauth2orize:throttled` when someone listens.
 */
function throttled(res: OAuth2ServerResponse, retryAfter: number, clientId: string | undefined): TokenError {
  const seconds = Math.max(1, Math.ceil(Number(retryAfter) || 1));
  if (!res.headersSent) res.setHeader('Retry-After', String(seconds));
  if (isObserved('throttled')) {
    const event: ThrottledEvent = { retryAfter: seconds };
    const described = describeClient(clientId);
    if (described !== undefined) event.clientId = described;
    publishEvent('throttled', event);
  }
  return tokenError(`Too many failed client authentications; retry in ${seconds} seconds`, 'temporarily_unavailable', 429);
}

/**
 * Create middleware that authenticates the client at the token endpoint
 * and the other endpoints clients call directly (pushed authorization,
 * device authorization, revocation, introspection), with the methods of
 * RFC 6749 §2.3, RFC 7523 §2.2 and RFC 8705. On success it sets the client
 * where the 1.x exchanges find it, `req.user` (or `userProperty`), as
 * Passport does, and `req.authInfo` to `{ method }` ({@link ClientAuthInfo}).
 * Mount it after a body parser and in front of the endpoint, and follow the
 * endpoint with `server.errorHandler()`.
 *
 * - `client_secret_basic`: id and secret form-urlencoded, then HTTP Basic
 *   (RFC 6749 §2.3.1). A pair that fails once decoded is tried as sent, for
 *   clients that never encoded (`legacyBasic`, on by default): that accepts
 *   nothing but the client's exact secret, and it keeps working the clients
 *   of 1.x apps, whose `passport-http` did not decode. It costs one more
 *   comparison on failures whose raw form differs (a `%` or `+` in them).
 * - `client_secret_post`: `client_id` and `client_secret` in the body.
 * - `private_key_jwt` (and `client_secret_jwt`): `client_assertion`, checked
 *   by {@link clientAssertion} with the `assertion` option.
 * - `tls_client_auth`, `self_signed_tls_client_auth`: a bare `client_id`
 *   from a client registered for them, whose certificate `verifyCertificate` accepts.
 * - `none`: a bare `client_id` from a client registered for `none`.
 *
 * Secrets in clear are compared in constant time (`secretOf`); hashed ones
 * through `verifySecret`. When the app gives the client's registered method
 * (`methodOf`), no other is accepted.
 *
 * Errors go to `next`: a request with two methods (an `Authorization` header
 * and a `client_secret` or `client_assertion`, RFC 6749 §2.3), a repeated
 * parameter, or a body `client_id` other than the Basic one is
 * `invalid_request` (400); anything else that fails, including an unknown
 * client, malformed Basic credentials and a missing authentication, is
 * `invalid_client` (401), which `server.errorHandler()` sends with a
 * `WWW-Authenticate` challenge (RFC 6749 §5.2). Errors of the app's
 * callbacks pass on as they are.
 *
 * With a `throttle`, each attempt is first checked (`check(clientId,
 * address)`, the address being `req.ip`, which follows Express's `trust
 * proxy`, else the socket's); a blocked one gets `temporarily_unavailable`
 * with status 429 and `Retry-After` (RFC 6585 §4), without checking the
 * credentials. Then each `invalid_client` is counted (`failed`) and each
 * success reported (`succeeded`); nothing else counts, so grant errors such
 * as `authorization_pending` never do. A throttle that fails its `check`
 * (its store is down) fails the request with that error. The attempts of one
 * client from one address are checked one at a time in a process, so that
 * a burst of parallel guesses is cut off at the limit as a sequence would be.
 *
 * @example
 * ```ts
 * app.post('/token',
 *   express.urlencoded({ extended: false }),
 *   server.authenticateClient(async ({ clientId }) => db.clients.find(clientId)),
 *   server.token(),
 *   server.errorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
 * @param options methods, accessors of the client record, hooks, throttle
 * @param lookup finds the client record for a client identifier
 *
 * @group Endpoints
 */
export function authenticateClient<Client = any>(options: AuthenticateClientOptions<Client> | undefined, lookup: LookupClientFunction<Client>): Middleware;
/**
 * Create client authentication middleware with the default options
 * (`client_secret_basic` and `client_secret_post`).
 * @param lookup finds the client record for a client identifier
 *
 * @group Endpoints
 */
export function authenticateClient<Client = any>(lookup: LookupClientFunction<Client>): Middleware;
export function authenticateClient(options: any, lookup?: any): Middleware {
  let opts: AuthenticateClientOptions;
  [opts, lookup] = optionsFirst<AuthenticateClientOptions>(AUTHENTICATE_CLIENT_ARGS, [options, lookup]);
  const cfg = compile(opts, lookup);
  const { throttle, userProperty } = cfg;

  return function authenticateClient(req, res, next) {
    const body = bodyOf(req);
    if (!body) return next(bodyParsingError());
    let presented: Presented;
    try {
      presented = present(req, body, cfg);
    } catch (err) {
      return next(err);
    }
    const address = addressOf(req);
    const clientId = presented.clientId;
    // The turn of this (client, address) pair ends when the request goes on.
    let release = noop;
    const pass = once((err?: unknown): void => {
      release();
      next(err);
    });

    const finish = once((err: unknown, client?: unknown, info?: ClientAuthInfo): void => {
      if (err) {
        if (!isAuthFailure(err)) return pass(err);
        if (isObserved('clientAuthFailed')) reportFailure(presented, err as object);
        if (!throttle) return pass(err);
        return after(() => throttle.failed(clientId, address), 'failed', () => pass(err));
      }
      const bag = req as unknown as ParamBag;
      bag[userProperty] = client;
      bag.authInfo = info;
      if (!throttle) return pass();
      after(() => throttle.succeeded(clientId!, address), 'succeeded', () => pass());
    });
    const start = (): void => {
      if (presented.kind === 'refused') return finish(presented.error);
      try {
        new Attempt(cfg, req, res, body, presented, finish).run();
      } catch (err) {
        // A throw from a callback after its done was called: the request goes on with it.
        pass(err);
      }
    };

    if (!throttle) return start();
    queueOf(throttle).run(`${clientId === undefined ? '' : clientId}\n${address}`, (done) => {
      release = done;
      let checking: Promise<ThrottleDecision>;
      try {
        checking = throttle.check(clientId, address);
      } catch (err) {
        return pass(err);
      }
      Promise.resolve(checking).then(
        (decision) => {
          if (decision && decision.blocked) return pass(throttled(res, decision.retryAfter, clientId));
          start();
        },
        (err) => pass(err || new Error('Client throttle check failed')),
      );
    });
  };
}

function noop(): void {}

/** How long an attempt waits for the one before it of the same client and address, at most. */
const MAX_WAIT = 10_000;

const queues = new WeakMap<ClientThrottle, KeyedQueue>();

/** The queue of a throttle: every authenticator that shares the throttle shares it. */
function queueOf(throttle: ClientThrottle): KeyedQueue {
  let queue = queues.get(throttle);
  if (!queue) queues.set(throttle, (queue = new KeyedQueue(MAX_WAIT)));
  return queue;
}

/** Publish a failed authentication on `oauth2orize:client_auth_failed`: the client as the process chose, the method, a fixed reason. */
function reportFailure(presented: Presented, err: object): void {
  const why = reasonOf(err);
  const event: ClientAuthFailedEvent = { reason: why.reason };
  const method = why.method || (presented.kind === 'bare' ? 'none' : presented.method);
  if (method !== undefined) event.method = method;
  const described = describeClient(presented.clientId);
  if (described !== undefined) event.clientId = described;
  publishEvent('clientAuthFailed', event);
}

/**
 * Wait for a throttle's bookkeeping, then go on. Its failure is logged, not
 * passed on: the authentication has its outcome already.
 */
function after(bookkeeping: () => Promise<void> | undefined, what: string, then: () => void): void {
  let pending: Promise<void> | undefined;
  try {
    pending = bookkeeping();
  } catch (err) {
    pending = Promise.reject(err);
  }
  Promise.resolve(pending).then(then, (err) => {
    debug('client throttle %s failed: %s', what, err instanceof Error ? err.message : String(err));
    then();
  });
}

/**
 * The metadata fields an authenticator with `options` contributes: its
 * methods at each endpoint it guards, and the assertion algorithms when it
 * accepts assertions and lists them.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function authenticateClientMetadata(options: AuthenticateClientOptions<any> | undefined): Record<string, unknown> {
  const opts = options || {};
  return authMethodsMetadata(acceptedMethods(opts), guardedEndpoints(opts), opts.assertion && opts.assertion.algorithms);
}
