// Remote write decoders against the generated code (the schema of record): any valid request fast-check
// builds, encoded by @bufbuild/protobuf, decodes to exactly what it holds; and a seeded fuzz over random and
// mutated bodies, compressed and not, where only MetricsError may escape and no input takes long.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRemoteWrite, decodeRequestV2, decodeWriteRequestV1 } from "../../../src/ingest/remote-write";
import { compress, onlyMetricsErrors, prng, requestV2, symbolTable, writeRequestV1 } from "./fixtures";

const labelName = fc.oneof(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/), fc.string({ minLength: 1, maxLength: 8 }));
const series = fc.record({
  name: fc.oneof(fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/), fc.string({ minLength: 1, maxLength: 10 })),
  labels: fc.dictionary(labelName.filter((n) => n !== "__name__"), fc.string({ maxLength: 12 }), { maxKeys: 6 }),
  samples: fc.array(fc.record({ value: fc.double(), timestampMs: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }) }), { minLength: 1, maxLength: 4 }),
});
const requests = fc.array(series, { maxLength: 8 });

// What the decoders must produce for a generated request: empty values dropped, nothing else changed.
const expected = (input: { name: string; labels: Record<string, string>; samples: { value: number; timestampMs: number }[] }[]) =>
  input.map((s) => ({
    name: s.name,
    labels: Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== "")),
    type: "unknown",
    samples: s.samples.map((x) => ({ value: x.value, timestampMs: x.timestampMs, stale: false })),
  }));

describe("remote write decoders agree with the generated code", () => {
  it("1.0: every generated WriteRequest decodes to its series", () => {
    fc.assert(
      fc.property(requests, (input) => {
        const body = writeRequestV1({
          timeseries: input.map((s) => ({
            labels: [{ name: "__name__", value: s.name }, ...Object.entries(s.labels).map(([name, value]) => ({ name, value }))],
            samples: s.samples.map((x) => ({ value: x.value, timestamp: BigInt(x.timestampMs) })),
          })),
        });
        expect(decodeWriteRequestV1(body)).toEqual({ series: expected(input), histograms: 0, exemplars: 0 });
      }),
      { numRuns: 300 },
    );
  });

  it("2.0: every generated Request decodes to its series", () => {
    fc.assert(
      fc.property(requests, (input) => {
        const t = symbolTable();
        const body = requestV2({
          timeseries: input.map((s) => ({
            labelsRefs: t.refs({ __name__: s.name, ...s.labels }),
            samples: s.samples.map((x) => ({ value: x.value, timestamp: BigInt(x.timestampMs) })),
          })),
          symbols: t.symbols,
        });
        expect(decodeRequestV2(body)).toEqual({ series: expected(input), histograms: 0, exemplars: 0 });
      }),
      { numRuns: 300 },
    );
  });
});

describe("remote write fuzz (seeded)", () => {
  const t = symbolTable();
  const seeds = {
    v1: writeRequestV1({
      timeseries: [
        { labels: [{ name: "__name__", value: "a" }, { name: "job", value: "j" }], samples: [{ value: 1, timestamp: 1n }, { value: 2, timestamp: 2n }] },
        { labels: [{ name: "__name__", value: "b" }], samples: [{ value: 3, timestamp: 3n }], exemplars: [{ value: 1, timestamp: 1n }] },
      ],
      metadata: [{ type: 1, metricFamilyName: "a" }],
    }),
    v2: requestV2({
      timeseries: [
        { labelsRefs: t.refs({ __name__: "a", job: "j" }), samples: [{ value: 1, timestamp: 1n, startTimestamp: 1n }], metadata: { type: 1 } },
        { labelsRefs: t.refs({ __name__: "h" }), histograms: [{ sum: 1, timestamp: 1n }], exemplars: [{ labelsRefs: t.refs({ trace_id: "t" }), value: 1, timestamp: 1n }] },
      ],
      symbols: t.symbols,
    }),
  };

  it("random and mutated bodies only decode or fail with a MetricsError, each quickly", () => {
    const rnd = prng(424242);
    const outcomes = { ok: 0, refused: 0 };
    let slowest = 0;
    for (let i = 0; i < 4000; i++) {
      const v2 = i % 2 === 1;
      const seed = v2 ? seeds.v2 : seeds.v1;
      const raw = i % 4 < 2 ? rnd.mutate(seed) : rnd.randomBytes(rnd.int(200));
      const compressed = i % 8 < 4 ? compress(raw) : rnd.mutate(compress(seed));
      const started = Date.now();
      outcomes[onlyMetricsErrors(() => (v2 ? decodeRequestV2(raw) : decodeWriteRequestV1(raw)))]++;
      outcomes[
        onlyMetricsErrors(() =>
          decodeRemoteWrite({ body: compressed, contentType: v2 ? "application/x-protobuf;proto=io.prometheus.write.v2.Request" : "application/x-protobuf", contentEncoding: "snappy", maxDecodedBytes: 1 << 16 }),
        )
      ]++;
      slowest = Math.max(slowest, Date.now() - started);
    }
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
    // A hang detector, not a benchmark: inputs are under 1 KiB and decode in well under a millisecond.
    expect(slowest).toBeLessThan(1000);
  });
});
