/**
 * The one channel for a server's settings: the options it was created
 * with, the profile resolved from them, its clock, the default
 * `userProperty`, and what it advertises in its RFC 8414 metadata.
 *
 * - Code that holds the server (endpoint factories, transaction stores, the
 *   metadata endpoint) reads {@link settingsOf}`(server)`.
 * - Code that never sees the server (grant modules, exchanges, response
 *   modes) reads what the server attached to the request or transaction:
 *   `profileOf(req)` in `profile.ts`, `clockOf(req)` in `clock.ts`.
 *
 * A server created with none of the newer options (a 1.x-style server) has
 * settings that are not carried: nothing is attached to its requests or
 * transactions, and `profileOf`/`clockOf` answer without a lookup.
 */
import { methodsOf } from '../pkce.js';
import type { UnorderedList } from '../unorderedlist.js';
import type { ServerOptions } from '../types.js';
import { addResponseType, copyFields, emptyAdvertised, mergeFields, type Advertised } from './advertised.js';
import { SETTINGS, carry, type SettingsHolder } from './carrier.js';
import { systemClock, type Clock } from './clock.js';
import { resolveProfile, type Profile } from './profile.js';
import { resolveDpop, type DpopSettings } from './dpop.js';
import { fapi2Dpop } from './fapi2.js';

/** The default request property of the authenticated client or signed-in user, as Passport sets it. */
export const USER_PROPERTY = 'user';

/** A server's settings. */
export interface Settings {
  /** The options given to `createServer` (an empty object if none). */
  readonly options: ServerOptions;
  /** The profile resolved from the options; `undefined` for a 1.x-style server. */
  readonly profile: Profile | undefined;
  /** The server's clock (the `clock` option, else the system clock). */
  readonly clock: Clock;
  /** Where endpoints find the authenticated client or user when their `userProperty` option is not set. */
  readonly userProperty: string;
  /** Whether the settings are attached to requests and transactions: only when the server has a profile or a clock. */
  readonly carried: boolean;
  /** What the server advertises in its metadata. */
  readonly advertised: Advertised;
  /**
   * DPoP at the token endpoint (the `dpop` option), or `undefined` when off.
   * Its `required` field is a plain field: a profile may turn it on.
   */
  readonly dpop?: DpopSettings | undefined;
}

/**
 * Resolve a server's options into its settings. Invalid settings throw a
 * `TypeError`, at construction.
 */
export function createSettings(options: ServerOptions): Settings {
  const clock = options.clock;
  if (clock !== undefined && typeof clock !== 'function') {
    throw new TypeError('oauth2orize: clock must be a function returning milliseconds since the epoch');
  }
  const profile = resolveProfile(options);
  const own = resolveDpop(options.dpop);
  // FAPI 2.0 SP §5.3.2.1: sender-constrained tokens only, so DPoP is on and required.
  const dpop = profile && profile.fapi2 && profile.senderConstrained ? fapi2Dpop(profile.fapi2, options.dpop, own) : own;
  const settings: Settings = {
    options,
    profile,
    clock: clock || systemClock,
    userProperty: USER_PROPERTY,
    carried: profile !== undefined || clock !== undefined || dpop !== undefined,
    advertised: emptyAdvertised(),
    dpop,
  };
  if (dpop) mergeFields(settings.advertised.fields, { dpop_signing_alg_values_supported: [...dpop.algs] });
  if (profile && profile.issuer) {
    mergeFields(settings.advertised.fields, { issuer: profile.issuer, authorization_response_iss_parameter_supported: true });
  }
  if (profile && profile.pkce) mergeFields(settings.advertised.fields, { code_challenge_methods_supported: methodsOf(profile.pkce) });
  return settings;
}

/** Store `settings` as the settings of `server` (non-enumerable, under a private symbol). */
export function installSettings(server: object, settings: Settings): void {
  Object.defineProperty(server, SETTINGS, { value: settings, enumerable: false, configurable: true, writable: true });
}

/** The settings of an object that was never given any (a stand-in server in a unit test, a 1.x plugin's mock). */
const DEFAULTS: Settings = Object.freeze({
  options: Object.freeze({}),
  profile: undefined,
  clock: systemClock,
  userProperty: USER_PROPERTY,
  carried: false,
  advertised: Object.freeze({
    fields: Object.freeze(Object.create(null) as Record<string, unknown>),
    responseTypes: Object.freeze([]) as unknown as UnorderedList[],
    grantTypes: Object.freeze([]) as unknown as string[],
    transactionTypes: Object.freeze([]) as unknown as string[],
  }),
});

/**
 * The settings of `server`; the 1.x defaults for an object that has none
 * (a stand-in server built by hand).
 */
export function settingsOf(server: unknown): Settings {
  const own = server && typeof server === 'object' ? (server as SettingsHolder)[SETTINGS] : undefined;
  return own || DEFAULTS;
}

/** The settings of `server`, created (as for a server with no options) if it has none, for recording into. */
function writableSettingsOf(server: object): Settings {
  let settings = (server as SettingsHolder)[SETTINGS];
  if (!settings) installSettings(server, (settings = createSettings({})));
  return settings;
}

/**
 * Attach the server's settings to a request (before request parsers and
 * exchanges run) or a transaction (before response and error handlers run),
 * so grant modules and exchanges can read them. A no-op for settings that
 * are not carried.
 */
export function carrySettings(target: object | undefined | null, settings: Settings): void {
  if (settings.carried) carry(target, settings);
}

const bareProfiles = new WeakMap<Profile, Settings>();

/**
 * Attach a bare profile (one not resolved by a server) to a request or
 * transaction, as a server with that profile would: for tests of grant
 * modules and exchanges. A no-op without a profile.
 */
export function attachProfile(target: object | undefined | null, profile: Profile | undefined): void {
  if (!profile) return;
  let settings = bareProfiles.get(profile);
  if (!settings) {
    settings = { ...DEFAULTS, profile, carried: true, advertised: emptyAdvertised() };
    bareProfiles.set(profile, settings);
  }
  carry(target, settings);
}

/** Record metadata fields that `server` supports (arrays merge as sets; other values replace). */
export function advertise(server: object, fields: Readonly<Record<string, unknown>>): void {
  mergeFields(writableSettingsOf(server).advertised.fields, fields);
}

/** A copy of the metadata fields recorded for `server` (an empty object if none). */
export function advertised(server: object): Record<string, unknown> {
  return copyFields(settingsOf(server).advertised.fields);
}

/**
 * Record the RFC 8414 fields a grant module or exchange function declares
 * in a `metadata` object property, e.g. `{ code_challenge_methods_supported: ['S256'] }`.
 */
export function recordDeclared(server: object, from: unknown): void {
  const fields = from && (typeof from === 'object' || typeof from === 'function') ? (from as { metadata?: unknown }).metadata : undefined;
  if (fields && typeof fields === 'object' && !Array.isArray(fields)) advertise(server, fields as Record<string, unknown>);
}

/** Record a response type registered with `server.grant()`; `null` (`'*'`) is not one. */
export function recordResponseType(server: object, type: UnorderedList | null): void {
  if (type) addResponseType(writableSettingsOf(server).advertised.responseTypes, type);
}

/** Record a grant type registered with `server.exchange()`; `null` (`'*'`) is not one. */
export function recordGrantType(server: object, type: string | null): void {
  if (!type) return;
  const list = writableSettingsOf(server).advertised.grantTypes;
  if (!list.includes(type)) list.push(type);
}

/**
 * Record that transactions of `type` are made by an endpoint other than the
 * authorization endpoint (the device verification step): the grant
 * registered for it answers decisions, but `type` is no response type a
 * client can request, and the metadata does not list it as one.
 */
export function recordTransactionType(server: object, type: string): void {
  const list = writableSettingsOf(server).advertised.transactionTypes;
  if (!list.includes(type)) list.push(type);
}
