/**
 * Go standard-library behaviour over Go strings, for the ports of the Prometheus text parser and the
 * Pushgateway grouping-key path. A Go string is a sequence of bytes that need not be UTF-8; these ports
 * keep such values as "byte strings" (JS strings with one char per byte, 0–255) until the end, so map
 * keys, suffix checks and error messages see exactly the bytes Go sees, and only decode to real JS
 * strings at the edge. What is here: UTF-8 decoding as unicode/utf8 does it, fmt's %q and %c,
 * strconv.ParseFloat's accepted syntax, strings.ToUpper, base64.RawURLEncoding.DecodeString (with its
 * partial output on error) and net/url's path unescaping.
 *
 * Trade-off: unicode.IsPrint is approximated with the JS engine's Unicode property tables (letters, marks,
 * numbers, punctuation, symbols, ASCII space), which can differ from Go's tables on code points assigned
 * in a Unicode version only one side knows; that only changes how such a character is quoted in a message.
 */

/** Bytes → byte string. Chunked: String.fromCharCode with a huge argument list overflows the stack. */
export function bytesToByteString(bytes: Uint8Array): string {
  let out = "";
  if (bytes.length <= 32) {
    // Most tokens are short; a loop allocates less than an argument list.
    for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]);
    return out;
  }
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return out;
}

export function byteStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const utf8Encoder = new TextEncoder();
/** ignoreBOM: a leading U+FEFF is data here, not a byte-order mark. */
const utf8Lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** A JS string's UTF-8 encoding as a byte string (what Go holds for the same text). */
export function utf8ByteString(s: string): string {
  return bytesToByteString(utf8Encoder.encode(s));
}

const ASCII = /^[\x00-\x7f]*$/;

/** Decodes a byte string as UTF-8; invalid sequences become U+FFFD. Callers check validity first where it matters. */
export function decodeByteString(s: string): string {
  return ASCII.test(s) ? s : utf8Lenient.decode(byteStringToBytes(s));
}

const RUNE_ERROR = 0xfffd;

/**
 * utf8.DecodeRuneInString at offset i: [rune, width], with [RUNE_ERROR, 1] for an invalid or short
 * sequence (overlong forms, surrogates and values above U+10FFFF are invalid, as in Go).
 */
export function decodeRune(s: string, i: number): [number, number] {
  const b0 = s.charCodeAt(i);
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number) => {
    const b = s.charCodeAt(i + k);
    return b >= 0x80 && b <= 0xbf ? b & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? [RUNE_ERROR, 1] : [((b0 & 0x1f) << 6) | c1, 2];
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 < 0 || c2 < 0) return [RUNE_ERROR, 1];
    const r = ((b0 & 0x0f) << 12) | (c1 << 6) | c2;
    return r < 0x800 || (r >= 0xd800 && r <= 0xdfff) ? [RUNE_ERROR, 1] : [r, 3];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return [RUNE_ERROR, 1];
    const r = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    return r < 0x10000 || r > 0x10ffff ? [RUNE_ERROR, 1] : [r, 4];
  }
  return [RUNE_ERROR, 1];
}

/** utf8.ValidString. */
export function isValidUtf8(s: string): boolean {
  for (let i = 0; i < s.length; ) {
    if (s.charCodeAt(i) < 0x80) {
      i++;
      continue;
    }
    const [r, w] = decodeRune(s, i);
    if (r === RUNE_ERROR && w === 1) return false;
    i += w;
  }
  return true;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** The escaped form strconv uses for a rune inside quotes (without the quote handling). */
function escapeRune(r: number): string {
  if (r === 0x20 || PRINTABLE.test(String.fromCodePoint(r))) return String.fromCodePoint(r);
  switch (r) {
    case 0x07: return "\\a";
    case 0x08: return "\\b";
    case 0x0c: return "\\f";
    case 0x0a: return "\\n";
    case 0x0d: return "\\r";
    case 0x09: return "\\t";
    case 0x0b: return "\\v";
  }
  if (r < 0x20 || r === 0x7f) return "\\x" + r.toString(16).padStart(2, "0");
  if (r < 0x10000) return "\\u" + r.toString(16).padStart(4, "0");
  return "\\U" + r.toString(16).padStart(8, "0");
}

/** strconv.Quote of a byte string, i.e. fmt's %q for a Go string: invalid bytes become \xNN. */
export function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; ) {
    const [r, w] = decodeRune(s, i);
    if (r === RUNE_ERROR && w === 1) {
      out += "\\x" + s.charCodeAt(i).toString(16).padStart(2, "0");
    } else if (r === 0x22 || r === 0x5c) {
      out += "\\" + String.fromCharCode(r);
    } else {
      out += escapeRune(r);
    }
    i += w;
  }
  return out + '"';
}

/** fmt's %q for a byte value: strconv.QuoteRune(rune(b)), e.g. 'x', '\n', 'Ã' for 0xC3. */
export function goQuoteByte(b: number): string {
  if (b === 0x27 || b === 0x5c) return "'\\" + String.fromCharCode(b) + "'";
  return "'" + escapeRune(b) + "'";
}

/** fmt's %c for a byte value: the rune U+00XX. */
export function goCharOfByte(b: number): string {
  return String.fromCharCode(b);
}

const DECIMAL_FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;
const NAN = /^nan$/i;

/**
 * prometheus/common expfmt's parseFloat: strconv.ParseFloat(s, 64) after refusing 'p', 'P' and '_'. With
 * those gone, Go accepts decimal syntax, [+-]Inf/Infinity and (unsigned) NaN in any case; hexadecimal
 * needs a 'p' exponent so it is refused too. Overflow is an error in Go (ErrRange); underflow is not.
 * Returns null where Go returns an error. JS's Number() rounds decimal input correctly, as Go does.
 */
export function goParseFloat(s: string): number | null {
  if (DECIMAL_FLOAT.test(s)) {
    const v = Number(s);
    return Number.isFinite(v) ? v : null;
  }
  if (INFINITY.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (NAN.test(s)) return NaN;
  return null;
}

/**
 * strings.ToUpper on a byte string, compared against ASCII keywords only: unicode.ToUpper is a simple
 * (one rune to one rune) mapping, so JS's full case mappings that expand (ß → SS, ﬅ → ST) are not applied.
 * ı and ſ do map to I and S in both.
 */
export function goToUpper(s: string): string {
  let out = "";
  for (const ch of decodeByteString(s)) {
    const up = ch.toUpperCase();
    out += [...up].length === 1 ? up : ch;
  }
  return out;
}

const BASE64_URL = (() => {
  const map = new Int16Array(256).fill(-1);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (let i = 0; i < alphabet.length; i++) map[alphabet.charCodeAt(i)] = i;
  return map;
})();

/**
 * base64.RawURLEncoding.DecodeString on a byte string: the bytes of every complete quantum before the
 * first bad one, and the offset Go's CorruptInputError reports ("illegal base64 data at input byte N"),
 * or null. '\r' and '\n' are skipped; a lone trailing character is an error; trailing bits need not be 0.
 */
export function goDecodeRawURLBase64(s: string): { bytes: string; errorAt: number | null } {
  let out = "";
  let si = 0;
  while (si < s.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    for (let j = 0; j < 4; j++) {
      if (si === s.length) {
        if (j === 0) return { bytes: out, errorAt: null };
        if (j === 1) return { bytes: out, errorAt: si - j };
        dlen = j;
        break;
      }
      const c = s.charCodeAt(si++);
      const v = c < 256 ? BASE64_URL[c] : -1;
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (c === 0x0a || c === 0x0d) {
        j--;
        continue;
      }
      return { bytes: out, errorAt: si - 1 };
    }
    const val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
    const three = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    for (let k = 0; k < dlen - 1; k++) out += String.fromCharCode(three[k]);
  }
  return { bytes: out, errorAt: null };
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * net/url's unescape in path mode (what Go's HTTP server applies to the request path before routing):
 * %XX becomes the byte XX, '+' stays '+'. Returns the unescaped byte string, or Go's EscapeError text
 * (`invalid URL escape "%zz"`) for a malformed escape.
 */
export function goUnescapePath(s: string): { path: string } | { error: string } {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x25) {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) {
      return { error: "invalid URL escape " + goQuote(s.slice(i, i + 3)) };
    }
    out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
    i += 2;
  }
  return { path: out };
}

/**
 * fmt.Sprint of a float64 (%v): strconv's shortest 'g', whose exponent form starts below 1e-4 and at 1e6
 * (strconv/ftoa.go formatDigits: "if precision was the shortest possible, use precision 6"), so
 * `1.7e+09`, not JavaScript's `1700000000`; the exponent has at least two digits.
 */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mantissa, e] = v.toExponential().split("e") as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(v);
}
