import { AuthorizationError } from '../errors/authorizationerror.js';
import { call, ZERO_OR_ONE, once, prepare, shape } from '../lib/callback.js';
import { timeOf } from '../lib/timeOf.js';
import { own } from '../lib/params.js';
import { storeTransaction } from '../txn/transaction.js';
import { normalizeUserCode } from './userCode.js';
import { recordTransactionType, settingsOf } from '../settings/settings.js';
import type { SessionStoreOptions } from '../txn/session.js';
import type { AuthorizationRequest, Middleware, OAuth2IncomingMessage, OAuth2Transaction, ParamBag, TransactionHost } from '../types.js';
import { DEVICE_TRANSACTION_TYPE } from './deviceCodeTypes.js';
import { traced, transactionAnnotator } from '../diagnostics/trace.js';
import { checkOptions, POSITIVE, POSITIVE_INTEGER, type OptionTable } from '../lib/checkOptions.js';
import { SESSION_STORE_OPTIONS } from '../txn/sessionOptions.js';
import { MemoryAttemptStore, type AttemptStore } from '../stores/attempts.js';

/**
 * What `lookup` returns for a user code: the pending device authorization.
 *
 * @group Device flow
 */
export interface DeviceVerificationRecord<Client = any> {
  /** The client that asked, as `serializeClient` can store it. */
  client: Client;
  /** The scope the device asked for. */
  scope?: string[];
  /** When the codes expire (a `Date`, epoch milliseconds or an ISO string). */
  expiresAt: Date | number | string;
  /** Only `pending` codes can be verified. */
  status: 'pending' | 'approved' | 'denied' | 'expired';
  /** The user code as shown on the device, to display on the consent page. */
  displayUserCode?: string;
}

/**
 * Context of the Promise form of `attempt`.
 *
 * @group Device flow
 */
export interface DeviceAttemptContext {
  /** The request. */
  req: OAuth2IncomingMessage;
  /** The user code as entered, normalized. */
  userCode: string;
}
/**
 * Context of the Promise form of `lookup`.
 *
 * @group Device flow
 */
export interface DeviceLookupContext {
  /** The user code as entered, normalized. */
  userCode: string;
  /** The request. */
  req: OAuth2IncomingMessage;
}

/**
 * Rate-limit hook: `(req, userCode, done(err, allowed))`, or the arity-1 form
 * `async ({ req, userCode }) => allowed`. Called before every lookup; count
 * attempts per session, per user, per address, as the app sees fit.
 *
 * @group Device flow
 */
export type DeviceAttemptFunction = (
  req: OAuth2IncomingMessage & DeviceAttemptContext,
  userCode: string,
  done: (err?: unknown, allowed?: boolean) => void,
) => unknown;

/**
 * Find the pending device authorization for a user code in canonical form:
 * `(userCode, done(err, record))` or `async ({ userCode, req }) => record`.
 *
 * @group Device flow
 */
export type DeviceLookupFunction<Client = any> = (
  userCode: string & DeviceLookupContext,
  done: (err?: unknown, record?: DeviceVerificationRecord<Client> | null | false) => void,
) => unknown;

/**
 * Options of {@link Server.deviceVerification}; the store options apply to the session store.
 *
 * @group Device flow
 */
export interface DeviceVerificationOptions extends SessionStoreOptions {
  /** The request property holding the logged-in user. Default `'user'`. */
  userProperty?: string;
  /** Query or body parameter carrying the code. Default `'user_code'`. */
  userCodeField?: string;
  /** Canonical form of a user code. Default {@link normalizeUserCode}. */
  normalizeUserCode?: (input: string) => string;
  /**
   * Rate-limit hook. Default: at most `maxAttempts` lookups per signed-in
   * user and `maxAddressAttempts` per source address in `attemptWindow`
   * seconds (`maxAttempts` per address when no user is signed in), counted
   * in `attemptStore`. Every lookup counts, found or not,
   * and is counted before it runs, so parallel guesses cannot pass the
   * limit; a new session does not reset it.
   */
  attempt?: DeviceAttemptFunction;
  /** Lookups allowed per user and window by the default `attempt`. Default 10. */
  maxAttempts?: number;
  /** Lookups allowed per source address (`req.ip`, else the socket's address) and window by the default `attempt`. Default 50. */
  maxAddressAttempts?: number;
  /** Window of the default `attempt`, in seconds. Default 900. */
  attemptWindow?: number;
  /**
   * Where the default `attempt` counts: share a `RedisAttemptStore` between
   * instances, so that a guesser cannot spread over them. Default: a
   * `MemoryAttemptStore` of this middleware (one process), on its clock.
   */
  attemptStore?: AttemptStore;
  /**
   * Clock of the code's expiry and of the attempt window, in milliseconds
   * since the epoch. Default: the server's `clock` option, else the system clock.
   */
  now?: () => number;
}

/** The error the verification step answers for any unusable code (unknown, expired, used). */
function invalidCode(): AuthorizationError {
  return new AuthorizationError('Invalid or expired user code', 'invalid_request', null, 400);
}

/** What each option of {@link deviceVerification} accepts. */
const DEVICE_VERIFICATION_OPTIONS = {
  ...SESSION_STORE_OPTIONS,
  userProperty: 'string',
  userCodeField: 'string',
  normalizeUserCode: 'function',
  attempt: 'function',
  maxAttempts: POSITIVE_INTEGER,
  maxAddressAttempts: POSITIVE_INTEGER,
  attemptWindow: POSITIVE,
  attemptStore: 'object',
  now: 'function',
} as const satisfies OptionTable<DeviceVerificationOptions>;

/**
 * Create the middleware for the user-facing verification step of the device
 * flow (RFC 8628 §3.3): the signed-in user submits the user code shown on the
 * device (the `user_code` query or body parameter, e.g. from
 * `verification_uri_complete`).
 *
 * After the `attempt` hook allows it, the code is normalized and looked up;
 * an unknown, expired or no longer pending code fails with `invalid_request`
 * (status 400), too many attempts with `temporarily_unavailable` (status 429):
 * render those on the page with an error middleware. A valid code becomes an
 * OAuth 2.0 transaction of type `device_code`, stored like the ones of
 * `authorize`, so the next middleware renders a consent page from
 * `req.oauth2` (`client`, `req.scope`, `req.displayUserCode`, `transactionID`)
 * and `server.decision()` completes it through {@link grant.deviceCode}.
 * Consent is always asked: RFC 8628 §5.4 wants the user to compare the code.
 *
 * @example
 * ```ts
 * app.get('/device', (req, res) => res.render('enter-code'));
 * app.all('/device/verify', ensureLoggedIn(),
 *   server.deviceVerification({}, ({ userCode }) => devices.findByUserCode(userCode)),
 *   (req, res) => res.render('device-consent', { txn: req.oauth2 }));
 * app.post('/device/decision', ensureLoggedIn(), server.decision());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.1
 */
export function deviceVerification<Client = any>(
  server: TransactionHost,
  options: DeviceVerificationOptions | undefined,
  lookup: DeviceLookupFunction<Client>,
): Middleware {
  if (!server) throw new TypeError('oauth2orize.deviceVerification middleware requires a server argument');
  checkOptions('server.deviceVerification', options, DEVICE_VERIFICATION_OPTIONS);
  if (typeof lookup !== 'function') throw new TypeError('oauth2orize.deviceVerification middleware requires a lookup function');
  const opts: DeviceVerificationOptions = options || {};
  const settings = settingsOf(server);
  const userProperty = opts.userProperty || settings.userProperty;
  const field = opts.userCodeField || 'user_code';
  const normalize = opts.normalizeUserCode || normalizeUserCode;
  const clock = opts.now || settings.clock;
  // Its transactions are answered by the device grant, but `device_code` is no response type.
  recordTransactionType(server, DEVICE_TRANSACTION_TYPE);
  const attempt = prepare(ATTEMPT, opts.attempt || countedAttempts({
    store: opts.attemptStore || new MemoryAttemptStore({ now: () => clock() }),
    maxUser: opts.maxAttempts || 10,
    maxAddress: opts.maxAddressAttempts || 50,
    window: opts.attemptWindow || 900,
    userProperty,
  }));
  const find = prepare(LOOKUP, lookup);

  return traced('device_verification', function deviceVerification(req, res, next) {
    let input = own((req.query || {}) as ParamBag, field);
    if (input === undefined || input === null || input === '') {
      const body = req.body as ParamBag | undefined;
      if (body && typeof body === 'object') input = own(body, field);
    }
    if (input === undefined || input === null || input === '') {
      return next(new AuthorizationError('Missing required parameter: ' + field, 'invalid_request'));
    }
    if (typeof input !== 'string') {
      return next(new AuthorizationError(`Invalid parameter: ${field} must be a string`, 'invalid_request'));
    }
    const typed = input;
    call(attempt, once((err: unknown, allowed?: boolean) => {
      if (err) return next(err);
      if (!allowed) return next(new AuthorizationError('Too many attempts; try again later', 'temporarily_unavailable', null, 429));
      const userCode = normalize(typed);
      if (!userCode) return next(invalidCode());
      call(find, once((err: unknown, record?: DeviceVerificationRecord<Client> | null | false) => {
        if (err) return next(err);
        if (!record || typeof record !== 'object' || !record.client || record.status !== 'pending') return next(invalidCode());
        if (!(clock() < timeOf(record.expiresAt))) return next(invalidCode());

        const areq: AuthorizationRequest = { type: DEVICE_TRANSACTION_TYPE, scope: record.scope, userCode, displayUserCode: record.displayUserCode || typed };
        const txn = { client: record.client, req: areq, user: (req as unknown as ParamBag)[userProperty] } as OAuth2Transaction<Client, unknown>;
        if (req.locals) txn.locals = req.locals as Record<string, unknown>;
        req.oauth2 = txn;
        storeTransaction(server, opts, req, txn, { protocol: 'oauth2', client: record.client, req: areq }, next);
      }), 'done', userCode, req);
    }), 'done', req, typed);
  }, transactionAnnotator);
}

/** `attempt(req, userCode, done(err, allowed))`, or the context form `attempt({ req, userCode })`. */
const ATTEMPT = shape({ positional: ['req', 'userCode'], contextArities: ZERO_OR_ONE });

/** `lookup(userCode, done(err, record))`, or the context form `lookup({ userCode, req })`. */
const LOOKUP = shape({ positional: ['userCode'], values: ['userCode', 'req'], contextArities: ZERO_OR_ONE });

/** What the default `attempt` hook counts with. */
interface Counting {
  store: AttemptStore;
  maxUser: number;
  maxAddress: number;
  /** Seconds. */
  window: number;
  userProperty: string;
}

/**
 * The default `attempt` hook: fixed-window counters per signed-in user and
 * per source address in an `AttemptStore`. Each lookup is counted (an
 * atomic increment) before it runs and allowed only while both counts are
 * within their limits, so concurrent guesses are limited as sequential ones
 * are, and starting a new session changes nothing.
 */
function countedAttempts(c: Counting) {
  if (typeof c.store.hit !== 'function') throw new TypeError('oauth2orize.deviceVerification option attemptStore must be an AttemptStore');
  return function attempt(req: OAuth2IncomingMessage, _userCode: string, done: (err: unknown, allowed?: boolean) => void): void {
    const checks: Promise<boolean>[] = [];
    const user = userKeyOf((req as unknown as ParamBag)[c.userProperty]);
    if (user !== undefined) checks.push(c.store.hit('device-user|' + user, c.window).then((n) => n <= c.maxUser));
    const address = addressOf(req);
    // Without a signed-in user to count, the address is held to the per-user limit.
    if (user !== undefined) checks.push(c.store.hit('device-addr|' + address, c.window).then((n) => n <= c.maxAddress));
    else checks.push(c.store.hit('device-anon|' + address, c.window).then((n) => n <= c.maxUser));
    Promise.all(checks).then((ok) => done(null, ok.every(Boolean)), (err) => done(err));
  };
}

/** The key of a signed-in user: a string or number user, else its `id`; undefined when none can be told. */
function userKeyOf(user: unknown): string | undefined {
  if (typeof user === 'string' || typeof user === 'number') return String(user);
  if (user && typeof user === 'object') {
    const id = (user as ParamBag).id;
    if (typeof id === 'string' || typeof id === 'number') return String(id);
  }
  return undefined;
}

/** The client's address as Express tells it (`req.ip`, which honours `trust proxy`), else the socket's. */
function addressOf(req: OAuth2IncomingMessage): string {
  const ip = (req as unknown as { ip?: unknown }).ip;
  if (typeof ip === 'string' && ip) return ip;
  const remote = (req as unknown as { socket?: { remoteAddress?: unknown } }).socket?.remoteAddress;
  return typeof remote === 'string' && remote ? remote : 'unknown';
}
