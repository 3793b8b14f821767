import { AuthorizationError } from '../errors/authorizationerror.js';
import { call, ZERO_OR_ONE, once, optionsFirst, prepare, shape, type FactoryArgs } from '../lib/callback.js';
import { grantErrorHandler, modeTable, pickMode } from './authorizationResponse.js';
import { DEVICE_TRANSACTION_TYPE } from '../device/deviceCodeTypes.js';
import type { GrantModule } from '../types.js';
import type { AuthorizationResponse, OAuth2ServerResponse, OAuth2Transaction, ResponseMode, ResponseModes } from '../types.js';
import type { OptionTable } from '../lib/checkOptions.js';

/** Options of {@link grant.deviceCode}. */
export interface DeviceCodeGrantOptions {
  /**
   * Ways to answer the user's browser once the decision is recorded, keyed by
   * name; `page` (the default) is used unless the transaction names another.
   * A mode is `(txn, res, params)` where `params` is `{}` on approval, or
   * `{ error, error_description? }`. The built-in `page` writes a short
   * plain HTML page; replace it to render your own views.
   */
  modes?: ResponseModes;
}

/** Context of the Promise form of `decide`. */
export interface DeviceDecisionContext<Client = any, User = any> {
  /** The user code in canonical form: the key of the record to update. */
  userCode: string;
  /** Whether the user allowed the device. */
  allow: boolean;
  /** The client that started the device authorization. */
  client: Client;
  /** The signed-in user who decided. */
  user: User;
  /** The scope the device asked for. */
  scope: string[] | undefined;
  /** The decision (`ares`), with what `parse` added. */
  ares: AuthorizationResponse;
  /** The whole transaction. */
  txn: OAuth2Transaction<Client, User>;
}

/**
 * Record the user's decision on the pending device authorization named by
 * `userCode`: set `status` to `approved` (keeping the user and the granted
 * scope for `issue`) or `denied`. `(txn, done(err, ok))`, or the arity-1 form
 * `async ({ userCode, allow, user, ares, ... }) => ok`. Resolving `false`
 * (the code is no longer pending: expired, or decided in another session)
 * shows an error instead; do the update as a compare-and-set on `pending`.
 * The first position carries both roles, so either form needs no annotation.
 */
export type DeviceDecide<Client = any, User = any> = (
  txn: OAuth2Transaction<Client, User> & DeviceDecisionContext<Client, User>,
  done: (err?: unknown, ok?: boolean | void) => void,
) => unknown;

const PAGE = (text: string): string =>
  '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Device authorization</title></head>' +
  `<body><p>${text}</p></body></html>\n`;

/** The default mode: a short fixed-text page (nothing from the request is echoed). */
const page: ResponseMode = function page(_txn: OAuth2Transaction<any, any>, res: OAuth2ServerResponse, params: Record<string, unknown>): void {
  let text = 'Your device is now authorized. You may return to it.';
  res.statusCode = 200;
  if (params.error === 'access_denied') {
    text = 'Access denied. Your device will not be authorized.';
  } else if (params.error) {
    res.statusCode = 400;
    text = 'The device could not be authorized. Enter the code again, or start over on the device.';
  }
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(PAGE(text));
};

/**
 * `decide(txn, done(err, ok))`, or the context form
 * `{ userCode, allow, client, user, scope, ares, txn }`.
 */
const DECIDE = shape({
  positional: ['txn'],
  values: ['txn', 'ares', 'allow'],
  contextArities: ZERO_OR_ONE,
  context: (txn: OAuth2Transaction, ares, allow) => ({ userCode: txn.req.userCode, allow, client: txn.client, user: txn.user, scope: txn.req.scope, ares, txn }),
});

/** `(options?, decide)`. */
/** What each option of {@link deviceCode} accepts. */
const DEVICE_CODE_OPTIONS = { modes: 'object' } as const satisfies OptionTable<DeviceCodeGrantOptions>;

const DEVICE_CODE_ARGS: FactoryArgs = { callbacks: ['oauth2orize.deviceCode grant requires a decide callback'], missing: 'function', options: { name: 'oauth2orize.grant.deviceCode', table: DEVICE_CODE_OPTIONS } };

/**
 * The grant that completes a device verification (a transaction made by
 * `server.deviceVerification()`) when `server.decision()` processes the
 * user's answer. It calls `decide` to record approval or denial in the app's
 * store, where the device's polling will find it, then answers the browser
 * with a mode (a page) instead of a redirect.
 *
 * @example
 * ```ts
 * server.grant(oauth2orize.grant.deviceCode(async ({ userCode, allow, user, ares }) =>
 *   devices.decide(userCode, allow ? { status: 'approved', userId: user.id, scope: ares.scope } : { status: 'denied' })));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 */
export function deviceCode<Client = any, User = any>(options: DeviceCodeGrantOptions, decide: DeviceDecide<Client, User>): GrantModule<Client, User>;
export function deviceCode<Client = any, User = any>(decide: DeviceDecide<Client, User>): GrantModule<Client, User>;
export function deviceCode(options: any, decide?: any): GrantModule {
  const [opts, fn] = optionsFirst<DeviceCodeGrantOptions>(DEVICE_CODE_ARGS, [options, decide]);
  const record = prepare(DECIDE, fn);
  const lookup = modeTable('page', page, opts.modes);

  return {
    name: DEVICE_TRANSACTION_TYPE,
    response(txn: OAuth2Transaction, res, complete: (cb: (err?: unknown) => void) => void, next) {
      const picked = pickMode(txn, 'page', lookup);
      if (!picked.respond) return next(picked.error);
      const respond = picked.respond;
      const ares = (txn.res || { allow: false }) as AuthorizationResponse;
      const allow = ares.allow === true;
      call(record, once((err: unknown, ok?: boolean | void) => {
        if (err) return next(err);
        if (ok === false) return next(new AuthorizationError('Invalid or expired user code', 'invalid_request', null, 400));
        if (!allow) return respond(txn, res, { error: 'access_denied' });
        complete((err) => {
          if (err) return next(err);
          respond(txn, res, {});
        });
      }), 'done', txn, ares, allow);
    },
    error: grantErrorHandler('page', lookup),
  };
}
