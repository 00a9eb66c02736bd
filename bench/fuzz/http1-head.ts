/**
 * Whether workerd's HTTP/1 front end accepts a request head, decided from the bytes alone: the rules of the
 * parsers it runs, in the order it runs them. workerd (1.20261014.1 and later) serves HTTP/1 with hyper through
 * kj-hyper (cloudflare/workerd src/rust/cxx/kj-hyper/server.rs, src/workerd/server/server/listen/mod.rs), so a
 * head is, in turn:
 *
 *  1. parsed by httparse (seanmonstar/httparse src/lib.rs `Request::parse`): leading empty lines skipped; a method
 *     of tchars, one SP, a target of `!`..`~` or obs-text bytes that is valid UTF-8, one SP, `HTTP/1.0` or
 *     `HTTP/1.1`, CRLF or LF; header lines `name: value` with a tchar name directly followed by `:`, a value of
 *     any byte but NUL, CR and LF (whitespace around it trimmed), no obs-fold; at most MAX_HEADERS headers;
 *  2. checked by hyper (hyperium/hyper src/proto/h1/role.rs `Server::parse`): the target must be an http::Uri
 *     (hyperium/http src/uri/mod.rs `Uri::from_shared`, authority.rs, path.rs); Transfer-Encoding is refused in
 *     HTTP/1.0 and, in HTTP/1.1, unless the last coding of the last such header is `chunked`; Content-Length
 *     (ignored once a Transfer-Encoding was seen) must be digits that fit a u64, and repeated ones must agree;
 *  3. dispatched by kj-hyper, which answers 501 itself to a method outside kj's table and hands CONNECT to the
 *     Worker's connect() path — see ./shapes.ts for what each of those becomes.
 *
 * Anything refused in 1–2 is answered by hyper (400, 414 or 431) or the connection closes: the Worker never sees
 * it. The probe (./probe.ts) checks these rules against the running binary on every fuzz run.
 */

export interface Head {
  method: string;
  target: string;
  /** Header lines in order, names as sent, values trimmed as httparse trims them. */
  headers: [string, Buffer][];
}

/** kj-hyper's `max_headers`, measured on 1.20261117.1: 16,384 header lines pass, one more is 431. */
export const MAX_HEADERS = 16_384;
/** The largest head measured to pass (507,904 bytes; one more byte is 431 "message head is too large"). */
const MAX_HEAD_BYTES = 507_904;
/** http::Uri's MAX_LEN (u16::MAX - 1): a longer target is 414. */
const MAX_URI_BYTES = 65_534;

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const isTchar = (b: number) => b < 0x80 && TCHAR.test(String.fromCharCode(b));
const isUriByte = (b: number) => (b >= 0x21 && b <= 0x7e) || b >= 0x80;
/** Measured: this build takes any byte in a header value but NUL, CR and LF (httparse's map is stricter). */
const isValueByte = (b: number) => b !== 0x00 && b !== 0x0a && b !== 0x0d;

function validUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The head hyper would hand on, or null when it refuses it (or never sees a complete one). */
export function acceptedHead(raw: Buffer): Head | null {
  let i = 0;
  const n = Math.min(raw.length, MAX_HEAD_BYTES);
  // httparse skip_empty_lines
  while (i < n && (raw[i] === 0x0d || raw[i] === 0x0a)) {
    if (raw[i] === 0x0d && raw[i + 1] !== 0x0a) return null;
    i += raw[i] === 0x0d ? 2 : 1;
  }
  const start = i;
  while (i < n && isTchar(raw[i]!)) i++;
  if (i === start || raw[i] !== 0x20) return null;
  const method = raw.subarray(start, i).toString("latin1");
  const targetStart = ++i;
  while (i < n && isUriByte(raw[i]!)) i++;
  if (i === targetStart || raw[i] !== 0x20) return null;
  const targetBytes = raw.subarray(targetStart, i);
  if (!validUtf8(targetBytes)) return null;
  i++;
  const version = raw.subarray(i, i + 8).toString("latin1");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") return null;
  i += 8;
  const eol = (): boolean => {
    if (raw[i] === 0x0d && raw[i + 1] === 0x0a) i += 2;
    else if (raw[i] === 0x0a) i += 1;
    else return false;
    return true;
  };
  if (!eol()) return null;
  const headers: [string, Buffer][] = [];
  for (;;) {
    if (i >= n) return null; // incomplete, or larger than hyper buffers
    if (eol()) break;
    const nameStart = i;
    while (i < n && isTchar(raw[i]!)) i++;
    if (i === nameStart || raw[i] !== 0x3a) return null;
    const name = raw.subarray(nameStart, i).toString("latin1");
    i++;
    const valueStart = i;
    while (i < n && isValueByte(raw[i]!)) i++;
    const valueEnd = i;
    if (!eol()) return null;
    if (headers.length >= MAX_HEADERS) return null;
    let value = raw.subarray(valueStart, valueEnd);
    let a = 0;
    let b = value.length;
    while (a < b && (value[a] === 0x20 || value[a] === 0x09)) a++;
    while (b > a && (value[b - 1] === 0x20 || value[b - 1] === 0x09)) b--;
    value = value.subarray(a, b);
    headers.push([name, value]);
  }
  const target = targetBytes.toString("utf8");
  if (targetBytes.length > MAX_URI_BYTES || !isHttpUri(targetBytes)) return null;
  if (!framingAccepted(version === "HTTP/1.1", headers)) return null;
  return { method, target, headers };
}

/** hyper's body framing rules for a request (role.rs `Server::parse`). */
function framingAccepted(http11: boolean, headers: [string, Buffer][]): boolean {
  let isTe = false;
  let chunked = false;
  let length: bigint | null = null;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === "transfer-encoding") {
      if (!http11) return false;
      isTe = true;
      // headers::is_chunked_: the value as a str (ASCII only), its last comma-separated coding, trimmed
      const ascii = value.every((x) => x < 0x80);
      chunked = ascii && value.toString("latin1").split(",").pop()!.trim().toLowerCase() === "chunked";
    } else if (lower === "content-length") {
      if (isTe) continue;
      const text = value.toString("latin1");
      if (!/^[0-9]+$/.test(text) || BigInt(text) > 0xffffffffffffffffn) return false;
      const len = BigInt(text);
      if (length !== null && length !== len) return false;
      if (len > 0xffffffffffffffffn - 2n) return false; // DecodedLength::checked_new: 431
      length = len;
    }
  }
  return !(isTe && !chunked);
}

// ---- http::Uri::from_shared --------------------------------------------------------------------------

/** http's URI_CHARS (src/uri/mod.rs): the bytes an authority may hold, `%` aside. */
const URI_CHARS = new Set("!#$&'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_abcdefghijklmnopqrstuvwxyz~");

function isHttpUri(s: Buffer): boolean {
  if (s.length === 0) return false;
  if (s.length === 1) return s[0] === 0x2f || s[0] === 0x2a || authorityEnd(s) === s.length;
  if (s[0] === 0x2f) return pathAndQueryValid(s);
  // parse_full
  let rest = s;
  let hasScheme = false;
  const text = s.toString("latin1");
  if (/^https?:\/\//i.test(text)) {
    rest = s.subarray(text.toLowerCase().startsWith("https") ? 8 : 7);
    hasScheme = true;
  } else if (s.length > 3) {
    for (let k = 0; k < s.length; k++) {
      const c = String.fromCharCode(s[k]!);
      if (c === ":") {
        if (s.length < k + 3 || text.slice(k + 1, k + 3) !== "//") break;
        if (k > 64) return false; // SchemeTooLong
        rest = s.subarray(k + 3);
        hasScheme = true;
        break;
      }
      if (!/[A-Za-z0-9+\-.]/.test(c)) break;
    }
  }
  const end = authorityEnd(rest);
  if (end < 0) return false;
  if (!hasScheme) return end === rest.length;
  if (end === 0) return false;
  const path = rest.subarray(end);
  return path.length === 0 || pathAndQueryValid(path);
}

/** Authority::parse: where the authority ends, or -1 when it is invalid. */
function authorityEnd(s: Buffer): number {
  let colons = 0;
  let startBracket = false;
  let endBracket = false;
  let percent = false;
  let end = s.length;
  let at = -1;
  for (let k = 0; k < s.length; k++) {
    const c = String.fromCharCode(s[k]!);
    if (!URI_CHARS.has(c)) {
      if (c === "%") {
        percent = true;
        continue;
      }
      return -1;
    }
    if (c === "/" || c === "?" || c === "#") {
      end = k;
      break;
    }
    if (c === ":") {
      if (colons >= 8) return -1;
      colons++;
    } else if (c === "[") {
      if (percent || startBracket) return -1;
      startBracket = true;
    } else if (c === "]") {
      if (!startBracket || endBracket) return -1;
      endBracket = true;
      colons = 0;
      percent = false;
    } else if (c === "@") {
      at = k;
      colons = 0;
      percent = false;
    }
  }
  if (startBracket !== endBracket || colons > 1) return -1;
  if (end > 0 && at === end - 1) return -1;
  if (percent) return -1;
  return end;
}

/** PathAndQuery::from_shared: the path's and the query's allowed bytes; a fragment ends the parse. */
function pathAndQueryValid(s: Buffer): boolean {
  let k = 0;
  let end = s.length;
  let inQuery = false;
  for (; k < s.length; k++) {
    const b = s[k]!;
    if (b === 0x23) {
      end = k;
      break;
    }
    if (!inQuery) {
      if (b === 0x3f) inQuery = true;
      else if (!(b === 0x21 || (b >= 0x24 && b <= 0x3b) || b === 0x3d || (b >= 0x40 && b <= 0x5f) || (b >= 0x61 && b <= 0x7a) || b === 0x7c || b === 0x7e || b >= 0x7f || b === 0x22 || b === 0x7b || b === 0x7d)) return false;
    } else if (!(b === 0x21 || (b >= 0x24 && b <= 0x3b) || b === 0x3d || (b >= 0x3f && b <= 0x7e) || b >= 0x7f)) return false;
  }
  return validUtf8(s.subarray(0, end));
}
