// Content-Type / Content-Encoding negotiation for remote write, per prometheus/docs
// docs/specs/prw/remote_write_spec_2_0.md ("Content-Type", "Unsupported Request Content") and
// prometheus/client_golang exp/api/remote/remote_api.go ParseProtoMsg (what Prometheus' receiver does).
import { describe, expect, it } from "vitest";
import { parseMediaType } from "../../../src/ingest/media-type";
import { checkRemoteWriteEncoding, decodeRemoteWrite, remoteWriteVersion } from "../../../src/ingest/remote-write";
import { compress, refusal, writeRequestV1 } from "./fixtures";

describe("remote write version from Content-Type", () => {
  it.each([
    ["application/x-protobuf", "1.0"],
    ["application/x-protobuf;proto=prometheus.WriteRequest", "1.0"],
    ["application/x-protobuf;proto=io.prometheus.write.v2.Request", "2.0"],
    // RFC 9110: case-insensitive type and parameter names, optional whitespace, quoted values.
    ["Application/X-Protobuf; Proto=io.prometheus.write.v2.Request", "2.0"],
    ['application/x-protobuf ; proto="io.prometheus.write.v2.Request"', "2.0"],
    ["application/x-protobuf;charset=utf-8", "1.0"],
    // No header at all: Prometheus' receiver reads it as 1.0.
    ["", "1.0"],
  ])("%s → %s", (contentType, version) => {
    expect(remoteWriteVersion(contentType)).toBe(version);
  });

  it("a missing header is 1.0, as in Prometheus' receiver", () => {
    expect(remoteWriteVersion(null)).toBe("1.0");
    expect(remoteWriteVersion(undefined)).toBe("1.0");
  });

  it.each(["application/json", "text/plain", "application/x-protobuf-not", "application/vnd.google.protobuf", "protobuf", "application/x-protobuf;proto"])(
    "refuses Content-Type %s with 415 naming what is accepted",
    (contentType) => {
      const e = refusal(() => remoteWriteVersion(contentType), "UnsupportedMediaType");
      expect(e.message).toBe(
        `remote write: Content-Type ${JSON.stringify(contentType)} is not accepted; send application/x-protobuf or ` +
          "application/x-protobuf;proto=prometheus.WriteRequest (remote write 1.0), or application/x-protobuf;proto=io.prometheus.write.v2.Request (remote write 2.0)",
      );
    },
  );

  it("refuses an unknown proto= message with 415 naming it", () => {
    const e = refusal(() => remoteWriteVersion("application/x-protobuf;proto=io.prometheus.write.v3.Request"), "UnsupportedMediaType");
    expect(e.message).toMatch(/^remote write: protobuf message "io\.prometheus\.write\.v3\.Request" is not accepted; send application\/x-protobuf/);
  });
});

describe("remote write Content-Encoding", () => {
  it("takes snappy, or no header (Prometheus' receiver assumes snappy)", () => {
    for (const enc of ["snappy", "Snappy", "", null, undefined]) expect(() => checkRemoteWriteEncoding(enc)).not.toThrow();
  });

  it.each(["gzip", "zstd", "snappy-framed", "identity"])("refuses %s with 415", (enc) => {
    const e = refusal(() => checkRemoteWriteEncoding(enc), "UnsupportedMediaType");
    expect(e.message).toBe(
      `remote write: Content-Encoding ${JSON.stringify(enc)} is not accepted; remote write bodies must be snappy block-compressed (Content-Encoding: snappy)`,
    );
  });

  it("decodeRemoteWrite checks headers before touching the body", () => {
    const garbage = new Uint8Array([1, 2, 3]);
    refusal(() => decodeRemoteWrite({ body: garbage, contentType: "text/plain", contentEncoding: "snappy" }), "UnsupportedMediaType");
    refusal(() => decodeRemoteWrite({ body: garbage, contentType: "application/x-protobuf", contentEncoding: "gzip" }), "UnsupportedMediaType");
  });

  it("decodeRemoteWrite applies the decompressed-size limit", () => {
    const body = compress(writeRequestV1({ timeseries: [{ labels: [{ name: "__name__", value: "x".repeat(2000) }], samples: [{ value: 1, timestamp: 1n }] }] }));
    const e = refusal(
      () => decodeRemoteWrite({ body, contentType: "application/x-protobuf", contentEncoding: "snappy", maxDecodedBytes: 1024 }),
      "RequestEntityTooLarge",
    );
    expect(e.message).toMatch(/more than the limit of 1024 bytes/);
  });
});

describe("media type parsing (RFC 9110 section 8.3.1)", () => {
  it("parses type, subtype and parameters", () => {
    expect(parseMediaType('Application/Vnd.Google.Protobuf; proto=io.prometheus.client.MetricFamily; encoding="delimited"')).toEqual({
      essence: "application/vnd.google.protobuf",
      params: { proto: "io.prometheus.client.MetricFamily", encoding: "delimited" },
    });
    expect(parseMediaType('a/b; x="q\\"uoted"; y=1;')?.params).toEqual({ x: 'q"uoted', y: "1" });
  });

  it.each(["", "text", "/plain", "text/", "a b/c", "a/b; x", "a/b; x=\"open", "a/b; x=a b", "a/b; =v"])("returns null for %j", (header) => {
    expect(parseMediaType(header)).toBeNull();
  });
});
