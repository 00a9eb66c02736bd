// Remote write 2.0 (io.prometheus.write.v2.Request, prometheus/docs docs/specs/prw/remote_write_spec_2_0.md)
// decoded by src/ingest/remote-write/request-v2.ts: symbols, labels_refs, metadata types, start timestamps,
// counts, the staleness marker, and every refusal with its message.
import { describe, expect, it } from "vitest";
import { decodeRemoteWrite, decodeRequestV2 } from "../../../src/ingest/remote-write";
import { Metadata_MetricType } from "../../../src/ingest/gen/prometheus/io/prometheus/write/v2/types_pb";
import { bytes, compress, lenField, patchDouble, refusal, requestV2, STALE_NAN_BITS, symbolTable, utf8, varint, writeRequestV1 } from "./fixtures";

const V2 = "application/x-protobuf;proto=io.prometheus.write.v2.Request";

describe("remote write 2.0 decoding", () => {
  it("decodes a body written byte by byte from the spec's schema", () => {
    // symbols ["", "__name__", "up", "job", "api"]; one series {__name__=up, job=api} (refs packed), one
    // sample {value 2.0, timestamp 1000}, metadata {type GAUGE}.
    const symbols = ["", "__name__", "up", "job", "api"].map((s) => lenField(4, utf8(s)));
    const sample = bytes(0x09, [0, 0, 0, 0, 0, 0, 0, 0x40], 0x10, varint(1000));
    const series = bytes(lenField(1, [1, 2, 3, 4]), lenField(2, sample), lenField(5, bytes(0x08, 2)));
    const body = bytes(...symbols, lenField(5, series));
    expect(decodeRemoteWrite({ body: compress(body), contentType: V2, contentEncoding: "snappy" })).toEqual({
      version: "2.0",
      request: {
        series: [{ name: "up", labels: { job: "api" }, type: "gauge", samples: [{ value: 2, timestampMs: 1000, stale: false }] }],
        histograms: 0,
        exemplars: 0,
      },
    });
  });

  it("round-trips series with shared symbols, metadata types and samples in order", () => {
    const t = symbolTable();
    const body = requestV2({
      symbols: t.symbols,
      timeseries: [
        {
          labelsRefs: t.refs({ __name__: "http_requests_total", code: "200", pod: "web-1" }),
          samples: [{ value: 10, timestamp: 1_000n }, { value: 12, timestamp: 16_000n }],
          metadata: { type: Metadata_MetricType.COUNTER, helpRef: t.ref("Requests."), unitRef: 0 },
        },
        { labelsRefs: t.refs({ __name__: "temperature", room: "a" }), samples: [{ value: 21.5, timestamp: 1_000n }], metadata: { type: Metadata_MetricType.GAUGE } },
        { labelsRefs: t.refs({ __name__: "mystery" }), samples: [{ value: 1, timestamp: 1_000n }] },
        { labelsRefs: t.refs({ __name__: "info_metric" }), samples: [{ value: 1, timestamp: 1_000n }], metadata: { type: Metadata_MetricType.INFO } },
      ],
    });
    expect(decodeRequestV2(body)).toEqual({
      series: [
        {
          name: "http_requests_total",
          labels: { code: "200", pod: "web-1" },
          type: "counter",
          samples: [
            { value: 10, timestampMs: 1_000, stale: false },
            { value: 12, timestampMs: 16_000, stale: false },
          ],
        },
        { name: "temperature", labels: { room: "a" }, type: "gauge", samples: [{ value: 21.5, timestampMs: 1_000, stale: false }] },
        { name: "mystery", labels: {}, type: "unknown", samples: [{ value: 1, timestampMs: 1_000, stale: false }] },
        { name: "info_metric", labels: {}, type: "unknown", samples: [{ value: 1, timestampMs: 1_000, stale: false }] },
      ],
      histograms: 0,
      exemplars: 0,
    });
  });

  it("reads start_timestamp but does not carry it (startTimestampMs means a delta in the decoded model)", () => {
    const t = symbolTable();
    const body = requestV2({
      symbols: t.symbols,
      timeseries: [{ labelsRefs: t.refs({ __name__: "c_total" }), samples: [{ value: 5, timestamp: 2_000n, startTimestamp: 1_000n }], metadata: { type: Metadata_MetricType.COUNTER } }],
    });
    expect(decodeRequestV2(body).series[0].samples).toEqual([{ value: 5, timestampMs: 2_000, stale: false }]);
  });

  it("accepts unpacked labels_refs, unsorted labels and a symbols table that does not start with \"\"", () => {
    // symbols ["zone", "__name__", "x", "b"]; refs sent one varint field each, zone first.
    const refs = [0, 3, 1, 2].flatMap((r) => [0x08, r]);
    const body = bytes(...["zone", "__name__", "x", "b"].map((s) => lenField(4, utf8(s))), lenField(5, bytes(refs, lenField(2, bytes(0x10, 7)))));
    expect(decodeRequestV2(body).series).toEqual([{ name: "x", labels: { zone: "b" }, type: "unknown", samples: [{ value: 0, timestampMs: 7, stale: false }] }]);
  });

  it("reads the staleness marker from the wire bits", () => {
    const t = symbolTable();
    let body = requestV2({
      symbols: t.symbols,
      timeseries: [{ labelsRefs: t.refs({ __name__: "x" }), samples: [{ value: 2001.25, timestamp: 1n }, { value: 2002.25, timestamp: 2n }, { value: 3, timestamp: 3n }] }],
    });
    body = patchDouble(patchDouble(body, 2001.25, STALE_NAN_BITS), 2002.25, 0x7ff8000000000001n);
    expect(decodeRequestV2(body).series[0].samples.map((s) => s.stale)).toEqual([true, false, false]);
  });

  it("counts histograms and exemplars; histogram-only and exemplar-only series are not in `series`", () => {
    const t = symbolTable();
    const body = requestV2({
      symbols: t.symbols,
      timeseries: [
        { labelsRefs: t.refs({ __name__: "lat" }), histograms: [{ sum: 1, timestamp: 1n }, { sum: 2, timestamp: 2n }], exemplars: [{ labelsRefs: t.refs({ trace_id: "abc" }), value: 1, timestamp: 1n }] },
        { labelsRefs: t.refs({ __name__: "ex" }), exemplars: [{ value: 3, timestamp: 3n }] },
        { labelsRefs: t.refs({ __name__: "s" }), samples: [{ value: 1, timestamp: 1n }], exemplars: [{ value: 1, timestamp: 1n }, { value: 2, timestamp: 2n }] },
      ],
    });
    const decoded = decodeRequestV2(body);
    expect(decoded.series.map((s) => s.name)).toEqual(["s"]);
    expect(decoded.histograms).toBe(2);
    expect(decoded.exemplars).toBe(4);
  });

  it("an empty body is an empty request", () => {
    expect(decodeRequestV2(new Uint8Array(0))).toEqual({ series: [], histograms: 0, exemplars: 0 });
  });
});

describe("remote write 2.0 refusals", () => {
  const refused = (body: Uint8Array) => refusal(() => decodeRequestV2(body)).message;

  it("refuses labels_refs of odd length", () => {
    const body = requestV2({ symbols: ["", "__name__", "x"], timeseries: [{ labelsRefs: [1, 2, 1], samples: [{ value: 1, timestamp: 1n }] }] });
    expect(refused(body)).toBe("remote write 2.0: timeseries[0] has 3 labels_refs: they must come in name/value pairs");
  });

  it("refuses label refs outside the symbols table", () => {
    const body = requestV2({ symbols: ["", "__name__", "x"], timeseries: [{ labelsRefs: [1, 2, 3, 9], samples: [{ value: 1, timestamp: 1n }] }] });
    expect(refused(body)).toBe("remote write 2.0: timeseries[0] has labels_refs[2] = 3, outside the symbols table (size 3)");
  });

  it("refuses exemplar label refs outside the symbols table", () => {
    const body = requestV2({
      symbols: ["", "__name__", "x"],
      timeseries: [{ labelsRefs: [1, 2], samples: [{ value: 1, timestamp: 1n }], exemplars: [{ labelsRefs: [1, 7], value: 1, timestamp: 1n }] }],
    });
    expect(refused(body)).toBe("remote write 2.0: timeseries[0].exemplars[0] has labels_refs[1] = 7, outside the symbols table (size 3)");
  });

  it("refuses metadata help_ref and unit_ref outside the symbols table, naming the series", () => {
    const help = requestV2({ symbols: ["", "__name__", "x"], timeseries: [{ labelsRefs: [1, 2], samples: [{ value: 1, timestamp: 1n }], metadata: { helpRef: 3 } }] });
    expect(refused(help)).toBe('remote write 2.0: series {__name__="x"} (timeseries[0]) has metadata.help_ref 3, outside the symbols table (size 3)');
    const unit = requestV2({ symbols: ["", "__name__", "x"], timeseries: [{ labelsRefs: [1, 2], samples: [{ value: 1, timestamp: 1n }], metadata: { unitRef: 40 } }] });
    expect(refused(unit)).toBe('remote write 2.0: series {__name__="x"} (timeseries[0]) has metadata.unit_ref 40, outside the symbols table (size 3)');
  });

  it.each([
    [{ job: "api" }, 'remote write 2.0: series {job="api"} (timeseries[0]) has no __name__ label: every series needs a metric name'],
    [{ __name__: "x", "": "v" }, 'remote write 2.0: series {__name__="x", ""="v"} (timeseries[0]) has a label with an empty name: label names must not be empty'],
  ])("refuses the label set %j", (labels, message) => {
    const t = symbolTable();
    expect(refused(requestV2({ symbols: t.symbols, timeseries: [{ labelsRefs: t.refs(labels), samples: [{ value: 1, timestamp: 1n }] }] }))).toBe(message);
  });

  it("refuses duplicate label names", () => {
    const t = symbolTable();
    const refs = [...t.refs({ __name__: "x", pod: "a" }), t.ref("pod"), t.ref("b")];
    expect(refused(requestV2({ symbols: t.symbols, timeseries: [{ labelsRefs: refs, samples: [{ value: 1, timestamp: 1n }] }] }))).toBe(
      'remote write 2.0: series {__name__="x", pod="a", pod="b"} (timeseries[0]) has the label name "pod" more than once: label names must be unique',
    );
  });

  it("refuses a series label that is not UTF-8, but not an unused symbol that is not", () => {
    const symbols = bytes(lenField(4, []), lenField(4, utf8("__name__")), lenField(4, utf8("x")), lenField(4, utf8("path")), lenField(4, [0xc3, 0x28]));
    const series = (refs: number[]) => lenField(5, bytes(lenField(1, refs), lenField(2, bytes(0x10, 1))));
    expect(refused(bytes(symbols, series([1, 2, 3, 4])))).toBe(
      'remote write 2.0: series {__name__="x", path="\uFFFD("} (timeseries[0]) has a label that is not valid UTF-8 (shown with U+FFFD): label names and values must be UTF-8',
    );
    expect(decodeRequestV2(bytes(symbols, series([1, 2]))).series).toHaveLength(1);
  });

  it("refuses a series with both samples and histograms, and one with nothing", () => {
    const t = symbolTable();
    const both = requestV2({ symbols: t.symbols, timeseries: [{ labelsRefs: t.refs({ __name__: "x" }), samples: [{ value: 1, timestamp: 1n }], histograms: [{ timestamp: 1n }] }] });
    expect(refused(both)).toBe(
      'remote write 2.0: series {__name__="x"} (timeseries[0]) carries both samples and histograms: a TimeSeries must carry one kind; send the other in a separate TimeSeries',
    );
    const none = requestV2({ symbols: t.symbols, timeseries: [{ labelsRefs: t.refs({ __name__: "x" }) }] });
    expect(refused(none)).toBe('remote write 2.0: series {__name__="x"} (timeseries[0]) carries no samples, histograms or exemplars: a TimeSeries must carry at least one');
  });

  it("refuses a 1.0 WriteRequest sent as 2.0 instead of decoding it to nothing", () => {
    const v1 = writeRequestV1({ timeseries: [{ labels: [{ name: "__name__", value: "x" }], samples: [{ value: 1, timestamp: 1n }] }] });
    expect(refusal(() => decodeRemoteWrite({ body: compress(v1), contentType: V2, contentEncoding: "snappy" })).message).toBe(
      "remote write 2.0: the body has field 1, which io.prometheus.write.v2.Request reserves: it looks like a remote write 1.0 prometheus.WriteRequest; " +
        "send that with Content-Type application/x-protobuf, or encode an io.prometheus.write.v2.Request",
    );
  });

  it.each([
    ["a truncated body", (b: Uint8Array) => b.subarray(0, b.length - 2), /\(in timeseries\[0\]\): .*runs past the end/],
    ["a symbol sent as a varint", () => bytes(0x20, 1), /\(in symbols\[0\]\): field symbols \(4\) has wire type varint, expected len/],
    ["a packed ref list cut short", () => lenField(5, lenField(1, [0x81])), /truncated varint/],
    ["metadata type sent as i32", () => lenField(5, lenField(5, bytes(0x0d, 0, 0, 0, 0))), /field Metadata\.type \(1\) has wire type i32, expected varint/],
  ])("refuses %s as malformed", (_, make, pattern) => {
    const t = symbolTable();
    const valid = requestV2({ symbols: t.symbols, timeseries: [{ labelsRefs: t.refs({ __name__: "x" }), samples: [{ value: 1, timestamp: 1n }] }] });
    const message = refused(make(valid));
    expect(message).toMatch(/^remote write 2\.0: the body is not a valid io\.prometheus\.write\.v2\.Request/);
    expect(message).toMatch(pattern);
  });
});
