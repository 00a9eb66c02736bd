/**
 * Kubernetes label selectors, parsed, matched and printed exactly as apimachinery does, so a selector the HPA
 * sends (`metricLabelSelector`, `labelSelector`) means here what it means to an API server, and a bad one is
 * refused with the same words.
 *
 * Upstream (k8s.io/apimachinery v0.37.2, checked against its source):
 * - staging/src/k8s.io/apimachinery/pkg/labels/selector.go: Lexer, Parser, Parse, NewRequirement,
 *   Requirement.Matches, Requirement.String, internalSelector (Add, Matches, String, RequiresExactMatch),
 *   Everything, Nothing, validateLabelKey, validateLabelValue.
 * - staging/src/k8s.io/apimachinery/pkg/labels/labels.go: ConvertSelectorToLabelsMap.
 * - staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go: ParseToLabelSelector, SetAsLabelSelector,
 *   LabelSelectorAsSelector (the metav1.LabelSelector JSON form).
 * - staging/src/k8s.io/apimachinery/pkg/util/validation/field/{errors,path}.go and pkg/util/errors/errors.go:
 *   how the validation errors render (`values[0][app]: Invalid value: "x": …`, aggregates as `[a, b]`).
 *
 * Trade-offs:
 * - Input is capped at MAX_SELECTOR_BYTES (UTF-8) before lexing; upstream has no cap of its own (the API server's
 *   URL limit plays that role). Over the cap parseSelector/parseLabelsMap throw a SelectorError of our own wording.
 * - Requirements are sorted by key with a stable sort. Go's sort.Sort is stable for up to 12 requirements
 *   (insertion sort) but not beyond; only the relative order of requirements that share a key can differ, and
 *   that only shows in toString().
 * - Strings compare in UTF-8 byte order (Go's `<`), not UTF-16 order, wherever upstream sorts.
 * - metav1.LabelSelector JSON: matchLabels keys are inserted sorted (Go's encoding/json sorts map keys); note
 *   that JS objects list integer-like keys ("10", "9") first, in numeric order, whatever the insertion order.
 * - Go quoting (%q) and JSON rendering of bad values are re-implemented for the characters that can reach them;
 *   "printable" follows the Unicode tables of the JS engine, which may lag or lead Go's by a version.
 * - A labels object is looked up with own-property checks only, so keys like "constructor" behave.
 */
import { compareGoStrings, goJSONString, goQuote, goTrimSpace, parseInt64 } from "./go";
import { isQualifiedName, isValidLabelValue, utf8ByteLength } from "./validation";

/** selection.Operator values (staging/src/k8s.io/apimachinery/pkg/selection/operator.go). */
export type Operator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** As given to NewRequirement; from the parser they are sorted and de-duplicated (sets.String.List()). */
  readonly values: readonly string[];
}

export interface LabelSelector {
  /** Sorted by key. Empty for both Everything and Nothing (see matchesNothing). */
  readonly requirements: readonly Requirement[];
  matches(labels: Readonly<Record<string, string>>): boolean;
  /** internalSelector.Empty: true when nothing is restricted. Nothing() is not empty. */
  isEmpty(): boolean;
  toString(): string;
  /** internalSelector.RequiresExactMatch: the value `key` must have (=, == or a one-value in), if any. */
  requiresExactMatch(key: string): string | undefined;
  /** internalSelector.Add: a new selector with the extra requirements, re-sorted by key. */
  add(...requirements: Requirement[]): LabelSelector;
}

/** A selector that failed to parse or validate; the message is upstream's error text. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SelectorError";
  }
}

/** Our own cap on selector strings (not upstream). */
export const MAX_SELECTOR_BYTES = 16384;

// ---------------------------------------------------------------------------------------------------------------
// Operators (selector.go: unaryOperators, binaryOperators, validRequirementOperators)

const UNARY_OPERATORS: readonly Operator[] = ["exists", "!"];
const BINARY_OPERATORS: readonly Operator[] = ["in", "notin", "=", "==", "!=", "gt", "lt"];
const VALID_REQUIREMENT_OPERATORS: readonly Operator[] = [...BINARY_OPERATORS, ...UNARY_OPERATORS];

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareGoStrings);
}

function isSorted(values: readonly string[]): boolean {
  for (let i = 1; i < values.length; i++) if (compareGoStrings(values[i - 1], values[i]) > 0) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// field.Error / field.Path / utilerrors.Aggregate rendering

/**
 * A field.Path as its String(): null is the nil *Path ("<nil>"), which is what Parse and
 * ConvertSelectorToLabelsMap use when no field.WithPath option is given.
 */
type FieldPath = string | null;
const pathString = (p: FieldPath) => (p === null ? "<nil>" : p);
const pathChild = (p: FieldPath, name: string) => (p === null ? name : `${p}.${name}`);
const pathIndex = (p: FieldPath, index: number | string) => `${p ?? ""}[${index}]`;

/** A bad value as field.Error.ErrorBody renders it: %q for strings, JSON for slices and named string types. */
type BadValue = { kind: "string"; value: string } | { kind: "json"; json: string };
const badString = (value: string): BadValue => ({ kind: "string", value });
const badStrings = (values: readonly string[] | null): BadValue => ({
  kind: "json",
  json: values === null ? "null" : "[" + values.map(goJSONString).join(",") + "]",
});
const badNamedString = (value: string): BadValue => ({ kind: "json", json: goJSONString(value) });

function renderBadValue(v: BadValue): string {
  return v.kind === "string" ? goQuote(v.value) : v.json;
}

/** field.Invalid(path, value, detail).Error() */
function fieldInvalid(path: FieldPath, value: BadValue, detail: string): string {
  return `${pathString(path)}: Invalid value: ${renderBadValue(value)}` + (detail ? `: ${detail}` : "");
}

/** field.NotSupported(path, value, validValues).Error() */
function fieldNotSupported(path: FieldPath, value: BadValue, validValues: readonly string[]): string {
  const detail = validValues.length ? "supported values: " + validValues.map(goQuote).join(", ") : "";
  return `${pathString(path)}: Unsupported value: ${renderBadValue(value)}` + (detail ? `: ${detail}` : "");
}

/** ErrorList.ToAggregate().Error(): de-duplicated; one message alone, several as "[a, b]"; null when none. */
function aggregate(messages: readonly string[]): string | null {
  const unique = [...new Set(messages)];
  if (unique.length === 0) return null;
  return unique.length === 1 ? unique[0] : "[" + unique.join(", ") + "]";
}

/** selector.go validateLabelKey */
function validateLabelKey(k: string, path: FieldPath): string | null {
  const errs = isQualifiedName(k);
  return errs.length ? fieldInvalid(path, badString(k), errs.join("; ")) : null;
}

/** selector.go validateLabelValue */
function validateLabelValue(k: string, v: string, path: FieldPath): string | null {
  const errs = isValidLabelValue(v);
  return errs.length ? fieldInvalid(pathIndex(path, k), badString(v), errs.join("; ")) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Requirements

function makeRequirement(key: string, operator: Operator, values: readonly string[]): Requirement {
  return Object.freeze({ key, operator, values: Object.freeze([...values]) });
}

/**
 * NewRequirement's checks; returns the aggregated error text or null. `nilValues` renders an empty value list as
 * Go's nil slice ("null") instead of an empty one ("[]").
 */
function requirementError(
  key: string,
  op: string,
  vals: readonly string[],
  path: FieldPath = null,
  nilValues = false,
): string | null {
  const errs: string[] = [];
  const keyErr = validateLabelKey(key, pathChild(path, "key"));
  if (keyErr) errs.push(keyErr);
  const valuePath = pathChild(path, "values");
  const badVals = () => badStrings(nilValues && vals.length === 0 ? null : vals);
  switch (op) {
    case "in":
    case "notin":
      if (vals.length === 0) {
        errs.push(fieldInvalid(valuePath, badVals(), "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case "=":
    case "==":
    case "!=":
      if (vals.length !== 1) {
        errs.push(fieldInvalid(valuePath, badVals(), "exact-match compatibility requires one single value"));
      }
      break;
    case "exists":
    case "!":
      if (vals.length !== 0) {
        errs.push(fieldInvalid(valuePath, badVals(), "values set must be empty for exists and does not exist"));
      }
      break;
    case "gt":
    case "lt":
      if (vals.length !== 1) {
        errs.push(fieldInvalid(valuePath, badVals(), "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      vals.forEach((v, i) => {
        if (parseInt64(v) === null) {
          errs.push(fieldInvalid(pathIndex(valuePath, i), badString(v), "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
    default:
      errs.push(fieldNotSupported(pathChild(path, "operator"), badNamedString(op), VALID_REQUIREMENT_OPERATORS));
  }
  vals.forEach((v, i) => {
    const err = validateLabelValue(key, v, pathIndex(valuePath, i));
    if (err) errs.push(err);
  });
  return aggregate(errs);
}

/**
 * NewRequirement (selector.go): validates the key, the operator's value count (in/notin: ≥1; =, ==, !=, gt, lt:
 * exactly 1; exists, !: none), gt/lt values as 64-bit integers, and every value as a label value. Throws a
 * SelectorError whose message is the upstream aggregate (e.g. `values[0][x]: Invalid value: "a b": …`).
 * Values are kept as given (unsorted, duplicates kept), as upstream does.
 */
export function newRequirement(key: string, operator: Operator, values: readonly string[] = []): Requirement {
  const err = requirementError(key, operator, values);
  if (err !== null) throw new SelectorError(err);
  return makeRequirement(key, operator, values);
}

/**
 * Requirement.Matches (selector.go):
 * in, =, ==: key present and its value in the set; notin, !=: key absent or its value not in the set;
 * exists / !: key present / absent; gt, lt: key present, label value and the one requirement value both parse as
 * int64 (strconv.ParseInt) and compare strictly. Anything else does not match.
 */
export function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = labels != null && Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case "in":
    case "=":
    case "==":
      return has && r.values.includes(labels[r.key]);
    case "notin":
    case "!=":
      return !has || !r.values.includes(labels[r.key]);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has) return false;
      const lsValue = parseInt64(labels[r.key]);
      if (lsValue === null || r.values.length !== 1) return false;
      const rValue = parseInt64(r.values[0]);
      if (rValue === null) return false;
      return r.operator === "gt" ? lsValue > rValue : lsValue < rValue;
    }
    default:
      return false;
  }
}

/** safeSort (selector.go): sorted copy unless already sorted. */
function safeSort(values: readonly string[]): readonly string[] {
  return isSorted(values) ? values : [...values].sort(compareGoStrings);
}

/**
 * Requirement.String (selector.go): `!k`, `k`, `k=v`, `k==v`, `k!=v`, `k>5`, `k<5`, `k in (a,b)`,
 * `k notin (a,b)`; several values are printed sorted, one empty value prints as `k in ()`.
 */
export function requirementString(r: Requirement): string {
  let out = r.operator === "!" ? "!" + r.key : r.key;
  switch (r.operator) {
    case "=": out += "="; break;
    case "==": out += "=="; break;
    case "!=": out += "!="; break;
    case "in": out += " in "; break;
    case "notin": out += " notin "; break;
    case "gt": out += ">"; break;
    case "lt": out += "<"; break;
    case "exists":
    case "!":
      return out;
  }
  const set = r.operator === "in" || r.operator === "notin";
  if (set) out += "(";
  out += r.values.length === 1 ? r.values[0] : safeSort(r.values).join(",");
  if (set) out += ")";
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Selectors

function sortByKey(reqs: readonly Requirement[]): Requirement[] {
  return [...reqs].sort((a, b) => compareGoStrings(a.key, b.key)); // stable (see header)
}

class InternalSelector implements LabelSelector {
  readonly requirements: readonly Requirement[];
  constructor(sortedRequirements: readonly Requirement[]) {
    this.requirements = Object.freeze([...sortedRequirements]);
  }
  matches(labels: Readonly<Record<string, string>>): boolean {
    return this.requirements.every((r) => requirementMatches(r, labels));
  }
  isEmpty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map(requirementString).join(",");
  }
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === "=" || r.operator === "==" || r.operator === "in") && r.values.length === 1) {
        return r.values[0];
      }
      return undefined;
    }
    return undefined;
  }
  add(...requirements: Requirement[]): LabelSelector {
    return new InternalSelector(sortByKey([...this.requirements, ...requirements]));
  }
}

class NothingSelector implements LabelSelector {
  readonly requirements: readonly Requirement[] = Object.freeze([]);
  matches(): boolean {
    return false;
  }
  isEmpty(): boolean {
    return false;
  }
  toString(): string {
    return "";
  }
  requiresExactMatch(): string | undefined {
    return undefined;
  }
  add(): LabelSelector {
    return this;
  }
}

const EVERYTHING: LabelSelector = new InternalSelector([]);
const NOTHING: LabelSelector = new NothingSelector();

/** labels.Everything(): matches every label set; empty; prints "". */
export function everything(): LabelSelector {
  return EVERYTHING;
}

/** labels.Nothing(): matches nothing; not empty; prints "". */
export function nothing(): LabelSelector {
  return NOTHING;
}

/** labels.MatchesNothing: true only for nothing() (conflicting requirements are not detected, as upstream). */
export function matchesNothing(sel: LabelSelector): boolean {
  return sel === NOTHING;
}

/** labels.NewSelector().Add(reqs...): a selector from already-built requirements, sorted by key. */
export function newSelector(...requirements: Requirement[]): LabelSelector {
  return new InternalSelector(sortByKey(requirements));
}

// ---------------------------------------------------------------------------------------------------------------
// Lexer (selector.go Lexer)

/** selector.go Token, same numbering. */
export const Token = {
  ErrorToken: 0,
  EndOfStringToken: 1,
  ClosedParToken: 2,
  CommaToken: 3,
  DoesNotExistToken: 4,
  DoubleEqualsToken: 5,
  EqualsToken: 6,
  GreaterThanToken: 7,
  IdentifierToken: 8,
  InToken: 9,
  LessThanToken: 10,
  NotEqualsToken: 11,
  NotInToken: 12,
  OpenParToken: 13,
} as const;
export type Token = (typeof Token)[keyof typeof Token];

const string2token: ReadonlyMap<string, Token> = new Map<string, Token>([
  [")", Token.ClosedParToken],
  [",", Token.CommaToken],
  ["!", Token.DoesNotExistToken],
  ["==", Token.DoubleEqualsToken],
  ["=", Token.EqualsToken],
  [">", Token.GreaterThanToken],
  ["in", Token.InToken],
  ["<", Token.LessThanToken],
  ["!=", Token.NotEqualsToken],
  ["notin", Token.NotInToken],
  ["(", Token.OpenParToken],
]);

export interface ScannedItem {
  readonly token: Token;
  readonly literal: string;
}

/** ' ', '\t', '\r', '\n' only. */
const isWhitespace = (ch: number) => ch === 0x20 || ch === 0x09 || ch === 0x0d || ch === 0x0a;
/** '=', '!', '(', ')', ',', '>', '<' */
const isSpecialSymbol = (ch: number) =>
  ch === 0x3d || ch === 0x21 || ch === 0x28 || ch === 0x29 || ch === 0x2c || ch === 0x3e || ch === 0x3c;

/**
 * Byte-oriented in Go; code-unit-oriented here. Every special character is ASCII and never part of a multi-byte
 * UTF-8 sequence, so tokens split at the same places. A NUL character reads as end of input, exactly as upstream
 * (Lexer.read returns 0 at the end): a NUL where a token starts ends the scan, and the rest is ignored.
 */
class Lexer {
  private pos = 0;
  constructor(private readonly s: string) {}

  private read(): number {
    if (this.pos < this.s.length) return this.s.charCodeAt(this.pos++);
    return 0;
  }

  private unread(): void {
    this.pos--;
  }

  private scanIDOrKeyword(): ScannedItem {
    let buffer = "";
    for (;;) {
      const start = this.pos;
      const ch = this.read();
      if (ch === 0) break;
      if (isSpecialSymbol(ch) || isWhitespace(ch)) {
        this.unread();
        break;
      }
      buffer += this.s[start];
    }
    const tok = string2token.get(buffer);
    return { token: tok ?? Token.IdentifierToken, literal: buffer };
  }

  private scanSpecialSymbol(): ScannedItem {
    let last: ScannedItem | null = null;
    let buffer = "";
    for (;;) {
      const ch = this.read();
      if (ch === 0) break;
      if (isSpecialSymbol(ch)) {
        buffer += String.fromCharCode(ch);
        const tok = string2token.get(buffer);
        if (tok !== undefined) {
          last = { token: tok, literal: buffer };
        } else if (last !== null) {
          this.unread();
          break;
        }
      } else {
        this.unread();
        break;
      }
    }
    if (last === null) return { token: Token.ErrorToken, literal: `error expected: keyword found '${buffer}'` };
    return last;
  }

  private skipWhiteSpaces(ch: number): number {
    while (isWhitespace(ch)) ch = this.read();
    return ch;
  }

  lex(): ScannedItem {
    const ch = this.skipWhiteSpaces(this.read());
    if (ch === 0) return { token: Token.EndOfStringToken, literal: "" };
    this.unread();
    return isSpecialSymbol(ch) ? this.scanSpecialSymbol() : this.scanIDOrKeyword();
  }
}

/** Parser.scan: every token of `s` up to and including the first EndOfStringToken. */
export function scanTokens(s: string): ScannedItem[] {
  const l = new Lexer(s);
  const items: ScannedItem[] = [];
  for (;;) {
    const item = l.lex();
    items.push(item);
    if (item.token === Token.EndOfStringToken) return items;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parser (selector.go Parser)

/** ParserContext: in the Values context the keywords `in` and `notin` are plain identifiers. */
const Ctx = { KeyAndOperator: 0, Values: 1 } as const;
type Ctx = (typeof Ctx)[keyof typeof Ctx];

/** An error from inside the parser, not yet prefixed by parse() */
class ParseFailure {
  constructor(readonly message: string) {}
}

class Parser {
  private readonly items: ScannedItem[];
  private position = 0;
  constructor(s: string, private readonly path: FieldPath = null) {
    this.items = scanTokens(s);
  }

  private lookahead(ctx: Ctx): ScannedItem {
    const item = this.items[this.position];
    if (ctx === Ctx.Values && (item.token === Token.InToken || item.token === Token.NotInToken)) {
      return { token: Token.IdentifierToken, literal: item.literal };
    }
    return item;
  }

  private consume(ctx: Ctx): ScannedItem {
    const item = this.lookahead(ctx);
    this.position++;
    return item;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { token, literal } = this.lookahead(Ctx.Values);
      switch (token) {
        case Token.IdentifierToken:
        case Token.DoesNotExistToken: {
          const r = this.parseRequirement();
          if (r instanceof ParseFailure) throw new SelectorError(`unable to parse requirement: ${r.message}`);
          requirements.push(r);
          const next = this.consume(Ctx.Values);
          switch (next.token) {
            case Token.EndOfStringToken:
              return requirements;
            case Token.CommaToken: {
              const t2 = this.lookahead(Ctx.Values);
              if (t2.token !== Token.IdentifierToken && t2.token !== Token.DoesNotExistToken) {
                throw new SelectorError(`found '${t2.literal}', expected: identifier after ','`);
              }
              break;
            }
            default:
              throw new SelectorError(`found '${next.literal}', expected: ',' or 'end of string'`);
          }
          break;
        }
        case Token.EndOfStringToken:
          return requirements;
        default:
          throw new SelectorError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement | ParseFailure {
    const ko = this.parseKeyAndInferOperator();
    if (ko instanceof ParseFailure) return ko;
    const { key } = ko;
    if (ko.operator === "exists" || ko.operator === "!") {
      const err = requirementError(key, ko.operator, [], this.path);
      return err === null ? makeRequirement(key, ko.operator, []) : new ParseFailure(err);
    }
    const operator = this.parseOperator();
    if (operator instanceof ParseFailure) return operator;
    const values = operator === "in" || operator === "notin" ? this.parseValues() : this.parseExactValue();
    if (values instanceof ParseFailure) return values;
    const list = sortedUnique(values); // sets.String.List()
    const err = requirementError(key, operator, list, this.path);
    return err === null ? makeRequirement(key, operator, list) : new ParseFailure(err);
  }

  private parseKeyAndInferOperator(): { key: string; operator: Operator | "" } | ParseFailure {
    let operator: Operator | "" = "";
    let item = this.consume(Ctx.Values);
    if (item.token === Token.DoesNotExistToken) {
      operator = "!";
      item = this.consume(Ctx.Values);
    }
    if (item.token !== Token.IdentifierToken) return new ParseFailure(`found '${item.literal}', expected: identifier`);
    const keyErr = validateLabelKey(item.literal, this.path);
    if (keyErr !== null) return new ParseFailure(keyErr);
    const t = this.lookahead(Ctx.Values).token;
    if ((t === Token.EndOfStringToken || t === Token.CommaToken) && operator !== "!") operator = "exists";
    return { key: item.literal, operator };
  }

  private parseOperator(): Operator | ParseFailure {
    const { token, literal } = this.consume(Ctx.KeyAndOperator);
    switch (token) {
      case Token.InToken: return "in";
      case Token.EqualsToken: return "=";
      case Token.DoubleEqualsToken: return "==";
      case Token.GreaterThanToken: return "gt";
      case Token.LessThanToken: return "lt";
      case Token.NotInToken: return "notin";
      case Token.NotEqualsToken: return "!=";
      default:
        return new ParseFailure(`found '${literal}', expected: ${BINARY_OPERATORS.join(", ")}`);
    }
  }

  private parseValues(): Set<string> | ParseFailure {
    const open = this.consume(Ctx.Values);
    if (open.token !== Token.OpenParToken) return new ParseFailure(`found '${open.literal}' expected: '('`);
    const { token, literal } = this.lookahead(Ctx.Values);
    switch (token) {
      case Token.IdentifierToken:
      case Token.CommaToken: {
        const s = this.parseIdentifiersList();
        if (s instanceof ParseFailure) return s;
        // Upstream reports the token after '(' here, not the one found; unreachable in practice because
        // parseIdentifiersList only returns on a ')' lookahead.
        if (this.consume(Ctx.Values).token !== Token.ClosedParToken) {
          return new ParseFailure(`found '${literal}', expected: ')'`);
        }
        return s;
      }
      case Token.ClosedParToken:
        this.consume(Ctx.Values);
        return new Set([""]);
      default:
        return new ParseFailure(`found '${literal}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): Set<string> | ParseFailure {
    const s = new Set<string>();
    for (;;) {
      const { token, literal } = this.consume(Ctx.Values);
      switch (token) {
        case Token.IdentifierToken: {
          s.add(literal);
          const next = this.lookahead(Ctx.Values);
          switch (next.token) {
            case Token.CommaToken:
              continue;
            case Token.ClosedParToken:
              return s;
            default:
              return new ParseFailure(`found '${next.literal}', expected: ',' or ')'`);
          }
        }
        case Token.CommaToken: {
          if (s.size === 0) s.add(""); // to handle (,
          const t2 = this.lookahead(Ctx.Values).token;
          if (t2 === Token.ClosedParToken) {
            s.add(""); // to handle ,)
            return s;
          }
          if (t2 === Token.CommaToken) s.add(""); // to handle ,,
          break;
        }
        default:
          return new ParseFailure(`found '${literal}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> | ParseFailure {
    const t = this.lookahead(Ctx.Values).token;
    if (t === Token.EndOfStringToken || t === Token.CommaToken) return new Set([""]);
    const { token, literal } = this.consume(Ctx.Values);
    if (token === Token.IdentifierToken) return new Set([literal]);
    return new ParseFailure(`found '${literal}', expected: identifier`);
  }
}

function checkSize(s: string): void {
  if (s.length > MAX_SELECTOR_BYTES || (s.length * 3 > MAX_SELECTOR_BYTES && utf8ByteLength(s) > MAX_SELECTOR_BYTES)) {
    throw new SelectorError(`selector is too long: must be no more than ${MAX_SELECTOR_BYTES} bytes`);
  }
}

/**
 * labels.Parse (selector.go). Grammar:
 *   selector    ::= requirement | requirement "," selector
 *   requirement ::= [!] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
 * "" parses to everything(). Values may be empty (`k=`, `k in (a,,b)`, `k notin ()`); in/notin value lists are
 * de-duplicated and sorted; `>`/`<` values must be int64. Whitespace is ' ', '\t', '\r', '\n'. The result is
 * sorted by key. Throws SelectorError with upstream's message; the caller has already URL-decoded `s`.
 */
export function parseSelector(s: string): LabelSelector {
  checkSize(s);
  const reqs = new Parser(s).parse();
  return reqs.length === 0 ? EVERYTHING : new InternalSelector(sortByKey(reqs));
}

/**
 * labels.ConvertSelectorToLabelsMap (labels.go): "k=v,k2=v2" only. Splits on "," and then on "=", so `==`, `!=`,
 * set operators and bare keys are all refused (`invalid selector: [k  v]` for "k==v"); keys and values are
 * trimmed (strings.TrimSpace) and validated; "" gives {}; a repeated key keeps the last value.
 * Validation errors use the nil path: `<nil>: Invalid value: …` for keys, `[key]: Invalid value: …` for values.
 */
export function parseLabelsMap(s: string): Record<string, string> {
  checkSize(s);
  const labelsMap: Record<string, string> = {};
  if (s.length === 0) return labelsMap;
  for (const label of s.split(",")) {
    const l = label.split("=");
    if (l.length !== 2) throw new SelectorError(`invalid selector: [${l.join(" ")}]`);
    const key = goTrimSpace(l[0]);
    const keyErr = validateLabelKey(key, null);
    if (keyErr !== null) throw new SelectorError(keyErr);
    const value = goTrimSpace(l[1]);
    const valueErr = validateLabelValue(key, value, null);
    if (valueErr !== null) throw new SelectorError(valueErr);
    labelsMap[key] = value;
  }
  return labelsMap;
}

/** labels.SelectorFromSet: k=v for every entry, unvalidated; {} (or null) is everything(). */
export function selectorFromSet(set: Readonly<Record<string, string>> | null | undefined): LabelSelector {
  if (set == null) return EVERYTHING;
  const reqs = Object.keys(set).map((k) => makeRequirement(k, "=", [set[k]]));
  return reqs.length === 0 ? EVERYTHING : new InternalSelector(sortByKey(reqs));
}

// ---------------------------------------------------------------------------------------------------------------
// metav1.LabelSelector (apis/meta/v1/helpers.go)

export type LabelSelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface LabelSelectorRequirementJSON {
  key: string;
  operator: string;
  values?: string[];
}

/** metav1.LabelSelector as JSON (`matchLabels`, `matchExpressions`, `values` are omitempty). */
export interface LabelSelectorJSON {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirementJSON[];
}

function sortedRecord(entries: Iterable<[string, string]>): Record<string, string> {
  const m = new Map(entries);
  const out: Record<string, string> = {};
  for (const k of [...m.keys()].sort(compareGoStrings)) out[k] = m.get(k)!;
  return out;
}

/**
 * metav1.ParseToLabelSelector's conversion (helpers.go), from an already-parsed selector:
 * `=`/`==` go to matchLabels (a repeated key keeps the last value, in key-sorted order: "x=a,x=b" gives
 * {x: "b"}, which no longer means "x=a AND x=b"); in, notin, exists, ! become In, NotIn, Exists, DoesNotExist
 * expressions with sorted, de-duplicated values (none for Exists/DoesNotExist). Upstream refuses the rest:
 * gt/lt throw `"gt" isn't supported in label selectors`, and != throws `"!=" is not a valid label selector
 * operator`. Empty parts are omitted, so everything() gives {}. nothing() has no metav1 form except a nil
 * selector, so it gives null (the inverse of LabelSelectorAsSelector(nil)).
 */
export function toLabelSelectorJSON(sel: LabelSelector): LabelSelectorJSON | null {
  if (matchesNothing(sel)) return null;
  const matchLabels: [string, string][] = [];
  const matchExpressions: LabelSelectorRequirementJSON[] = [];
  for (const req of sel.requirements) {
    let op: LabelSelectorOperator;
    switch (req.operator) {
      case "=":
      case "==": {
        const vals = sortedUnique(req.values);
        if (vals.length !== 1) throw new SelectorError("equals operator must have exactly one value");
        matchLabels.push([req.key, vals[0]]);
        continue;
      }
      case "in": op = "In"; break;
      case "notin": op = "NotIn"; break;
      case "exists": op = "Exists"; break;
      case "!": op = "DoesNotExist"; break;
      case "gt":
      case "lt":
        throw new SelectorError(`${goQuote(req.operator)} isn't supported in label selectors`);
      default:
        throw new SelectorError(`${goQuote(req.operator)} is not a valid label selector operator`);
    }
    const values = sortedUnique(req.values);
    matchExpressions.push(values.length ? { key: req.key, operator: op, values } : { key: req.key, operator: op });
  }
  const out: LabelSelectorJSON = {};
  if (matchLabels.length) out.matchLabels = sortedRecord(matchLabels);
  if (matchExpressions.length) out.matchExpressions = matchExpressions;
  return out;
}

/**
 * metav1.ParseToLabelSelector (helpers.go) in full: parse errors are wrapped as
 * `couldn't parse the selector string "<s>": <error>`; conversion errors are not.
 */
export function parseToLabelSelectorJSON(s: string): LabelSelectorJSON {
  let sel: LabelSelector;
  try {
    sel = parseSelector(s);
  } catch (e) {
    if (e instanceof SelectorError) throw new SelectorError(`couldn't parse the selector string "${s}": ${e.message}`);
    throw e;
  }
  return toLabelSelectorJSON(sel)!;
}

/**
 * metav1.SetAsLabelSelector (helpers.go): a labels map as {matchLabels}; null for null; {} for an empty map
 * (matchLabels is omitempty).
 */
export function labelsMapToLabelSelectorJSON(
  labels: Readonly<Record<string, string>> | null | undefined,
): LabelSelectorJSON | null {
  if (labels == null) return null;
  const entries = Object.entries(labels);
  return entries.length ? { matchLabels: sortedRecord(entries) } : {};
}

/**
 * metav1.LabelSelectorAsSelector (helpers.go): null → nothing(); no labels and no expressions → everything();
 * otherwise NewRequirement for each matchLabels entry (=) and expression (In, NotIn, Exists, DoesNotExist; any
 * other operator throws `"Gt" is not a valid label selector operator`). Upstream visits matchLabels in Go's
 * random map order, so with several bad labels which error comes first varies; here keys go in sorted order.
 */
export function labelSelectorFromJSON(ps: LabelSelectorJSON | null | undefined): LabelSelector {
  if (ps == null) return NOTHING;
  const labels = ps.matchLabels ?? {};
  const exprs = ps.matchExpressions ?? [];
  const labelKeys = Object.keys(labels).sort(compareGoStrings);
  if (labelKeys.length + exprs.length === 0) return EVERYTHING;
  const reqs: Requirement[] = [];
  for (const k of labelKeys) {
    const err = requirementError(k, "=", [labels[k]]);
    if (err !== null) throw new SelectorError(err);
    reqs.push(makeRequirement(k, "=", [labels[k]]));
  }
  const ops: Record<string, Operator> = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" };
  for (const expr of exprs) {
    const op = Object.prototype.hasOwnProperty.call(ops, expr.operator) ? ops[expr.operator] : undefined;
    if (op === undefined) throw new SelectorError(`${goQuote(String(expr.operator))} is not a valid label selector operator`);
    const values = expr.values ?? [];
    // append([]string(nil), expr.Values...) is a nil slice when empty: it renders as null.
    const err = requirementError(expr.key, op, values, null, true);
    if (err !== null) throw new SelectorError(err);
    reqs.push(makeRequirement(expr.key, op, values));
  }
  return new InternalSelector(sortByKey(reqs));
}
