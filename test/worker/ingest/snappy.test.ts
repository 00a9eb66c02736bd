// Snappy block decompression (src/ingest/snappy.ts) against google/snappy format_description.txt: byte-level
// blocks written from the format, round trips through snappyjs' compressor, every refusal, and a seeded fuzz.
import { describe, expect, it } from "vitest";
import { decompressSnappy, snappyDecodedLength } from "../../../src/ingest/snappy";
import { bytes, compress, onlyMetricsErrors, prng, refusal, utf8, varint } from "./fixtures";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("snappy block format (google/snappy format_description.txt)", () => {
  it("decodes a literal-only block", () => {
    // Header varint 5, then a literal tag (len-1 = 4) << 2 | 0b00 and the bytes.
    expect(text(decompressSnappy(bytes(5, (4 << 2) | 0, utf8("hello")), 100))).toBe("hello");
  });

  it("decodes 1-, 2- and 4-byte-offset copies, including overlapping runs", () => {
    // "abcd" literal, then copy-1: len 4+((tag>>2)&7)=4, offset 4 → "abcdabcd".
    expect(text(decompressSnappy(bytes(8, 3 << 2, utf8("abcd"), 0b01, 4), 100))).toBe("abcdabcd");
    // "ab" then copy-2: len 1+(tag>>2)=7, offset 2 (overlaps itself) → "ababababa".
    expect(text(decompressSnappy(bytes(9, 1 << 2, utf8("ab"), (6 << 2) | 0b10, 2, 0), 100))).toBe("ababababa");
    // "xyz" then copy-4: len 3, offset 3 (little-endian 32-bit) → "xyzxyz".
    expect(text(decompressSnappy(bytes(6, 2 << 2, utf8("xyz"), (2 << 2) | 0b11, 3, 0, 0, 0), 100))).toBe("xyzxyz");
  });

  it("decodes literals whose length is in 1-4 extra bytes", () => {
    const payload = utf8("q".repeat(300));
    // tag 61 << 2: the length minus one in the next two bytes, little-endian.
    const block = bytes(varint(300), 61 << 2, 299 & 0xff, 299 >> 8, payload);
    expect(decompressSnappy(block, 1000)).toEqual(payload);
    const long = bytes(varint(70), 63 << 2, 69, 0, 0, 0, utf8("r".repeat(70)));
    expect(text(decompressSnappy(long, 1000))).toBe("r".repeat(70));
  });

  it("round-trips what snappyjs compresses: empty, random, repetitive and large bodies", () => {
    const rnd = prng(7);
    const samples = [
      new Uint8Array(0),
      rnd.randomBytes(1),
      rnd.randomBytes(5000),
      utf8("http_requests_total{code=\"200\"} ".repeat(5000)),
      Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251 < 40 ? 0 : i % 7),
    ];
    for (const s of samples) expect(decompressSnappy(compress(s), s.length)).toEqual(s);
  });

  it("reads the declared length without decompressing", () => {
    expect(snappyDecodedLength(bytes(varint(300), 0))).toEqual({ length: 300, headerBytes: 2 });
    expect(snappyDecodedLength(bytes(varint(0xffffffff)))).toEqual({ length: 0xffffffff, headerBytes: 5 });
  });
});

describe("snappy refusals", () => {
  it("refuses a declared length over the limit before allocating, naming the limit (RequestEntityTooLarge)", () => {
    // 6 bytes that claim 4 GiB - 1: refused from the header alone.
    const e = refusal(() => decompressSnappy(bytes(varint(0xffffffff), 0, 0x61), 32 << 20), "RequestEntityTooLarge");
    expect(e.message).toBe(
      "snappy: the body decompresses to 4294967295 bytes, more than the limit of 33554432 bytes; send smaller batches",
    );
    refusal(() => decompressSnappy(compress(new Uint8Array(1001)), 1000), "RequestEntityTooLarge");
    expect(decompressSnappy(compress(new Uint8Array(1000)), 1000)).toHaveLength(1000);
  });

  it.each([
    ["an empty body", bytes(), "the length header is truncated"],
    ["a truncated length header", bytes(0x80, 0x80), "the length header is truncated"],
    ["a length header over 32 bits", bytes(0x80, 0x80, 0x80, 0x80, 0x10), "the length header exceeds 32 bits"],
    ["a literal past the end of the input", bytes(10, 9 << 2, 1, 2), "runs past the end of the input"],
    ["a literal past the declared length", bytes(2, 4 << 2, utf8("abcde")), "writes past the declared length 2"],
    ["a literal length past the end", bytes(10, 62 << 2, 1), "a literal's length runs past the end"],
    ["a copy with offset 0", bytes(8, 3 << 2, utf8("abcd"), 0b01, 0), "offset 0"],
    ["a copy before the start of the output", bytes(8, 3 << 2, utf8("abcd"), 0b01, 5), "offset 5 before the start"],
    ["a copy past the declared length", bytes(6, 3 << 2, utf8("abcd"), 0b01, 4), "writes past the declared length 6"],
    ["a truncated copy", bytes(8, 3 << 2, utf8("abcd"), 0b10, 4), "is truncated"],
    ["fewer bytes than declared", bytes(10, 1 << 2, 1, 2), "holds 2 bytes but its header declares 10"],
    // snappyjs 0.7.0 loops forever on this one: a 4-byte literal length of 0xfffffffa moves its position back.
    ["a literal length that wraps to negative", bytes(0x0a, 0xfc, 0xfa, 0xff, 0xff, 0xff), "writes past the declared length 10"],
  ])("refuses %s as corrupt (BadRequest)", (_, block, detail) => {
    const e = refusal(() => decompressSnappy(block, 1 << 20));
    expect(e.message).toContain("snappy: corrupt input (");
    expect(e.message).toContain(detail);
  });

  it("refuses the framed (stream) format, which remote write forbids", () => {
    const framed = bytes(0xff, 0x06, 0x00, 0x00, utf8("sNaPpY"), 0x01, 0x09, 0x00, 0x00, 0, 0, 0, 0, utf8("hello"));
    expect(refusal(() => decompressSnappy(framed, 1 << 20)).message).toContain("framed (stream) format");
  });
});

describe("snappy fuzz (seeded)", () => {
  it("random and mutated blocks only ever decode within the limit or fail with a MetricsError", () => {
    const rnd = prng(20260701);
    const valid = [compress(utf8("metric_a 1\nmetric_b 2\n".repeat(50))), compress(rnd.randomBytes(300)), compress(new Uint8Array(4096))];
    const limit = 8192;
    let ok = 0;
    for (let i = 0; i < 3000; i++) {
      const input = i % 3 === 0 ? rnd.randomBytes(rnd.int(64)) : rnd.mutate(valid[i % valid.length]);
      const outcome = onlyMetricsErrors(() => {
        const out = decompressSnappy(input, limit);
        expect(out.length).toBeLessThanOrEqual(limit);
      });
      if (outcome === "ok") ok++;
    }
    // Mutations that keep a block valid exist (a flipped literal byte), so some decode; most must not.
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(3000);
  });
});
