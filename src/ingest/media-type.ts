/**
 * Media-type parsing for the ingestion protocols' Content-Type negotiation (RFC 9110 section 8.3.1:
 * `type/subtype *( OWS ";" OWS name=value )`, type and parameter names case-insensitive, values a token or a
 * quoted string). It is lenient where senders differ harmlessly (whitespace around `;` and `=`, a trailing
 * `;`), and returns null for what is not a media type at all, so callers can answer 415 naming what they take.
 */

export interface MediaType {
  /** `type/subtype`, lower-cased. */
  readonly essence: string;
  /** Parameter names lower-cased; values as sent (unquoted). The first occurrence of a name wins. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseMediaType(header: string | null | undefined): MediaType | null {
  if (header == null) return null;
  let rest = header.trim();
  const semi = rest.indexOf(";");
  const essence = (semi < 0 ? rest : rest.slice(0, semi)).trim().toLowerCase();
  const slash = essence.indexOf("/");
  if (slash <= 0 || !TOKEN.test(essence.slice(0, slash)) || !TOKEN.test(essence.slice(slash + 1))) return null;
  const params: Record<string, string> = Object.create(null);
  rest = semi < 0 ? "" : rest.slice(semi + 1);
  while (rest.trim() !== "") {
    const eq = rest.indexOf("=");
    if (eq < 0) return null;
    const name = rest.slice(0, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) return null;
    rest = rest.slice(eq + 1).trimStart();
    let value: string;
    if (rest.startsWith('"')) {
      // quoted-string: backslash escapes the next character.
      let i = 1;
      value = "";
      for (; i < rest.length && rest[i] !== '"'; i++) value += rest[i] === "\\" && i + 1 < rest.length ? rest[++i] : rest[i];
      if (i >= rest.length) return null;
      rest = rest.slice(i + 1).trimStart();
      if (rest !== "" && !rest.startsWith(";")) return null;
      rest = rest.slice(1);
    } else {
      const end = rest.indexOf(";");
      value = (end < 0 ? rest : rest.slice(0, end)).trim();
      if (!TOKEN.test(value)) return null;
      rest = end < 0 ? "" : rest.slice(end + 1);
    }
    if (!(name in params)) params[name] = value;
  }
  return { essence, params };
}
