// Table tests for src/apimachinery/labels.ts, ported from upstream k8s.io/apimachinery (v0.37.2):
// staging/src/k8s.io/apimachinery/pkg/labels/selector_test.go, labels/labels_test.go, and the behaviour of
// apis/meta/v1/helpers.go (ParseToLabelSelector, SetAsLabelSelector, LabelSelectorAsSelector).
// Upstream mostly asserts valid/invalid (or ignores field.Error.Detail); every expected error message below was
// taken from running the real apimachinery v0.37.2 code on the same input.
import { describe, it, expect } from "vitest";
import {
  everything,
  labelSelectorFromJSON,
  labelsMapToLabelSelectorJSON,
  matchesNothing,
  MAX_SELECTOR_BYTES,
  newRequirement,
  newSelector,
  nothing,
  type Operator,
  parseLabelsMap,
  parseSelector,
  parseToLabelSelectorJSON,
  type Requirement,
  requirementMatches,
  requirementString,
  scanTokens,
  SelectorError,
  selectorFromSet,
  toLabelSelectorJSON,
  Token,
} from "../../../src/apimachinery/labels";
import { parseInt64 } from "../../../src/apimachinery/go";

const VALUE_REGEX =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART_REGEX =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const TOO_MANY_SLASHES =
  "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
const EXPECTED_OPERATOR = "expected: in, notin, =, ==, !=, gt, lt";

/** The message parseSelector throws, or null if it parses. */
function parseError(s: string): string | null {
  try {
    parseSelector(s);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(SelectorError);
    return (e as Error).message;
  }
}

function thrown(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SelectorError);
    return (e as Error).message;
  }
  throw new Error("expected a SelectorError");
}

const req = (key: string, operator: Operator, values: string[] = []) => ({ key, operator, values });
const plain = (rs: readonly Requirement[]) => rs.map((r) => req(r.key, r.operator, [...r.values]));

describe("TestSelectorParse (labels/selector_test.go)", () => {
  const good = ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"];
  it.each(good)("%j parses and restrings without spaces", (s) => {
    expect(parseSelector(s).toString()).toBe(s.replace(/ /g, ""));
  });

  const bad: [string, string][] = [
    ["x=a||y=b", `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${VALUE_REGEX}`],
    ["x==a==b", "found '==', expected: ',' or 'end of string'"],
    ["!x=a", "found '=', expected: ',' or 'end of string'"],
    ["x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"],
  ];
  it.each(bad)("%j is refused", (s, want) => {
    expect(parseError(s)).toBe(want);
  });
});

describe("TestDeterministicParse (labels/selector_test.go)", () => {
  it("sorts requirements by key", () => {
    expect(parseSelector("x=a,a=x").toString()).toBe(parseSelector("a=x,x=a").toString());
    expect(parseSelector("x=a,a=x").toString()).toBe("a=x,x=a");
  });
});

describe("TestEverything / TestSetIsEmpty / TestNilMapIsValid / TestMatchesNothing (labels/selector_test.go)", () => {
  it("Everything matches and is empty", () => {
    expect(everything().matches({ x: "y" })).toBe(true);
    expect(everything().isEmpty()).toBe(true);
    expect(everything().toString()).toBe("");
    expect(parseSelector("").isEmpty()).toBe(true);
  });
  it("Set{}.AsSelector() and Set(nil).AsSelector() are empty", () => {
    expect(selectorFromSet({}).isEmpty()).toBe(true);
    expect(selectorFromSet(null).isEmpty()).toBe(true);
    expect(newSelector().isEmpty()).toBe(true);
  });
  it("Nothing matches nothing, is not empty, prints empty", () => {
    expect(nothing().matches({})).toBe(false);
    expect(nothing().matches({ x: "y" })).toBe(false);
    expect(nothing().isEmpty()).toBe(false);
    expect(nothing().toString()).toBe("");
    expect(matchesNothing(nothing())).toBe(true);
    expect(matchesNothing(everything())).toBe(false);
    expect(matchesNothing(selectorFromSet({}))).toBe(false);
    expect(matchesNothing(selectorFromSet({ key: "value" }))).toBe(false);
  });
  // Conflicts are not detected upstream either.
  it.each(["", "a", "!a", "a=b", "a!=b", "a in (b)", "a notin (b)", "a,!a", "a=b,a!=b", "a in (b),a notin (b)"])(
    "MatchesNothing(Parse(%j)) is false",
    (s) => {
      expect(matchesNothing(parseSelector(s))).toBe(false);
    },
  );
});

describe("TestSelectorMatches (labels/selector_test.go)", () => {
  const labelset = { foo: "bar", baz: "blah" };
  const cases: [string, Record<string, string>, boolean][] = [
    ["", { x: "y" }, true],
    ["x=y", { x: "y" }, true],
    ["x=y,z=w", { x: "y", z: "w" }, true],
    ["x!=y,z!=w", { x: "z", z: "a" }, true],
    ["notin=in", { notin: "in" }, true], // in and notin in exactMatch
    ["x", { x: "z" }, true],
    ["!x", { y: "z" }, true],
    ["x>1", { x: "2" }, true],
    ["x<1", { x: "0" }, true],
    ["x=z", {}, false],
    ["x=y", { x: "z" }, false],
    ["x=y,z=w", { x: "w", z: "w" }, false],
    ["x!=y,z!=w", { x: "z", z: "w" }, false],
    ["x", { y: "z" }, false],
    ["!x", { x: "z" }, false],
    ["x>1", { x: "0" }, false],
    ["x<1", { x: "2" }, false],
    ["foo=bar", labelset, true],
    ["baz=blah", labelset, true],
    ["foo=bar,baz=blah", labelset, true],
    ["foo=blah", labelset, false],
    ["baz=bar", labelset, false],
    ["foo=bar,foobar=bar,baz=blah", labelset, false],
  ];
  it.each(cases)("Parse(%j).Matches(%j) is %s", (s, labels, want) => {
    expect(parseSelector(s).matches(labels)).toBe(want);
  });
});

describe("TestSetMatches (labels/selector_test.go)", () => {
  const labelset = { foo: "bar", baz: "blah" };
  const sets: Record<string, string>[] = [{}, { foo: "bar" }, { baz: "blah" }, { foo: "bar", baz: "blah" }];
  it.each(sets)("SelectorFromSet(%j) matches", (set) => {
    expect(selectorFromSet(set).matches(labelset)).toBe(true);
  });
  it("SelectorFromSet prints sorted k=v (TestSetSelectorString)", () => {
    expect(selectorFromSet({ app: "foo", a: "b" }).toString()).toBe("a=b,app=foo");
    expect(selectorFromSet({ app: "foo" }).matches({ app: "bar" })).toBe(false);
  });
});

describe("TestLexer (labels/selector_test.go)", () => {
  const cases: [string, Token][] = [
    ["", Token.EndOfStringToken],
    [",", Token.CommaToken],
    ["notin", Token.NotInToken],
    ["in", Token.InToken],
    ["=", Token.EqualsToken],
    ["==", Token.DoubleEqualsToken],
    [">", Token.GreaterThanToken],
    ["<", Token.LessThanToken],
    // Note that Lex returns the longest valid token found
    ["!", Token.DoesNotExistToken],
    ["!=", Token.NotEqualsToken],
    ["(", Token.OpenParToken],
    [")", Token.ClosedParToken],
    // Non-"special" characters are considered part of an identifier
    ["~", Token.IdentifierToken],
    ["||", Token.IdentifierToken],
  ];
  it.each(cases)("lexes %j", (s, token) => {
    expect(scanTokens(s)[0]).toEqual({ token, literal: s });
  });
});

describe("TestLexerSequence / TestParserLookahead (labels/selector_test.go)", () => {
  const T = Token;
  const cases: [string, Token[]][] = [
    ["key in ( value )", [T.IdentifierToken, T.InToken, T.OpenParToken, T.IdentifierToken, T.ClosedParToken]],
    ["key notin ( value )", [T.IdentifierToken, T.NotInToken, T.OpenParToken, T.IdentifierToken, T.ClosedParToken]],
    [
      "key in ( value1, value2 )",
      [T.IdentifierToken, T.InToken, T.OpenParToken, T.IdentifierToken, T.CommaToken, T.IdentifierToken, T.ClosedParToken],
    ],
    ["key", [T.IdentifierToken]],
    ["!key", [T.DoesNotExistToken, T.IdentifierToken]],
    ["()", [T.OpenParToken, T.ClosedParToken]],
    ["", []],
    ["x in (),y", [T.IdentifierToken, T.InToken, T.OpenParToken, T.ClosedParToken, T.CommaToken, T.IdentifierToken]],
    [
      "== != (), = notin",
      [T.DoubleEqualsToken, T.NotEqualsToken, T.OpenParToken, T.ClosedParToken, T.CommaToken, T.EqualsToken, T.NotInToken],
    ],
    ["key>2", [T.IdentifierToken, T.GreaterThanToken, T.IdentifierToken]],
    ["key<1", [T.IdentifierToken, T.LessThanToken, T.IdentifierToken]],
  ];
  it.each(cases)("scans %j", (s, tokens) => {
    expect(scanTokens(s).map((i) => i.token)).toEqual([...tokens, T.EndOfStringToken]);
  });

  it("keeps literals, splitting operators greedily (==, != then =)", () => {
    expect(scanTokens("a==b!=c===d>=e")).toEqual([
      { token: T.IdentifierToken, literal: "a" },
      { token: T.DoubleEqualsToken, literal: "==" },
      { token: T.IdentifierToken, literal: "b" },
      { token: T.NotEqualsToken, literal: "!=" },
      { token: T.IdentifierToken, literal: "c" },
      { token: T.DoubleEqualsToken, literal: "==" },
      { token: T.EqualsToken, literal: "=" },
      { token: T.IdentifierToken, literal: "d" },
      { token: T.GreaterThanToken, literal: ">" },
      { token: T.EqualsToken, literal: "=" },
      { token: T.IdentifierToken, literal: "e" },
      { token: T.EndOfStringToken, literal: "" },
    ]);
  });
});

describe("TestParseOperator (labels/selector_test.go), through Parse", () => {
  it.each(["in", "=", "==", ">", "<", "notin", "!="])("%j is a binary operator", (op) => {
    const s = op === "in" || op === "notin" ? `x ${op} (1)` : `x${op}1`;
    expect(parseError(s)).toBeNull();
  });
  it.each([
    ["x ! y", "!"],
    ["x exists y", "exists"],
    ["x ( y", "("],
  ])("%j: %j is not", (s, lit) => {
    expect(parseError(s)).toBe(`unable to parse requirement: found '${lit}', ${EXPECTED_OPERATOR}`);
  });
});

describe("TestRequirementConstructor (labels/selector_test.go)", () => {
  const cases: [string, string, string[], string | null][] = [
    ["x1", "in", [], "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"],
    ["x2", "notin", [], "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"],
    ["x3", "in", ["foo"], null],
    ["x4", "notin", ["foo"], null],
    ["x5", "=", ["bar", "foo"], 'values: Invalid value: ["bar","foo"]: exact-match compatibility requires one single value'],
    ["x6", "exists", [], null],
    ["x7", "!", [], null],
    ["x8", "exists", ["foo"], 'values: Invalid value: ["foo"]: values set must be empty for exists and does not exist'],
    ["x9", "in", ["bar"], null],
    ["x10", "in", ["bar"], null],
    ["x11", "gt", ["1"], null],
    ["x12", "lt", ["6"], null],
    ["x13", "gt", [], "values: Invalid value: []: for 'Gt', 'Lt' operators, exactly one value is required"],
    ["x14", "gt", ["bar"], "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer"],
    ["x15", "lt", ["bar"], "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer"],
    // breaks DNS rule that len(key) <= 253
    ["a".repeat(254), "exists", [], `key: Invalid value: "${"a".repeat(254)}": name part must be no more than 63 bytes`],
    ["x16", "=", ["a".repeat(254)], `values[0][x16]: Invalid value: "${"a".repeat(254)}": must be no more than 63 bytes`],
    ["x17", "=", ["a b"], `values[0][x17]: Invalid value: "a b": ${VALUE_REGEX}`],
    [
      "x18",
      "unsupportedOp",
      [],
      'operator: Unsupported value: "unsupportedOp": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"',
    ],
    // from the older upstream table
    ["1foo", "in", ["bar"], null],
    ["1234", "in", ["bar"], null],
    // beyond upstream's table
    ["x", "gt", ["1", "2"], 'values: Invalid value: ["1","2"]: for \'Gt\', \'Lt\' operators, exactly one value is required'],
    ["x", "gt", ["-5"], `values[0][x]: Invalid value: "-5": ${VALUE_REGEX}`],
    [
      "Bad Key",
      "=",
      ['\n"<&>'],
      `[key: Invalid value: "Bad Key": ${NAME_PART_REGEX}, values[0][Bad Key]: Invalid value: "\\n\\"<&>": ${VALUE_REGEX}]`,
    ],
  ];
  it.each(cases)("NewRequirement(%j, %j, %j)", (key, op, vals, want) => {
    if (want === null) {
      expect(newRequirement(key, op as Operator, vals)).toEqual(req(key, op as Operator, vals));
    } else {
      expect(thrown(() => newRequirement(key, op as Operator, vals))).toBe(want);
    }
  });

  it("keeps values as given (unsorted, duplicates kept) and prints them sorted (TestSafeSort)", () => {
    const r = newRequirement("x", "in", ["b", "a", "b"]);
    expect(r.values).toEqual(["b", "a", "b"]);
    expect(requirementString(r)).toBe("x in (a,b,b)");
  });

  it("renders a slice bad value as encoding/json does, a string one as %q does", () => {
    // JSON: HTML-safe \u003c \u003e \u0026, short \b \f, \u2028 escaped, DEL and U+00AD raw.
    // %q: \x7f \x01 for control bytes, \u00ad and \u2028 for non-printables, printable Unicode raw.
    const v = "\b\f<>&\u2028\u007fé\u0001😀\u00ad";
    expect(thrown(() => newRequirement("x", "=", ["a", v]))).toBe(
      `[values: Invalid value: ["a","\\b\\f\\u003c\\u003e\\u0026\\u2028\u007fé\\u0001😀\u00ad"]: exact-match compatibility requires one single value, ` +
        `values[1][x]: Invalid value: "\\b\\f<>&\\u2028\\x7fé\\x01😀\\u00ad": ${VALUE_REGEX}]`,
    );
  });
});

describe("TestToString (labels/selector_test.go)", () => {
  const r = (key: string, op: Operator, vals: string[] = []) => newRequirement(key, op, vals);
  const cases: [Requirement[], string][] = [
    [[r("x", "in", ["abc", "def"]), r("y", "notin", ["jkl"]), r("z", "exists")], "x in (abc,def),y notin (jkl),z"],
    [[r("x", "notin", ["abc", "def"]), r("y", "!=", ["jkl"]), r("z", "!")], "x notin (abc,def),y!=jkl,!z"],
    // adding empty req for the trailing ','
    [[r("x", "in", ["abc", "def"]), { key: "", operator: "" as Operator, values: [] }], ",x in (abc,def)"],
    [[r("x", "notin", ["abc"]), r("y", "in", ["jkl", "mno"]), r("z", "notin", [""])], "x notin (abc),y in (jkl,mno),z notin ()"],
    [[r("x", "=", ["abc"]), r("y", "==", ["jkl"]), r("z", "!=", ["a"]), r("z", "exists")], "x=abc,y==jkl,z!=a,z"],
    [[r("x", "gt", ["2"]), r("y", "lt", ["8"]), r("z", "exists")], "x>2,y<8,z"],
  ];
  // Upstream builds internalSelector literals; newSelector re-sorts by key, which moves the zero requirement
  // (key "") first instead of last.
  it.each(cases)("%# prints %j", (reqs, want) => {
    expect(newSelector(...reqs).toString()).toBe(want);
  });
  it("a zero Requirement prints as the empty string", () => {
    expect(requirementString({ key: "", operator: "" as Operator, values: [] })).toBe("");
  });
});

describe("TestRequirementSelectorMatching (labels/selector_test.go)", () => {
  const r = (key: string, op: Operator, vals: string[] = []) => newRequirement(key, op, vals);
  const zero = { key: "", operator: "" as Operator, values: [] };
  const cases: [Record<string, string>, Requirement[], boolean][] = [
    [{ x: "foo", y: "baz" }, [zero], false],
    [{ x: "foo", y: "baz" }, [r("x", "in", ["foo"]), r("y", "notin", ["alpha"])], true],
    [{ x: "foo", y: "baz" }, [r("x", "in", ["foo"]), r("y", "in", ["alpha"])], false],
    [{ y: "" }, [r("x", "notin", [""]), r("y", "exists")], true],
    [{ y: "" }, [r("x", "!"), r("y", "exists")], true],
    [{ y: "" }, [r("x", "notin", [""]), r("y", "!")], false],
    [{ y: "baz" }, [r("x", "in", [""])], false],
    [{ z: "2" }, [r("z", "gt", ["1"])], true],
    [{ z: "v2" }, [r("z", "gt", ["1"])], false],
  ];
  it.each(cases)("%j against case %#", (labels, reqs, want) => {
    expect(newSelector(...reqs).matches(labels)).toBe(want);
  });
});

describe("TestSetSelectorParser (labels/selector_test.go)", () => {
  const valid: [string, ReturnType<typeof req>[]][] = [
    ["", []],
    ["\rx", [req("x", "exists")]],
    ["this-is-a-dns.domain.com/key-with-dash", [req("this-is-a-dns.domain.com/key-with-dash", "exists")]],
    [
      "this-is-another-dns.domain.com/key-with-dash in (so,what)",
      [req("this-is-another-dns.domain.com/key-with-dash", "in", ["so", "what"])],
    ],
    [
      "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
      [req("0.1.2.domain/99", "notin", ["10.10.100.1", "tick.tack.clock"])],
    ],
    ["foo  in\t (abc)", [req("foo", "in", ["abc"])]],
    ["x notin\n (abc)", [req("x", "notin", ["abc"])]],
    ["x  notin\t\t\t(abc,def)", [req("x", "notin", ["abc", "def"])]],
    ["x in (abc,def)", [req("x", "in", ["abc", "def"])]],
    ["x in (abc,)", [req("x", "in", ["", "abc"])]],
    ["x in (abc,abc)", [req("x", "in", ["abc"])]],
    ["x in ()", [req("x", "in", [""])]],
    ["x in (a,,)", [req("x", "in", ["", "a"])]],
    ["x in (a,,,)", [req("x", "in", ["", "a"])]],
    ["x in (a,,,,,,)", [req("x", "in", ["", "a"])]],
    ["x in (a,,a,,a,,a,,)", [req("x", "in", ["", "a"])]],
    [
      "x notin (abc,,def),bar,z in (),w",
      [req("bar", "exists"), req("w", "exists"), req("x", "notin", ["", "abc", "def"]), req("z", "in", [""])],
    ],
    ["x,y in (a)", [req("x", "exists"), req("y", "in", ["a"])]],
    ["x=a", [req("x", "=", ["a"])]],
    ["x>1", [req("x", "gt", ["1"])]],
    ["x<7", [req("x", "lt", ["7"])]],
    ["x=a,y!=b", [req("x", "=", ["a"]), req("y", "!=", ["b"])]],
    ["x=a,y!=b,z in (h,i,j)", [req("x", "=", ["a"]), req("y", "!=", ["b"]), req("z", "in", ["h", "i", "j"])]],
    ["x notin ( )", [req("x", "notin", [""])]],
    ["x notin (, a)", [req("x", "notin", ["", "a"])]],
    ["a ", [req("a", "exists")]],
    // operator 'in' inside list of identifiers
    ["a in (x,y,notin, z,in)", [req("a", "in", ["in", "notin", "x", "y", "z"])]],
  ];
  it.each(valid)("Parse(%j)", (s, want) => {
    expect(plain(parseSelector(s).requirements)).toEqual(want);
  });

  const invalid: [string, string][] = [
    ["x=a||y=b", `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${VALUE_REGEX}`],
    ["x,,y", "found ',', expected: identifier after ','"],
    [",x,y", "found ',', expected: !, identifier, or 'end of string'"],
    ["x nott in (y)", `unable to parse requirement: found 'nott', ${EXPECTED_OPERATOR}`],
    ["a in (xyz),", "found '', expected: identifier after ','"],
    ["a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"],
    ["a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"], // no comma
    ["a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"], // bad formed
    ["a (", `unable to parse requirement: found '(', ${EXPECTED_OPERATOR}`], // cpar
    ["(", "found '(', expected: !, identifier, or 'end of string'"], // opar
  ];
  it.each(invalid)("Parse(%j) fails", (s, want) => {
    expect(parseError(s)).toBe(want);
  });
});

describe("Parse error messages beyond upstream's tables (labels/selector.go Parser)", () => {
  const cases: [string, string][] = [
    ["x in y", "unable to parse requirement: found 'y' expected: '('"],
    ["x notin in", "unable to parse requirement: found 'in' expected: '('"],
    ["x in (a,=)", "unable to parse requirement: found '=', expected: ',', or identifier"],
    ["x in (a))", "found ')', expected: ',' or 'end of string'"],
    ["x>=5", "unable to parse requirement: found '=', expected: identifier"],
    ["x===a", "unable to parse requirement: found '=', expected: identifier"],
    ["x=(", "unable to parse requirement: found '(', expected: identifier"],
    ["x=a b", "found 'b', expected: ',' or 'end of string'"],
    ["a,b,", "found '', expected: identifier after ','"],
    ["!", "unable to parse requirement: found '', expected: identifier"],
    ["!!x", "unable to parse requirement: found '!', expected: identifier"],
    ["x!", `unable to parse requirement: found '!', ${EXPECTED_OPERATOR}`],
    ["x!a", `unable to parse requirement: found '!', ${EXPECTED_OPERATOR}`],
    // gt / lt values: strconv.ParseInt(v, 10, 64), then label-value validation (which refuses signs)
    ["x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"],
    ["x>1.5", "unable to parse requirement: values[0]: Invalid value: \"1.5\": for 'Gt', 'Lt' operators, the value must be an integer"],
    [
      "x>9223372036854775808",
      "unable to parse requirement: values[0]: Invalid value: \"9223372036854775808\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    ["x>-1", `unable to parse requirement: values[0][x]: Invalid value: "-1": ${VALUE_REGEX}`],
    ["x>+1", `unable to parse requirement: values[0][x]: Invalid value: "+1": ${VALUE_REGEX}`],
    // set values are sorted before validation, so the indexes follow the sorted order; two errors aggregate as [a, b]
    [
      "x in (b$,a$)",
      `unable to parse requirement: [values[0][x]: Invalid value: "a$": ${VALUE_REGEX}, values[1][x]: Invalid value: "b$": ${VALUE_REGEX}]`,
    ],
    ["x=" + "a".repeat(64), `unable to parse requirement: values[0][x]: Invalid value: "${"a".repeat(64)}": must be no more than 63 bytes`],
    // bad keys are checked with the parser's nil field.Path, which prints as "<nil>"
    ["a/b/c", `unable to parse requirement: <nil>: Invalid value: "a/b/c": ${TOO_MANY_SLASHES}`],
    ["/a", 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
    ["a/", `unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; ${NAME_PART_REGEX}`],
    ["a".repeat(64), `unable to parse requirement: <nil>: Invalid value: "${"a".repeat(64)}": name part must be no more than 63 bytes`],
    ["é=1", `unable to parse requirement: <nil>: Invalid value: "é": ${NAME_PART_REGEX}`],
    // %q quoting of bad values
    ["x=é", `unable to parse requirement: values[0][x]: Invalid value: "é": ${VALUE_REGEX}`],
    ['x="q\\', `unable to parse requirement: values[0][x]: Invalid value: "\\"q\\\\": ${VALUE_REGEX}`],
    ["x=a\u0007\u00a0b", `unable to parse requirement: values[0][x]: Invalid value: "a\\a\\u00a0b": ${VALUE_REGEX}`],
    ["x\u000bz", `unable to parse requirement: <nil>: Invalid value: "x\\vz": ${NAME_PART_REGEX}`],
    ["x\fz", `unable to parse requirement: <nil>: Invalid value: "x\\fz": ${NAME_PART_REGEX}`],
    // a NUL inside an identifier ends it
    ["x=a\u0000y", "found 'y', expected: ',' or 'end of string'"],
  ];
  it.each(cases)("Parse(%j)", (s, want) => {
    expect(parseError(s)).toBe(want);
  });
});

describe("Parse semantics (labels/selector.go Lexer, Parser, Requirement.Matches, Requirement.String)", () => {
  it.each([
    ["x in (b,a),!y,z>5,w<-0", null], // "-0" fails label validation: see below
    ["k in (b,a),!y,z>5", "k in (a,b),!y,z>5"],
    ["x in (b,a),!a", "!a,x in (a,b)"], // sorted by key; "!" is not part of it
    ["notin=in", "notin=in"],
    ["in", "in"],
    ["in in (in)", "in in (in)"],
    ["x=a,x=b", "x=a,x=b"],
    ["!x,x", "!x,x"],
    ["x in (a),x notin (a)", "x in (a),x notin (a)"],
    ["Bad_Key!=x", "Bad_Key!=x"],
    ["x>9223372036854775807", "x>9223372036854775807"],
  ])("Parse(%j).String() is %j", (s, want) => {
    if (want === null) expect(parseError(s)).not.toBeNull();
    else expect(parseSelector(s).toString()).toBe(want);
  });

  it("whitespace is only ' ', '\\t', '\\r', '\\n'", () => {
    expect(parseSelector(" \t\r\nx \t\r\n= \t\r\na \t\r\n").toString()).toBe("x=a");
  });

  it("a NUL where a token starts ends the input (Lexer.read returns 0 at the end), after a symbol it is skipped", () => {
    expect(parseSelector("x=a \u0000 y=b!!!").toString()).toBe("x=a");
    expect(parseSelector("\u0000").isEmpty()).toBe(true);
    expect(parseSelector("x=a,\u0000y").toString()).toBe("x=a,y");
  });

  const matching: [string, Record<string, string>, boolean][] = [
    // != and notin match an absent key; in and = do not
    ["x!=a", {}, true],
    ["x notin (a)", {}, true],
    ["x in (a)", {}, false],
    ["x=a", {}, false],
    // empty values
    ["x notin ()", {}, true],
    ["x notin ()", { x: "" }, false],
    ["x notin ()", { x: "a" }, true],
    ["x in ()", { x: "" }, true],
    ["x in ()", {}, false],
    ["x=", { x: "" }, true],
    ["x=", {}, false],
    ["x!=", {}, true],
    ["x!=", { x: "" }, false],
    // gt / lt: the key must exist and its value parse with strconv.ParseInt(v, 10, 64)
    ["x>1", {}, false],
    ["x<1", {}, false],
    ["x>1", { x: "" }, false],
    ["x>1", { x: "2.0" }, false],
    ["x>1", { x: " 2" }, false],
    ["x>1", { x: "0x2" }, false],
    ["x>1", { x: "1_0" }, false],
    ["x>1", { x: "+2" }, true],
    ["x>1", { x: "02" }, true],
    ["x>9223372036854775806", { x: "9223372036854775807" }, true],
    ["x>9223372036854775806", { x: "9223372036854775808" }, false],
    ["x<1", { x: "-9223372036854775808" }, true],
    ["x<1", { x: "-9223372036854775809" }, false],
    // own properties only
    ["constructor", {}, false],
    ["!constructor", {}, true],
    ["toString=a", {}, false],
    ["constructor", { constructor: "x" }, true],
  ];
  it.each(matching)("Parse(%j).Matches(%j) is %s", (s, labels, want) => {
    expect(parseSelector(s).matches(labels)).toBe(want);
  });

  it("requirementMatches does not match unknown operators", () => {
    expect(requirementMatches({ key: "x", operator: "bogus" as Operator, values: [] }, { x: "a" })).toBe(false);
  });

  it("parseInt64 follows strconv.ParseInt(s, 10, 64)", () => {
    expect(parseInt64("9223372036854775807")).toBe(9223372036854775807n);
    expect(parseInt64("-9223372036854775808")).toBe(-9223372036854775808n);
    expect(parseInt64("9223372036854775808")).toBeNull();
    expect(parseInt64("+0")).toBe(0n);
    expect(parseInt64("")).toBeNull();
    expect(parseInt64("-")).toBeNull();
    expect(parseInt64("1_000")).toBeNull();
  });

  it("refuses input over MAX_SELECTOR_BYTES (our cap, not upstream)", () => {
    const msg = `selector is too long: must be no more than ${MAX_SELECTOR_BYTES} bytes`;
    expect(parseError("a".repeat(MAX_SELECTOR_BYTES + 1))).toBe(msg);
    expect(parseError("é".repeat(MAX_SELECTOR_BYTES / 2 + 1))).toBe(msg);
    expect(thrown(() => parseLabelsMap("a".repeat(MAX_SELECTOR_BYTES + 1)))).toBe(msg);
    const big = Array.from({ length: 1000 }, (_, i) => `k${i}=v`).join(",");
    expect(parseSelector(big).requirements).toHaveLength(1000);
  });
});

describe("TestAdd / TestRequiresExactMatch (labels/selector_test.go)", () => {
  it("Add copies and re-sorts", () => {
    const base = newSelector(newRequirement("key", "in", ["value"]));
    const added = base.add(newRequirement("key2", "=", ["value2"]));
    expect(plain(added.requirements)).toEqual([req("key", "in", ["value"]), req("key2", "=", ["value2"])]);
    expect(plain(base.requirements)).toEqual([req("key", "in", ["value"])]);
    expect(plain(everything().add(newRequirement("b", "exists"), newRequirement("a", "!")).requirements)).toEqual([
      req("a", "!"),
      req("b", "exists"),
    ]);
    expect(nothing().add(newRequirement("a", "exists"))).toBe(nothing());
  });

  const cases: [string, Requirement[], string, string | undefined][] = [
    ["keyInOperatorExactMatch", [req("key", "in", ["value"])], "key", "value"],
    ["keyInOperatorNotExactMatch", [req("key", "in", ["value", "value2"])], "key", undefined],
    ["keyInOperatorNotExactMatch", [req("key", "in", ["value", "value1"]), req("key2", "in", ["value2"])], "key2", "value2"],
    ["keyEqualOperatorExactMatch", [req("key", "=", ["value"])], "key", "value"],
    ["keyDoubleEqualOperatorExactMatch", [req("key", "==", ["value"])], "key", "value"],
    ["keyNotEqualOperatorExactMatch", [req("key", "!=", ["value"])], "key", undefined],
    ["keyEqualOperatorExactMatchFirst", [req("key", "in", ["value"]), req("key2", "in", ["value2"])], "key", "value"],
  ];
  it.each(cases)("%s", (_name, reqs, label, want) => {
    expect(newSelector(...reqs).requiresExactMatch(label)).toBe(want);
  });
});

describe("TestLabelSelectorParse (labels/labels_test.go) = ConvertSelectorToLabelsMap", () => {
  const valid: [string, Record<string, string>][] = [
    ["", {}],
    ["x=a", { x: "a" }],
    ["x=a,y=b,z=c", { x: "a", y: "b", z: "c" }],
    [" x = a , y = b , z = c ", { x: "a", y: "b", z: "c" }],
    ["color=green,env=test,service=front", { color: "green", env: "test", service: "front" }],
    ["color=green, env=test, service=front", { color: "green", env: "test", service: "front" }],
    // beyond upstream's table
    ["x=a,x=b", { x: "b" }],
    ["x=", { x: "" }],
    ["\u0085x\u0085=\u00a0a\u00a0", { x: "a" }], // strings.TrimSpace trims NEL and NBSP
  ];
  it.each(valid)("%j", (s, want) => {
    expect(parseLabelsMap(s)).toEqual(want);
  });

  const invalid: [string, string][] = [
    [",", "invalid selector: []"],
    ["x", "invalid selector: [x]"],
    ["x,y", "invalid selector: [x]"],
    ["x=$y", `[x]: Invalid value: "$y": ${VALUE_REGEX}`],
    ["x!=y", `<nil>: Invalid value: "x!": ${NAME_PART_REGEX}`],
    ["x==y", "invalid selector: [x  y]"],
    ["x=a||y=b", "invalid selector: [x a||y b]"],
    ["x in (y)", "invalid selector: [x in (y)]"],
    ["x notin (y)", "invalid selector: [x notin (y)]"],
    ["x y", "invalid selector: [x y]"],
    // beyond upstream's table
    ["x=a=b", "invalid selector: [x a b]"],
    ["a/b/c=d", `<nil>: Invalid value: "a/b/c": ${TOO_MANY_SLASHES}`],
    ["\ufeffx=a", `<nil>: Invalid value: "\\ufeffx": ${NAME_PART_REGEX}`], // TrimSpace does not trim a BOM
  ];
  it.each(invalid)("%j fails", (s, want) => {
    expect(thrown(() => parseLabelsMap(s))).toBe(want);
  });
});

describe("metav1.ParseToLabelSelector (apis/meta/v1/helpers.go)", () => {
  const valid: [string, unknown][] = [
    ["", {}],
    ["x=a", { matchLabels: { x: "a" } }],
    ["x==a", { matchLabels: { x: "a" } }],
    [
      "x in (b,a),y,!z,w=1",
      {
        matchLabels: { w: "1" },
        matchExpressions: [
          { key: "x", operator: "In", values: ["a", "b"] },
          { key: "y", operator: "Exists" },
          { key: "z", operator: "DoesNotExist" },
        ],
      },
    ],
    [
      "x notin (),y in (a,,a)",
      {
        matchExpressions: [
          { key: "x", operator: "NotIn", values: [""] },
          { key: "y", operator: "In", values: ["", "a"] },
        ],
      },
    ],
    // a repeated = key keeps the last value: no longer "x=a AND x=b"
    ["x=a,x=b", { matchLabels: { x: "b" } }],
    ["a=1,b=2", { matchLabels: { a: "1", b: "2" } }],
  ];
  it.each(valid)("%j", (s, want) => {
    expect(parseToLabelSelectorJSON(s)).toEqual(want);
    expect(toLabelSelectorJSON(parseSelector(s))).toEqual(want);
  });

  it("prints JSON like encoding/json (empty parts omitted, values omitted for Exists)", () => {
    expect(JSON.stringify(parseToLabelSelectorJSON("x in (b,a),y,!z,w=1"))).toBe(
      '{"matchLabels":{"w":"1"},"matchExpressions":[{"key":"x","operator":"In","values":["a","b"]},{"key":"y","operator":"Exists"},{"key":"z","operator":"DoesNotExist"}]}',
    );
  });

  const invalid: [string, string][] = [
    ["x!=a", '"!=" is not a valid label selector operator'],
    ["x>1", '"gt" isn\'t supported in label selectors'],
    ["x<1", '"lt" isn\'t supported in label selectors'],
    [
      "bad selector(",
      `couldn't parse the selector string "bad selector(": unable to parse requirement: found 'selector', ${EXPECTED_OPERATOR}`,
    ],
    ["x=$", `couldn't parse the selector string "x=$": unable to parse requirement: values[0][x]: Invalid value: "$": ${VALUE_REGEX}`],
  ];
  it.each(invalid)("%j fails", (s, want) => {
    expect(thrown(() => parseToLabelSelectorJSON(s))).toBe(want);
  });

  it("the parsed-selector form does not add the parse wrapper, and Nothing has only the nil form", () => {
    expect(thrown(() => toLabelSelectorJSON(parseSelector("x>1")))).toBe('"gt" isn\'t supported in label selectors');
    expect(toLabelSelectorJSON(nothing())).toBeNull();
    expect(toLabelSelectorJSON(everything())).toEqual({});
  });
});

describe("metav1.SetAsLabelSelector (apis/meta/v1/helpers.go)", () => {
  it("wraps a labels map as matchLabels", () => {
    expect(labelsMapToLabelSelectorJSON(null)).toBeNull();
    expect(labelsMapToLabelSelectorJSON({})).toEqual({});
    expect(labelsMapToLabelSelectorJSON({ b: "1", a: "2" })).toEqual({ matchLabels: { a: "2", b: "1" } });
    expect(JSON.stringify(labelsMapToLabelSelectorJSON({ b: "1", a: "2" }))).toBe('{"matchLabels":{"a":"2","b":"1"}}');
  });
});

describe("metav1.LabelSelectorAsSelector (apis/meta/v1/helpers.go)", () => {
  it("nil is Nothing, empty is Everything", () => {
    expect(matchesNothing(labelSelectorFromJSON(null))).toBe(true);
    expect(labelSelectorFromJSON(null).matches({ x: "a" })).toBe(false);
    expect(labelSelectorFromJSON({}).isEmpty()).toBe(true);
    expect(labelSelectorFromJSON({ matchLabels: {} }).matches({ x: "a" })).toBe(true);
  });

  it("builds and sorts requirements", () => {
    const sel = labelSelectorFromJSON({ matchLabels: { b: "1", a: "2" } });
    expect(sel.toString()).toBe("a=2,b=1");
    expect(sel.matches({ a: "2", b: "1" })).toBe(true);
    const sel2 = labelSelectorFromJSON({
      matchLabels: { x: "a" },
      matchExpressions: [
        { key: "x", operator: "NotIn", values: ["b", "a"] },
        { key: "a", operator: "DoesNotExist" },
      ],
    });
    expect(sel2.toString()).toBe("!a,x=a,x notin (a,b)");
    expect(plain(sel2.requirements)).toEqual([req("a", "!"), req("x", "=", ["a"]), req("x", "notin", ["b", "a"])]);
    expect(sel2.matches({ x: "a" })).toBe(false);
  });

  const invalid: [unknown, string][] = [
    [{ matchExpressions: [{ key: "x", operator: "In" }] }, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: "x", operator: "In", values: [] }] }, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: "x", operator: "Gt", values: ["1"] }] }, '"Gt" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: "x", operator: "Exists", values: ["1"] }] }, 'values: Invalid value: ["1"]: values set must be empty for exists and does not exist'],
    [{ matchLabels: { x: "$" } }, `values[0][x]: Invalid value: "$": ${VALUE_REGEX}`],
  ];
  it.each(invalid)("%j fails", (ps, want) => {
    expect(thrown(() => labelSelectorFromJSON(ps as Parameters<typeof labelSelectorFromJSON>[0]))).toBe(want);
  });
});
