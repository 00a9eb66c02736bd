/**
 * A Node service instrumented with the OpenTelemetry JS SDK, as an application would be: a gauge and a counter
 * from @opentelemetry/sdk-metrics, exported over OTLP/HTTP by the stock exporters — JSON
 * (@opentelemetry/exporter-metrics-otlp-http) or protobuf (@opentelemetry/exporter-metrics-otlp-proto), picked
 * by OTEL_EXPORTER_OTLP_METRICS_PROTOCOL (`http/json` | `http/protobuf`) as the SDK's auto-configuration does.
 * Everything else comes from the standard environment the exporters and resource detector read:
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_ENDPOINT / _METRICS_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE; OTEL_METRIC_EXPORT_INTERVAL is passed to the reader here
 * (sdk-metrics alone does not read it; @opentelemetry/sdk-node would).
 *
 * SENDER_GAUGE (the gauge's value), SENDER_RATE (counter increase per second of wall time, independent of timer
 * jitter) and SENDER_SECONDS (how long it runs; it always stops) say what it measures. It prints a JSON line
 * when it starts counting and one with the export results when done, and exits 1 if any export failed; the
 * SDK's warnings (a partial_success, say) go to stderr through its diag logger, where the test looks for them.
 *
 *   node --import tsx test/senders/otel-export.ts
 */
import { diag, DiagConsoleLogger, DiagLogLevel } from "@opentelemetry/api";
import { OTLPMetricExporter as JsonExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtobufExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { detectResources, envDetector } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";

const env = process.env;
const number = (name: string, fallback?: number): number => {
  const v = env[name] === undefined ? fallback : Number(env[name]);
  if (v === undefined || !Number.isFinite(v)) throw new Error(`${name} must be a number`);
  return v;
};

async function main(): Promise<number> {
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  const protocol = env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf";
  if (protocol !== "http/json" && protocol !== "http/protobuf") throw new Error(`unsupported OTLP protocol ${protocol}`);
  const stock: PushMetricExporter = protocol === "http/json" ? new JsonExporter() : new ProtobufExporter();
  const results = { success: 0, failure: 0 };
  const errors: string[] = [];
  // The stock exporter, counting what each export reported.
  const exporter: PushMetricExporter = {
    export: (metrics, done) =>
      stock.export(metrics, (r) => {
        if (r.code === 0) results.success++;
        else {
          results.failure++;
          errors.push(String(r.error?.message ?? r.error));
        }
        done(r);
      }),
    forceFlush: () => stock.forceFlush(),
    shutdown: () => stock.shutdown(),
    selectAggregationTemporality: stock.selectAggregationTemporality?.bind(stock),
    selectAggregation: stock.selectAggregation?.bind(stock),
  };
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: number("OTEL_METRIC_EXPORT_INTERVAL", 60_000) });
  const provider = new MeterProvider({ resource: detectResources({ detectors: [envDetector] }), readers: [reader] });
  const meter = provider.getMeter("edge-metrics-adapter.senders");

  const gaugeValue = number("SENDER_GAUGE");
  const rate = number("SENDER_RATE");
  const seconds = Math.min(number("SENDER_SECONDS"), 300);
  meter.createObservableGauge("app.queue.depth").addCallback((r) => r.observe(gaugeValue));
  const counter = meter.createCounter("app.requests", { unit: "{request}" });

  console.log(JSON.stringify({ event: "started" }));
  const t0 = performance.now();
  let emitted = 0;
  let elapsed = 0;
  while ((elapsed = (performance.now() - t0) / 1000) < seconds) {
    const due = Math.floor(rate * elapsed);
    if (due > emitted) {
      counter.add(due - emitted);
      emitted = due;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await provider.shutdown(); // the last export
  console.log(JSON.stringify({ event: "done", sdk: "node", protocol, exports: results, errors, emitted, seconds: Number(elapsed.toFixed(3)) }));
  return results.failure > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
