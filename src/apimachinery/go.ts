/**
 * The few pieces of Go's standard library the apimachinery ports depend on, in one place so every port
 * behaves the same way: string order (Go compares UTF-8 bytes), strings.TrimSpace's notion of space,
 * strconv.ParseInt and strconv.Quote, encoding/json's string escaping, and int64 bounds.
 */

export const MAX_INT64 = (1n << 63n) - 1n;
export const MIN_INT64 = -(1n << 63n);

export function fitsInt64(x: bigint): boolean {
  return x >= MIN_INT64 && x <= MAX_INT64;
}

/** strconv.ParseInt(s, 10, 64); null where Go returns an error. */
export function parseInt64(s: string): bigint | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const n = BigInt(s);
  return fitsInt64(n) ? n : null;
}

/** strings.TrimSpace: Go's unicode.IsSpace set (differs from String.prototype.trim on U+0085 and U+FEFF). */
export function goTrimSpace(s: string): string {
  const isSpace = (c: number) =>
    (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** Go's string `<` (byte-wise UTF-8 order == code point order) for well-formed UTF-16. */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800–0xDFFF) encode code points above every BMP character: lift them above 0xE000–0xFFFF.
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** strconv.Quote, i.e. fmt's %q for a string. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r === 0x22 || r === 0x5c) {
      out += "\\" + ch;
    } else if (r === 0x20 || PRINTABLE.test(ch)) {
      out += ch;
    } else if (r >= 0xd800 && r <= 0xdfff) {
      out += "\ufffd"; // a lone surrogate reaches Go as U+FFFD, which is printable
    } else {
      switch (r) {
        case 0x07: out += "\\a"; break;
        case 0x08: out += "\\b"; break;
        case 0x0c: out += "\\f"; break;
        case 0x0a: out += "\\n"; break;
        case 0x0d: out += "\\r"; break;
        case 0x09: out += "\\t"; break;
        case 0x0b: out += "\\v"; break;
        default:
          if (r < 0x20 || r === 0x7f) out += "\\x" + hex(r, 2);
          else if (r < 0x10000) out += "\\u" + hex(r, 4);
          else out += "\\U" + hex(r, 8);
      }
    }
  }
  return out + '"';
}

/** encoding/json's rendering of a Go string (HTML-safe escaping on, as json.Marshal does). */
export function goJSONString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r === 0x22) out += '\\"';
    else if (r === 0x5c) out += "\\\\";
    else if (r === 0x0a) out += "\\n";
    else if (r === 0x0d) out += "\\r";
    else if (r === 0x09) out += "\\t";
    else if (r === 0x08) out += "\\b";
    else if (r === 0x0c) out += "\\f";
    else if (r < 0x20 || r === 0x3c || r === 0x3e || r === 0x26 || r === 0x2028 || r === 0x2029) {
      out += "\\u" + hex(r, 4);
    } else if (r >= 0xd800 && r <= 0xdfff) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}
