/**
 * The device flow's callbacks built from one {@link DeviceCodeStore}: the
 * device authorization endpoint's `store`, the verification page's
 * `lookup`, the device grant's `decide`, and the device-code exchange's
 * polling, so that an application keeps no device records of its own.
 */
import { TokenError } from '../errors/tokenerror.js';
import type { DeviceCodeStore, StoredDeviceCode } from '../stores/deviceCodes.js';
import type { AuthorizationResponse, ParamBag } from '../types.js';
import type { DeviceAuthorizationRecord } from './deviceAuthorization.js';
import type { DeviceLookupContext, DeviceVerificationRecord } from './deviceVerification.js';
import { clientIdOf } from '../lib/clientId.js';

/**
 * What the default `grant` of {@link deviceCodeCallbacks} records on
 * approval.
 *
 * @group Device flow
 */
export interface DeviceGrant {
  /** The user's ID (`user.id`, or the user when it is a string). */
  userID: string | number | null;
  /** The granted scope: the decision's `ares.scope`, else the scope the device asked for. */
  scope?: string[];
}

/**
 * Context of `grant` in {@link DeviceCodeCallbacksOptions}.
 *
 * @group Device flow
 */
export interface DeviceGrantContext<Client = any, User = any> {
  /** The signed-in user who approved. */
  user: User;
  /** The client that started the device authorization. */
  client: Client;
  /** The scope the device asked for. */
  scope: string[] | undefined;
  /** The decision (`ares`). */
  ares: AuthorizationResponse;
}

/**
 * Context of `issueTokens` in {@link DeviceCodeCallbacksOptions}.
 *
 * @group Device flow
 */
export interface DeviceIssueContext<Client = any, Grant = DeviceGrant> {
  /** The authenticated client that polled. */
  client: Client;
  /** What `grant` recorded when the user approved. */
  grant: Grant;
  /** The consumed device authorization. */
  record: StoredDeviceCode<Grant>;
  /** The token request's body. */
  body: ParamBag;
  /** `req.authInfo`, as set by the client authentication. */
  authInfo: unknown;
}

/**
 * Options of {@link deviceCodeCallbacks}.
 *
 * @group Device flow
 */
export interface DeviceCodeCallbacksOptions<Client = any, User = any, Grant = DeviceGrant> {
  /**
   * Issue the tokens of an approved code (called once per code, by the one
   * poll that consumed it): return an access token, `{ accessToken,
   * refreshToken?, params? }`, or a Promise of either. Required.
   */
  issueTokens: (context: DeviceIssueContext<Client, Grant>) => unknown;
  /**
   * The client of a stored client ID, for the verification page's
   * transaction (what `serializeClient` receives). Default `{ id: clientID }`.
   */
  findClient?: (clientID: string) => Client | Promise<Client>;
  /**
   * The ID of an authenticated client. Default: the first string among
   * `client.id`, `client.clientId`, `client.clientID` and `client.client_id`.
   */
  clientID?: (client: Client) => string | undefined;
  /**
   * What to record on approval, for `issueTokens` (JSON-safe). Default
   * {@link DeviceGrant}: the user's ID and the granted scope.
   */
  grant?: (context: DeviceGrantContext<Client, User>) => Grant;
}

/**
 * The callbacks {@link deviceCodeCallbacks} makes.
 *
 * @group Device flow
 */
export interface DeviceCodeCallbacksResult<Client = any, User = any> {
  /** The `store` callback of `server.deviceAuthorization()`. */
  store: (record: DeviceAuthorizationRecord<Client>) => Promise<void>;
  /** The `lookup` callback of `server.deviceVerification()`. */
  lookup: (context: DeviceLookupContext) => Promise<DeviceVerificationRecord<Client> | null>;
  /** The `decide` callback of `grant.deviceCode()`. */
  decide: (context: { userCode: string; allow: boolean; client: Client; user: User; scope: string[] | undefined; ares: AuthorizationResponse }) => Promise<boolean>;
  /** The function of `exchange.deviceCode()`: one atomic poll, then `issueTokens` once approved. */
  exchange: (context: { client: Client; deviceCode: string; body: ParamBag; authInfo: unknown }) => Promise<unknown>;
}

/** The RFC 8628 §3.5 answers of a poll that issues nothing. */
const POLL_ERRORS = {
  pending: ['The authorization request is still pending', 'authorization_pending'],
  slow_down: ['Polling too fast; increase the interval by 5 seconds', 'slow_down'],
  denied: ['The authorization request was denied', 'access_denied'],
  expired: ['The device code has expired', 'expired_token'],
  invalid: ['Invalid device code', 'invalid_grant'],
} as const;

/**
 * Build the device flow's callbacks on a {@link DeviceCodeStore}: the
 * store's atomic operations then carry the flow, across any number of
 * instances sharing the store. A user code is approved or denied once;
 * polling enforces the interval (`slow_down` raises it by 5 s); an approved
 * code is consumed by exactly one poll, which alone calls `issueTokens`.
 *
 * @example
 * ```ts
 * const device = deviceCodeCallbacks(new RedisDeviceCodeStore({ client }), {
 *   issueTokens: ({ client, grant }) => issueTokens(client.id, grant.userID, grant.scope),
 *   findClient: (id) => db.clients.find(id),
 * });
 * app.post('/device_authorization', authenticateClient,
 *   server.deviceAuthorization({ verificationURI }, device.store), server.errorHandler());
 * app.all('/device/verify', ensureLoggedIn(), server.deviceVerification({ attemptStore }, device.lookup), renderConsent);
 * server.grant(oauth2orize.grant.deviceCode(device.decide));
 * server.exchange(oauth2orize.exchange.deviceCode(device.exchange));
 * ```
 * @param devices where the device authorizations are kept
 * @param options `issueTokens` (required), `findClient`, `clientID`, `grant`
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 *
 * @group Device flow
 */
export function deviceCodeCallbacks<Client = any, User = any, Grant = DeviceGrant>(
  devices: DeviceCodeStore<Grant>,
  options: DeviceCodeCallbacksOptions<Client, User, Grant>,
): DeviceCodeCallbacksResult<Client, User> {
  if (!devices || typeof devices.create !== 'function' || typeof devices.poll !== 'function') {
    throw new TypeError('oauth2orize.deviceCodeCallbacks requires a device code store');
  }
  if (!options || typeof options.issueTokens !== 'function') {
    throw new TypeError('oauth2orize.deviceCodeCallbacks requires an issueTokens option');
  }
  for (const name of ['findClient', 'clientID', 'grant'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`oauth2orize.deviceCodeCallbacks option ${name} must be a function`);
    }
  }
  const issueTokens = options.issueTokens;
  const findClient = options.findClient || ((clientID: string) => ({ id: clientID }) as Client);
  const idOf = options.clientID || clientIdOf;
  const grantOf = options.grant || (defaultGrant as (context: DeviceGrantContext<Client, User>) => Grant);

  const clientIDOf = (client: Client): string => {
    const id = idOf(client);
    if (typeof id !== 'string' || !id) {
      throw new Error('oauth2orize.deviceCodeCallbacks cannot tell the ID of the authenticated client; set options.clientID');
    }
    return id;
  };

  return {
    async store(record) {
      const created = await devices.create({
        deviceCode: record.deviceCode,
        userCode: record.userCode,
        displayUserCode: record.displayUserCode,
        clientID: clientIDOf(record.client),
        scope: record.scope,
        expiresAt: record.expiresAt,
        interval: record.interval,
      });
      // Two pending user codes alike (a 1 in 2^34 draw per pending code): the device asks again.
      if (!created) throw new TokenError('Could not allocate a user code; try again', 'temporarily_unavailable', undefined, 503);
    },
    async lookup({ userCode }) {
      const record = await devices.findByUserCode(userCode);
      if (!record) return null;
      const client = await findClient(record.clientID);
      if (!client) return null;
      const out: DeviceVerificationRecord<Client> = { client, expiresAt: record.expiresAt, status: record.status };
      if (record.scope) out.scope = record.scope;
      if (record.displayUserCode) out.displayUserCode = record.displayUserCode;
      return out;
    },
    async decide({ userCode, allow, client, user, scope, ares }) {
      if (!allow) return devices.deny(userCode);
      return devices.approve(userCode, grantOf({ user, client, scope, ares }));
    },
    async exchange({ client, deviceCode, body, authInfo }) {
      const poll = await devices.poll(deviceCode, clientIDOf(client));
      if (poll.status === 'approved') {
        return issueTokens({ client, grant: poll.record.grant as Grant, record: poll.record, body, authInfo });
      }
      const [message, code] = POLL_ERRORS[poll.status];
      throw new TokenError(message, code, undefined, 400);
    },
  };
}

function defaultGrant(context: DeviceGrantContext): DeviceGrant {
  const user = context.user as unknown;
  let userID: string | number | null = null;
  if (typeof user === 'string' || typeof user === 'number') userID = user;
  else if (user && typeof user === 'object') {
    const id = (user as Record<string, unknown>).id;
    if (typeof id === 'string' || typeof id === 'number') userID = id;
  }
  const granted = Array.isArray(context.ares?.scope) ? context.ares.scope as string[] : context.scope;
  const out: DeviceGrant = { userID };
  if (granted) out.scope = [...granted];
  return out;
}
