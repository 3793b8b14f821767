// What observing the endpoints costs, in process: the token endpoint
// (client_credentials) and the code-flow decision of this package's build,
// with nobody listening on the diagnostics channels, with a plain
// diagnostics_channel subscriber that does nothing (the cost of the channels
// themselves), and with the OpenTelemetry bridge (`oauth2orize/otel`) on a
// real SDK: a BasicTracerProvider with a BatchSpanProcessor and a no-op
// exporter, and a MeterProvider with a metric reader.
//
// The three arms use the same middleware instances in one process, in
// alternating rounds: a subscriber is added before its round and removed
// after it (the functions `enableOpenTelemetry()` and `subscribe` return).
// Every arm uses the mock response that emits 'finish' (bench/mock.mjs), so
// the traced requests end their spans as behind a real server.
//
//   node bench/otel.mjs [--rounds N] [--ms M] [--json]
//
// bench/run.mjs runs it as a child process (--json: the last line of stdout
// is `RESULT <json>`), so that a failure here cannot stop the other sections.
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import os from 'node:os';
import { setImmediate as tick } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import oauth2orize, { TRACING_CHANNELS } from 'oauth2orize';
import { enableOpenTelemetry } from 'oauth2orize/otel';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { CASES, median, quantile, timeRound } from './inprocess.mjs';
import { EmittingResponse } from './mock.mjs';

const MEASURED = {
  'token: client_credentials': 'token',
  'decision: issue code, redirect': 'decision',
};

/** A span exporter that only counts what it is given. */
class CountingExporter {
  constructor() { this.spans = 0; }
  export(spans, done) {
    this.spans += spans.length;
    done({ code: 0 }); // ExportResultCode.SUCCESS
  }
  shutdown() { return Promise.resolve(); }
  forceFlush() { return Promise.resolve(); }
}

/** A metric reader collected on demand (as a periodic reader between its exports). */
class OnDemandReader extends MetricReader {
  onForceFlush() { return Promise.resolve(); }
  onShutdown() { return Promise.resolve(); }
}

/** The OpenTelemetry SDK the bridge records into, shared by every round. */
function makeSdk() {
  const exporter = new CountingExporter();
  // A timed round is one synchronous loop of a few thousand requests: the
  // processor exports a batch when 512 spans are queued and the next one
  // only once the event loop turns (between rounds, here). Behind a server
  // the loop turns between requests; the queue is raised so that no span is
  // dropped for the lack of it (the default cap is 2048).
  const processor = new BatchSpanProcessor(exporter, { maxQueueSize: 1 << 20, maxExportBatchSize: 512 });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [processor] });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    exporter, processor, reader,
    tracer: tracerProvider.getTracer('oauth2orize-bench'),
    meter: meterProvider.getMeter('oauth2orize-bench'),
  };
}

/** Count of `oauth2.request.duration` points recorded for `endpoint`, all outcomes. */
async function recordedDurations(reader, endpoint) {
  const { resourceMetrics } = await reader.collect();
  let n = 0;
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const m of scope.metrics) {
      if (m.descriptor.name !== 'oauth2.request.duration') continue;
      for (const p of m.dataPoints) if (p.attributes['oauth2.endpoint'] === endpoint) n += p.value.count;
    }
  }
  return n;
}

/** A subscriber on every endpoint's tracing channel whose handlers do nothing. */
function subscribeNoop() {
  const handlers = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
  const channels = Object.values(TRACING_CHANNELS).map((name) => diagnostics.tracingChannel(name));
  for (const ch of channels) ch.subscribe(handlers);
  return () => { for (const ch of channels) ch.unsubscribe(handlers); };
}

/**
 * Measure every case of MEASURED with the three arms. Resolves to one result
 * per case: { name, endpoint, sizes, rounds, spansPerRequest, pristine, arms: { noop, otel } },
 * where each arm has, for wall and CPU time, the medians (ns/op) of the
 * round with no subscriber (`off`) and with it (`on`), the median ratio
 * on/off over rounds with its quartiles, and the median extra ns/op.
 */
export async function runObservability({ rounds = 100, targetMs = 5, log = console.log } = {}) {
  const sdk = makeSdk();
  const ARMS = {
    off: () => () => {},
    noop: subscribeNoop,
    otel: () => enableOpenTelemetry({ tracer: sdk.tracer, meter: sdk.meter }),
  };
  // Every measured middleware is created before anything subscribes. On
  // Node 20, a channel that a subscriber created, left and the GC collected
  // can remove, when its finalizer runs late, the registry entry of the
  // channel an endpoint created afterwards under the same name: later
  // subscriptions by name then go to another channel object and the
  // endpoint publishes to nobody (fixed in Node by nodejs/node#59910).
  // The span count checked after the rounds catches it.
  const cases = CASES.filter((spec) => MEASURED[spec.name]).map((spec) => [spec, spec.setup(oauth2orize, EmittingResponse)]);
  // The cost with nobody listening, before anything ever subscribed in this
  // process: subscribing changes the channel objects (their prototype), and
  // the "no subscriber" rounds below run after many such changes.
  const pristine = new Map();
  for (const [spec, c] of cases) {
    for (let i = 0; i < 4; i++) timeRound(c, 1000);
    const runs = [];
    for (let i = 0; i < 20; i++) runs.push(timeRound(c, 2000));
    pristine.set(spec.name, { wall: median(runs.map((x) => x.wall)), cpu: median(runs.map((x) => x.cpu)) });
  }
  const results = [];
  for (const [spec, c] of cases) {
    const endpoint = MEASURED[spec.name];
    const within = (arm, fn) => {
      const stop = ARMS[arm]();
      try { return fn(); } finally { stop(); }
    };

    // Correctness first: each arm answers, and the bridge records one span
    // and one duration per request of this endpoint.
    for (const arm of Object.keys(ARMS)) {
      within(arm, () => {
        const before = c.count();
        const out = c.one();
        assert.equal(c.count() - before, 1, `${spec.name} (${arm}): request did not complete synchronously`);
        c.verify(out);
      });
    }
    await sdk.processor.forceFlush();
    const spans0 = sdk.exporter.spans;
    const durations0 = await recordedDurations(sdk.reader, endpoint);
    within('otel', () => timeRound(c, 100));
    await sdk.processor.forceFlush();
    const spansPerRequest = (sdk.exporter.spans - spans0) / 100;
    assert.ok(spansPerRequest >= 1, `${spec.name}: the bridge exported ${sdk.exporter.spans - spans0} spans for 100 requests`);
    assert.equal(await recordedDurations(sdk.reader, endpoint) - durations0, 100, `${spec.name}: oauth2.request.duration not recorded once per request`);

    // Warm-up, steady state (as in bench/inprocess.mjs), round size for the slowest arm.
    for (let i = 0; i < 4; i++) for (const arm of Object.keys(ARMS)) within(arm, () => timeRound(c, 1000));
    if (spec.prime) for (let i = 0; i < spec.prime; i += 10_000) timeRound(c, 10_000);
    await tick();
    // Each arm's round lasts about targetMs: its own number of requests.
    const sizes = {};
    for (const arm of Object.keys(ARMS)) {
      const probes = [];
      for (let i = 0; i < 5; i++) probes.push(within(arm, () => timeRound(c, 500)).wall);
      sizes[arm] = Math.max(50, Math.min(500_000, Math.round((targetMs * 1e6) / median(probes))));
      await tick();
    }

    await sdk.processor.forceFlush();
    const spansBefore = sdk.exporter.spans;
    const order = Object.keys(ARMS);
    const times = { off: [], noop: [], otel: [] };
    for (let r = 0; r < rounds; r++) {
      // The order rotates, so no arm always follows another (the garbage
      // one leaves may be collected in the next one's round).
      const turn = order.map((_, i) => order[(i + r) % order.length]);
      const t = {};
      for (const arm of turn) {
        // The young garbage the previous round left is collected before
        // this one starts, outside the timing (with --expose-gc).
        if (global.gc) global.gc({ type: 'minor' });
        t[arm] = within(arm, () => {
          return timeRound(c, sizes[arm]);
        });
      }
      for (const arm of order) times[arm].push(t[arm]);
      await tick(); // lets the span processor export what the round queued
    }
    await sdk.processor.forceFlush();
    const expected = rounds * sizes.otel;
    assert.equal(sdk.exporter.spans - spansBefore, expected * spansPerRequest, `${spec.name}: spans exported during the timed rounds`);

    const compare = (arm, kind) => {
      const on = times[arm].map((x) => x[kind]);
      const off = times.off.map((x) => x[kind]);
      const ratio = on.map((x, i) => x / off[i]);
      const extra = on.map((x, i) => x - off[i]);
      return {
        off: median(off), on: median(on), ratio: median(ratio),
        ratioLo: quantile(ratio, 0.25), ratioHi: quantile(ratio, 0.75), extra: median(extra),
      };
    };
    const arms = {};
    for (const arm of ['noop', 'otel']) arms[arm] = { wall: compare(arm, 'wall'), cpu: compare(arm, 'cpu') };
    const res = { name: spec.name, endpoint, sizes, rounds, spansPerRequest, arms, pristine: pristine.get(spec.name) };
    const show = (s) => `off ${s.off.toFixed(0)} ns/op, on ${s.on.toFixed(0)} ns/op, x${s.ratio.toFixed(2)} (IQR ${s.ratioLo.toFixed(2)}-${s.ratioHi.toFixed(2)}), +${s.extra.toFixed(0)} ns/op`;
    log(`  ${spec.name}: ${rounds} rounds per arm of ${sizes.off} (no subscriber), ${sizes.noop} (no-op subscriber), ${sizes.otel} (OTel) requests; ${spansPerRequest} span(s) per request`);
    log(`    never subscribed before (20 rounds of 2000, first): wall ${res.pristine.wall.toFixed(0)} ns/op, cpu ${res.pristine.cpu.toFixed(0)} ns/op`);
    for (const arm of ['noop', 'otel']) {
      log(`    ${arm === 'noop' ? 'no-op subscriber' : 'OTel bridge'} wall: ${show(arms[arm].wall)}`);
      log(`    ${arm === 'noop' ? 'no-op subscriber' : 'OTel bridge'} cpu:  ${show(arms[arm].cpu)}`);
    }
    results.push(res);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, ms: { type: 'string' }, json: { type: 'boolean' } } });
  const rounds = values.rounds ? Number(values.rounds) : 100;
  const targetMs = values.ms ? Number(values.ms) : 5;
  console.log(`observability overhead, in process: node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`  ${rounds} rounds of ~${targetMs} ms per arm (no subscriber, no-op diagnostics_channel subscriber, OpenTelemetry bridge), order rotating`);
  const results = await runObservability({ rounds, targetMs });
  console.log(`  load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (values.json) console.log('RESULT ' + JSON.stringify(results));
}
