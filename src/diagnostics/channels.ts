/**
 * The package's `node:diagnostics_channel` channels: one tracing channel per
 * endpoint, and plain channels for security events and hidden errors. Their
 * names and payloads are public API; nothing is published on a channel that
 * has no subscriber, so they cost nothing when unused.
 *
 * What a payload may say about a client or a user is chosen once per process
 * with {@link configureDiagnostics}: client identifiers are off by default,
 * user identifiers appear only through an app-given function, and tokens,
 * secrets, codes and assertions never appear.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Channel } from 'node:diagnostics_channel';
import { createHmac, randomBytes } from 'node:crypto';
import { callbackDiagnostics } from '../lib/callback.js';
import { clientIdOf } from '../lib/clientId.js';

/**
 * The endpoints that publish on a tracing channel, by the `endpoint` field of
 * their context. `registration` is the dynamic client registration
 * endpoint; `bearer` is the resource side's bearer-token middleware.
 *
 * @group Observability
 */
export type EndpointName =
  | 'authorize'
  | 'resume'
  | 'decision'
  | 'token'
  | 'device_authorization'
  | 'device_verification'
  | 'par'
  | 'revocation'
  | 'introspection'
  | 'metadata'
  | 'registration'
  | 'bearer';

/**
 * The names of the tracing channels, by endpoint: `oauth2orize:<endpoint>`.
 * Subscribe with `diagnostics_channel.tracingChannel(name).subscribe({...})`,
 * or to one event with `diagnostics_channel.subscribe('tracing:' + name + ':asyncEnd', fn)`.
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel';
 * import { TRACING_CHANNELS, type EndpointContext } from 'oauth2orize';
 * diagnostics.subscribe(`tracing:${TRACING_CHANNELS.token}:asyncEnd`, (message) => {
 *   const ctx = message as EndpointContext;
 *   console.log(ctx.grantType, ctx.outcome, ctx.errorCode);
 * });
 * ```
 * @group Observability
 */
export const TRACING_CHANNELS: Readonly<Record<EndpointName, string>> = Object.freeze({
  authorize: 'oauth2orize:authorize',
  resume: 'oauth2orize:resume',
  decision: 'oauth2orize:decision',
  token: 'oauth2orize:token',
  device_authorization: 'oauth2orize:device_authorization',
  device_verification: 'oauth2orize:device_verification',
  par: 'oauth2orize:par',
  revocation: 'oauth2orize:revocation',
  introspection: 'oauth2orize:introspection',
  metadata: 'oauth2orize:metadata',
  registration: 'oauth2orize:registration',
  bearer: 'oauth2orize:bearer',
});

/**
 * How a request to an endpoint ended:
 * - `success`: the endpoint answered with a 2xx status;
 * - `redirect`: it answered with a 3xx status (an authorization response);
 * - `denied`: the user denied the request at the decision endpoint;
 * - `continue`: it handed the request to the next middleware without an
 *   error (the authorization endpoint, before the consent page);
 * - `error`: it passed an error on, or answered with a 4xx or 5xx status;
 * - `aborted`: the connection closed before an answer.
 *
 * @group Observability
 */
export type Outcome = 'success' | 'redirect' | 'denied' | 'continue' | 'error' | 'aborted';

/**
 * The context object published on an endpoint's tracing channel. The same
 * object goes through `start`, `end`, `error`, `asyncStart` and `asyncEnd`;
 * the fields after `endpoint` are filled when the request ends, before
 * `error`/`asyncStart`/`asyncEnd` are published.
 *
 * @group Observability
 */
export interface EndpointContext {
  /** The endpoint. */
  endpoint: EndpointName;
  /** Token endpoint: the `grant_type`, when an exchange is registered for it (unregistered values are left out, so that a client cannot create new values). */
  grantType?: string;
  /** Authorization, decision and resume endpoints: the response type of the transaction. */
  responseType?: string;
  /** The client, as {@link DiagnosticsOptions.clientId} chooses (absent by default). */
  clientId?: string;
  /** The user, only when the app gives {@link DiagnosticsOptions.userId}. */
  userId?: string;
  /** How the request ended. */
  outcome?: Outcome;
  /** The OAuth error code of a failure (`invalid_grant`, ...); `server_error` for an error without one. */
  errorCode?: string;
  /** The status written, when the endpoint answered itself. */
  status?: number;
  /** The error the endpoint passed on or threw, as TracingChannel subscribers expect it. Its message may say more than the client is shown; log it, do not send it on. */
  error?: unknown;
}

/**
 * The names of the plain channels:
 * - `clientAuthFailed`: a client failed to authenticate ({@link ClientAuthFailedEvent});
 * - `throttled`: a request was refused by a rate limit ({@link ThrottledEvent});
 * - `refreshReuse`: a refresh token was used again after rotation ({@link RefreshReuseEvent}), raised by `rotateRefreshTokens`;
 * - `codeReplay`: an authorization code was presented twice ({@link CodeReplayEvent}), raised by `redeemCodes`;
 * - `dpopRejected`: a DPoP proof was refused ({@link DpopRejectedEvent}); reserved, not raised yet;
 * - `pkceFailed`: a token request failed its PKCE check ({@link PkceFailedEvent});
 * - `error`: an error hidden from the client by `exposeErrors: false` ({@link HiddenErrorEvent}).
 *
 * @group Observability
 */
export const EVENT_CHANNELS = Object.freeze({
  /** A client failed to authenticate. */
  clientAuthFailed: 'oauth2orize:client_auth_failed',
  /** A request was refused by a rate limit. */
  throttled: 'oauth2orize:throttled',
  /** A rotated refresh token was used again. */
  refreshReuse: 'oauth2orize:refresh_reuse_detected',
  /** An authorization code was presented twice. */
  codeReplay: 'oauth2orize:code_replay',
  /** A DPoP proof was refused (reserved). */
  dpopRejected: 'oauth2orize:dpop_rejected',
  /** A token request failed its PKCE check. */
  pkceFailed: 'oauth2orize:pkce_failed',
  /** An internal error was hidden from the client. */
  error: 'oauth2orize:error',
  /** An app callback was misused: a result returned without `done`, a Promise that never answers, a result of the wrong shape. */
  callbackMisuse: 'oauth2orize:callback_misuse',
} as const);

/**
 * A client failed to authenticate at an endpoint.
 *
 * @group Observability
 */
export interface ClientAuthFailedEvent {
  /** The client it claimed to be, as {@link DiagnosticsOptions.clientId} chooses. */
  clientId?: string;
  /** The authentication method tried (`client_secret_basic`, `private_key_jwt`, ...). */
  method?: string;
  /** A short, fixed reason (`unknown_client`, `bad_secret`, `bad_assertion`, ...); never the secret or assertion. */
  reason?: string;
}

/**
 * A request was refused by a rate limit.
 *
 * @group Observability
 */
export interface ThrottledEvent {
  /** The endpoint. */
  endpoint?: EndpointName;
  /** The client, as {@link DiagnosticsOptions.clientId} chooses. */
  clientId?: string;
  /** Seconds the client was told to wait. */
  retryAfter?: number;
}

/**
 * A refresh token was presented again after it had been rotated.
 *
 * @group Observability
 */
export interface RefreshReuseEvent {
  /** The client, as {@link DiagnosticsOptions.clientId} chooses. */
  clientId?: string;
  /** Whether the whole token family was revoked in answer. */
  familyRevoked?: boolean;
}

/**
 * An authorization code that was valid was presented again, by a request
 * that otherwise checked out (`redeemCodes`).
 *
 * @group Observability
 */
export interface CodeReplayEvent {
  /** The client, as {@link DiagnosticsOptions.clientId} chooses. */
  clientId?: string;
  /** Whether the tokens issued for the code were revoked in answer. */
  tokensRevoked?: boolean;
}

/**
 * A DPoP proof was refused (reserved: nothing raises it yet).
 *
 * @group Observability
 */
export interface DpopRejectedEvent {
  /** The endpoint. */
  endpoint?: EndpointName;
  /** The client, as {@link DiagnosticsOptions.clientId} chooses. */
  clientId?: string;
  /** A short, fixed reason; never the proof. */
  reason?: string;
}

/**
 * Why a PKCE check failed.
 *
 * @group Observability
 */
export type PkceFailureReason =
  | 'malformed_verifier'
  | 'missing_verifier'
  | 'unexpected_verifier'
  | 'challenge_required'
  | 'mismatch';

/**
 * A token request failed its PKCE check (RFC 7636 §4.6).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 * @group Observability
 */
export interface PkceFailedEvent {
  /** The client, as {@link DiagnosticsOptions.clientId} chooses. */
  clientId?: string;
  /** Why. */
  reason: PkceFailureReason;
  /** The challenge method stored with the code (`S256`, `plain`), when there was a challenge. */
  method?: string;
}

/**
 * An error that the client saw only as a bare `server_error`, because the
 * server hides internal errors (`exposeErrors: false`, on when hardened).
 *
 * @group Observability
 */
export interface HiddenErrorEvent {
  /** The original error: log it; it may carry anything the app or a library put in it. */
  error: unknown;
  /** Where it was hidden: `'errorHandler'` (JSON or redirect) or `'authorization'` (a grant's error response). */
  where: 'errorHandler' | 'authorization';
}

/**
 * Payload of `oauth2orize:callback_misuse`: an app callback answered in a way
 * the package had to guess at or refuse. It names the callback, never the
 * values it returned.
 *
 * @group Observability
 */
export interface CallbackMisuseEvent {
  /**
   * `'returned'`: a positional callback returned a result without calling
   * `done` (used as the result); `'resolved'`: its Promise resolved a value
   * without `done` (used); `'unsettled'`: its Promise resolved nothing and
   * `done` never came (the request fails with `server_error`); `'shape'`: a
   * result of the wrong shape (refused).
   */
  kind: 'returned' | 'resolved' | 'unsettled' | 'shape';
  /** The callback's function name, or `'anonymous'`. */
  callback: string;
  /** Its declared number of parameters (`-1` when unknown). */
  arity: number;
  /** What happened, as the DEBUG line says it. */
  message: string;
}

/**
 * The payload of each plain channel, by its key in {@link EVENT_CHANNELS}.
 *
 * @group Observability
 */
export interface SecurityEvents {
  /** See {@link ClientAuthFailedEvent}. */
  clientAuthFailed: ClientAuthFailedEvent;
  /** See {@link ThrottledEvent}. */
  throttled: ThrottledEvent;
  /** See {@link RefreshReuseEvent}. */
  refreshReuse: RefreshReuseEvent;
  /** See {@link CodeReplayEvent}. */
  codeReplay: CodeReplayEvent;
  /** See {@link DpopRejectedEvent}. */
  dpopRejected: DpopRejectedEvent;
  /** See {@link PkceFailedEvent}. */
  pkceFailed: PkceFailedEvent;
  /** See {@link HiddenErrorEvent}. */
  error: HiddenErrorEvent;
  /** See {@link CallbackMisuseEvent}. */
  callbackMisuse: CallbackMisuseEvent;
}

/**
 * What the channels' payloads say about clients and users, for the whole
 * process (the channels are process-wide too).
 *
 * @group Observability
 */
export interface DiagnosticsOptions {
  /**
   * The `clientId` field: `'off'` (default) leaves it out; `'raw'` gives the
   * client's identifier; `'hash'` gives the first 16 hex digits of an
   * HMAC-SHA-256 of it, keyed by {@link DiagnosticsOptions.hashKey}.
   */
  clientId?: 'off' | 'raw' | 'hash';
  /**
   * The key of the `'hash'` mode. Default: random, drawn once per process
   * (hashes then match within a process only; give the same key to every
   * instance to compare them across instances).
   */
  hashKey?: string;
  /**
   * The identifier of a client object. Default: the first non-empty string
   * among `client.id`, `client.clientId`, `client.clientID`, `client.client_id`.
   */
  clientIdOf?: (client: unknown) => string | undefined;
  /**
   * The identifier of a user object, to fill `userId`. Without it (the
   * default), no user identifier is published.
   */
  userId?: (user: unknown) => string | undefined;
}

interface Resolved {
  clientId: 'off' | 'raw' | 'hash';
  hashKey: string;
  clientIdOf: (client: unknown) => string | undefined;
  userId: ((user: unknown) => string | undefined) | undefined;
}

function defaultClientIdOf(client: unknown): string | undefined {
  if (typeof client === 'string') return client || undefined;
  return clientIdOf(client);
}

/**
 * The process's choice, kept on `globalThis` under a registered symbol: the
 * ES module and CommonJS builds of the package (and of `oauth2orize/otel`)
 * can both be loaded in one process, and must share it as they share the
 * channels.
 */
interface Shared {
  config: Resolved;
  /** Hashes already computed, by client identifier (bounded). */
  hashes: Map<string, string>;
  defaultKey: string;
}

const SHARED = Symbol.for('oauth2orize.diagnostics');
const holder = globalThis as unknown as Record<symbol, Shared | undefined>;
const shared: Shared = holder[SHARED] || (holder[SHARED] = freshShared());

function freshShared(): Shared {
  const defaultKey = randomBytes(32).toString('hex');
  return { config: { clientId: 'off', hashKey: defaultKey, clientIdOf: defaultClientIdOf, userId: undefined }, hashes: new Map(), defaultKey };
}

const MAX_HASHES = 1000;

/**
 * Choose what the channels' payloads say about clients and users, for the
 * whole process. Each call replaces the previous choice; `{}` restores the
 * defaults (no client or user identifiers).
 *
 * @param options See {@link DiagnosticsOptions}.
 * @example
 * ```ts
 * oauth2orize.configureDiagnostics({ clientId: 'hash', hashKey: process.env.DIAG_KEY });
 * ```
 * @group Observability
 */
export function configureDiagnostics(options: DiagnosticsOptions): void {
  const o = options || {};
  const mode = o.clientId ?? 'off';
  if (mode !== 'off' && mode !== 'raw' && mode !== 'hash') {
    throw new TypeError("oauth2orize.configureDiagnostics: clientId must be 'off', 'raw' or 'hash'");
  }
  if (o.userId !== undefined && typeof o.userId !== 'function') {
    throw new TypeError('oauth2orize.configureDiagnostics: userId must be a function of the user');
  }
  if (o.clientIdOf !== undefined && typeof o.clientIdOf !== 'function') {
    throw new TypeError('oauth2orize.configureDiagnostics: clientIdOf must be a function of the client');
  }
  shared.config = { clientId: mode, hashKey: o.hashKey || shared.defaultKey, clientIdOf: o.clientIdOf || defaultClientIdOf, userId: o.userId };
  shared.hashes = new Map();
}

/**
 * The `clientId` to put in a payload, for a client object or identifier, as
 * {@link configureDiagnostics} chose: `undefined` when off or unknown.
 *
 * @param client The client object (or its identifier).
 * @group Observability
 */
export function describeClient(client: unknown): string | undefined {
  const config = shared.config;
  if (config.clientId === 'off' || client === undefined || client === null) return undefined;
  let id: string | undefined;
  try {
    id = config.clientIdOf(client);
  } catch {
    return undefined;
  }
  if (typeof id !== 'string' || !id) return undefined;
  if (config.clientId === 'raw') return id;
  const hashes = shared.hashes;
  let hash = hashes.get(id);
  if (hash === undefined) {
    hash = createHmac('sha256', config.hashKey).update(id).digest('hex').slice(0, 16);
    if (hashes.size >= MAX_HASHES) hashes.clear();
    hashes.set(id, hash);
  }
  return hash;
}

/** The `userId` field for a user object, only when the app opted in. */
export function userIdFor(user: unknown): string | undefined {
  const of = shared.config.userId;
  if (!of || user === undefined || user === null || user === false) return undefined;
  try {
    const id = of(user);
    return typeof id === 'string' && id ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The five channels of a tracing channel, built by name so that this works on every Node version the package supports. */
export interface Tracing {
  readonly start: Channel;
  readonly end: Channel;
  readonly asyncStart: Channel;
  readonly asyncEnd: Channel;
  readonly error: Channel;
}

function tracing(name: string): Tracing {
  return {
    start: diagnostics.channel(`tracing:${name}:start`),
    end: diagnostics.channel(`tracing:${name}:end`),
    asyncStart: diagnostics.channel(`tracing:${name}:asyncStart`),
    asyncEnd: diagnostics.channel(`tracing:${name}:asyncEnd`),
    error: diagnostics.channel(`tracing:${name}:error`),
  };
}

const tracings = new Map<EndpointName, Tracing>();

/** The tracing channel of an endpoint (one per name, for the process). */
export function tracingOf(endpoint: EndpointName): Tracing {
  let t = tracings.get(endpoint);
  if (!t) tracings.set(endpoint, (t = tracing(TRACING_CHANNELS[endpoint])));
  return t;
}

/** Whether anyone listens on any event of a tracing channel. */
export function isTraced(t: Tracing): boolean {
  return t.start.hasSubscribers || t.asyncEnd.hasSubscribers || t.error.hasSubscribers || t.end.hasSubscribers || t.asyncStart.hasSubscribers;
}

const events = new Map<keyof SecurityEvents, Channel>();

/** The plain channel of an event. */
export function eventChannel(kind: keyof SecurityEvents): Channel {
  let ch = events.get(kind);
  if (!ch) events.set(kind, (ch = diagnostics.channel(EVENT_CHANNELS[kind])));
  return ch;
}

/**
 * Whether anyone listens for an event: check it before building the
 * payload, so that nothing is allocated when nobody does.
 *
 * @param kind The event, by its key in {@link EVENT_CHANNELS}.
 * @group Observability
 */
export function isObserved(kind: keyof SecurityEvents): boolean {
  return eventChannel(kind).hasSubscribers;
}

/**
 * Publish a security event, for middleware and apps that detect one
 * (a client-authentication middleware, a rate limiter, a refresh exchange
 * that rotates tokens). A no-op when nobody listens. Give `clientId` through
 * {@link describeClient}, so that the process's choice applies.
 *
 * @param kind The event, by its key in {@link EVENT_CHANNELS}.
 * @param payload Its payload; never a token, secret, code or assertion.
 * @example
 * ```ts
 * // in a refresh exchange that detects a reused, rotated refresh token
 * oauth2orize.publishEvent('refreshReuse', { clientId: oauth2orize.describeClient(client), familyRevoked: true });
 * ```
 * @group Observability
 */
export function publishEvent<K extends keyof SecurityEvents>(kind: K, payload: SecurityEvents[K]): void {
  const ch = eventChannel(kind);
  if (ch.hasSubscribers) ch.publish(payload);
}

// Misused app callbacks are detected in lib/callback.ts, below this module;
// it reports them through this hook, which publishes them here.
callbackDiagnostics.onMisuse = (event) => {
  publishEvent('callbackMisuse', { kind: event.kind, callback: event.name, arity: event.arity, message: event.message });
};

// Every channel is created, and held, when this module loads. Node 20's
// registry of named channels holds them weakly: a channel that a subscriber
// created by name, left and was collected can, when its cleanup runs late,
// unregister a newer channel of the same name, so that the endpoint publishes
// on an object no later subscriber reaches (fixed upstream in nodejs/node#59910).
// Channels created here first and never released are never collected.
for (const endpoint of Object.keys(TRACING_CHANNELS) as EndpointName[]) tracingOf(endpoint);
for (const kind of Object.keys(EVENT_CHANNELS) as Array<keyof SecurityEvents>) eventChannel(kind);
