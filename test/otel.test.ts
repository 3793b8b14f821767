/**
 * The OpenTelemetry bridge (`oauth2orize/otel`), with the SDK's in-memory
 * exporters: the span and metrics of each endpoint, the security-event
 * counters, no secret in anything recorded, unsubscribing, and that the main
 * entry never loads `@opentelemetry/api`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import request from 'supertest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { SpanStatusCode } from '@opentelemetry/api';
import { enableOpenTelemetry, type OpenTelemetryOptions } from '../src/otel.js';
import { configureDiagnostics, publishEvent, describeClient } from '../src/index.js';
import { buildApp, codeFlow, otherFlows } from './diagnostics/app.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A metric reader collected on demand. */
class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> { return Promise.resolve(); }
  protected override onShutdown(): Promise<void> { return Promise.resolve(); }
}

interface Point { name: string; attributes: Record<string, unknown>; value: unknown }

/** Enable the bridge on fresh in-memory providers. */
function record(options: OpenTelemetryOptions = {}) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const disable = enableOpenTelemetry({ ...options, tracer: tracerProvider.getTracer('test'), meter: meterProvider.getMeter('test') });
  return {
    disable,
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    async points(): Promise<Point[]> {
      const { resourceMetrics } = (await reader.collect()) as { resourceMetrics: ResourceMetrics };
      return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.flatMap((m) =>
        m.dataPoints.map((p) => ({ name: m.descriptor.name, attributes: { ...p.attributes }, value: p.value as unknown }))));
    },
  };
}

const sum = (points: Point[], name: string, attributes?: Record<string, unknown>) =>
  points.filter((p) => p.name === name && (!attributes || Object.entries(attributes).every(([k, v]) => p.attributes[k] === v)))
    .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : (p.value as { count: number }).count), 0);

describe('oauth2orize/otel', () => {
  let r: ReturnType<typeof record>;
  let a: ReturnType<typeof buildApp>;
  let points: Point[];

  before(async () => {
    r = record();
    a = buildApp();
    const { accessToken } = await codeFlow(a);
    await otherFlows(a, accessToken);
    points = await r.points();
  });
  after(() => {
    r.disable();
    configureDiagnostics({});
  });

  const spansOf = (endpoint: string) => r.spans().filter((s) => s.name === `oauth2 ${endpoint}`);

  it('token: one span per request with the grant type, status error on failure, and oauth2.token.issued by grant type', () => {
    const spans = spansOf('token');
    assert.deepEqual(spans.map((s) => [s.attributes['oauth2.grant_type'], s.attributes['oauth2.outcome'], s.attributes['oauth2.error']]), [
      ['authorization_code', 'success', undefined],
      ['refresh_token', 'success', undefined],
      ['client_credentials', 'success', undefined],
      ['urn:ietf:params:oauth:grant-type:device_code', 'success', undefined],
      ['authorization_code', 'error', 'invalid_grant'],
      [undefined, 'error', 'unsupported_grant_type'],
    ]);
    assert.deepEqual(spans.map((s) => s.status.code), [1, 1, 1, 1, 2, 2].map((c) => (c === 2 ? SpanStatusCode.ERROR : SpanStatusCode.UNSET)));
    assert.equal(spans[4]!.status.message, 'invalid_grant');
    assert.equal(sum(points, 'oauth2.token.issued'), 4);
    for (const g of ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']) {
      assert.equal(sum(points, 'oauth2.token.issued', { 'oauth2.grant_type': g }), 1, g);
    }
    assert.equal(sum(points, 'oauth2.request.duration', { 'oauth2.endpoint': 'token', 'oauth2.outcome': 'success' }), 4);
    assert.equal(sum(points, 'oauth2.request.duration', { 'oauth2.endpoint': 'token', 'oauth2.outcome': 'error' }), 2);
  });

  it('authorize and decision: the response type and outcome; a histogram point per endpoint and outcome', () => {
    assert.deepEqual(spansOf('authorize').map((s) => [s.attributes['oauth2.response_type'], s.attributes['oauth2.outcome']]), [
      ['code', 'continue'], ['code', 'continue'], ['code', 'continue'],
    ]);
    assert.deepEqual(spansOf('decision').map((s) => [s.attributes['oauth2.response_type'], s.attributes['oauth2.outcome']]), [
      ['code', 'redirect'], ['device_code', 'success'], ['code', 'redirect'],
    ]);
    assert.equal(sum(points, 'oauth2.request.duration', { 'oauth2.endpoint': 'authorize', 'oauth2.outcome': 'continue' }), 3);
    assert.equal(sum(points, 'oauth2.request.duration', { 'oauth2.endpoint': 'decision', 'oauth2.outcome': 'redirect' }), 2);
  });

  for (const endpoint of ['device_authorization', 'device_verification', 'par', 'revocation', 'introspection', 'metadata']) {
    it(`${endpoint}: one span and one duration point`, () => {
      const spans = spansOf(endpoint);
      assert.equal(spans.length, 1);
      assert.equal(spans[0]!.attributes['oauth2.endpoint'], endpoint);
      const outcome = endpoint === 'device_verification' ? 'continue' : 'success';
      assert.equal(spans[0]!.attributes['oauth2.outcome'], outcome);
      assert.equal(sum(points, 'oauth2.request.duration', { 'oauth2.endpoint': endpoint, 'oauth2.outcome': outcome }), 1);
    });
  }

  it('durations are in seconds', () => {
    const p = points.find((x) => x.name === 'oauth2.request.duration')!;
    const v = p.value as { sum: number; count: number };
    assert.ok(v.sum / v.count < 5, `mean ${v.sum / v.count}`);
  });

  it('counts PKCE failures and hidden errors', () => {
    assert.equal(sum(points, 'oauth2.pkce.failures', { 'oauth2.pkce.reason': 'mismatch' }), 1);
    assert.equal(sum(points, 'oauth2.errors.hidden'), 1);
  });

  it('records no token, secret, code, verifier, user id or session secret in any span or metric', () => {
    const recorded: string[] = [];
    for (const s of r.spans()) {
      recorded.push(s.name, ...Object.entries(s.attributes).flatMap(([k, v]) => [k, String(v)]));
      if (s.status.message) recorded.push(s.status.message);
      for (const e of s.events) recorded.push(e.name, JSON.stringify(e.attributes ?? {}));
    }
    for (const p of points) recorded.push(p.name, JSON.stringify(p.attributes));
    const text = recorded.join('\n');
    assert.ok(a.secrets.length > 15, `secrets of the run: ${a.secrets.length}`);
    for (const secret of a.secrets) assert.ok(!text.includes(secret), `recorded: ${secret}`);
  });
});

describe('oauth2orize/otel options', () => {
  it('records oauth2.client_id and enduser.id only when opted in, which the secret check would catch', async () => {
    const r = record({ clientId: 'raw', userId: (u) => (u as { id: string }).id });
    try {
      const a = buildApp();
      await codeFlow(a);
      const decision = r.spans().find((s) => s.name === 'oauth2 decision')!;
      assert.equal(decision.attributes['oauth2.client_id'], 'web');
      assert.equal(decision.attributes['enduser.id'], a.userId);
      assert.ok(a.secrets.includes(a.userId));
      // Metrics never carry client or user identifiers.
      assert.ok((await r.points()).every((p) => !JSON.stringify(p.attributes).includes(a.userId) && !('oauth2.client_id' in p.attributes)));
    } finally {
      r.disable();
      configureDiagnostics({});
    }
  });

  it('counts the security events that middleware and apps publish', async () => {
    const r = record({ clientId: 'hash' });
    try {
      publishEvent('clientAuthFailed', { clientId: describeClient('web'), method: 'client_secret_basic', reason: 'bad_secret' });
      publishEvent('refreshReuse', { familyRevoked: true });
      publishEvent('throttled', { endpoint: 'token', retryAfter: 3 });
      publishEvent('codeReplay', {});
      publishEvent('dpopRejected', { reason: 'bad_signature' });
      const points = await r.points();
      assert.equal(sum(points, 'oauth2.client_auth.failures', { 'oauth2.client_auth.method': 'client_secret_basic', 'oauth2.client_auth.reason': 'bad_secret' }), 1);
      assert.equal(sum(points, 'oauth2.refresh.reuse_detected'), 1);
      assert.equal(sum(points, 'oauth2.throttled', { 'oauth2.endpoint': 'token' }), 1);
      assert.equal(sum(points, 'oauth2.code.replay_detected'), 1);
      assert.equal(sum(points, 'oauth2.dpop.rejected'), 1);
    } finally {
      r.disable();
      configureDiagnostics({});
    }
  });

  it('stops recording when the returned function is called', async () => {
    const r = record();
    const a = buildApp();
    r.disable();
    r.disable();
    await request(a.app).post('/token').set('Authorization', a.basic(a.clients.web)).type('form').send({ grant_type: 'client_credentials' }).expect(200);
    assert.equal(r.spans().length, 0);
    assert.equal(sum(await r.points(), 'oauth2.token.issued'), 0);
  });
});

describe('the main entry and @opentelemetry/api', () => {
  it('importing or requiring oauth2orize does not load @opentelemetry/api; oauth2orize/otel does', () => {
    const esm = pathToFileURL(path.join(root, 'dist', 'esm', 'index.js')).href;
    const esmOtel = pathToFileURL(path.join(root, 'dist', 'esm', 'otel.js')).href;
    const hook = 'data:text/javascript,' + encodeURIComponent(
      'export async function resolve(s, c, next) { if (s.startsWith("@opentelemetry/")) console.log("LOADED " + s); return next(s, c); }');
    const script = [
      'import { register } from "node:module";',
      `register(${JSON.stringify(hook)});`,
      `await import(${JSON.stringify(esm)});`,
      'console.log("MAIN DONE");',
      `await import(${JSON.stringify(esmOtel)});`,
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_V8_COVERAGE: '' } });
    const [main, otel] = out.split('MAIN DONE');
    assert.doesNotMatch(main!, /LOADED/);
    assert.match(otel!, /LOADED @opentelemetry\/api/);

    const cjs = execFileSync(process.execPath, ['-e', [
      `require(${JSON.stringify(path.join(root, 'dist', 'cjs', 'main.cjs'))});`,
      'const before = Object.keys(require.cache).filter((k) => k.includes("@opentelemetry")).length;',
      `require(${JSON.stringify(path.join(root, 'dist', 'cjs', 'otel.js'))});`,
      'const after = Object.keys(require.cache).filter((k) => k.includes("@opentelemetry")).length;',
      'console.log(JSON.stringify({ before, after }));',
    ].join('\n')], { encoding: 'utf8', env: { ...process.env, NODE_V8_COVERAGE: '' } });
    const counts = JSON.parse(cjs) as { before: number; after: number };
    assert.equal(counts.before, 0);
    assert.ok(counts.after > 0);
  });
});

describe('the trace picture in docs/guides/observability.md', () => {
  it('is drawn from the spans of one real code flow (writes docs/images/otel-code-flow.svg)', async () => {
    const r = record();
    try {
      const a = buildApp();
      await codeFlow(a);
      const spans = r.spans();
      assert.deepEqual(spans.map((s) => s.name), ['oauth2 authorize', 'oauth2 decision', 'oauth2 token', 'oauth2 token']);
      fs.mkdirSync(path.join(root, 'docs', 'images'), { recursive: true });
      fs.writeFileSync(path.join(root, 'docs', 'images', 'otel-code-flow.svg'), waterfall(spans));
    } finally {
      r.disable();
    }
  });
});

/** An SVG waterfall of spans: one row each, bars placed by start time and sized by duration, attributes beside. */
function waterfall(spans: ReadableSpan[]): string {
  const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;
  const t0 = Math.min(...spans.map((s) => ms(s.startTime)));
  const t1 = Math.max(...spans.map((s) => ms(s.endTime)));
  const total = Math.max(t1 - t0, 0.001);
  const left = 150, width = 420, row = 34, top = 40;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const rows = spans.map((s, i) => {
    const x = left + ((ms(s.startTime) - t0) / total) * width;
    const w = Math.max((ms(s.endTime) - ms(s.startTime)) / total * width, 2);
    const y = top + i * row;
    const attrs = Object.entries(s.attributes).filter(([k]) => k !== 'oauth2.endpoint').map(([k, v]) => `${k}=${v}`).join('  ');
    const d = (ms(s.endTime) - ms(s.startTime)).toFixed(2);
    return `<text x="10" y="${y + 14}">${esc(s.name)}</text>` +
      `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="18" rx="3" fill="${s.status.code === SpanStatusCode.ERROR ? '#d9534f' : '#4a90d9'}"/>` +
      `<text x="${left + width + 10}" y="${y + 14}">${d} ms</text>` +
      `<text x="${left}" y="${y + 30}" class="attrs">${esc(attrs)}</text>`;
  });
  const height = top + spans.length * row + 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="${height}" font-family="sans-serif" font-size="12">` +
    '<style>.attrs{font-size:10px;fill:#555}</style><rect width="100%" height="100%" fill="#fff"/>' +
    `<text x="10" y="20" font-weight="bold">One code flow with PKCE, then a refresh (in-memory exporter; ${total.toFixed(1)} ms in all)</text>` +
    rows.join('') + '</svg>\n';
}
