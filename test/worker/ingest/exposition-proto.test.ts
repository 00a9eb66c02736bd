// Delimited io.prometheus.client.MetricFamily bodies (client_golang push, prometheus/pushgateway
// handler/push.go) decoded by src/ingest/exposition-proto.ts: every family type, hand-written bytes, the
// length-prefix bounds, every refusal with its message, and a seeded fuzz.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { sizeDelimitedEncode } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { decodeMetricFamilies, isDelimitedMetricFamily, METRIC_FAMILY_DELIMITED_CONTENT_TYPE } from "../../../src/ingest/exposition-proto";
import { MetricFamilySchema, MetricType } from "../../../src/ingest/gen/prometheus/io/prometheus/client/metrics_pb";
import { bytes, lenField, onlyMetricsErrors, prng, refusal, utf8, varint } from "./fixtures";

const delimited = (...families: MessageInitShape<typeof MetricFamilySchema>[]) =>
  bytes(...families.map((f) => sizeDelimitedEncode(MetricFamilySchema, create(MetricFamilySchema, f))));

describe("delimited MetricFamily decoding", () => {
  it("decodes a body written byte by byte: one gauge family", () => {
    // MetricFamily{name: "temp", type: GAUGE(1), metric: [{label: [{room: a}], gauge: {value: 21.5}}]}
    const metric = bytes(lenField(1, bytes(lenField(1, utf8("room")), lenField(2, utf8("a")))), lenField(2, bytes(0x09, [0, 0, 0, 0, 0, 0x80, 0x35, 0x40])));
    const family = bytes(lenField(1, utf8("temp")), 0x18, 1, lenField(4, metric));
    expect(decodeMetricFamilies(bytes(varint(family.length), family))).toEqual([
      { name: "temp", help: "", type: "gauge", metrics: [{ labels: { room: "a" }, value: 21.5, timestampMs: null }] },
    ]);
  });

  it("decodes every family type as client_golang sends them", () => {
    const body = delimited(
      { name: "jobs_total", help: "Jobs.", type: MetricType.COUNTER, metric: [{ label: [{ name: "queue", value: "q1" }], counter: { value: 7 } }] },
      { name: "temp", type: MetricType.GAUGE, metric: [{ gauge: { value: -3 } }, { label: [{ name: "room", value: "b" }], gauge: { value: 0 } }] },
      { name: "raw", type: MetricType.UNTYPED, metric: [{ untyped: { value: 1e21 }, timestampMs: 1_700_000_000_000n }] },
      {
        name: "rpc_seconds",
        type: MetricType.SUMMARY,
        metric: [{ summary: { sampleCount: 10n, sampleSum: 2.5, quantile: [{ quantile: 0.5, value: 0.2 }, { quantile: 0.99, value: 0.9 }] } }],
      },
      {
        name: "req_seconds",
        type: MetricType.HISTOGRAM,
        metric: [{ histogram: { sampleCount: 4n, sampleSum: 1.25, bucket: [{ upperBound: 0.1, cumulativeCount: 1n }, { upperBound: Infinity, cumulativeCount: 4n }] } }],
      },
      {
        name: "queue_size",
        type: MetricType.GAUGE_HISTOGRAM,
        metric: [{ histogram: { sampleCountFloat: 2.5, sampleSum: 3, bucket: [{ upperBound: 1, cumulativeCountFloat: 1.5 }] } }],
      },
    );
    expect(decodeMetricFamilies(body)).toEqual([
      { name: "jobs_total", help: "Jobs.", type: "counter", metrics: [{ labels: { queue: "q1" }, value: 7, timestampMs: null }] },
      {
        name: "temp",
        help: "",
        type: "gauge",
        metrics: [
          { labels: {}, value: -3, timestampMs: null },
          { labels: { room: "b" }, value: 0, timestampMs: null },
        ],
      },
      { name: "raw", help: "", type: "untyped", metrics: [{ labels: {}, value: 1e21, timestampMs: 1_700_000_000_000 }] },
      {
        name: "rpc_seconds",
        help: "",
        type: "summary",
        metrics: [{ labels: {}, summary: { sampleCount: 10, sampleSum: 2.5, quantiles: [{ quantile: 0.5, value: 0.2 }, { quantile: 0.99, value: 0.9 }] }, timestampMs: null }],
      },
      {
        name: "req_seconds",
        help: "",
        type: "histogram",
        metrics: [{ labels: {}, histogram: { sampleCount: 4, sampleSum: 1.25, buckets: [{ upperBound: 0.1, cumulativeCount: 1 }, { upperBound: Infinity, cumulativeCount: 4 }] }, timestampMs: null }],
      },
      {
        name: "queue_size",
        help: "",
        type: "gaugehistogram",
        metrics: [{ labels: {}, histogram: { sampleCount: 2.5, sampleSum: 3, buckets: [{ upperBound: 1, cumulativeCount: 1.5 }] }, timestampMs: null }],
      },
    ]);
  });

  it("an empty body is no families; a family without metrics is kept", () => {
    expect(decodeMetricFamilies(new Uint8Array(0))).toEqual([]);
    expect(decodeMetricFamilies(delimited({ name: "idle", type: MetricType.GAUGE }))).toEqual([{ name: "idle", help: "", type: "gauge", metrics: [] }]);
  });

  it("recognises client_golang's Content-Type the way the Pushgateway does", () => {
    expect(isDelimitedMetricFamily(METRIC_FAMILY_DELIMITED_CONTENT_TYPE)).toBe(true);
    expect(isDelimitedMetricFamily("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")).toBe(true);
    expect(isDelimitedMetricFamily("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=text")).toBe(false);
    expect(isDelimitedMetricFamily("application/vnd.google.protobuf; encoding=delimited")).toBe(false);
    expect(isDelimitedMetricFamily("text/plain; version=0.0.4")).toBe(false);
    expect(isDelimitedMetricFamily(null)).toBe(false);
  });
});

describe("delimited MetricFamily refusals", () => {
  it("refuses a length prefix larger than the rest of the body without allocating for it", () => {
    const body = bytes(varint(2 ** 40), lenField(1, utf8("x")));
    expect(refusal(() => decodeMetricFamilies(body)).message).toBe(
      "metric families: message 0 (at byte 0) declares 1099511627776 bytes but only 3 remain; send io.prometheus.client.MetricFamily messages, each preceded by its length as a varint",
    );
    const second = bytes(delimited({ name: "a", type: MetricType.GAUGE }), 10, 0x0a);
    expect(refusal(() => decodeMetricFamilies(second)).message).toMatch(/^metric families: message 1 \(at byte 6\) declares 10 bytes but only 1 remain/);
  });

  it("refuses truncated and overlong length prefixes", () => {
    expect(refusal(() => decodeMetricFamilies(bytes(0x80))).message).toMatch(/the length prefix of message 0 \(at byte 0\) is truncated/);
    expect(refusal(() => decodeMetricFamilies(bytes(Array(11).fill(0x80), 0))).message).toMatch(/is longer than 10 bytes/);
  });

  it("refuses a message that is not a MetricFamily", () => {
    const e = refusal(() => decodeMetricFamilies(bytes(3, 0x0a, 0x05, 0x61)));
    expect(e.message).toMatch(/^the body is not a valid io\.prometheus\.client\.MetricFamily \(message 0, at byte 0\) protobuf message: /);
  });

  it.each([
    [{ name: "", type: MetricType.GAUGE }, "metric families: message 0 has no name: every MetricFamily needs one"],
    [{ name: "x", type: 9 as MetricType }, 'metric family "x" has type 9, which io.prometheus.client.MetricType does not define'],
    [{ name: "c", type: MetricType.COUNTER, metric: [{ gauge: { value: 1 } }] }, 'metric family "c" (counter): metric {} has no counter value: a counter family\'s metrics must carry one'],
    [{ name: "g", type: MetricType.GAUGE, metric: [{ label: [{ name: "a", value: "1" }] }] }, 'metric family "g" (gauge): metric {a="1"} has no gauge value: a gauge family\'s metrics must carry one'],
    [{ name: "u", type: MetricType.UNTYPED, metric: [{ counter: { value: 1 } }] }, 'metric family "u" (untyped): metric {} has no untyped value: an untyped family\'s metrics must carry one'],
    [{ name: "s", type: MetricType.SUMMARY, metric: [{ gauge: { value: 1 } }] }, 'metric family "s" (summary): metric {} has no summary value: a summary family\'s metrics must carry one'],
    [{ name: "h", type: MetricType.HISTOGRAM, metric: [{ summary: {} }] }, 'metric family "h" (histogram): metric {} has no histogram value: a histogram family\'s metrics must carry one'],
    [
      { name: "g", type: MetricType.GAUGE, metric: [{ label: [{ name: "", value: "v" }], gauge: { value: 1 } }] },
      'metric family "g" (gauge): metric {""="v"} has a label with an empty name: label names must not be empty',
    ],
    [
      { name: "g", type: MetricType.GAUGE, metric: [{ label: [{ name: "a", value: "1" }, { name: "a", value: "2" }], gauge: { value: 1 } }] },
      'metric family "g" (gauge): metric {a="1", a="2"} has the label name "a" more than once: label names must be unique',
    ],
  ])("refuses %j", (family, message) => {
    expect(refusal(() => decodeMetricFamilies(delimited(family as MessageInitShape<typeof MetricFamilySchema>))).message).toBe(message);
  });
});

describe("delimited MetricFamily fuzz (seeded)", () => {
  it("random and mutated bodies only decode or fail with a MetricsError, each quickly", () => {
    const rnd = prng(99);
    const seed = delimited(
      { name: "a_total", type: MetricType.COUNTER, metric: [{ label: [{ name: "x", value: "y" }], counter: { value: 1 } }] },
      { name: "h", type: MetricType.HISTOGRAM, metric: [{ histogram: { sampleCount: 1n, bucket: [{ upperBound: 1, cumulativeCount: 1n }] } }] },
    );
    const outcomes = { ok: 0, refused: 0 };
    let slowest = 0;
    for (let i = 0; i < 3000; i++) {
      const input = i % 3 === 0 ? rnd.randomBytes(rnd.int(120)) : rnd.mutate(seed);
      const started = Date.now();
      outcomes[onlyMetricsErrors(() => decodeMetricFamilies(input))]++;
      slowest = Math.max(slowest, Date.now() - started);
    }
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(1000);
  });
});
