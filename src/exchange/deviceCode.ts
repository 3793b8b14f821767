import { TokenError } from '../errors/tokenerror.js';
import type { DpopProof } from '../dpop/proof.js';
import { dpopProofOf } from '../dpop/tokenRequest.js';
import { call, ZERO_OR_ONE, once, prepare, shape, type Callback } from '../lib/callback.js';
import { timeOf } from '../lib/timeOf.js';
import type { ParamBag } from '../types.js';
import { deliverTokens } from '../lib/respond.js';
import type { IssuedCallback } from '../types.js';
import { DEVICE_CODE_GRANT_TYPE } from '../device/deviceCodeTypes.js';
import { POSITIVE, type OptionTable } from '../lib/checkOptions.js';
import { defineExchange, required, withResource } from './defineExchange.js';
import type { ExchangeFunction } from '../types.js';
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
  /**
   * The request's `resource` values (RFC 8707), checked: absolute URIs
   * without fragment, in request order; `[]` when none. The positional
   * forms read them with `requestedResources(body)`.
   */
  resource: string[];
  /** The request's DPoP proof (with the key's thumbprint `jkt`), when the server validated one. */
  dpop: DpopProof | undefined;
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
  return define(options, handler);
}

/** `load(client, deviceCode, done(err, record))`, or the context form `{ client, deviceCode, body, authInfo }`. */
const LOAD = shape({ positional: ['client', 'deviceCode'], values: ['client', 'deviceCode', 'body', 'authInfo'], contextArities: ZERO_OR_ONE });

/** `update(deviceCode, changes, done(err))`, or the context form `{ deviceCode, changes, record }`. */
const UPDATE = shape({ positional: ['deviceCode', 'changes'], values: ['deviceCode', 'changes', 'record'], contextArities: ZERO_OR_ONE });

/** `issue(client, deviceCode, record, done)`, or the context form `{ client, deviceCode, record, body, authInfo, resource, dpop }`. */
const ISSUE_VALUES = ['client', 'deviceCode', 'record', 'body', 'authInfo', 'dpop'];
const ISSUE = shape({
  positional: ['client', 'deviceCode', 'record'],
  values: ISSUE_VALUES,
  context: withResource(ISSUE_VALUES),
  contextArities: ZERO_OR_ONE,
  result: deliverTokens,
});

/** What one device_code exchange with callbacks keeps. */
interface Polling {
  load: Callback;
  update: Callback;
  issue: Callback;
  /** Polling interval, in seconds, for records that carry none. */
  interval: number;
  /** The factory's own clock (`now` option); without one, the server's, carried by the request. */
  now: (() => number) | undefined;
}

const define = defineExchange<Polling | undefined>({
  options: { userProperty: 'string', interval: POSITIVE, now: 'function' } satisfies OptionTable<DeviceCodeOptions>,
  factory: 'deviceCode',
  grantType: DEVICE_CODE_GRANT_TYPE,
  // `deviceCode(callbacks)` as well as `deviceCode(issue)`.
  leading: (first, second) => second === undefined && (typeof first === 'function' || (!!first && typeof (first as DeviceCodeCallbacks).load === 'function')),
  setup(options: DeviceCodeOptions, handler: DeviceCodeIssue | DeviceCodeCallbacks) {
    if (typeof handler === 'function') return undefined;
    for (const name of ['load', 'update', 'issue'] as const) {
      if (typeof handler[name] !== 'function') throw new TypeError(`oauth2orize.deviceCode exchange requires ${name === 'load' ? 'a' : 'an'} ${name} callback`);
    }
    return {
      load: prepare(LOAD, handler.load),
      update: prepare(UPDATE, handler.update),
      issue: prepare(ISSUE, handler.issue),
      interval: options.interval !== undefined && options.interval > 0 ? options.interval : 5,
      now: options.now,
    };
  },
  client(client) {
    if (!client) throw new TokenError('Client authentication failed', 'invalid_client');
    return client;
  },
  params: [required('device_code', 'deviceCode')],
  // A single function, shaped like `oauth2orize-device-code`'s exchange; above
  // its longest form it still gets every value.
  issue: { positional: ['client', 'deviceCode'], extras: ['body', 'authInfo'], contextArities: ZERO_OR_ONE, beyond: 'longest' },
  invalid: 'Invalid device code',
  // RFC 8628 §3.5: the polling rules, when the app gave callbacks.
  proceed(ex, req, next, issued, client, deviceCode: string, _b, _c, body) {
    const authInfo = req.authInfo;
    const polling = ex.state;
    if (!polling) return ex.issueTokens(issued, next, client, deviceCode, undefined, undefined, body, authInfo, req);
    call(polling.load, once((err: unknown, record?: DeviceCodeState | null | false) => {
      if (err) return next(err);
      if (!record || typeof record !== 'object') return next(new TokenError('Invalid device code', 'invalid_grant'));
      const t = (polling.now || clockOf(req))();
      const expiresAt = timeOf(record.expiresAt);
      if (record.status === 'expired' || (record.expiresAt !== undefined && !(t < expiresAt))) {
        return next(deviceCodeError('expired_token'));
      }
      if (record.status === 'denied') return next(deviceCodeError('access_denied'));
      if (record.status === 'approved') return call(polling.issue, issued, next, client, deviceCode, record, body, authInfo, dpopProofOf(req));
      // Pending: enforce the interval against the stored last poll (§3.5).
      const interval = typeof record.interval === 'number' && record.interval > 0 ? record.interval : polling.interval;
      const last = timeOf(record.lastPolledAt);
      const tooSoon = Number.isFinite(last) && t - last < interval * 1000;
      const changes: DeviceCodePollUpdate = { lastPolledAt: new Date(t), interval: tooSoon ? interval + 5 : interval };
      call(polling.update, once((err: unknown) => {
        if (err) return next(err);
        next(deviceCodeError(tooSoon ? 'slow_down' : 'authorization_pending'));
      }), 'done', deviceCode, changes, record);
    }), 'done', client, deviceCode, body, authInfo);
  },
});
