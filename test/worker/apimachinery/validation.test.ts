// Table tests for src/apimachinery/validation.ts, ported from upstream k8s.io/apimachinery (v0.37.2):
// staging/src/k8s.io/apimachinery/pkg/util/validation/validation_test.go (TestIsDNS1123Label,
// TestIsDNS1123Subdomain, TestIsQualifiedName, TestIsValidLabelValue) and
// staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube_test.go (TestIsLabelKey, TestIsLabelValue).
// Upstream only checks valid/invalid; the exact message lists below were taken from running the real
// apimachinery v0.37.2 functions on the same inputs.
import { describe, it, expect } from "vitest";
import {
  contentMaxLenError,
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelKey,
  isLabelValue,
  isQualifiedName,
  isValidLabelValue,
  maxLenError,
  regexError,
  utf8ByteLength,
} from "../../../src/apimachinery/validation";

const LABEL_REGEX =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NO_DOTS = "must not contain dots";
const MAX_63_CHARACTERS = "must be no more than 63 characters";
const SUBDOMAIN_REGEX =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const MAX_253_CHARACTERS = "must be no more than 253 characters";
const NAME_PART_REGEX =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const TOO_MANY_SLASHES =
  "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
const PREFIX_PART_REGEX = "prefix part " + SUBDOMAIN_REGEX;
const NAME_PART_EMPTY = "name part must be non-empty";
const PREFIX_PART_EMPTY = "prefix part must be non-empty";
const NAME_PART_MAX_63_BYTES = "name part must be no more than 63 bytes";
const PREFIX_PART_MAX_253_BYTES = "prefix part must be no more than 253 bytes";
const VALUE_REGEX =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const MAX_63_BYTES = "must be no more than 63 bytes";

describe("TestIsDNS1123Label (util/validation/validation_test.go)", () => {
  const good = ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a".repeat(63)];
  it.each(good)("accepts %j", (v) => {
    expect(isDNS1123Label(v)).toEqual([]);
  });

  const bad: [string, string[]][] = [
    ["", [LABEL_REGEX]],
    ["A", [LABEL_REGEX]],
    ["ABC", [LABEL_REGEX]],
    ["aBc", [LABEL_REGEX]],
    ["A1", [LABEL_REGEX]],
    ["A-1", [LABEL_REGEX]],
    ["1-A", [LABEL_REGEX]],
    ["-", [LABEL_REGEX]],
    ["a-", [LABEL_REGEX]],
    ["-a", [LABEL_REGEX]],
    ["1-", [LABEL_REGEX]],
    ["-1", [LABEL_REGEX]],
    ["_", [LABEL_REGEX]],
    ["a_", [LABEL_REGEX]],
    ["_a", [LABEL_REGEX]],
    ["a_b", [LABEL_REGEX]],
    ["1_", [LABEL_REGEX]],
    ["_1", [LABEL_REGEX]],
    ["1_2", [LABEL_REGEX]],
    [".", [LABEL_REGEX]],
    ["a.", [LABEL_REGEX]],
    [".a", [LABEL_REGEX]],
    ["a.b", [NO_DOTS]],
    ["1.", [LABEL_REGEX]],
    [".1", [LABEL_REGEX]],
    ["1.2", [NO_DOTS]],
    [" ", [LABEL_REGEX]],
    ["a ", [LABEL_REGEX]],
    [" a", [LABEL_REGEX]],
    ["a b", [LABEL_REGEX]],
    ["1 ", [LABEL_REGEX]],
    [" 1", [LABEL_REGEX]],
    ["1 2", [LABEL_REGEX]],
    ["a".repeat(64), [MAX_63_CHARACTERS]],
    // IsDNS1123Label: a too-long valid subdomain gets both the length and the "dots" message.
    ["a.".repeat(32) + "a", [MAX_63_CHARACTERS, NO_DOTS]],
    ["A".repeat(64), [MAX_63_CHARACTERS, LABEL_REGEX]],
  ];
  it.each(bad)("refuses %j", (v, want) => {
    expect(isDNS1123Label(v)).toEqual(want);
  });
});

describe("TestIsDNS1123Subdomain (util/validation/validation_test.go)", () => {
  const good = [
    "a", "ab", "abc", "a1", "a-1", "a--1--2--b",
    "0", "01", "012", "1a", "1-a", "1--a--b--2",
    "a.a", "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a",
    "a.1", "ab.1", "abc.1", "a1.1", "a-1.1", "a--1--2--b.1",
    "0.a", "01.a", "012.a", "1a.a", "1-a.a", "1--a--b--2",
    "0.1", "01.1", "012.1", "1a.1", "1-a.1", "1--a--b--2.1",
    "a.b.c.d.e", "aa.bb.cc.dd.ee", "1.2.3.4.5", "11.22.33.44.55",
    "a".repeat(253),
  ];
  it.each(good)("accepts %j", (v) => {
    expect(isDNS1123Subdomain(v)).toEqual([]);
  });

  const badRegex = [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A",
    "-", "a-", "-a", "1-", "-1",
    "_", "a_", "_a", "a_b", "1_", "_1", "1_2",
    ".", "a.", ".a", "a..b", "1.", ".1", "1..2",
    " ", "a ", " a", "a b", "1 ", " 1", "1 2",
    "A.a", "aB.a", "ab.A", "A1.a", "a1.A",
    "A.1", "aB.1", "A1.1", "1A.1",
    "0.A", "01.A", "012.A", "1A.a", "1a.A",
    "A.B.C.D.E", "AA.BB.CC.DD.EE", "a.B.c.d.e", "aa.bB.cc.dd.ee",
    "a@b", "a,b", "a_b", "a;b",
    "a:b", "a%b", "a?b", "a$b",
  ];
  it.each(badRegex)("refuses %j with the regex message", (v) => {
    expect(isDNS1123Subdomain(v)).toEqual([SUBDOMAIN_REGEX]);
  });

  it("refuses 254 characters with the util/validation wording (characters, not bytes)", () => {
    expect(isDNS1123Subdomain("a".repeat(254))).toEqual([MAX_253_CHARACTERS]);
    expect(isDNS1123Subdomain("A".repeat(254))).toEqual([MAX_253_CHARACTERS, SUBDOMAIN_REGEX]);
  });
});

describe("TestIsQualifiedName (util/validation/validation_test.go) = TestIsLabelKey (content/kube_test.go)", () => {
  const good = [
    "simple",
    "now-with-dashes",
    "1-starts-with-num",
    "1234",
    "simple/simple",
    "now-with-dashes/simple",
    "now-with-dashes/now-with-dashes",
    "now.with.dots/simple",
    "now-with.dashes-and.dots/simple",
    "1-num.2-num/3-num",
    "1234/5678",
    "1.2.3.4/5678",
    "Uppercase_Is_OK_123",
    "example.com/Uppercase_Is_OK_123",
    "requests.storage-foo",
    "a".repeat(63),
    "a".repeat(253) + "/" + "b".repeat(63),
  ];
  it.each(good)("accepts %j", (v) => {
    expect(isQualifiedName(v)).toEqual([]);
  });

  const bad: [string, string[]][] = [
    ["nospecialchars%^=@", [NAME_PART_REGEX]],
    ["cantendwithadash-", [NAME_PART_REGEX]],
    ["-cantstartwithadash-", [NAME_PART_REGEX]],
    ["only/one/slash", [TOO_MANY_SLASHES]],
    ["Example.com/abc", [PREFIX_PART_REGEX]],
    ["example_com/abc", [PREFIX_PART_REGEX]],
    ["example.com/", [NAME_PART_EMPTY, NAME_PART_REGEX]],
    ["/simple", [PREFIX_PART_EMPTY]],
    ["a".repeat(64), [NAME_PART_MAX_63_BYTES]],
    ["a".repeat(254) + "/abc", [PREFIX_PART_MAX_253_BYTES]],
    // beyond upstream's list
    ["", [NAME_PART_EMPTY, NAME_PART_REGEX]],
    ["/", [PREFIX_PART_EMPTY, NAME_PART_EMPTY, NAME_PART_REGEX]],
    ["a".repeat(254) + "/" + "b".repeat(64) + "!", [PREFIX_PART_MAX_253_BYTES, NAME_PART_MAX_63_BYTES, NAME_PART_REGEX]],
    // 32 two-byte characters: 64 bytes, so the byte-length message appears too.
    ["é".repeat(32), [NAME_PART_MAX_63_BYTES, NAME_PART_REGEX]],
  ];
  it.each(bad)("refuses %j", (v, want) => {
    expect(isQualifiedName(v)).toEqual(want);
  });

  it("is exported under the content name too", () => {
    expect(isLabelKey).toBe(isQualifiedName);
  });
});

describe("TestIsValidLabelValue (util/validation/validation_test.go) = TestIsLabelValue (content/kube_test.go)", () => {
  const good = ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a".repeat(63), ""];
  it.each(good)("accepts %j", (v) => {
    expect(isValidLabelValue(v)).toEqual([]);
  });

  const bad: [string, string[]][] = [
    ["nospecialchars%^=@", [VALUE_REGEX]],
    ["Tama-nui-te-rā.is.Māori.sun", [VALUE_REGEX]],
    ["\\backslashes\\are\\bad", [VALUE_REGEX]],
    ["-starts-with-dash", [VALUE_REGEX]],
    ["ends-with-dash-", [VALUE_REGEX]],
    [".starts.with.dot", [VALUE_REGEX]],
    ["ends.with.dot.", [VALUE_REGEX]],
    ["a".repeat(64), [MAX_63_BYTES]],
    // beyond upstream's list
    ["a".repeat(64) + "-", [MAX_63_BYTES, VALUE_REGEX]],
    ["é".repeat(32), [MAX_63_BYTES, VALUE_REGEX]],
  ];
  it.each(bad)("refuses %j", (v, want) => {
    expect(isValidLabelValue(v)).toEqual(want);
  });

  it("is exported under the content name too", () => {
    expect(isLabelValue).toBe(isValidLabelValue);
  });
});

describe("MaxLenError / RegexError (util/validation/validation.go, content/errors.go)", () => {
  it("util/validation.MaxLenError counts characters, content.MaxLenError counts bytes", () => {
    expect(maxLenError(63)).toBe("must be no more than 63 characters");
    expect(contentMaxLenError(63)).toBe("must be no more than 63 bytes");
  });

  it("RegexError without examples", () => {
    expect(regexError("msg", "[a-z]")).toBe("msg (regex used for validation is '[a-z]')");
  });

  it("RegexError with examples keeps upstream's double space", () => {
    expect(regexError("msg", "[a-z]", "a", "b", "c")).toBe(
      "msg (e.g. 'a',  or 'b',  or 'c', regex used for validation is '[a-z]')",
    );
  });

  it("lengths are UTF-8 bytes, like Go's len(string)", () => {
    expect(utf8ByteLength("")).toBe(0);
    expect(utf8ByteLength("abc")).toBe(3);
    expect(utf8ByteLength("é")).toBe(2);
    expect(utf8ByteLength("€")).toBe(3);
    expect(utf8ByteLength("😀")).toBe(4);
    expect(utf8ByteLength("\ud800")).toBe(3);
  });

  it("a 63-byte boundary is in bytes: 31 'é' + 'a' is 63 bytes, 32 'é' is 64", () => {
    expect(isValidLabelValue("é".repeat(31) + "a")).toEqual([VALUE_REGEX]);
    expect(isValidLabelValue("é".repeat(32))).toEqual([MAX_63_BYTES, VALUE_REGEX]);
  });
});
