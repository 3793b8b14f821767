import { TokenError } from '../errors/tokenerror.js';
import { invoke, timeOf } from '../lib/invoke.js';
import { misusedMiddleware, usedAsMiddleware } from '../lib/misuse.js';
import { catchRejection, settle } from '../lib/async.js';
import { bodyOf, stringParam, type ParamBag } from '../lib/params.js';
import { bodyParsingError, deliverTokens, tokenResponder, type IssuedCallback } from '../lib/respond.js';
import { DEVICE_CODE_GRANT_TYPE } from '../device/deviceCodeTypes.js';
import type { ExchangeFunction } from '../server.js';
import { clockOf } from '../settings/clock.js';

/** Options of {@link exchange.deviceCode}. */
export interface DeviceCodeOptions {
  /** The request property holding the authenticated client. Default `'user'`. */
  userProperty?: string;
  /** Polling interval, in seconds, for records that carry none. Default 5. */
  interval?: number;
  /**
   * Clock of the expiry and polling checks, in milliseconds since the epoch.
   * Default: the clock of the server the exchange is registered on (its
   * `clock` option), else the system clock.
   */
  now?: () => number;
}

/**
 * The state of a device authorization as the app stored it. The library
 * reads these fields; the app may keep any others (client, user, scope...).
 */
export interface DeviceCodeState {
  /** `pending` until the user decides on the verification page. */
  status: 'pending' | 'approved' | 'denied' | 'expired';
  /** When the device code expires (a `Date`, epoch milliseconds or an ISO string). */
  expiresAt?: Date | number | string;
  /** Current polling interval in seconds; grows by 5 on each `slow_down`. */
  interval?: number;
  /** When the device last polled (as `expiresAt`); written through `update`. */
  lastPolledAt?: Date | number | string;
}

/** What the library asks `update` to record after a poll of a pending code. */
export interface DeviceCodePollUpdate {
  /** When the client polled (now). */
  lastPolledAt: Date;
  /** The polling interval in seconds from now on (raised by 5 after `slow_down`). */
  interval: number;
}

/** Context of the Promise form of `load`. */
export interface DeviceCodeLoadContext<Client = any> {
  /** The authenticated client. */
  client: Client;
  /** The `device_code` parameter. */
  deviceCode: string;
  /** The request body. */
  body: ParamBag;
  /** What the client authentication strategy passed as `info` (`req.authInfo`). */
  authInfo: unknown;
}
/** Context of the Promise form of `update`. */
export interface DeviceCodeUpdateContext<R = DeviceCodeState> {
  /** The `device_code` parameter. */
  deviceCode: string;
  /** What to record about this poll. */
  changes: DeviceCodePollUpdate;
  /** The stored device authorization. */
  record: R;
}
/** Context of the Promise form of `issue`. */
export interface DeviceCodeIssueContext<Client = any, R = DeviceCodeState> {
  /** The authenticated client. */
  client: Client;
  /** The `device_code` parameter. */
  deviceCode: string;
  /** The stored device authorization. */
  record: R;
  /** The request body. */
  body: ParamBag;
  /** What the client authentication strategy passed as `info` (`req.authInfo`). */
  authInfo: unknown;
}

/**
 * The app's side of the polling protocol. Each callback follows the package's
 * arity rule: arity 1 takes a context object and returns a value or Promise;
 * otherwise it is positional with `done` last. The first position of each
 * carries both roles, so either form needs no annotation.
 */
export interface DeviceCodeCallbacks<Client = any, R extends DeviceCodeState = DeviceCodeState> {
  /**
   * Find the record for `deviceCode` issued to `client`: `(client, deviceCode,
   * done(err, record))`. Return `null` when there is none, or when it belongs
   * to another client.
   */
  load: (client: Client & DeviceCodeLoadContext<Client>, deviceCode: string, done: (err?: unknown, record?: R | null | false) => void) => unknown;
  /**
   * Record the poll of a pending code: `(deviceCode, changes, done(err))`.
   * Must persist `changes.lastPolledAt` and `changes.interval` where `load`
   * will find them (in the app's shared store, so any process sees them).
   */
  update: (deviceCode: string & DeviceCodeUpdateContext<R>, changes: DeviceCodePollUpdate, done: (err?: unknown) => void) => unknown;
  /**
   * Issue tokens for an approved code, consuming it so that it can be
   * redeemed once: `(client, deviceCode, record, done(err, accessToken,
   * refreshToken?, params?))`, or return a string or `{ accessToken,
   * refreshToken?, params? }`. Falsy (e.g. already consumed) gives
   * `invalid_grant`.
   */
  issue: (client: Client & DeviceCodeIssueContext<Client, R>, deviceCode: string, record: R, done: IssuedCallback) => unknown;
}

/**
 * A single `issue` callback, shaped like `oauth2orize-device-code`'s
 * exchange: `(client, deviceCode, done)`, `(client, deviceCode, body, done)`,
 * `(client, deviceCode, body, authInfo, done)`, or the arity-1 form
 * `async ({ client, deviceCode, body, authInfo }) => tokens`. The app then
 * answers pending and slow-down states itself, with errors from
 * {@link deviceCodeError}.
 */
export type DeviceCodeIssue<Client = any> = (
  client: Client & DeviceCodeLoadContext<Client>,
  deviceCode: string,
  body: ParamBag & IssuedCallback,
  authInfo: IssuedCallback,
  done: IssuedCallback,
) => unknown;

/** Error codes of RFC 8628 §3.5 (plus `invalid_grant`). */
export type DeviceCodeErrorCode = 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token';

const MESSAGES: Record<DeviceCodeErrorCode, string> = {
  authorization_pending: 'The authorization request is still pending',
  slow_down: 'Polling too fast; increase the interval by 5 seconds',
  access_denied: 'The authorization request was denied',
  expired_token: 'The device code has expired',
};

/**
 * A `TokenError` for one of the RFC 8628 §3.5 polling answers, with status
 * 400 as the RFC requires.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 * @param code `authorization_pending`, `slow_down`, `access_denied` or `expired_token`
 * @param message the `error_description`
 */
export function deviceCodeError(code: DeviceCodeErrorCode, message?: string): TokenError {
  return new TokenError(message || MESSAGES[code], code, undefined, 400);
}

/**
 * Exchange for the device authorization grant
 * (`grant_type=urn:ietf:params:oauth:grant-type:device_code`, the function's
 * name, so `server.exchange(fn)` registers it under that type).
 *
 * With callbacks (`load`, `update`, `issue`) the library runs the polling
 * rules of RFC 8628 §3.5: an unknown code gives `invalid_grant`, an expired
 * one `expired_token`, a denied one `access_denied`; a pending one
 * `authorization_pending`, or `slow_down` when the device polls sooner than
 * its interval after its last poll, which then grows by 5 seconds. Both the
 * last-poll time and the interval live in the app's record (written through
 * `update`), so polling is enforced across processes. An approved code goes
 * to `issue`, which must consume it.
 *
 * With a single function, it behaves like `oauth2orize-device-code`'s
 * exchange, and the app answers the polling states itself.
 *
 * @example
 * ```ts
 * server.exchange(oauth2orize.exchange.deviceCode({
 *   load: ({ client, deviceCode }) => devices.findByDeviceCode(deviceCode, client.id),
 *   update: ({ deviceCode, changes }) => devices.patch(deviceCode, changes),
 *   issue: async ({ record }) => (await devices.take(record.deviceCode)) ? issueTokens(record) : false,
 * }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export function deviceCode<Client = any, R extends DeviceCodeState = DeviceCodeState>(options: DeviceCodeOptions, callbacks: DeviceCodeCallbacks<Client, R>): ExchangeFunction;
export function deviceCode<Client = any, R extends DeviceCodeState = DeviceCodeState>(callbacks: DeviceCodeCallbacks<Client, R>): ExchangeFunction;
export function deviceCode<Client = any>(options: DeviceCodeOptions, issue: DeviceCodeIssue<Client>): ExchangeFunction;
export function deviceCode<Client = any>(issue: DeviceCodeIssue<Client>): ExchangeFunction;
export function deviceCode(options: any, handler?: any): ExchangeFunction {
  // `server.exchange(oauth2orize.exchange.deviceCode)`: the factory itself, called by token().
  if (usedAsMiddleware('oauth2orize.exchange.deviceCode', arguments)) return misusedMiddleware('oauth2orize.exchange.deviceCode');
  if (handler === undefined && (typeof options === 'function' || (options && typeof options.load === 'function'))) {
    handler = options;
    options = undefined;
  }
  const opts: DeviceCodeOptions = options || {};
  if (!handler) throw new TypeError('oauth2orize.deviceCode exchange requires an issue callback');
  if (typeof handler !== 'function') {
    for (const name of ['load', 'update', 'issue']) {
      if (typeof handler[name] !== 'function') throw new TypeError(`oauth2orize.deviceCode exchange requires ${name === 'load' ? 'a' : 'an'} ${name} callback`);
    }
  }
  const userProperty = opts.userProperty || 'user';
  const fallbackInterval = opts.interval !== undefined && opts.interval > 0 ? opts.interval : 5;
  const ownClock = opts.now;

  const exchange: ExchangeFunction = function (req, res, next) {
    const body = bodyOf(req);
    if (!body) return next(bodyParsingError());
    const client = (req as unknown as ParamBag)[userProperty];
    if (!client) return next(new TokenError('Client authentication failed', 'invalid_client'));
    let code: string | undefined;
    try {
      code = stringParam(body, 'device_code', TokenError);
    } catch (err) {
      return next(err);
    }
    if (!code) return next(new TokenError('Missing required parameter: device_code', 'invalid_request'));
    const deviceCode = code;
    const issued = tokenResponder(res, next, 'Invalid device code');
    const authInfo = req.authInfo;

    if (typeof handler === 'function') {
      const args = handler.length >= 5 ? [client, deviceCode, body, authInfo]
        : handler.length === 4 ? [client, deviceCode, body] : [client, deviceCode];
      return callIssue(handler, { client, deviceCode, body, authInfo }, args, issued, next);
    }

    const cbs = handler as DeviceCodeCallbacks;
    invoke<DeviceCodeState | null | false | undefined>(cbs.load, { client, deviceCode, body, authInfo }, [client, deviceCode], (err, record) => {
      if (err) return next(err);
      if (!record || typeof record !== 'object') return next(new TokenError('Invalid device code', 'invalid_grant'));
      const t = (ownClock || clockOf(req))();
      const expiresAt = timeOf(record.expiresAt);
      if (record.status === 'expired' || (record.expiresAt !== undefined && !(t < expiresAt))) {
        return next(deviceCodeError('expired_token'));
      }
      if (record.status === 'denied') return next(deviceCodeError('access_denied'));
      if (record.status === 'approved') {
        const context = { client, deviceCode, record, body, authInfo };
        return callIssue(cbs.issue, context, [client, deviceCode, record], issued, next);
      }
      // Pending: enforce the interval against the stored last poll (§3.5).
      const interval = typeof record.interval === 'number' && record.interval > 0 ? record.interval : fallbackInterval;
      const last = timeOf(record.lastPolledAt);
      const tooSoon = Number.isFinite(last) && t - last < interval * 1000;
      const changes: DeviceCodePollUpdate = { lastPolledAt: new Date(t), interval: tooSoon ? interval + 5 : interval };
      invoke(cbs.update, { deviceCode, changes, record }, [deviceCode, changes], (err) => {
        if (err) return next(err);
        next(deviceCodeError(tooSoon ? 'slow_down' : 'authorization_pending'));
      });
    });
  };
  // `server.exchange(fn)` registers an exchange under its function's name.
  Object.defineProperty(exchange, 'name', { value: DEVICE_CODE_GRANT_TYPE });
  return exchange;
}

/**
 * Call an `issue` callback: the context form resolves to the tokens, the
 * positional forms call `done(err, accessToken, refreshToken, params)`.
 */
function callIssue(fn: Function, context: object, args: unknown[], issued: IssuedCallback, next: (err?: unknown) => void): void {
  try {
    if (fn.length <= 1) return settle(fn(context), (value) => deliverTokens(value, issued), issued);
    catchRejection(fn(...args, issued), issued, fn, (value) => deliverTokens(value, issued));
  } catch (err) {
    next(err);
  }
}
