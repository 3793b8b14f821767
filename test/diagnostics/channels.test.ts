/**
 * The diagnostics channels, seen with plain `node:diagnostics_channel`: which
 * endpoints publish, the order of the tracing events, the payloads' shapes,
 * what they say about clients and users, the security events, hidden errors,
 * and that nothing is published when nobody listens.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import request from 'supertest';
import {
  EVENT_CHANNELS, TRACING_CHANNELS, configureDiagnostics, describeClient, isObserved, publishEvent,
  type EndpointContext, type EndpointName,
} from '../../src/index.js';
import { debug } from '../../src/lib/debug.js';
import { buildApp, codeFlow, otherFlows } from './app.js';

const INSTRUMENTED: EndpointName[] = ['authorize', 'decision', 'token', 'device_authorization', 'device_verification', 'par', 'revocation', 'introspection', 'metadata'];
const CONTEXT_KEYS = new Set(['endpoint', 'grantType', 'responseType', 'clientId', 'userId', 'outcome', 'errorCode', 'status', 'error']);
const EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;

/** Subscribe to every event of every tracing channel and to every plain channel; returns what was seen and an unsubscribe. */
function listen() {
  const seen: Array<{ channel: string; event: string; ctx: EndpointContext; snapshot: Record<string, unknown> }> = [];
  const events: Array<{ name: string; payload: Record<string, unknown> }> = [];
  const undo: Array<() => void> = [];
  for (const [endpoint, name] of Object.entries(TRACING_CHANNELS)) {
    for (const event of EVENTS) {
      const fn = (m: unknown) => seen.push({ channel: endpoint, event, ctx: m as EndpointContext, snapshot: { ...(m as object) } });
      diagnostics.subscribe(`tracing:${name}:${event}`, fn);
      undo.push(() => diagnostics.unsubscribe(`tracing:${name}:${event}`, fn));
    }
  }
  for (const name of Object.values(EVENT_CHANNELS)) {
    const fn = (m: unknown) => events.push({ name, payload: m as Record<string, unknown> });
    diagnostics.subscribe(name, fn);
    undo.push(() => diagnostics.unsubscribe(name, fn));
  }
  return { seen, events, stop: () => undo.forEach((f) => f()) };
}

afterEach(() => configureDiagnostics({}));

describe('diagnostics channels', () => {
  it('names one tracing channel per endpoint, the reserved ones included, and the plain channels', () => {
    assert.equal(TRACING_CHANNELS.token, 'oauth2orize:token');
    assert.equal(TRACING_CHANNELS.registration, 'oauth2orize:registration');
    assert.equal(TRACING_CHANNELS.bearer, 'oauth2orize:bearer');
    for (const [endpoint, name] of Object.entries(TRACING_CHANNELS)) assert.equal(name, `oauth2orize:${endpoint}`);
    assert.deepEqual(Object.values(EVENT_CHANNELS).sort(), [
      'oauth2orize:client_auth_failed', 'oauth2orize:code_replay', 'oauth2orize:dpop_rejected', 'oauth2orize:error',
      'oauth2orize:pkce_failed', 'oauth2orize:refresh_reuse_detected', 'oauth2orize:throttled',
    ]);
  });

  it('every instrumented endpoint publishes start, end, asyncStart and asyncEnd on one context object, with the documented fields only', async () => {
    const l = listen();
    try {
      const a = buildApp();
      const { accessToken } = await codeFlow(a);
      await otherFlows(a, accessToken);
    } finally {
      l.stop();
    }
    const endpoints = new Set(l.seen.map((s) => s.channel));
    assert.deepEqual([...endpoints].sort(), [...INSTRUMENTED].sort());
    const byCtx = new Map<EndpointContext, string[]>();
    for (const s of l.seen) {
      byCtx.set(s.ctx, [...(byCtx.get(s.ctx) || []), s.event]);
      assert.equal(s.ctx.endpoint, s.channel);
      for (const key of Object.keys(s.ctx)) assert.ok(CONTEXT_KEYS.has(key), `unexpected field ${key}`);
    }
    for (const [ctx, events] of byCtx) {
      assert.equal(events[0], 'start');
      assert.equal(events.filter((e) => e === 'asyncEnd').length, 1, `${ctx.endpoint}: ${events}`);
      assert.ok(events.includes('end'));
      assert.equal(events.includes('error'), ctx.outcome === 'error' && ctx.error !== undefined, `${ctx.endpoint} ${ctx.outcome}: ${events}`);
      // The descriptive fields are filled by asyncEnd, not at start.
      assert.deepEqual(l.seen.find((s) => s.ctx === ctx && s.event === 'start')!.snapshot, { endpoint: ctx.endpoint });
    }
    const tokens = [...byCtx.keys()].filter((c) => c.endpoint === 'token');
    assert.deepEqual(tokens.map((c) => [c.grantType, c.outcome, c.errorCode]), [
      ['authorization_code', 'success', undefined],
      ['refresh_token', 'success', undefined],
      ['client_credentials', 'success', undefined],
      ['urn:ietf:params:oauth:grant-type:device_code', 'success', undefined],
      ['authorization_code', 'error', 'invalid_grant'],
      // An unregistered grant_type is left out, so that clients cannot create values.
      [undefined, 'error', 'unsupported_grant_type'],
    ]);
    const first = [...byCtx.keys()];
    assert.deepEqual(first.filter((c) => c.endpoint === 'authorize').map((c) => [c.responseType, c.outcome]), [['code', 'continue'], ['code', 'continue'], ['code', 'continue']]);
    assert.deepEqual(first.filter((c) => c.endpoint === 'decision').map((c) => [c.responseType, c.outcome, c.status]), [
      ['code', 'redirect', 302], ['device_code', 'success', 200], ['code', 'redirect', 302],
    ]);
    // Off by default: no client or user identifiers.
    assert.ok(first.every((c) => c.clientId === undefined && c.userId === undefined));
  });

  it('publishes PKCE failures, with the reason and the method, and hidden errors with the original error', async () => {
    const l = listen();
    try {
      const a = buildApp();
      const { accessToken } = await codeFlow(a);
      await otherFlows(a, accessToken);
    } finally {
      l.stop();
    }
    const pkce = l.events.filter((e) => e.name === 'oauth2orize:pkce_failed');
    assert.deepEqual(pkce.map((e) => e.payload), [{ reason: 'mismatch', method: 'S256' }]);
    const hidden = l.events.filter((e) => e.name === 'oauth2orize:error');
    assert.equal(hidden.length, 1);
    assert.equal(hidden[0]!.payload.where, 'errorHandler');
    assert.equal((hidden[0]!.payload.error as Error).message, 'database is down');
  });

  it('a denied decision ends with the outcome denied', async () => {
    const l = listen();
    try {
      const a = buildApp();
      const agent = request.agent(a.app);
      const authz = await agent.get('/authorize').query({ response_type: 'code', client_id: 'web', redirect_uri: a.clients.web.redirectURI }).expect(200);
      await agent.post('/authorize/decision').type('form').send({ transaction_id: authz.body.transactionID, cancel: 'Deny' }).expect(302);
    } finally {
      l.stop();
    }
    const decision = l.seen.find((s) => s.channel === 'decision' && s.event === 'asyncEnd')!;
    assert.equal(decision.ctx.outcome, 'denied');
  });

  it("gives client ids raw or hashed, and user ids only through the app's function", async () => {
    const run = async () => {
      const l = listen();
      try {
        const a = buildApp();
        await codeFlow(a);
        return { a, seen: l.seen.filter((s) => s.event === 'asyncEnd').map((s) => s.ctx) };
      } finally {
        l.stop();
      }
    };
    configureDiagnostics({ clientId: 'raw', userId: (u) => (u as { id: string }).id });
    const raw = await run();
    assert.deepEqual(raw.seen.map((c) => c.clientId), ['web', 'web', 'web', 'web']);
    assert.deepEqual(raw.seen.filter((c) => c.userId).map((c) => [c.endpoint, c.userId]), [['authorize', raw.a.userId], ['decision', raw.a.userId]]);

    configureDiagnostics({ clientId: 'hash', hashKey: 'k1' });
    const hashed = await run();
    const h = hashed.seen[0]!.clientId!;
    assert.match(h, /^[0-9a-f]{16}$/);
    assert.ok(hashed.seen.every((c) => c.clientId === h && c.userId === undefined));
    assert.equal(describeClient({ clientId: 'web' }), h);
    configureDiagnostics({ clientId: 'hash', hashKey: 'k2' });
    assert.notEqual(describeClient('web'), h);

    assert.throws(() => configureDiagnostics({ clientId: 'yes' as 'raw' }), TypeError);
    assert.throws(() => configureDiagnostics({ userId: 'id' as unknown as () => string }), TypeError);
  });

  it('publishEvent publishes typed security events only when someone listens', () => {
    const got: unknown[] = [];
    const fn = (m: unknown) => got.push(m);
    assert.equal(isObserved('clientAuthFailed'), false);
    publishEvent('clientAuthFailed', { reason: 'bad_secret' });
    diagnostics.subscribe(EVENT_CHANNELS.clientAuthFailed, fn);
    try {
      assert.equal(isObserved('clientAuthFailed'), true);
      publishEvent('clientAuthFailed', { method: 'client_secret_basic', reason: 'bad_secret' });
    } finally {
      diagnostics.unsubscribe(EVENT_CHANNELS.clientAuthFailed, fn);
    }
    assert.deepEqual(got, [{ method: 'client_secret_basic', reason: 'bad_secret' }]);
  });

  it('logs a hidden error under DEBUG=oauth2orize, once', async () => {
    const lines: string[] = [];
    const { enabled, log } = debug;
    debug.enabled = true;
    debug.log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    try {
      const a = buildApp();
      await request(a.app).post('/boom').set('Authorization', a.basic(a.clients.web)).expect(500, { error: 'server_error' });
    } finally {
      debug.enabled = enabled;
      debug.log = log;
    }
    const hidden = lines.filter((l) => l.includes('hid an internal error'));
    assert.equal(hidden.length, 1, lines.join('\n'));
    assert.match(hidden[0]!, /database is down/);
  });

  it('with no subscriber, nothing is published and the handler runs unwrapped', async () => {
    const names = Object.values(TRACING_CHANNELS).flatMap((n) => EVENTS.map((e) => `tracing:${n}:${e}`));
    let published = 0;
    const patched = names.map((name) => {
      const ch = diagnostics.channel(name);
      const original = ch.publish;
      ch.publish = function (this: typeof ch, m: unknown) { published++; return original.call(this, m); };
      return () => { ch.publish = original; };
    });
    try {
      const a = buildApp();
      await request(a.app).post('/token').set('Authorization', a.basic(a.clients.web)).type('form').send({ grant_type: 'client_credentials' }).expect(200);
      assert.equal(published, 0);
      const fn = () => {};
      diagnostics.subscribe(`tracing:${TRACING_CHANNELS.token}:asyncEnd`, fn);
      try {
        await request(a.app).post('/token').set('Authorization', a.basic(a.clients.web)).type('form').send({ grant_type: 'client_credentials' }).expect(200);
      } finally {
        diagnostics.unsubscribe(`tracing:${TRACING_CHANNELS.token}:asyncEnd`, fn);
      }
      assert.equal(published, 4, 'start, end, asyncStart and asyncEnd once a subscriber listens');
    } finally {
      patched.forEach((undo) => undo());
    }
  });

  it('keeps the name and arity of the middleware it wraps', () => {
    const a = buildApp();
    const token = a.server.token();
    assert.equal(token.name, 'token');
    assert.equal(token.length, 3);
  });
});
