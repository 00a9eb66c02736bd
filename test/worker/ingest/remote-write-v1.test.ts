// Remote write 1.0 (prometheus.WriteRequest, prometheus/docs docs/specs/prw/remote_write_spec.md) decoded
// by src/ingest/remote-write/write-request-v1.ts: bodies from the generated code and written by hand, the
// staleness marker, metadata types, counts, and every refusal with its message.
import { describe, expect, it } from "vitest";
import { decodeRemoteWrite, decodeWriteRequestV1 } from "../../../src/ingest/remote-write";
import { MetricMetadata_MetricType } from "../../../src/ingest/gen/prometheus/types_pb";
import { bytes, compress, lenField, patchDouble, refusal, STALE_NAN_BITS, utf8, varint, writeRequestV1 } from "./fixtures";

const label = (name: string, value: string) => ({ name, value });

describe("remote write 1.0 decoding", () => {
  it("decodes a body written byte by byte from the spec's schema", () => {
    // WriteRequest{timeseries: [{labels: [{__name__: up}, {job: api}], samples: [{value: 1.0, timestamp: 1000}]}]}
    const sample = bytes(0x09, [0, 0, 0, 0, 0, 0, 0xf0, 0x3f], 0x10, varint(1000));
    const series = bytes(
      lenField(1, bytes(lenField(1, utf8("__name__")), lenField(2, utf8("up")))),
      lenField(1, bytes(lenField(1, utf8("job")), lenField(2, utf8("api")))),
      lenField(2, sample),
    );
    const decoded = decodeRemoteWrite({ body: compress(lenField(1, series)), contentType: "application/x-protobuf", contentEncoding: "snappy" });
    expect(decoded).toEqual({
      version: "1.0",
      request: {
        series: [{ name: "up", labels: { job: "api" }, type: "unknown", samples: [{ value: 1, timestampMs: 1000, stale: false }] }],
        histograms: 0,
        exemplars: 0,
      },
    });
  });

  it("round-trips series, samples in order, negative and large timestamps, unknown fields", () => {
    const body = writeRequestV1({
      timeseries: [
        {
          labels: [label("__name__", "queue_depth"), label("queue", "orders"), label("region", "eu")],
          samples: [
            { value: 42, timestamp: 1_700_000_000_000n },
            { value: -0.5, timestamp: 1_700_000_015_000n },
            { value: Infinity, timestamp: -5n },
          ],
        },
        { labels: [label("__name__", "up")], samples: [{ value: 0, timestamp: 0n }] },
      ],
    });
    // An unknown top-level field (number 9) must be skipped, as protobuf requires.
    const withUnknown = bytes(body, lenField(9, utf8("future")));
    expect(decodeWriteRequestV1(withUnknown)).toEqual({
      series: [
        {
          name: "queue_depth",
          labels: { queue: "orders", region: "eu" },
          type: "unknown",
          samples: [
            { value: 42, timestampMs: 1_700_000_000_000, stale: false },
            { value: -0.5, timestampMs: 1_700_000_015_000, stale: false },
            { value: Infinity, timestampMs: -5, stale: false },
          ],
        },
        { name: "up", labels: {}, type: "unknown", samples: [{ value: 0, timestampMs: 0, stale: false }] },
      ],
      histograms: 0,
      exemplars: 0,
    });
  });

  it("accepts unsorted labels (Prometheus' receiver sorts them) and drops empty values", () => {
    const decoded = decodeWriteRequestV1(
      writeRequestV1({
        timeseries: [{ labels: [label("zone", "b"), label("__name__", "temp"), label("empty", ""), label("app", "x")], samples: [{ value: 1, timestamp: 1n }] }],
      }),
    );
    expect(decoded.series[0].name).toBe("temp");
    expect(decoded.series[0].labels).toEqual({ zone: "b", app: "x" });
  });

  it("reads the staleness marker from the wire bits, not from NaN-ness", () => {
    // Sentinels encoded by the generated code, then replaced by NaN bit patterns in the wire bytes.
    const patterns = [
      STALE_NAN_BITS,
      0x7ff8000000000000n, // Go's math.NaN()
      0x7ff0000000000001n,
      0xfff0000000000002n, // the marker with the sign bit set is not the marker
    ];
    let body = writeRequestV1({
      timeseries: [{ labels: [label("__name__", "x")], samples: [1001.5, 1002.5, 1003.5, 1004.5, 1.5].map((value, i) => ({ value, timestamp: BigInt(i) })) }],
    });
    patterns.forEach((bits, i) => (body = patchDouble(body, 1001.5 + i, bits)));
    const samples = decodeWriteRequestV1(body).series[0].samples;
    expect(samples.map((s) => s.stale)).toEqual([true, false, false, false, false]);
    expect(samples.map((s) => Number.isNaN(s.value))).toEqual([true, true, true, true, false]);
  });

  it("the staleness marker written by hand is recognised", () => {
    const sample = bytes(0x09, [0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f], 0x10, varint(5));
    const body = lenField(1, bytes(lenField(1, bytes(lenField(1, utf8("__name__")), lenField(2, utf8("up")))), lenField(2, sample)));
    expect(decodeWriteRequestV1(body).series[0].samples).toEqual([{ value: NaN, timestampMs: 5, stale: true }]);
  });

  it("takes types from metadata: exact family name, <family>_total of a counter, else unknown", () => {
    const s = (name: string) => ({ labels: [label("__name__", name)], samples: [{ value: 1, timestamp: 1n }] });
    const decoded = decodeWriteRequestV1(
      writeRequestV1({
        timeseries: [s("http_requests_total"), s("jobs"), s("jobs_total"), s("temperature"), s("latency_seconds_count"), s("other")],
        metadata: [
          { type: MetricMetadata_MetricType.COUNTER, metricFamilyName: "http_requests_total" },
          { type: MetricMetadata_MetricType.COUNTER, metricFamilyName: "jobs" },
          { type: MetricMetadata_MetricType.GAUGE, metricFamilyName: "temperature" },
          { type: MetricMetadata_MetricType.HISTOGRAM, metricFamilyName: "latency_seconds" },
        ],
      }),
    );
    expect(decoded.series.map((x) => [x.name, x.type])).toEqual([
      ["http_requests_total", "counter"],
      ["jobs", "counter"],
      ["jobs_total", "counter"],
      ["temperature", "gauge"],
      ["latency_seconds_count", "unknown"],
      ["other", "unknown"],
    ]);
  });

  it("counts exemplars and native histograms, and leaves out series without float samples", () => {
    const decoded = decodeWriteRequestV1(
      writeRequestV1({
        timeseries: [
          { labels: [label("__name__", "a")], samples: [{ value: 1, timestamp: 1n }], exemplars: [{ value: 1, timestamp: 1n }, { value: 2, timestamp: 2n }] },
          { labels: [label("__name__", "h")], histograms: [{ sum: 3, timestamp: 1n }, { sum: 4, timestamp: 2n }, { sum: 5, timestamp: 3n }] },
          { labels: [label("__name__", "none")] },
        ],
      }),
    );
    expect(decoded.series.map((s) => s.name)).toEqual(["a"]);
    expect(decoded.histograms).toBe(3);
    expect(decoded.exemplars).toBe(2);
  });

  it("an empty body is an empty request", () => {
    expect(decodeWriteRequestV1(new Uint8Array(0))).toEqual({ series: [], histograms: 0, exemplars: 0 });
  });

  it("keeps a label named __proto__ as a label", () => {
    const decoded = decodeWriteRequestV1(writeRequestV1({ timeseries: [{ labels: [label("__name__", "x"), label("__proto__", "p")], samples: [{ value: 1, timestamp: 1n }] }] }));
    expect(Object.keys(decoded.series[0].labels)).toEqual(["__proto__"]);
    expect(decoded.series[0].labels["__proto__"]).toBe("p");
  });
});

describe("remote write 1.0 refusals", () => {
  const one = (labels: { name: string; value: string }[]) => writeRequestV1({ timeseries: [{ labels: [label("__name__", "ok")], samples: [{ value: 1, timestamp: 1n }] }, { labels, samples: [{ value: 1, timestamp: 1n }] }] });

  it.each([
    [[label("job", "api")], 'remote write 1.0: series {job="api"} (timeseries[1]) has no __name__ label: every series needs a metric name'],
    [[label("__name__", ""), label("job", "api")], 'remote write 1.0: series {__name__="", job="api"} (timeseries[1]) has no __name__ label: every series needs a metric name'],
    [[label("__name__", "x"), label("", "v")], 'remote write 1.0: series {__name__="x", ""="v"} (timeseries[1]) has a label with an empty name: label names must not be empty'],
    [
      [label("__name__", "x"), label("job", "a"), label("job", "b")],
      'remote write 1.0: series {__name__="x", job="a", job="b"} (timeseries[1]) has the label name "job" more than once: label names must be unique',
    ],
  ])("refuses %j", (labels, message) => {
    expect(refusal(() => decodeWriteRequestV1(one(labels))).message).toBe(message);
  });

  it("refuses a duplicate name among many labels", () => {
    const labels = [label("__name__", "x"), ...Array.from({ length: 40 }, (_, i) => label(`l${i}`, "v")), label("l7", "again")];
    expect(refusal(() => decodeWriteRequestV1(one(labels))).message).toContain('has the label name "l7" more than once');
  });

  it("refuses a label value that is not UTF-8, naming the series", () => {
    const badLabel = lenField(1, bytes(lenField(1, utf8("path")), lenField(2, [0x2f, 0xff, 0xfe])));
    const body = lenField(1, bytes(lenField(1, bytes(lenField(1, utf8("__name__")), lenField(2, utf8("hits")))), badLabel, lenField(2, bytes(0x10, 1))));
    expect(refusal(() => decodeWriteRequestV1(body)).message).toBe(
      'remote write 1.0: series {__name__="hits", path="/\uFFFD\uFFFD"} (timeseries[0]) has a label that is not valid UTF-8 (shown with U+FFFD): label names and values must be UTF-8',
    );
  });

  it.each([
    ["a truncated body", (b: Uint8Array) => b.subarray(0, b.length - 3), /the body is not a valid prometheus\.WriteRequest \(in timeseries\[0\]\): .*runs past the end/],
    ["a double sent as a varint", () => lenField(1, lenField(2, bytes(0x08, 1))), /field Sample\.value \(1\) has wire type varint, expected i64/],
    ["a timestamp sent as i64", () => lenField(1, lenField(2, bytes(0x11, [0, 0, 0, 0, 0, 0, 0, 0]))), /field Sample\.timestamp \(2\) has wire type i64, expected varint/],
    ["timeseries sent as a varint", () => bytes(0x08, 1), /\(in timeseries\[0\]\): field timeseries \(1\) has wire type varint, expected len/],
    ["an unknown group field", () => bytes(0x4b, 0x4c), /\(in WriteRequest\): field 9 has wire type group start, which proto3 messages do not use/],
    ["field number 0", () => bytes(0x00, 0x01), /field number 0 at byte 0/],
    ["a varint longer than 10 bytes", () => lenField(1, lenField(2, bytes(0x10, Array(10).fill(0xff), 1))), /longer than 10 bytes/],
  ])("refuses %s as malformed", (_, make, pattern) => {
    const valid = writeRequestV1({ timeseries: [{ labels: [label("__name__", "x")], samples: [{ value: 1, timestamp: 1n }] }] });
    const e = refusal(() => decodeWriteRequestV1(make(valid)));
    expect(e.message).toMatch(/^remote write 1\.0: the body is not a valid prometheus\.WriteRequest/);
    expect(e.message).toMatch(pattern);
  });
});
