// Go standard-library behaviour the parser and path ports rely on; each expectation is what Go prints for
// the same bytes (strconv.Quote, fmt %q of a byte, strconv.ParseFloat behind expfmt's parseFloat,
// encoding/base64 RawURLEncoding.DecodeString, net/url path unescaping, fmt.Sprint of a float64).
import { describe, expect, it } from "vitest";
import {
  decodeByteString,
  goDecodeRawURLBase64,
  goFloat,
  goParseFloat,
  goQuote,
  goQuoteByte,
  goToUpper,
  goUnescapePath,
  isValidUtf8,
  utf8ByteString,
} from "../../../src/ingest/go-bytes";

describe("strconv.Quote over bytes", () => {
  it.each([
    ['a"b\\c', '"a\\"b\\\\c"'],
    ["tab\there", '"tab\\there"'],
    ["\x00\x7f\xff", '"\\x00\\x7f\\xff"'],
    [utf8ByteString("é€😀"), '"é€😀"'],
    [utf8ByteString("\u0080\u00a0\u00ad\u200b\ufeff"), '"\\u0080\\u00a0\\u00ad\\u200b\\ufeff"'],
    // A real U+FFFD is printed; an encoded surrogate is three invalid bytes.
    ["\xef\xbf\xbd\xed\xa0\x80", '"\ufffd\\xed\\xa0\\x80"'],
    ["\xc3", '"\\xc3"'],
  ])("%j", (bytes, quoted) => {
    expect(goQuote(bytes)).toBe(quoted);
  });
});

describe("fmt %q of a byte", () => {
  it.each([
    [0x00, "'\\x00'"],
    [0x27, "'\\''"],
    [0x5c, "'\\\\'"],
    [0x22, "'\"'"],
    [0x78, "'x'"],
    [0x0a, "'\\n'"],
    [0x7f, "'\\x7f'"],
    [0x80, "'\\u0080'"],
    [0xa0, "'\\u00a0'"],
    [0xad, "'\\u00ad'"],
    [0xc3, "'Ã'"],
    [0xff, "'ÿ'"],
  ])("%i", (byte, quoted) => {
    expect(goQuoteByte(byte)).toBe(quoted);
  });
});

describe("expfmt parseFloat (strconv.ParseFloat without p, P and _)", () => {
  it.each<[string, number | null]>([
    ["1", 1],
    ["+1.5e3", 1500],
    [".5", 0.5],
    ["5.", 5],
    ["-0", -0],
    ["Inf", Infinity],
    ["-infinity", -Infinity],
    ["NaN", NaN],
    ["nAn", NaN],
    ["1e-400", 0],
    ["+nan", null],
    ["1e400", null],
    ["-1e400", null],
    ["0x1p3", null],
    ["1_000", null],
    ["", null],
    [".", null],
    ["1e", null],
    ["0x10", null],
    ["١", null],
  ])("%j", (s, value) => {
    expect(goParseFloat(s)).toEqual(value);
  });
});

describe("base64.RawURLEncoding.DecodeString", () => {
  it.each<[string, string, number | null]>([
    ["YWJj", "abc", null],
    ["YWJjZA", "abcd", null],
    ["YWJjZA!", "abc", 6],
    ["Y", "", 0],
    ["YW\nJj", "abc", null],
    ["Y=Q", "", 1],
    ["_w", "\xff", null],
    ["-_-_", "\xfb\xff\xbf", null],
  ])("%j", (s, bytes, errorAt) => {
    expect(goDecodeRawURLBase64(s)).toEqual({ bytes, errorAt });
  });
});

describe("the rest", () => {
  it("unescapes a path like net/url: bytes for %XX, '+' kept, EscapeError text for a bad escape", () => {
    expect(goUnescapePath("a%2Fb+c%E2%82%ac")).toEqual({ path: "a/b+c\xe2\x82\xac" });
    expect(goUnescapePath("a%2")).toEqual({ error: 'invalid URL escape "%2"' });
    expect(goUnescapePath("%g1")).toEqual({ error: 'invalid URL escape "%g1"' });
  });

  it("upper-cases with simple mappings only (strings.ToUpper)", () => {
    expect(goToUpper(utf8ByteString("hıſtogram ß ﬅ"))).toBe("HISTOGRAM ß ﬅ");
  });

  it("validates and decodes UTF-8 byte strings, keeping a leading BOM", () => {
    expect(isValidUtf8(utf8ByteString("\ufeffé"))).toBe(true);
    expect(isValidUtf8("\xed\xa0\x80")).toBe(false);
    expect(isValidUtf8("\xc0\xaf")).toBe(false);
    expect(decodeByteString(utf8ByteString("\ufeffé"))).toBe("\ufeffé");
  });
});

describe("fmt.Sprint of a float64 (Go 1.26)", () => {
  it.each([
    [0, "0"], [-0, "-0"], [1.5, "1.5"], [123456, "123456"], [999999, "999999"], [1000000, "1e+06"], [1234567, "1.234567e+06"],
    [1e20, "1e+20"], [1e21, "1e+21"], [0.0001, "0.0001"], [0.00001, "1e-05"], [1.25e-7, "1.25e-07"], [-2500000, "-2.5e+06"],
    [1764480000.123, "1.764480000123e+09"], [Infinity, "+Inf"], [-Infinity, "-Inf"], [NaN, "NaN"], [5e-324, "5e-324"],
    [Number.MAX_VALUE, "1.7976931348623157e+308"],
  ])("%s → %s", (v, want) => {
    expect(goFloat(v)).toBe(want);
  });
});
