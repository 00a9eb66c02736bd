// OTLP/HTTP metrics (ExportMetricsServiceRequest) decoded and translated by src/ingest/otlp: protobuf from the
// generated code and by hand, OTLP/JSON per open-telemetry/opentelemetry-proto docs/specification.md, the
// Prometheus translation (prometheus/prometheus storage/remote/otlptranslator/prometheusremotewrite) with the
// adapter's choices, rejected data points for partial_success, refusals, and a seeded fuzz.
import { create, toBinary, toJson, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { decodeOtlp, decodeOtlpJson, decodeOtlpProtobuf, otlpEncoding } from "../../../src/ingest/otlp";
import { ExportMetricsServiceRequestSchema } from "../../../src/ingest/gen/opentelemetry-proto/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import { AggregationTemporality, type MetricSchema } from "../../../src/ingest/gen/opentelemetry-proto/opentelemetry/proto/metrics/v1/metrics_pb";
import { bytes, lenField, onlyMetricsErrors, prng, refusal, utf8 } from "./fixtures";

type MetricInit = MessageInitShape<typeof MetricSchema>;
type KeyValueInit = { key: string; value?: { value: { case: "stringValue"; value: string } | { case: "intValue"; value: bigint } | { case: "boolValue"; value: boolean } | { case: "doubleValue"; value: number } } };

const T = 1_700_000_000_000_000_000n; // time_unix_nano
const TMS = 1_700_000_000_000;
const str = (key: string, value: string): KeyValueInit => ({ key, value: { value: { case: "stringValue", value } } });

function request(metrics: MetricInit[], resource: KeyValueInit[] = [str("service.name", "shop"), str("k8s.namespace.name", "prod")]) {
  return create(ExportMetricsServiceRequestSchema, { resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ scope: { name: "lib" }, metrics }] }] });
}
const decode = (metrics: MetricInit[], resource?: KeyValueInit[]) => decodeOtlpProtobuf(toBinary(ExportMetricsServiceRequestSchema, request(metrics, resource)));
const base = { k8s_namespace_name: "prod", service_name: "shop", job: "shop" };
const gauge = (name: string, points: object[], unit = ""): MetricInit => ({ name, unit, data: { case: "gauge", value: { dataPoints: points } } }) as MetricInit;
const sum = (name: string, points: object[], opts: { monotonic: boolean; temporality: AggregationTemporality; unit?: string }): MetricInit =>
  ({ name, unit: opts.unit ?? "", data: { case: "sum", value: { dataPoints: points, isMonotonic: opts.monotonic, aggregationTemporality: opts.temporality } } }) as MetricInit;
const dbl = (value: number, extra: object = {}) => ({ timeUnixNano: T, value: { case: "asDouble", value }, ...extra });

describe("OTLP translation (Prometheus' OTLP receiver, UnderscoreEscapingWithSuffixes)", () => {
  it("decodes a body written byte by byte: one gauge point", () => {
    // ExportMetricsServiceRequest{resource_metrics: [{scope_metrics: [{metrics: [{name: "up", gauge: {data_points:
    // [{time_unix_nano: 2_000_000 (fixed64, field 3), as_double: 1.0 (field 4)}]}}]}]}]}
    const point = bytes(0x19, [0x80, 0x84, 0x1e, 0, 0, 0, 0, 0], 0x21, [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    const metric = bytes(lenField(1, utf8("up")), lenField(5, lenField(1, point)));
    const body = lenField(1, lenField(2, lenField(2, metric)));
    expect(decodeOtlpProtobuf(body)).toEqual({
      series: [{ name: "up", labels: {}, type: "gauge", samples: [{ value: 1, timestampMs: 2, stale: false }] }],
      dataPoints: 1,
      rejectedDataPoints: 0,
      rejectionMessage: "",
    });
  });

  it("promotes every resource attribute; data-point attributes win; job and instance come from service.*", () => {
    const decoded = decode(
      [gauge("queue.depth", [dbl(42, { attributes: [str("queue", "orders"), str("k8s.namespace.name", "from-point"), str("job", "overridden")] })], "{message}")],
      [str("service.name", "shop"), str("service.namespace", "eu"), str("service.instance.id", "pod-1"), str("k8s.namespace.name", "prod"), str("k8s.pod.name", "web-1")],
    );
    expect(decoded.series).toEqual([
      {
        name: "queue_depth",
        labels: {
          queue: "orders",
          k8s_namespace_name: "from-point",
          job: "eu/shop",
          service_name: "shop",
          service_namespace: "eu",
          service_instance_id: "pod-1",
          k8s_pod_name: "web-1",
          instance: "pod-1",
        },
        type: "gauge",
        samples: [{ value: 42, timestampMs: TMS, stale: false }],
      },
    ]);
  });

  it("sums: monotonic cumulative → counter (_total), delta → counter samples with start, non-monotonic → gauge", () => {
    const decoded = decode([
      sum("http.server.requests", [dbl(10), { timeUnixNano: T + 15_000_000_000n, value: { case: "asInt", value: 12n } }], { monotonic: true, temporality: AggregationTemporality.CUMULATIVE }),
      sum("jobs.processed", [dbl(3, { startTimeUnixNano: T - 10_000_000_000n })], { monotonic: true, temporality: AggregationTemporality.DELTA }),
      sum("db.connections", [dbl(-2)], { monotonic: false, temporality: AggregationTemporality.CUMULATIVE }),
      sum("cpu.time", [dbl(1.5)], { monotonic: true, temporality: AggregationTemporality.CUMULATIVE, unit: "s" }),
    ]);
    expect(decoded.series).toEqual([
      {
        name: "http_server_requests_total",
        labels: base,
        type: "counter",
        samples: [
          { value: 10, timestampMs: TMS, stale: false },
          { value: 12, timestampMs: TMS + 15_000, stale: false },
        ],
      },
      { name: "jobs_processed_total", labels: base, type: "counter", samples: [{ value: 3, timestampMs: TMS, stale: false, startTimestampMs: TMS - 10_000 }] },
      { name: "db_connections", labels: base, type: "gauge", samples: [{ value: -2, timestampMs: TMS, stale: false }] },
      { name: "cpu_time_seconds_total", labels: base, type: "counter", samples: [{ value: 1.5, timestampMs: TMS, stale: false }] },
    ]);
  });

  it("histograms and exponential histograms → _sum (when set) and _count, type unknown", () => {
    const decoded = decode([
      {
        name: "http.server.request.duration",
        unit: "s",
        data: { case: "histogram", value: { aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints: [{ timeUnixNano: T, count: 4n, sum: 1.25, bucketCounts: [1n, 3n], explicitBounds: [0.5] }] } },
      },
      { name: "no.sum", data: { case: "histogram", value: { aggregationTemporality: AggregationTemporality.DELTA, dataPoints: [{ timeUnixNano: T, count: 2n }] } } },
      { name: "payload", unit: "By", data: { case: "exponentialHistogram", value: { aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints: [{ timeUnixNano: T, count: 7n, sum: 900, scale: 2 }] } } },
    ]);
    expect(decoded.series.map((s) => [s.name, s.type, s.samples.map((x) => x.value)])).toEqual([
      ["http_server_request_duration_seconds_sum", "unknown", [1.25]],
      ["http_server_request_duration_seconds_count", "unknown", [4]],
      ["no_sum_count", "unknown", [2]],
      ["payload_bytes_sum", "unknown", [900]],
      ["payload_bytes_count", "unknown", [7]],
    ]);
  });

  it("summaries → _sum, _count and one series per quantile", () => {
    const decoded = decode([
      {
        name: "rpc.latency",
        unit: "ms",
        data: { case: "summary", value: { dataPoints: [{ timeUnixNano: T, count: 10n, sum: 55, quantileValues: [{ quantile: 0.5, value: 4 }, { quantile: 0.99, value: 9.5 }] }] } },
      },
    ]);
    expect(decoded.series).toEqual([
      { name: "rpc_latency_milliseconds_sum", labels: base, type: "unknown", samples: [{ value: 55, timestampMs: TMS, stale: false }] },
      { name: "rpc_latency_milliseconds_count", labels: base, type: "unknown", samples: [{ value: 10, timestampMs: TMS, stale: false }] },
      { name: "rpc_latency_milliseconds", labels: { ...base, quantile: "0.5" }, type: "unknown", samples: [{ value: 4, timestampMs: TMS, stale: false }] },
      { name: "rpc_latency_milliseconds", labels: { ...base, quantile: "0.99" }, type: "unknown", samples: [{ value: 9.5, timestampMs: TMS, stale: false }] },
    ]);
  });

  it("the NO_RECORDED_VALUE flag is the staleness marker, for every kind", () => {
    const stale = { timeUnixNano: T, flags: 1 };
    const decoded = decode([
      gauge("g", [stale]),
      { name: "h", data: { case: "histogram", value: { aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints: [{ ...stale, count: 0n, sum: 0 }] } } },
    ]);
    expect(decoded.rejectedDataPoints).toBe(0);
    expect(decoded.series.map((s) => [s.name, s.samples[0].stale, Number.isNaN(s.samples[0].value)])).toEqual([
      ["g", true, true],
      ["h_sum", true, true],
      ["h_count", true, true],
    ]);
  });

  it("attribute values become label values as pdata's AsString writes them", () => {
    const any = (value: object) => ({ key: "k", value: { value } });
    const label = (value: object) => decode([gauge("g", [dbl(1, { attributes: [any(value)] })])], []).series[0]?.labels.k;
    expect(label({ case: "boolValue", value: true })).toBe("true");
    expect(label({ case: "intValue", value: -9007199254740993n })).toBe("-9007199254740993");
    expect(label({ case: "doubleValue", value: 0.1 })).toBe("0.1");
    expect(label({ case: "doubleValue", value: 1e21 })).toBe("1e+21");
    expect(label({ case: "bytesValue", value: new Uint8Array([0xde, 0xad]) })).toBe("3q0=");
    expect(label({ case: "arrayValue", value: { values: [{ value: { case: "stringValue", value: "a" } }, { value: { case: "intValue", value: 2n } }, {}] } })).toBe('["a",2,null]');
    expect(
      label({ case: "kvlistValue", value: { values: [{ key: "z", value: { value: { case: "boolValue", value: false } } }, { key: "a", value: { value: { case: "stringValue", value: "<&>" } } }] } }),
    ).toBe('{"a":"<&>","z":false}');
    expect(label({ case: "arrayValue", value: { values: [{ value: { case: "doubleValue", value: NaN } }] } })).toBeUndefined(); // "" → no label
  });

  it("attributes that sanitise to the same name are joined with ';' in key order; empty values are dropped", () => {
    const decoded = decode([gauge("g", [dbl(1, { attributes: [str("a_b", "second"), str("a.b", "first"), str("empty", "")] })])], []);
    expect(decoded.series[0].labels).toEqual({ a_b: "first;second" });
  });

  it("groups points of the same series, keeps series apart by labels and name", () => {
    const decoded = decode(
      [
        gauge("g", [dbl(1, { attributes: [str("x", "1")] }), dbl(2, { attributes: [str("x", "2")] }), { timeUnixNano: T + 1_000_000n, value: { case: "asDouble", value: 3 }, attributes: [str("x", "1")] }]),
      ],
      [],
    );
    expect(decoded.series.map((s) => [s.labels.x, s.samples.map((x) => x.value)])).toEqual([
      ["1", [1, 3]],
      ["2", [2]],
    ]);
  });
});

describe("OTLP rejected data points (partial_success)", () => {
  it("counts each unusable point with its reason and keeps the rest", () => {
    const decoded = decode([
      gauge("ok", [dbl(1)]),
      gauge("novalue", [{ timeUnixNano: T }, { timeUnixNano: T }]),
      gauge("nan", [dbl(NaN)]),
      gauge("inf", [dbl(-Infinity)]),
      gauge("notime", [{ value: { case: "asDouble", value: 1 } }]),
      sum("delta", [dbl(1)], { monotonic: true, temporality: AggregationTemporality.DELTA }),
      sum("unspecified", [dbl(1), dbl(2)], { monotonic: true, temporality: AggregationTemporality.UNSPECIFIED }),
      gauge("@#$", [dbl(1)]),
      gauge("badattr", [dbl(1, { attributes: [str("__", "v")] })]),
      { name: "nodata" },
    ]);
    expect(decoded.series.map((s) => s.name)).toEqual(["ok"]);
    expect(decoded.dataPoints).toBe(11);
    expect(decoded.rejectedDataPoints).toBe(10);
    expect(decoded.rejectionMessage).toBe(
      "10 of 11 data points were rejected: " +
        '2 with no value (neither as_double nor as_int is set), first in metric "novalue"; ' +
        '1 with a NaN value (flag NO_RECORDED_VALUE marks a point without a value), first in metric "nan"; ' +
        '1 with an infinite value (flag NO_RECORDED_VALUE marks a point without a value), first in metric "inf"; ' +
        '1 with no time_unix_nano, first in metric "notime"; ' +
        '1 with a delta sum without start_time_unix_nano (the interval its value covers is unknown), first in metric "delta"; and 3 more reasons',
    );
  });

  it("names temporality, metric-name and attribute-key reasons", () => {
    const msg = (m: MetricInit) => decode([m]).rejectionMessage;
    expect(msg(sum("unspecified", [dbl(1), dbl(2)], { monotonic: true, temporality: AggregationTemporality.UNSPECIFIED }))).toBe(
      '2 of 2 data points were rejected: 2 with aggregation_temporality unspecified (it must be DELTA, 1, or CUMULATIVE, 2), first in metric "unspecified"',
    );
    expect(msg(gauge("@#$", [dbl(1)]))).toBe('1 of 1 data points were rejected: 1 with a metric name that translates to an empty Prometheus name, first in metric "@#$"');
    expect(msg(gauge("g", [dbl(1, { attributes: [str("__", "v")] })]))).toBe(
      '1 of 1 data points were rejected: 1 with attribute key "__", which translates to "_", not a usable label name, first in metric "g"',
    );
  });

  it("a resource attribute that cannot become a label rejects the resource's points, as Prometheus drops the resource", () => {
    const decoded = decode([gauge("a", [dbl(1), dbl(2)]), gauge("b", [dbl(3)])], [str("ok", "1"), str("", "empty key")]);
    expect(decoded.series).toEqual([]);
    expect(decoded.rejectedDataPoints).toBe(3);
    expect(decoded.rejectionMessage).toBe('3 of 3 data points were rejected: 3 with a resource attribute that cannot become a label (an empty attribute key), first in metric "a"');
  });

  it("refuses attribute values nested deeper than 32 levels (point rejected)", () => {
    let value: object = { case: "stringValue", value: "leaf" };
    for (let i = 0; i < 40; i++) value = { case: "arrayValue", value: { values: [{ value }] } };
    const decoded = decode([gauge("g", [dbl(1, { attributes: [{ key: "deep", value: { value } }] })])], []);
    expect(decoded.rejectionMessage).toBe('1 of 1 data points were rejected: 1 with an attribute value is nested deeper than 32 levels, first in metric "g"');
  });
});

describe("OTLP/JSON", () => {
  const body = (j: unknown) => JSON.stringify(j);
  const point = { timeUnixNano: "1700000000000000000", asDouble: 2.5, attributes: [{ key: "room", value: { stringValue: "a" } }] };

  it("decodes the spec's JSON: lowerCamelCase, 64-bit integers as strings or numbers, enums as integers, unknown fields ignored", () => {
    const decoded = decodeOtlpJson(
      body({
        resourceMetrics: [
          {
            resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }], futureField: true },
            scopeMetrics: [
              {
                metrics: [
                  { name: "temp", unit: "Cel", gauge: { dataPoints: [point] }, newKind: {} },
                  { name: "hits", sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: 1700000000000000000, asInt: "7" }] } },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(decoded.series).toEqual([
      { name: "temp_celsius", labels: { room: "a", service_name: "svc", job: "svc" }, type: "gauge", samples: [{ value: 2.5, timestampMs: TMS, stale: false }] },
      { name: "hits_total", labels: { service_name: "svc", job: "svc" }, type: "counter", samples: [{ value: 7, timestampMs: TMS, stale: false }] },
    ]);
  });

  it("gives what the protobuf encoding gives for the same request", () => {
    const req = request([gauge("g", [dbl(1, { attributes: [str("a", "b")] })]), sum("s", [dbl(5, { startTimeUnixNano: T - 1_000_000n })], { monotonic: true, temporality: AggregationTemporality.DELTA })]);
    const json = toJson(ExportMetricsServiceRequestSchema, req, { enumAsInteger: true });
    expect(decodeOtlp(utf8(JSON.stringify(json)), "json")).toEqual(decodeOtlp(toBinary(ExportMetricsServiceRequestSchema, req), "protobuf"));
  });

  it("takes exemplar trace and span ids in hex and refuses them otherwise, naming the field", () => {
    const withExemplar = (exemplar: object) =>
      body({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "g", gauge: { dataPoints: [{ ...point, exemplars: [{ timeUnixNano: "1", asDouble: 1, ...exemplar }] }] } }] }] }] });
    expect(decodeOtlpJson(withExemplar({ traceId: "5B8EFFF798038103D269B633813FC60C", spanId: "eee19b7ec3c1b174" })).series).toHaveLength(1);
    expect(refusal(() => decodeOtlpJson(withExemplar({ traceId: "not-hex!" }))).message).toBe(
      "OTLP/JSON: resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].exemplars[0].traceId must be a hex string (OTLP/JSON encodes trace and span ids in hex, not base64)",
    );
    expect(refusal(() => decodeOtlpJson(withExemplar({ spanId: "abc" }))).message).toMatch(/exemplars\[0\]\.spanId must be a hex string/);
  });

  it.each([
    ["not JSON", "{", /^OTLP\/JSON: the body is not UTF-8 JSON: /],
    ["a wrong type", body({ resourceMetrics: 5 }), /^OTLP\/JSON: the body is not a valid ExportMetricsServiceRequest: .*resource_metrics.*expected Array/],
    [
      "a timestamp that is not an integer",
      body({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "g", gauge: { dataPoints: [{ timeUnixNano: true, asDouble: 1 }] } }] }] }] }),
      /NumberDataPoint\.time_unix_nano/,
    ],
    ["a value that is not a number", body({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "g", gauge: { dataPoints: [{ timeUnixNano: "1", asDouble: "x" }] } }] }] }] }), /NumberDataPoint\.as_double/],
  ])("refuses %s, naming the problem", (_, text, pattern) => {
    expect(refusal(() => decodeOtlpJson(text)).message).toMatch(pattern);
  });

  it("refuses a body that is not UTF-8", () => {
    expect(refusal(() => decodeOtlpJson(new Uint8Array([0x7b, 0xff, 0x7d]))).message).toMatch(/^OTLP\/JSON: the body is not UTF-8 JSON/);
  });
});

describe("OTLP protobuf refusals and Content-Type", () => {
  it("refuses a body that is not an ExportMetricsServiceRequest", () => {
    expect(refusal(() => decodeOtlpProtobuf(bytes(0x0a, 0x05, 0x01))).message).toMatch(
      /^the body is not a valid opentelemetry\.proto\.collector\.metrics\.v1\.ExportMetricsServiceRequest protobuf message: /,
    );
  });

  it("an empty request is an empty success", () => {
    expect(decodeOtlpProtobuf(new Uint8Array(0))).toEqual({ series: [], dataPoints: 0, rejectedDataPoints: 0, rejectionMessage: "" });
  });

  it("chooses the encoding from Content-Type, 415 otherwise", () => {
    expect(otlpEncoding("application/x-protobuf")).toBe("protobuf");
    expect(otlpEncoding("application/json; charset=utf-8")).toBe("json");
    expect(refusal(() => otlpEncoding("text/plain"), "UnsupportedMediaType").message).toBe(
      'OTLP/HTTP: Content-Type "text/plain" is not accepted; send application/x-protobuf (binary protobuf) or application/json (OTLP/JSON)',
    );
    refusal(() => otlpEncoding(null), "UnsupportedMediaType");
  });
});

describe("OTLP fuzz (seeded)", () => {
  it("random and mutated bodies, binary and JSON, only decode or fail with a MetricsError, each quickly", () => {
    const rnd = prng(31337);
    const req = request([
      gauge("g", [dbl(1, { attributes: [str("a", "b")] })]),
      sum("s", [dbl(2, { startTimeUnixNano: T - 1n })], { monotonic: true, temporality: AggregationTemporality.DELTA }),
      { name: "h", data: { case: "histogram", value: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: T, count: 1n, sum: 1 }] } } } as MetricInit,
      { name: "q", data: { case: "summary", value: { dataPoints: [{ timeUnixNano: T, count: 1n, sum: 1, quantileValues: [{ quantile: 0.5, value: 1 }] }] } } } as MetricInit,
    ]);
    const binary = toBinary(ExportMetricsServiceRequestSchema, req);
    const json = utf8(JSON.stringify(toJson(ExportMetricsServiceRequestSchema, req, { enumAsInteger: true })));
    const outcomes = { ok: 0, refused: 0 };
    let slowest = 0;
    for (let i = 0; i < 3000; i++) {
      const asJson = i % 2 === 1;
      const input = i % 5 === 0 ? rnd.randomBytes(rnd.int(150)) : rnd.mutate(asJson ? json : binary);
      const started = Date.now();
      outcomes[onlyMetricsErrors(() => decodeOtlp(input, asJson ? "json" : "protobuf"))]++;
      slowest = Math.max(slowest, Date.now() - started);
    }
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(1000);
  });

  it("deeply nested JSON is refused, not a crash", () => {
    const deep = `{"resourceMetrics":[{"resource":{"attributes":[{"key":"k","value":${'{"arrayValue":{"values":['.repeat(5000)}${"]}}".repeat(5000)}}]}}]}`;
    expect(refusal(() => decodeOtlpJson(deep)).message).toMatch(/maximum recursion depth/);
  });
});
