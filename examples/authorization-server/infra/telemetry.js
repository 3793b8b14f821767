/**
 * OpenTelemetry for the example, on only when the standard environment asks
 * for it:
 *
 * - `OTEL_TRACES_EXPORTER=console`: spans and metrics are printed to stdout
 *   (metrics every `OTEL_METRIC_EXPORT_INTERVAL` ms, default 60000);
 * - `OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318`: spans and metrics
 *   are sent over OTLP/HTTP. This needs two packages the repository does not
 *   install: `npm install --no-save @opentelemetry/exporter-trace-otlp-http
 *   @opentelemetry/exporter-metrics-otlp-http`.
 *
 * The SDK packages are the root's devDependencies (the example has no
 * package.json of its own). `enableOpenTelemetry()` from `oauth2orize/otel`
 * does the rest: it records a span per endpoint request and the `oauth2.*`
 * metrics from the package's diagnostics channels.
 *
 * @module telemetry
 */
import { metrics, trace } from '@opentelemetry/api';

/**
 * Start OpenTelemetry when the environment asks for it.
 *
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<undefined | (() => Promise<void>)>} a function that flushes and stops it, or undefined when off
 */
export async function startTelemetry(env = process.env) {
  const otlp = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const console = env.OTEL_TRACES_EXPORTER === 'console';
  if (!otlp && !console) return undefined;
  const { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter } = await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider, PeriodicExportingMetricReader, ConsoleMetricExporter } = await import('@opentelemetry/sdk-metrics');
  const { enableOpenTelemetry } = await import('oauth2orize/otel');
  let spanExporter, metricExporter;
  if (otlp) {
    const spans = 'exporter-trace-otlp-http', meters = 'exporter-metrics-otlp-http';
    // Computed names: optional packages, loaded only on this path.
    const { OTLPTraceExporter } = await import(`@opentelemetry/${spans}`);
    const { OTLPMetricExporter } = await import(`@opentelemetry/${meters}`);
    spanExporter = new OTLPTraceExporter();
    metricExporter = new OTLPMetricExporter();
  } else {
    spanExporter = new ConsoleSpanExporter();
    metricExporter = new ConsoleMetricExporter();
  }
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spanExporter)] });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL) || 60_000 })],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  // Client identifiers are hashed; no user identifier is recorded.
  const disable = enableOpenTelemetry({ clientId: 'hash' });
  return async () => {
    disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  };
}
