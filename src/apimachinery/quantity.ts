/**
 * Kubernetes `resource.Quantity`, parsed and formatted the way k8s.io/apimachinery does it.
 *
 * The HPA reads every metric value we serve as a Quantity string and the values pushed to us may be
 * Quantity strings too, so this module mirrors the Go code rather than "what a quantity ought to be".
 * Ported from kubernetes/kubernetes `staging/src/k8s.io/apimachinery/pkg/api/resource/`
 * (cross-checked against the published Go module k8s.io/apimachinery v0.37.2):
 *   - quantity.go  : parseQuantityString, ParseQuantity, CanonicalizeBytes, String, MilliValue/ScaledValue,
 *                    UnmarshalJSON, Cmp, AsApproximateFloat64
 *   - suffix.go    : the suffix tables and interpret/constructBytes
 *   - amount.go    : int64Amount / infDecAmount AsCanonicalBytes, AsCanonicalBase1024Bytes, AsScaledInt64
 *   - scale_int.go : scaledValue (the inf.Dec MilliValue path)
 *   - math.go      : removeInt64Factors, int64Multiply* overflow checks
 *
 * Representation: value = unscaled × 10^exponent, exactly (bigint + integer exponent). `backing` records
 * whether Go would hold the value in its int64Amount fast path or in an inf.Dec, because the two paths
 * differ observably in a few corners (int32 exponent wraparound while formatting), and `cached` is Go's
 * `Quantity.s`: ParseQuantity keeps the *input text* when it judges it canonical and String() echoes it,
 * so `"+1"`, `"1E3"` and `"1.500"` come back verbatim (see formatQuantity).
 *
 * Trade-offs / deliberate differences from Go (all documented at the export that has them):
 *   - Nothing here ever expands 10^exponent for an exponent that came from the input, so `1e2147483647`
 *     and `1e-2147483647` cost microseconds. (Go's inf.Dec path needs a 10^(2^31) bigint for inputs such
 *     as `1234567890123456789e2147483647` and effectively never returns; we return the exact value.)
 *   - milliValue/scaledValue return an exact bigint instead of a wrapped/zeroed int64, and use one
 *     rounding rule (away from zero, Go's int64Amount rule) for every value.
 *   - parseQuantityJSON unescapes JSON strings (a JSON client means the unescaped text); Go only strips the quotes.
 */

import { fitsInt64, goTrimSpace, MAX_INT64, MIN_INT64 } from "./go";

export type QuantityFormat = "DecimalExponent" | "BinarySI" | "DecimalSI";

export interface Quantity {
  readonly format: QuantityFormat;
  /** value = unscaled × 10^exponent, exactly. Not normalised: 1500m may be (15, -1) or (1500, -3). */
  readonly unscaled: bigint;
  readonly exponent: number;
  /**
   * Where apimachinery would keep this value: "int64" = int64Amount{value: unscaled, scale: exponent}
   * (unscaled fits int64, exponent fits int32), "dec" = inf.Dec. Only affects formatting corner cases.
   */
  readonly backing: "int64" | "dec";
  /** Go's cached `Quantity.s`: when set, formatQuantity returns it verbatim (as Quantity.String() does). */
  readonly cached?: string;
}

/** Upstream error texts (quantity.go: ErrFormatWrong, ErrNumeric, ErrSuffix). */
export const SPLIT_RE_STRING = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE_STRING}'`;
export const ERR_NUMERIC = "unable to parse numeric part of quantity";
export const ERR_SUFFIX = "unable to parse quantity's suffix";

/**
 * "format" | "numeric" | "suffix" carry upstream's ErrFormatWrong / ErrNumeric / ErrSuffix message verbatim.
 * "json" is ours: parseQuantityJSON was handed text that is not a JSON value (Go's json.Unmarshal would
 * fail with a syntax error before Quantity.UnmarshalJSON ever ran).
 */
export type QuantityErrorCode = "format" | "numeric" | "suffix" | "json";

export class QuantityError extends Error {
  readonly code: QuantityErrorCode;
  constructor(code: QuantityErrorCode, message?: string) {
    super(
      message ?? (code === "format" ? ERR_FORMAT_WRONG : code === "numeric" ? ERR_NUMERIC : code === "suffix" ? ERR_SUFFIX : "invalid JSON"),
    );
    this.name = "QuantityError";
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------------------
// int64 / int32 helpers (Go arithmetic)

const NANO = -9;

/** Go's int32(x) conversion / int32 overflow wraparound. */
function wrap32(x: number): number {
  return x | 0; // ToInt32 is exactly Go's two's-complement wrap for the safe integers we pass
}

/** Largest power of ten we will ever materialise (digits). Guards the few APIs that must expand a value. */
export const MAX_EXPANSION_DIGITS = 100_000;

function pow10(n: number): bigint {
  if (n < 0 || !Number.isInteger(n)) throw new RangeError(`pow10(${n})`);
  if (n > MAX_EXPANSION_DIGITS) {
    throw new RangeError(`quantity too large to expand exactly (10^${n} exceeds 10^${MAX_EXPANSION_DIGITS})`);
  }
  return 10n ** BigInt(n);
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

function digitCount(x: bigint): number {
  return x === 0n ? 1 : abs(x).toString().length;
}

/** Strip factors of ten (removeInt64Factors / removeBigIntFactors with base 10). */
function stripTens(x: bigint): { m: bigint; times: number } {
  if (x === 0n) return { m: 0n, times: 0 };
  const s = abs(x).toString();
  let end = s.length;
  while (end > 1 && s.charCodeAt(end - 1) === 48) end--;
  const times = s.length - end;
  if (times === 0) return { m: x, times: 0 };
  const m = BigInt(s.slice(0, end));
  return { m: x < 0n ? -m : m, times };
}

/** Integer division rounding away from zero; also reports whether it was exact. */
function divAway(x: bigint, d: bigint): { q: bigint; exact: boolean } {
  const q = x / d;
  const r = x % d;
  if (r === 0n) return { q, exact: true };
  return { q: x < 0n ? q - 1n : q + 1n, exact: false };
}

/** |x| × 10^-k rounded away from zero to an integer, without materialising 10^k when k ≥ digits(x). */
function shiftRightAway(x: bigint, k: number): bigint {
  if (k <= 0) return x * pow10(-k);
  if (x === 0n) return 0n;
  if (k >= digitCount(x)) return x < 0n ? -1n : 1n; // 0 < |x| < 10^k
  return divAway(x, 10n ** BigInt(k)).q;
}

// ---------------------------------------------------------------------------------------------------------
// suffix.go

interface Interpreted {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

const DEC_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DEC_EXP_TO_SUFFIX = new Map<number, string>(Object.entries(DEC_SUFFIX).map(([s, e]) => [e, s]));
const BIN_EXP_TO_SUFFIX = new Map<number, string>(Object.entries(BIN_SUFFIX).map(([s, e]) => [e, s]));

/** Go strconv.ParseInt(s, 10, 64): optional sign, ASCII digits, in int64 range. */
function goParseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return fitsInt64(v) ? v : undefined;
}

/** suffixHandler.interpret (via fastLookup). */
function interpretSuffix(s: string): Interpreted | undefined {
  if (Object.prototype.hasOwnProperty.call(DEC_SUFFIX, s)) return { base: 10, exponent: DEC_SUFFIX[s], format: "DecimalSI" };
  if (Object.prototype.hasOwnProperty.call(BIN_SUFFIX, s)) return { base: 2, exponent: BIN_SUFFIX[s], format: "BinarySI" };
  if (s.length > 1 && (s[0] === "E" || s[0] === "e")) {
    const parsed = goParseInt64(s.slice(1));
    if (parsed === undefined) return undefined;
    // Upstream stores int32(parsed): "1e4294967297" is 1e1.
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: "DecimalExponent" };
  }
  return undefined;
}

/** suffixHandler.constructBytes: undefined where upstream returns (nil, false), which prints as "". */
function constructSuffix(base: 2 | 10, exponent: number, format: QuantityFormat): string | undefined {
  switch (format) {
    case "DecimalSI":
      // decSuffixes also maps {2, 0} -> "" but CanonicalizeBytes only ever asks it for base 10.
      return base === 10 ? DEC_EXP_TO_SUFFIX.get(exponent) : exponent === 0 ? "" : undefined;
    case "BinarySI":
      return base === 2 ? BIN_EXP_TO_SUFFIX.get(exponent) : undefined;
    case "DecimalExponent":
      if (base !== 10) return undefined;
      return exponent === 0 ? "" : `e${exponent}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// quantity.go: parseQuantityString

interface Scanned {
  positive: boolean;
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const SUFFIX_CHARS = "eEinumkKMGTP";

function parseQuantityString(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  let num = "";
  let denom = "";
  let value = "";

  if (pos < end) {
    if (str[0] === "-") {
      positive = false;
      pos++;
    } else if (str[0] === "+") {
      pos++;
    }
  }

  // strip leading zeros
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value: "0", num: "0", denom: "", suffix: "" };
    if (str[i] === "0") pos++;
    else break;
  }

  // extract the numerator
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value: str.slice(0, end), num: str.slice(pos, end), denom: "", suffix: "" };
    if (!isDigit(str.charCodeAt(i))) {
      num = str.slice(pos, i);
      pos = i;
      break;
    }
  }
  if (num.length === 0) num = "0";

  // handle a denominator ("1.G" is accepted upstream)
  if (pos < end && str[pos] === ".") {
    pos++;
    for (let i = pos; ; i++) {
      if (i >= end) return { positive, value: str.slice(0, end), num, denom: str.slice(pos, end), suffix: "" };
      if (!isDigit(str.charCodeAt(i))) {
        denom = str.slice(pos, i);
        pos = i;
        break;
      }
    }
  }
  value = str.slice(0, pos);

  // grab the elements of the suffix
  const suffixStart = pos;
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart, end) };
    if (!SUFFIX_CHARS.includes(str[i])) {
      pos = i;
      break;
    }
  }
  if (pos < end && (str[pos] === "-" || str[pos] === "+")) pos++;
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart, end) };
    if (!isDigit(str.charCodeAt(i))) break;
  }
  // a non-digit after the exponent digits
  throw new QuantityError("format");
}

// ---------------------------------------------------------------------------------------------------------
// quantity.go: ParseQuantity

/**
 * ParseQuantity. Throws QuantityError (upstream message) on bad input. Semantics, all as upstream:
 *  - "" is ErrFormatWrong; any whitespace anywhere is rejected (" 1", "1 ", "1 Mi").
 *  - suffixes are case-sensitive ("1K", "1ki" -> ErrSuffix); a bare exponent's int64 value is truncated
 *    to int32 ("1e4294967297" == 10).
 *  - the number part may be empty or just "." ("-", ".", "m", "Ki", "e3" all parse as zero;
 *    "Ei", ".Ki", ".e-10" are ErrNumeric because they reach the inf.Dec path with no digits).
 *  - non-zero values are rounded *away from zero* to a multiple of 1n ("0.1n" -> 1n, "-3.001n" -> -4n).
 *  - BinarySI magnitudes are capped at 2^63-1 ("8Ei" -> 9223372036854775807); a BinarySI value with
 *    0 < |v| < 1 becomes DecimalSI (only on the inf.Dec path, exactly as upstream).
 */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityError("format");
  if (str === "0") return freeze({ format: "DecimalSI", unscaled: 0n, exponent: 0, backing: "int64", cached: str });

  const { positive, value, num, denom, suffix } = parseQuantityString(str);
  const interp = interpretSuffix(suffix);
  if (!interp) throw new QuantityError("suffix");
  const { base, exponent } = interp;
  let format = interp.format;

  let precision = 0;
  let scale = 0;
  let mantissa = 1n;
  if (format === "BinarySI") {
    scale = 0;
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      // 1Mi (2^20) has ~6 digits of decimal precision, so exponent*3/10 -1 is roughly the precision
      precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = 18 /* maxInt64Factors */ - (num.length + denom.length);
  }

  if (precision >= 0) {
    scale = wrap32(scale - denom.length);
    if (scale >= NANO) {
      const shifted = num + denom; // at most 18 digits here, so strconv.ParseInt cannot fail
      const v = BigInt(shifted);
      let result = v * mantissa;
      if (result <= MAX_INT64) {
        if (!positive) result = -result;
        let reuse: boolean;
        if (format === "BinarySI") reuse = exponent % 10 === 0 && (v & 7n) !== 0n;
        else reuse = scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0";
        return freeze({ format, unscaled: result, exponent: scale, backing: "int64", ...(reuse ? { cached: str } : {}) });
      }
    }
  }

  // inf.Dec SetString(value): [+-]? digits [. digits], at least one digit somewhere.
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(value);
  if (!m || (m[2].length === 0 && (m[3] ?? "").length === 0)) throw new QuantityError("numeric");
  const frac = m[3] ?? "";
  let amount = BigInt(m[2] + frac); // magnitude; sign handled separately exactly as upstream does
  let infScale = frac.length; // inf.Scale: value = amount × 10^-infScale
  if (base === 10) {
    infScale = wrap32(infScale + wrap32(-exponent));
  } else {
    amount = amount << BigInt(exponent);
  }
  const negative = m[1] === "-" && amount !== 0n;

  // Round non-zero values up (away from zero) to nano precision.
  if (amount !== 0n && infScale > -NANO) {
    amount = shiftRightAway(amount, infScale + NANO);
    infScale = -NANO;
  }

  if (format === "BinarySI") {
    // infScale is in [0, 9] here, so these comparisons expand at most 10^9.
    if (amount > MAX_INT64 * 10n ** BigInt(infScale)) {
      amount = MAX_INT64;
      infScale = 0;
    }
    if (amount > 0n && amount < 10n ** BigInt(infScale)) format = "DecimalSI";
  }

  return freeze({ format, unscaled: negative ? -amount : amount, exponent: -infScale, backing: "dec" });
}

function freeze(q: Quantity): Quantity {
  return Object.freeze(q);
}

// ---------------------------------------------------------------------------------------------------------
// Formatting: CanonicalizeBytes / String

function isZero(q: Quantity): boolean {
  return q.unscaled === 0n;
}

/** int64Amount.AsCanonicalBytes (int32 exponent arithmetic, falls back to the inf.Dec form on overflow). */
function int64CanonicalBytes(value: bigint, scale: number): { number: string; exponent: number } {
  const { m, times } = stripTens(value);
  let amount = m;
  let exponent = wrap32(scale + times);
  const r = exponent % 3;
  if (r === 1 || r === -2) {
    if (!fitsInt64(amount * 10n)) return decCanonicalBytes(value, scale, true);
    amount *= 10n;
    exponent = wrap32(exponent - 1);
  } else if (r === 2 || r === -1) {
    if (!fitsInt64(amount * 100n)) return decCanonicalBytes(value, scale, true);
    amount *= 100n;
    exponent = wrap32(exponent - 2);
  }
  return { number: amount.toString(), exponent };
}

/**
 * infDecAmount.AsCanonicalBytes. `wrap` applies Go's int32 exponent arithmetic; it is used only for the
 * int64Amount fallback (Go's inf.Dec values that could wrap never finish parsing upstream).
 */
function decCanonicalBytes(value: bigint, exp10: number, wrap: boolean): { number: string; exponent: number } {
  const w = wrap ? wrap32 : (x: number) => x;
  const { m, times } = stripTens(value);
  let amount = m;
  let exponent = w(exp10 + times);
  while (exponent % 3 !== 0) {
    amount *= 10n;
    exponent = w(exponent - 1);
  }
  return { number: amount.toString(), exponent };
}

function canonicalBytes(q: Quantity): { number: string; exponent: number } {
  return q.backing === "int64" ? int64CanonicalBytes(q.unscaled, q.exponent) : decCanonicalBytes(q.unscaled, q.exponent, false);
}

/** q compared with the integer n (|n| small). */
function cmpInt(q: Quantity, n: bigint): -1 | 0 | 1 {
  return compareParts(q.unscaled, q.exponent, n, 0);
}

/**
 * Quantity.CanonicalizeBytes: the canonical text, ignoring the cached input string. Rules (upstream):
 *  - zero is "0" (never "-0", never a suffix);
 *  - DecimalSI / DecimalExponent: strip trailing zeros into the exponent, then lower the exponent to a
 *    multiple of 3 ("1.5" -> "1500m", "1e3" -> "1e3", "12e6" -> "12e6"); DecimalSI looks the exponent
 *    up in n u m "" k M G T P E and prints *no* suffix when it is not there, so DecimalSI values ≥ 1000E
 *    lose their magnitude ("1000E" -> "1": upstream bug, kept);
 *  - BinarySI: |v| < 1024 or a non-integer value is printed as DecimalSI ("0.5Ki" -> "512",
 *    "100.035Ki" -> "102435840m"); otherwise the largest power of 1024 that divides it (Ki..Ei,
 *    "1.5Gi" -> "1536Mi", "1025" stays "1025").
 */
export function canonicalQuantityString(q: Quantity): string {
  if (isZero(q)) return "0";
  let format = q.format;
  const stripped = stripTens(q.unscaled);
  if (format === "BinarySI") {
    if (cmpInt(q, -1024n) > 0 && cmpInt(q, 1024n) < 0) {
      format = "DecimalSI";
    } else if (q.exponent + stripped.times < 0) {
      // AsScale(0) is not exact: don't lose precision, show as DecimalSI
      format = "DecimalSI";
    }
  }
  if (format !== "BinarySI") {
    const { number, exponent } = canonicalBytes(q);
    return number + (constructSuffix(10, exponent, format) ?? "");
  }
  // AsCanonicalBase1024Bytes on the (exact, integral) value.
  let n = stripped.m * pow10(q.exponent + stripped.times);
  let times = 0;
  while ((n >= 1024n || n <= -1024n) && n % 1024n === 0n) {
    n /= 1024n;
    times++;
  }
  return n.toString() + (constructSuffix(2, times * 10, "BinarySI") ?? "");
}

/**
 * Quantity.String(): the cached input text when ParseQuantity kept it, else canonicalQuantityString.
 * Upstream keeps the input when (fast path, no rounding) DecimalSI/DecimalExponent: exponent after the
 * decimal shift is a multiple of 3, the digits do not end in "000" and do not start with "0";
 * BinarySI: the number is not a multiple of 8. Hence "1E3" -> "1E3", "+1" -> "+1", "01" -> "01",
 * "1." -> "1.", "1.500" -> "1.500", "1e+3" -> "1e+3", while "1.5" -> "1500m", "-0" -> "0".
 */
export function formatQuantity(q: Quantity): string {
  return q.cached !== undefined && q.cached.length > 0 ? q.cached : canonicalQuantityString(q);
}

/** MustParse(s).String(). */
export function canonicalizeQuantity(s: string): string {
  return formatQuantity(parseQuantity(s));
}

// ---------------------------------------------------------------------------------------------------------
// Values and comparison

/**
 * ScaledValue(scale): q / 10^scale rounded to an integer *away from zero* — Go's int64Amount rule
 * (amount.go AsScaledInt64 -> negativeScaleInt64), i.e. ceil for positive values. Returned exactly as a
 * bigint: where Go's int64 would wrap, return 0 or garbage (e.g. MilliValue of "1000E" is 0 upstream)
 * we return the true value; check with fitsInt64() if you need Go's range. Throws RangeError if the
 * result would have more than MAX_EXPANSION_DIGITS digits (e.g. scaledValue of "1e999999999").
 *
 * Known upstream inconsistency we do NOT reproduce: for negative values on Go's inf.Dec path (inputs with
 * > 18 significant digits, finer than 1n, or fractional BinarySI), scale_int.go scaledValue truncates
 * toward zero and then adds 1 whenever there is a remainder, and reads the unscaled value with
 * big.Int.Int64(), which keeps only the low 64 bits: MilliValue("-0.0015000000000000000000") is 0 and
 * Value() of it is +1 upstream, MilliValue("-0.1n") is +1, and MilliValue("-1.025Ti") is -1748029974116
 * (exactly -1126999418470400), while MilliValue("-0.0015") is -2. We return -2 / -1 / -1 / the exact value.
 */
export function scaledValue(q: Quantity, scale: number): bigint {
  if (q.unscaled === 0n) return 0n;
  const shift = q.exponent - scale; // result = unscaled × 10^shift
  if (shift >= 0) {
    if (digitCount(q.unscaled) + shift > MAX_EXPANSION_DIGITS) {
      throw new RangeError(`quantity too large to expand exactly (more than ${MAX_EXPANSION_DIGITS} digits)`);
    }
    return q.unscaled * pow10(shift);
  }
  return shiftRightAway(q.unscaled, -shift);
}

/** MilliValue(): q × 1000 rounded away from zero (= ceil for q ≥ 0), exact. See scaledValue. */
export function milliValue(q: Quantity): bigint {
  return scaledValue(q, -3);
}

/** Value(): q rounded away from zero to an integer, exact. See scaledValue. */
export function quantityValue(q: Quantity): bigint {
  return scaledValue(q, 0);
}

/**
 * Quantity.AsInt64(): the integer value when apimachinery can produce it cheaply (int64Amount with a
 * non-negative scale and no overflow), else undefined. Values upstream keeps in an inf.Dec
 * (e.g. "9223372036854775807", "1000000000000000000") give undefined even though they fit int64.
 */
export function asInt64(q: Quantity): bigint | undefined {
  if (q.backing !== "int64" || q.exponent < 0) return undefined;
  if (q.exponent === 0 || q.unscaled === 0n) return q.unscaled;
  if (q.exponent > 18) return undefined; // 10^19 overflows for any non-zero value
  const v = q.unscaled * 10n ** BigInt(q.exponent);
  return fitsInt64(v) ? v : undefined;
}

export function fitsInt64Range(x: bigint): boolean {
  return fitsInt64(x);
}

function compareParts(au: bigint, ae: number, bu: bigint, be: number): -1 | 0 | 1 {
  const as = au === 0n ? 0 : au < 0n ? -1 : 1;
  const bs = bu === 0n ? 0 : bu < 0n ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  if (as === 0) return 0;
  const a = stripTens(au);
  const b = stripTens(bu);
  const aExp = ae + a.times;
  const bExp = be + b.times;
  // magnitude order: 10^(digits-1+exp) <= |x| < 10^(digits+exp)
  const aOrd = digitCount(a.m) + aExp;
  const bOrd = digitCount(b.m) + bExp;
  let magCmp: number;
  if (aOrd !== bOrd) {
    magCmp = aOrd < bOrd ? -1 : 1;
  } else {
    // same order: exponents differ by less than the digit counts, so alignment is cheap
    const lo = Math.min(aExp, bExp);
    const x = abs(a.m) * 10n ** BigInt(aExp - lo);
    const y = abs(b.m) * 10n ** BigInt(bExp - lo);
    magCmp = x === y ? 0 : x < y ? -1 : 1;
  }
  if (magCmp === 0) return 0;
  return (magCmp === as ? 1 : -1);
}

/** Quantity.Cmp: exact numeric comparison (formats are ignored). */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return compareParts(a.unscaled, a.exponent, b.unscaled, b.exponent);
}

/**
 * Nearest float64 (correctly rounded, so at least as good as AsApproximateFloat64); ±Infinity beyond the
 * float range, ±0 below it. For display and benchmarks only.
 */
export function quantityToNumber(q: Quantity): number {
  if (q.unscaled === 0n) return 0;
  return Number(`${q.unscaled}e${q.exponent}`);
}

// ---------------------------------------------------------------------------------------------------------
// Constructors (no rounding, no cap, no cached string — exactly like their Go counterparts)

function int64Backed(value: bigint, scale: number, format: QuantityFormat, fn: string): Quantity {
  if (!fitsInt64(value)) throw new RangeError(`${fn}: ${value} does not fit in int64`);
  if (!Number.isInteger(scale) || wrap32(scale) !== scale) throw new RangeError(`${fn}: scale ${scale} does not fit in int32`);
  return freeze({ format, unscaled: value, exponent: scale, backing: "int64" });
}

/**
 * Quantity.Add (quantity.go): the sum of `a` and `b` as a new Quantity. As upstream: the result keeps `a`'s
 * format unless `a` is zero; two int64-backed values add as int64Amount.Add does (amount.go: align to the
 * smaller scale, refuse on overflow) and otherwise as inf.Dec (exact, at the smaller exponent). The cached text
 * is dropped (`q.s = ""`), so formatQuantity gives the canonical form.
 */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const format = isZero(a) ? b.format : a.format;
  if (a.backing === "int64" && b.backing === "int64") {
    if (b.unscaled === 0n) return freeze({ format, unscaled: a.unscaled, exponent: a.exponent, backing: "int64" });
    if (a.unscaled === 0n) return freeze({ format, unscaled: b.unscaled, exponent: b.exponent, backing: "int64" });
    const scale = Math.min(a.exponent, b.exponent);
    // positiveScaleInt64 refuses a factor beyond 10^18 or a product that overflows; so does this.
    const da = a.exponent - scale;
    const db = b.exponent - scale;
    if (da <= 18 && db <= 18) {
      const x = a.unscaled * 10n ** BigInt(da);
      const y = b.unscaled * 10n ** BigInt(db);
      if (fitsInt64(x) && fitsInt64(y) && fitsInt64(x + y)) return freeze({ format, unscaled: x + y, exponent: scale, backing: "int64" });
    }
  }
  const exponent = Math.min(a.exponent, b.exponent);
  if (Math.max(a.exponent, b.exponent) - exponent > MAX_EXPANSION_DIGITS) {
    throw new RangeError(`addQuantities: exponents ${a.exponent} and ${b.exponent} are too far apart to add exactly`);
  }
  const unscaled = a.unscaled * 10n ** BigInt(a.exponent - exponent) + b.unscaled * 10n ** BigInt(b.exponent - exponent);
  return freeze({ format, unscaled, exponent, backing: "dec" });
}

/** NewQuantity(value int64, format). */
export function newQuantity(value: bigint, format: QuantityFormat): Quantity {
  return int64Backed(value, 0, format, "newQuantity");
}

/** NewMilliQuantity(value int64, format): value/1000. BinarySI prints as DecimalSI when fractional. */
export function newMilliQuantity(value: bigint, format: QuantityFormat): Quantity {
  return int64Backed(value, -3, format, "newMilliQuantity");
}

/** NewScaledQuantity(value int64, scale): value × 10^scale, DecimalSI. */
export function newScaledQuantity(value: bigint, scale: number): Quantity {
  return int64Backed(value, scale, "DecimalSI", "newScaledQuantity");
}

/** NewDecimalQuantity(inf.Dec, format): unscaled × 10^exponent, any size, inf.Dec-backed. */
export function newDecimalQuantity(unscaled: bigint, exponent: number, format: QuantityFormat): Quantity {
  if (!Number.isSafeInteger(exponent)) throw new RangeError(`newDecimalQuantity: exponent ${exponent}`);
  return freeze({ format, unscaled, exponent, backing: "dec" });
}

/** The zero Quantity, e.g. what Go leaves behind after UnmarshalJSON(`null`) (String() "0"). */
export const ZERO_QUANTITY: Quantity = freeze({ format: "DecimalSI", unscaled: 0n, exponent: 0, backing: "int64" });

// ---------------------------------------------------------------------------------------------------------
// UnmarshalJSON

const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * Quantity.UnmarshalJSON for the raw text of one JSON value (as json.Unmarshal would hand it over).
 *  - surrounding JSON whitespace is ignored;
 *  - `null` returns null. Upstream leaves a zero Quantity with an empty Format (String() "0",
 *    MilliValue() 0); use `?? ZERO_QUANTITY` for that behaviour;
 *  - a JSON string is unescaped (JSON.parse), trimmed with Go's strings.TrimSpace and parsed.
 *    NOTE: upstream does not unescape — it strips the quotes only — so `"\u0031"` is "1" here but
 *    ErrFormatWrong in Go; for strings without backslashes the two agree;
 *  - a bare JSON number is parsed from its raw text (12345678901234567890 keeps every digit);
 *  - `true`, `false`, objects and arrays give ErrFormatWrong (what ParseQuantity says about them upstream);
 *  - anything that is not JSON at all (bare `1Gi`, `"1`, `+1`) throws QuantityError code "json".
 */
export function parseQuantityJSON(raw: string): Quantity | null {
  const text = raw.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, "");
  if (text === "null") return null;
  if (text.startsWith('"')) {
    let s: unknown;
    try {
      s = JSON.parse(text);
    } catch {
      throw new QuantityError("json", "invalid JSON string for a quantity");
    }
    if (typeof s !== "string") throw new QuantityError("json", "invalid JSON string for a quantity");
    return parseQuantity(goTrimSpace(s));
  }
  if (JSON_NUMBER.test(text)) return parseQuantity(text);
  let valid = false;
  try {
    JSON.parse(text);
    valid = text.length > 0;
  } catch {
    valid = false;
  }
  if (valid) throw new QuantityError("format");
  throw new QuantityError("json", "invalid JSON value for a quantity");
}
