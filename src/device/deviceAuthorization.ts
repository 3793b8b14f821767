import { TokenError } from '../errors/tokenerror.js';
import { call, ZERO_OR_ONE, once, prepare, shape } from '../lib/callback.js';
import { merge } from '../lib/merge.js';
import { bodyOf, scopeParam, separatorsOf } from '../lib/params.js';
import { resourcesOf } from '../lib/resource.js';
import { bodyParsingError, writeJson } from '../lib/respond.js';
import { generateDeviceCode, generateUserCode, normalizeUserCode } from './userCode.js';
import { advertise, recordTransactionType, settingsOf } from '../settings/settings.js';
import type { Middleware, ParamBag } from '../types.js';
import { DEVICE_CODE_GRANT_TYPE, DEVICE_TRANSACTION_TYPE } from './deviceCodeTypes.js';
import { traced, clientAnnotator } from '../diagnostics/trace.js';
import { checkOptions, POSITIVE, STRING_OR_STRINGS, type OptionTable } from '../lib/checkOptions.js';
import { guardErrors } from '../lib/misuse.js';

/**
 * Options of {@link Server.deviceAuthorization}.
 *
 * @group Device flow
 */
export interface DeviceAuthorizationOptions {
  /** The end-user verification URI shown on the device (`verification_uri`). Required. */
  verificationURI: string;
  /**
   * Build `verification_uri_complete` from the display user code, or `false`
   * to leave it out. By default `verificationURI` with a `user_code` query
   * parameter added.
   */
  verificationURIComplete?: false | ((userCode: string) => string);
  /** Lifetime of the codes, in seconds. Default 600. */
  expiresIn?: number;
  /** Minimum polling interval given to the device, in seconds. Default 5. */
  interval?: number;
  /** Makes the user code shown to the user. Default {@link generateUserCode}. */
  generateUserCode?: () => string;
  /** Canonical form of a user code, used as the storage key. Default {@link normalizeUserCode}. */
  normalizeUserCode?: (input: string) => string;
  /** Makes the device code. Default: 256 random bits, base64url. */
  generateDeviceCode?: () => string;
  /** The request property holding the authenticated client. Default `'user'`. */
  userProperty?: string;
  /** Separator(s) used to split `scope`, as the bundled exchanges take. Default `' '`. */
  scopeSeparator?: string | readonly string[];
  /**
   * The absolute URL at which the app mounts this endpoint; when given it is
   * advertised as `device_authorization_endpoint` in the server metadata.
   */
  endpoint?: string;
  /** Clock of `expiresAt`, in milliseconds since the epoch. Default: the server's `clock` option, else the system clock. */
  now?: () => number;
}

/**
 * What the device authorization endpoint asks the app to store: the codes,
 * who asked, for what, until when. Keep it under both `deviceCode` (for
 * polling) and `userCode` (for the verification page), with `status:
 * 'pending'`.
 *
 * @group Device flow
 */
export interface DeviceAuthorizationRecord<Client = any> {
  /** The device code, a high-entropy secret of the device. */
  deviceCode: string;
  /** The user code in canonical form (see {@link normalizeUserCode}): the lookup key. */
  userCode: string;
  /** The user code as shown to the user, e.g. `WDJB-MJHT`. */
  displayUserCode: string;
  /** The authenticated client. */
  client: Client;
  /** The requested scope, split, or undefined. */
  scope: string[] | undefined;
  /**
   * The requested resources (RFC 8707 §2 `resource`, each an absolute URI
   * without fragment); `[]` when none. Store them with the record: the
   * token request's resources must be a subset of what the user approved.
   *
   * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
   */
  resource: string[];
  /** When the codes expire. */
  expiresAt: Date;
  /** The polling interval in seconds. */
  interval: number;
  /** Always `'pending'` at this point. */
  status: 'pending';
  /** The request body. It may hold the client's credentials (`client_secret`): do not store it as is. */
  body: ParamBag;
  /** `req.authInfo`, as set by the client authentication. */
  authInfo: unknown;
}

/**
 * `store` callback of {@link Server.deviceAuthorization}: persist the record. The
 * arity-1 form `async (record) => extra` returns nothing, extra response
 * parameters, or `false` to refuse the client (`unauthorized_client`); the
 * callback form is `(record, done(err, extra))`.
 *
 * @group Device flow
 */
export type DeviceAuthorizationStore<Client = any> = (
  record: DeviceAuthorizationRecord<Client>,
  done: (err?: unknown, extra?: Record<string, unknown> | false | void) => void,
) => unknown;

/** What each option of {@link deviceAuthorization} accepts. */
const DEVICE_AUTHORIZATION_OPTIONS = {
  verificationURI: 'string',
  verificationURIComplete: ['false', 'function'],
  expiresIn: POSITIVE,
  interval: POSITIVE,
  generateUserCode: 'function',
  normalizeUserCode: 'function',
  generateDeviceCode: 'function',
  userProperty: 'string',
  scopeSeparator: STRING_OR_STRINGS,
  endpoint: 'string',
  now: 'function',
} as const satisfies OptionTable<DeviceAuthorizationOptions>;

/**
 * Create the device authorization endpoint (RFC 8628 §3.1): a client, already
 * authenticated in front of it (Passport, as for `token()`), asks for a
 * device code and a user code. The library generates both, the app stores
 * them through `store`, and the response carries `device_code`, `user_code`,
 * `verification_uri`, `verification_uri_complete`, `expires_in` and
 * `interval`. Errors follow RFC 6749 §5.2: follow it with
 * `server.errorHandler()`.
 *
 * @example
 * ```ts
 * app.post('/device_authorization',
 *   passport.authenticate(['basic', 'oauth2-client-password'], { session: false }),
 *   server.deviceAuthorization({ verificationURI: 'https://example.com/device' },
 *     async (record) => { await devices.insert(record); }),
 *   server.errorHandler());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
export function deviceAuthorization<Client = any>(
  server: object,
  options: DeviceAuthorizationOptions,
  store: DeviceAuthorizationStore<Client>,
): Middleware {
  if (!server) throw new TypeError('oauth2orize.deviceAuthorization middleware requires a server argument');
  checkOptions('server.deviceAuthorization', options, DEVICE_AUTHORIZATION_OPTIONS);
  if (!options || typeof options.verificationURI !== 'string' || !options.verificationURI) {
    throw new TypeError('oauth2orize.deviceAuthorization middleware requires a verificationURI option');
  }
  if (typeof store !== 'function') throw new TypeError('oauth2orize.deviceAuthorization middleware requires a store callback');
  const verificationURI = options.verificationURI;
  const complete = options.verificationURIComplete === false
    ? undefined
    : options.verificationURIComplete || ((code: string) => verificationURI + (verificationURI.includes('?') ? '&' : '?') + 'user_code=' + encodeURIComponent(code));
  const expiresIn = positive(options.expiresIn, 600, 'expiresIn');
  const interval = positive(options.interval, 5, 'interval');
  const makeUserCode = options.generateUserCode || generateUserCode;
  const normalize = options.normalizeUserCode || normalizeUserCode;
  const makeDeviceCode = options.generateDeviceCode || generateDeviceCode;
  const settings = settingsOf(server);
  const userProperty = options.userProperty || settings.userProperty;
  const separators = separatorsOf(options.scopeSeparator);
  const clock = options.now || settings.clock;
  const save = prepare(STORE, store);

  advertise(server, {
    grant_types_supported: [DEVICE_CODE_GRANT_TYPE],
    device_authorization_endpoint: options.endpoint,
  });
  // The device flow's verification step makes transactions of this type; it is no response type.
  recordTransactionType(server, DEVICE_TRANSACTION_TYPE);

  return guardErrors('device_authorization', traced('device_authorization', function deviceAuthorization(req, res, next) {
    const body = bodyOf(req);
    if (!body) return next(bodyParsingError());
    const client = (req as unknown as ParamBag)[userProperty] as Client;
    if (!client) return next(new TokenError('Client authentication failed', 'invalid_client'));
    let scope;
    let resource: string[];
    try {
      scope = scopeParam(body, separators, TokenError) || undefined;
      resource = resourcesOf(body, TokenError);
    } catch (err) {
      return next(err);
    }
    const displayUserCode = makeUserCode();
    const record: DeviceAuthorizationRecord<Client> = {
      deviceCode: makeDeviceCode(),
      userCode: normalize(displayUserCode),
      displayUserCode,
      client,
      scope,
      resource,
      expiresAt: new Date(clock() + expiresIn * 1000),
      interval,
      status: 'pending',
      body,
      authInfo: req.authInfo,
    };
    call(save, once((err: unknown, extra?: Record<string, unknown> | false | void) => {
      if (err) return next(err);
      if (extra === false) return next(new TokenError('Client is not authorized to use the device flow', 'unauthorized_client'));
      const out: Record<string, unknown> = {
        device_code: record.deviceCode,
        user_code: displayUserCode,
        verification_uri: verificationURI,
      };
      if (complete) out.verification_uri_complete = complete(displayUserCode);
      out.expires_in = expiresIn;
      out.interval = interval;
      if (extra && typeof extra === 'object') merge(out, extra);
      writeJson(res, out);
    }), 'done', record);
  }, clientAnnotator(userProperty)), {});
}

/** `store(record, done)`, or the context form `store(record)`. */
const STORE = shape({ positional: ['record'], contextArities: ZERO_OR_ONE, context: (record) => record });

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(`oauth2orize.deviceAuthorization option ${name} must be a positive number`);
  }
  return value;
}
