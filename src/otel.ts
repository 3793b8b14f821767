/**
 * `oauth2orize/otel`: OpenTelemetry traces and metrics for an oauth2orize
 * server, from its diagnostics channels. This entry point loads
 * `@opentelemetry/api` (an optional peer dependency); the main entry never
 * does.
 *
 * @packageDocumentation
 */
import diagnostics from 'node:diagnostics_channel';
import { context, metrics, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Meter, Span, Tracer } from '@opentelemetry/api';
import {
  EVENT_CHANNELS, TRACING_CHANNELS, configureDiagnostics,
  type ClientAuthFailedEvent, type DiagnosticsOptions, type EndpointContext, type EndpointName, type PkceFailedEvent,
  type ThrottledEvent,
} from './diagnostics/channels.js';

/**
 * Options of {@link enableOpenTelemetry}.
 *
 * @group Observability
 */
export interface OpenTelemetryOptions {
  /** The tracer. Default: `trace.getTracer('oauth2orize')` of the global tracer provider. */
  tracer?: Tracer;
  /** The meter. Default: `metrics.getMeter('oauth2orize')` of the global meter provider. */
  meter?: Meter;
  /**
   * The `oauth2.client_id` span attribute: `'off'` (default), `'raw'` or
   * `'hash'`, applied through `configureDiagnostics` for the whole process.
   * Metrics never carry a client identifier.
   */
  clientId?: DiagnosticsOptions['clientId'];
  /** The key of the `'hash'` mode (see `configureDiagnostics`). */
  hashKey?: string;
  /** The identifier of a client object (see `configureDiagnostics`). */
  clientIdOf?: DiagnosticsOptions['clientIdOf'];
  /**
   * The identifier of a user object, recorded as `enduser.id` on the spans
   * of the authorization, decision and device verification endpoints.
   * Without it (the default), no user identifier is recorded.
   */
  userId?: DiagnosticsOptions['userId'];
}

/** The endpoints this bridge records; the reserved ones are subscribed to as well, for when they publish. */
const ENDPOINTS = Object.keys(TRACING_CHANNELS) as EndpointName[];

interface Started {
  span: Span;
  began: number;
}

/**
 * Record spans and metrics for every oauth2orize endpoint and security event
 * through `@opentelemetry/api`. Call it once at start-up, after the
 * OpenTelemetry SDK is registered; it returns a function that stops
 * recording.
 *
 * Spans are named `oauth2 <endpoint>` (`oauth2 token`, `oauth2 authorize`,
 * ...), are children of the span active when the endpoint starts (the HTTP
 * server span of the surrounding instrumentation), and carry
 * `oauth2.endpoint`, `oauth2.outcome`, `oauth2.grant_type`,
 * `oauth2.response_type`, `oauth2.error`, and, only when opted in,
 * `oauth2.client_id` and `enduser.id`. A failed request sets the span's
 * status to error, with the OAuth error code as its message; error messages
 * are never recorded.
 *
 * Metrics: `oauth2.request.duration` (histogram, seconds;
 * `oauth2.endpoint`, `oauth2.outcome`), `oauth2.token.issued`
 * (`oauth2.grant_type`), `oauth2.client_auth.failures`
 * (`oauth2.client_auth.method`, `oauth2.client_auth.reason`),
 * `oauth2.throttled` (`oauth2.endpoint`), `oauth2.refresh.reuse_detected`,
 * `oauth2.code.replay_detected`, `oauth2.dpop.rejected`,
 * `oauth2.pkce.failures` (`oauth2.pkce.reason`) and
 * `oauth2.errors.hidden`.
 *
 * @param options The tracer and meter (default: the global ones), and what to record of clients and users.
 * @returns A function that unsubscribes from every channel.
 * @example
 * ```ts
 * import { enableOpenTelemetry } from 'oauth2orize/otel';
 * const disable = enableOpenTelemetry({ clientId: 'hash' });
 * ```
 * @group Observability
 */
export function enableOpenTelemetry(options?: OpenTelemetryOptions): () => void {
  const opts = options || {};
  if (opts.clientId !== undefined || opts.userId !== undefined || opts.clientIdOf !== undefined || opts.hashKey !== undefined) {
    configureDiagnostics({ clientId: opts.clientId, hashKey: opts.hashKey, clientIdOf: opts.clientIdOf, userId: opts.userId });
  }
  const tracer = opts.tracer || trace.getTracer('oauth2orize');
  const meter = opts.meter || metrics.getMeter('oauth2orize');

  const duration: Histogram = meter.createHistogram('oauth2.request.duration', {
    description: 'Duration of OAuth 2.0 endpoint requests, until the endpoint answered or passed the request on.',
    unit: 's',
  });
  const issued: Counter = meter.createCounter('oauth2.token.issued', { description: 'Token responses sent by the token endpoint.' });
  const authFailures = meter.createCounter('oauth2.client_auth.failures', { description: 'Failed client authentications.' });
  const throttled = meter.createCounter('oauth2.throttled', { description: 'Requests refused by a rate limit.' });
  const reuse = meter.createCounter('oauth2.refresh.reuse_detected', { description: 'Rotated refresh tokens presented again.' });
  const replay = meter.createCounter('oauth2.code.replay_detected', { description: 'Authorization codes presented twice.' });
  const dpop = meter.createCounter('oauth2.dpop.rejected', { description: 'DPoP proofs refused.' });
  const pkce = meter.createCounter('oauth2.pkce.failures', { description: 'Token requests that failed their PKCE check.' });
  const hidden = meter.createCounter('oauth2.errors.hidden', { description: 'Internal errors shown to clients as a bare server_error.' });

  const started = new WeakMap<object, Started>();
  const subscriptions: Array<[string, (message: unknown) => void]> = [];
  const on = (name: string, fn: (message: unknown) => void): void => {
    diagnostics.subscribe(name, fn);
    subscriptions.push([name, fn]);
  };

  for (const endpoint of ENDPOINTS) {
    const name = TRACING_CHANNELS[endpoint];
    on(`tracing:${name}:start`, (message) => {
      const ctx = message as EndpointContext;
      const span = tracer.startSpan(`oauth2 ${ctx.endpoint}`, { kind: SpanKind.INTERNAL, attributes: { 'oauth2.endpoint': ctx.endpoint } }, context.active());
      started.set(ctx, { span, began: performance.now() });
    });
    on(`tracing:${name}:asyncEnd`, (message) => {
      const ctx = message as EndpointContext;
      const s = started.get(ctx);
      if (!s) return;
      started.delete(ctx);
      const outcome = ctx.outcome || 'success';
      const attributes: Attributes = { 'oauth2.outcome': outcome };
      if (ctx.grantType) attributes['oauth2.grant_type'] = ctx.grantType;
      if (ctx.responseType) attributes['oauth2.response_type'] = ctx.responseType;
      if (ctx.clientId) attributes['oauth2.client_id'] = ctx.clientId;
      if (ctx.userId) attributes['enduser.id'] = ctx.userId;
      if (ctx.errorCode) attributes['oauth2.error'] = ctx.errorCode;
      s.span.setAttributes(attributes);
      if (outcome === 'error' || outcome === 'aborted') {
        s.span.setStatus({ code: SpanStatusCode.ERROR, message: ctx.errorCode || outcome });
      }
      s.span.end();
      duration.record((performance.now() - s.began) / 1000, { 'oauth2.endpoint': ctx.endpoint, 'oauth2.outcome': outcome });
      if (ctx.endpoint === 'token' && outcome === 'success') {
        issued.add(1, ctx.grantType ? { 'oauth2.grant_type': ctx.grantType } : {});
      }
    });
  }

  on(EVENT_CHANNELS.clientAuthFailed, (message) => {
    const e = (message || {}) as ClientAuthFailedEvent;
    const attributes: Attributes = {};
    if (typeof e.method === 'string') attributes['oauth2.client_auth.method'] = e.method;
    if (typeof e.reason === 'string') attributes['oauth2.client_auth.reason'] = e.reason;
    authFailures.add(1, attributes);
  });
  on(EVENT_CHANNELS.throttled, (message) => {
    const e = (message || {}) as ThrottledEvent;
    throttled.add(1, e.endpoint ? { 'oauth2.endpoint': e.endpoint } : {});
  });
  on(EVENT_CHANNELS.refreshReuse, () => reuse.add(1));
  on(EVENT_CHANNELS.codeReplay, () => replay.add(1));
  on(EVENT_CHANNELS.dpopRejected, () => dpop.add(1));
  on(EVENT_CHANNELS.pkceFailed, (message) => {
    const e = (message || {}) as PkceFailedEvent;
    pkce.add(1, typeof e.reason === 'string' ? { 'oauth2.pkce.reason': e.reason } : {});
  });
  on(EVENT_CHANNELS.error, () => hidden.add(1));

  let enabled = true;
  return function disableOpenTelemetry(): void {
    if (!enabled) return;
    enabled = false;
    for (const [name, fn] of subscriptions) diagnostics.unsubscribe(name, fn);
  };
}

export type { DiagnosticsOptions, EndpointContext, EndpointName } from './diagnostics/channels.js';
