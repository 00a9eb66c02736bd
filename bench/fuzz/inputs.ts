/**
 * The fuzz's vocabulary: valid building blocks (namespaces, resources, metric names and bodies near the baseline
 * data, so mutations land next to real state), values that are invalid in every role (poison path segments, bad
 * names, quantities and bodies), forged headers, wrong tokens, and the request builder.
 *
 * A request that carries a valid write token must be refused whatever the server makes of it: `safeSingleBody` /
 * `safeBatchBody` turn any candidate body into one that cannot be accepted, and `poisoned` / `deadPrefix` check a
 * path after the URL parser's `..` resolution, so the fuzz never writes by accident and a 2xx is always a finding.
 */
import { gzipSync } from "node:zlib";
import { chance, int, pick, randAscii, randBytes } from "./random";

export interface Ctx {
  publicPort: number;
  writer: string; // valid, every namespace, write only
  scoped: string; // valid, namespace fz-scoped, metrics fz_ok_*, write only
  readToken: string;
}

export function build(method: string, path: string, headers: [string, string][], body: Buffer | null, port: number, opts: { noHost?: boolean; noLength?: boolean; version?: string } = {}): Buffer {
  const lines = [`${method} ${path} ${opts.version ?? "HTTP/1.1"}`];
  if (!opts.noHost) lines.push(`Host: 127.0.0.1:${port}`);
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  if (body && !opts.noLength && !headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return body ? Buffer.concat([head, body]) : head;
}

// Valid building blocks (the baseline data's own names, so mutations land near real data).
export const NAMESPACES = ["fz-a", "fz-b", "default", "fz-scoped", "kube-system"];
export const RESOURCES = ["pods", "deployments.apps", "services", "widgets.example.com", "po", "deploy", "statefulsets.apps"];
export const NAMES = ["web-0", "web-1", "api", "node-1", "a.b.c"];
export const METRICS = ["http_requests", "queue_depth", "fz_ok_rps", "job:rps:rate5m", "requests-per-second"];
export const VALID_BODIES = ['"42"', "42", '"1.5Gi"', '"300m"', '{"value":"7"}', '{"value":"1","labels":{"verb":"GET"}}', '{"value":"2","objectLabels":{"app":"web"},"ttlSeconds":600}', "12345678901234567890"];

/** Segments that are invalid in every role (namespace, resource, object name, metric) after URL decoding. */
export const POISON = [
  "%2A", "%252A", "%2a", "a%2Fb", "%2F", "..%2F..%2Ffz-a", "fz-a%2Fpods", "%00", "a%00b", "%ff", "%C0%AF", "%c0%ae%c0%ae", "%E2%80%AE", "a%20b",
  "%25", "%2525", "a@b", "a!b", "~", "fz-a%3Bx", "%3F", "%23", "a%5Cb", "%C3%A9", "%F0%9F%92%A9", "a'b", "(x)", "[x]", "{x}", "a$b", "%0d%0a", "a%09b",
];
/** Invalid names for specific roles (may be valid in another role, so only used where the role is known). */
export const BAD_NAMESPACES = ["UPPER", "a_b", "-x", "x-", "a.b", "a".repeat(64), "", ".", "..", "1.2", "ns:x"];
export const BAD_METRICS = ["1abc", "-m", "a/b", "a b", "m".repeat(254), "m$", "é"];

/** Random mutation of a path (for requests that are refused anyway: no/wrong token, reads, scope). */
export function mutatePath(path: string): string {
  let segs = path.split("/");
  const ops = 1 + int(3);
  for (let k = 0; k < ops; k++) {
    const i = 1 + int(Math.max(1, segs.length - 1));
    switch (int(16)) {
      case 0: segs.splice(i, 0, ".."); break;
      case 1: segs.splice(i, 0, pick(["%2e%2e", "%2E%2E", ".%2e", "%2e", ".", "..;", "...", "..%00"])); break;
      case 2: segs[i] = pick(POISON); break;
      case 3: segs[i] = pick(BAD_NAMESPACES); break;
      case 4: segs[i] = encodeURIComponent(segs[i] ?? "").replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`); break;
      case 5: segs[i] = (segs[i] ?? "").replace(/%/g, "%25"); break;
      case 6: segs.splice(i, 1); break;
      case 7: segs.splice(i, 0, segs[i] ?? "x"); break;
      case 8: segs[i] = (segs[i] ?? "").toUpperCase(); break;
      case 9: segs.splice(i, 0, ""); break; // double slash
      case 10: segs[i] = randAscii(1 + int(20)); break;
      case 11: segs[i] = `${segs[i] ?? ""}${pick([";x=1", "%3B", "\\..\\", "%5C", "*", "%2A", "?", "#x"])}`; break;
      case 12: segs[i] = "x".repeat(pick([64, 254, 4096, 20_000])); break;
      case 13: segs = [segs.join("/").replace(/\//g, pick(["%2F", "%252F", "\\", "//"]))]; break;
      case 14: segs.push(pick(["", "..", "extra", "%2A", "x".repeat(300)])); break;
      default: segs[i] = pick(["*", "%2A", "%252A", "namespaces", "metrics", "apis", "write-metrics"]); break;
    }
  }
  let p = segs.join("/");
  if (!p.startsWith("/") && chance(0.9)) p = `/${p}`;
  return p;
}

export function queryGarbage(): string {
  const sel = pick([
    "a=b", "a in (x,y)", "a notin (x)", "!a", "a", "a gt 1", "a lt x", "a in (", "a=b,", ",", "a==b==c", "a in x", "(a)", "a!=", "=b", "a in ()",
    "a=" + "b".repeat(64), "k".repeat(64) + "=v", "a=b,".repeat(500), "a in (" + "x,".repeat(2000) + "x)", "a=%ff", "é=é", "a=b\u0000", "a b c",
    "x".repeat(30_000), "a in ((b))", "a notin", "!!a", "a=b c", "a>1", "a<1", "a=\u202e", "a=b&labelSelector=c", "%", "%%", "+++", "a=b+in+(c)",
  ]);
  const enc = chance(0.5) ? encodeURIComponent(sel) : sel.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)).replace(/ /g, "+");
  const name = pick(["labelSelector", "metricLabelSelector", "labels", "objectLabels", "labelSelector", "fieldSelector", "watch", "limit", "labelselector"]);
  return `${name}=${enc}${chance(0.2) ? `&${name}=${pick(["", "a=b", "%zz"])}` : ""}`;
}

/** Keep a request target inside 0x21..0x7e so keep-alive framing stays valid (the parser-level tests go elsewhere). */
export const printable = (s: string) => s.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));

export function validWritePath(): string {
  switch (int(5)) {
    case 0: return `/write-metrics/namespaces/${pick(NAMESPACES)}/${pick(RESOURCES)}/${pick(NAMES)}/${pick(METRICS)}`;
    case 1: return `/write-metrics/nodes/${pick(NAMES)}/${pick(METRICS)}`;
    case 2: return `/write-metrics/namespaces/${pick(NAMESPACES)}/metrics/${pick(METRICS)}`;
    case 3: return `/write-external-metrics/namespaces/${pick(NAMESPACES)}/${pick(METRICS)}`;
    default: return pick(["/write-metrics", "/write-external-metrics"]);
  }
}

export function validBatch(external: boolean, n = 1 + int(4)): unknown[] {
  return Array.from({ length: n }, () =>
    external
      ? { namespace: pick(NAMESPACES), metric: pick(METRICS), value: pick(["1", "2k", "300m"]), labels: { q: "x" } }
      : { namespace: pick(NAMESPACES), resource: "pods", name: pick(NAMES), metric: pick(METRICS), value: pick(["1", "2k", "300m"]) },
  );
}

export function validBodyFor(path: string): string {
  if (path === "/write-metrics") return JSON.stringify(validBatch(false));
  if (path === "/write-external-metrics") return JSON.stringify(validBatch(true));
  return pick(VALID_BODIES);
}

export const readPaths = () => [
  "/apis/custom.metrics.k8s.io/v1beta2", "/apis/custom.metrics.k8s.io/v1beta1", "/apis/external.metrics.k8s.io/v1beta1", "/apis", "/apis/custom.metrics.k8s.io",
  `/apis/custom.metrics.k8s.io/${pick(["v1beta1", "v1beta2", "v1beta3", "v1"])}/namespaces/${pick(NAMESPACES)}/${pick(RESOURCES)}/${pick([...NAMES, "*", "%2A", "%252A"])}/${pick(METRICS)}`,
  `/apis/custom.metrics.k8s.io/v1beta2/${pick(["nodes", "namespaces", "pods", "persistentvolumes"])}/${pick([...NAMES, "*", "%2A"])}/${pick(METRICS)}`,
  `/apis/custom.metrics.k8s.io/v1beta1/namespaces/${pick(NAMESPACES)}/metrics/${pick(METRICS)}`,
  `/apis/external.metrics.k8s.io/v1beta1/namespaces/${pick(NAMESPACES)}/${pick(METRICS)}`,
  "/healthz", "/readyz", "/livez", "/openapi/v2", "/", "/metrics", "/version",
];

// ---- bodies that a validating server must refuse whatever the path (for requests with a valid write token)

export const UNCERTAIN_QUANTITIES = [
  "1e400", "1e-400", "9".repeat(5000), "0.000000000000000000000000000001", "-1", "-0", "+1", "1E3", "1e3", "1Ei", "8Ei", "9223372036854775807", "9223372036854775808",
  "-9223372036854775809", "1.", ".1", "1..", "1ki", "1Ki", "1KI", "1 ", " 1", "1\u00a0", "１", "1_000", "0x10", "1n", "1m", "1u", "1µ", "1e", "1e+", "1e-3", "1e308", "5E-1000000", "1e999999999999",
  "1" + "0".repeat(99_999), "0." + "0".repeat(100_001) + "1",
];

/** Candidate bodies, most of them invalid; passed through safeSingleBody/safeBatchBody before use with a valid token. */
export function badBodyCandidate(): string {
  const now = Date.now();
  switch (int(14)) {
    case 0: return pick(["", "   ", "null", " null ", "nul", "{", "[", "]", "}", '""', '"abc"', '"1e"', '"1.2.3"', '"--1"', '"+-1"', '"1Qi"', '"1 Ki"', '"1KiB"', '"NaN"', '"Infinity"',
      "NaN", "Infinity", "-Infinity", "true", "false", "[]", '["1"]', "{}", '{"value":null}', '{"value":"x"}', '{"value":true}', '{"value":[1]}', '{"value":{"v":1}}', '"1" "2"', "'1'", '"\\u0000"',
      '"\\ud800"', "1 2", "--1", "0x10", "1,5", "\u0000", "\ufeff", '"1"\u0000', "{}}", "{\"value\":\"1\"}x"]);
    case 1: return JSON.stringify({ value: "1", [pick(["window", "ttl", "Value", "labels ", "__proto__", "constructor", "", "timestamp\u0000"])]: 5 });
    case 2: return JSON.stringify({ value: "1", ttlSeconds: pick([0, -1, 604801, 1.5, "60", null, 1e308, Number.MAX_SAFE_INTEGER + 2]) });
    case 3: return JSON.stringify({ value: "1", windowSeconds: pick([-1, 31_536_001, 0.5, "60", null, []]) });
    case 4: return JSON.stringify({ value: "1", timestamp: pick(["yesterday", "2026-13-01T00:00:00Z", "1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z", new Date(now + 3_600_000).toISOString(), new Date(now - 8 * 86_400_000).toISOString(), 1700000000, "", "2026-01-02 15:04:05", null, "2026-01-02T15:04:05+25:00"]) });
    case 5: return JSON.stringify({ value: "1", labels: pick([{ "UPPER KEY": "v" }, { a: "v".repeat(64) }, Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])), ["a"], { a: 1 }, { a: null }, { "": "v" }, { "a/b/c": "v" }, { ["k".repeat(64)]: "v" }, { a: "-bad-" }, "a=b", null]) });
    case 6: return JSON.stringify({ value: "1", objectLabels: pick([{ "UPPER KEY": "v" }, { a: "v".repeat(64) }, [], { a: 1 }, "app=web"]) });
    case 7: return JSON.stringify({ value: pick(UNCERTAIN_QUANTITIES), fz_unknown: 1 }); // quantity parser under fuzz, refused by the unknown field
    case 8: return `"${pick(UNCERTAIN_QUANTITIES)}`; // unterminated string
    case 9: return "[".repeat(chance(0.02) ? 1_000_000 : pick([100, 1000, 10_000])) + "]".repeat(pick([0, 5]));
    case 10: return "{\"a\":".repeat(chance(0.02) ? 200_000 : pick([100, 1000, 5000])) + "1";
    case 11: return randBytes(1 + int(2000)).toString("latin1");
    case 12: { // mutate a valid body
      const b = Buffer.from(pick(VALID_BODIES));
      for (let k = 0, n = 1 + int(4); k < n; k++) b[int(b.length)] = int(256);
      return b.toString("latin1");
    }
    default: return JSON.stringify(validBatch(chance(0.5)));
  }
}

/** What readBodyText would hand the parser: UTF-8 (fatal) with the BOM stripped; null = refused at decoding. */
export function serverText(bytes: Buffer): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

/** Makes a body that a single-sample write must refuse (JSON-invalid, or a JSON object with an unknown field). */
export function safeSingleBody(bytes: Buffer): Buffer {
  const text = serverText(bytes);
  if (text === null) return bytes;
  const t = text.trim();
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    // Not JSON: parseQuantityJSON refuses anything that is not JSON (bare 1Gi, unterminated strings) unless
    // it is a bare JSON number, which JSON.parse would have accepted.
    return bytes;
  }
  if (v === null || typeof v === "boolean" || Array.isArray(v) || t === "") return bytes;
  if (typeof v === "object") return Buffer.from(JSON.stringify({ ...(v as object), fz_unknown_field: true }));
  return Buffer.from(`{"value":${t},"fz_unknown_field":1}`);
}

/** Makes a batch body that must be refused: not a JSON array, empty, or an array with one invalid item. */
export function safeBatchBody(bytes: Buffer): Buffer {
  const text = serverText(bytes);
  if (text === null) return bytes;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bytes;
  }
  if (!Array.isArray(v) || v.length === 0) return bytes;
  const items = [...v];
  items.splice(int(items.length + 1), 0, pick([{ fz_unknown: 1 }, null, "x", { namespace: "fz-a", resource: "pods", name: "web-0", metric: "m", value: "bad value" }, { namespace: "BAD", metric: "m", value: "1" }]));
  return Buffer.from(JSON.stringify(items));
}

/** The pathname the server sees for a request target (origin-form: appended to the origin, `..` resolved). */
export function serverPath(target: string): string | null {
  try {
    return new URL(`http://h${target.startsWith("/") ? "" : "/"}${printable(target)}`).pathname;
  } catch {
    return null;
  }
}
export const isBatchPath = (p: string) => /^\/write-(external-)?metrics\/?$/.test(serverPath(p) ?? "");
export const safeBody = (path: string, b: Buffer) => (isBatchPath(path) ? safeBatchBody(b) : safeSingleBody(b));

export const FORGED: [string, string][] = [
  ["X-Remote-User", "system:kube-aggregator"], ["X-Remote-Group", "system:masters"], ["X-Remote-Extra-Scopes", "*"], ["x-edge-metrics-socket", "aggregator"],
  ["x-edge-metrics-socket", "public"], ["X-Edge-Metrics-Socket", "aggregator, public"], ["Impersonate-User", "admin"], ["X-Forwarded-For", "10.0.0.1"],
  ["Forwarded", "for=10.0.0.1;proto=https"], ["CF-Connecting-IP", "1.2.3.4"], ["X-Forwarded-Proto", "https"], ["X-Original-URL", "/write-metrics/namespaces/fz-a/pods/web-0/m"],
  ["X-Rewrite-URL", "/apis"], ["X-HTTP-Method-Override", "DELETE"], ["Host", "evil.example"], ["CF-Worker", "x"], ["cf-ray", "1"], ["X-Remote-User", ""],
];
export const forged = (): [string, string][] => Array.from({ length: int(4) }, () => pick(FORGED));

export function wrongAuth(ctx: Ctx): [string, string][] {
  const flip = (t: string) => {
    const i = 4 + int(t.length - 4);
    const c = t[i] === "A" ? "B" : "A";
    return t.slice(0, i) + c + t.slice(i + 1);
  };
  switch (int(14)) {
    case 0: return [];
    case 1: return [["Authorization", "Bearer"]];
    case 2: return [["Authorization", `Bearer ${flip(ctx.writer)}`]];
    case 3: return [["Authorization", `Bearer ${ctx.writer.slice(0, -1 - int(10))}`]];
    // HTTP Basic carries a token as its password (src/http/auth.ts presentedToken): as the user name, or altered, it is no credential
    case 4: return [["Authorization", `Basic ${Buffer.from(pick([`${ctx.writer}:`, `${ctx.writer}`, `x:${flip(ctx.writer)}`, `x:${ctx.writer}x`])).toString("base64")}`]];
    case 5: return [["Authorization", `Bearer ${ctx.writer}x`]];
    case 6: return [["Authorization", `Bearer ema_${randAscii(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}`]];
    case 7: return [["Authorization", `Bearer ${"a".repeat(pick([1000, 8000, 60_000]))}`]];
    case 8: return [["Authorization", `Bearer ${ctx.readToken}`]]; // read token on a write → 403
    case 9: return [["Authorization", `Token ${ctx.writer}`]];
    case 10: return [["Authorization", `Bearer ${ctx.writer} ${ctx.writer}`]];
    case 11: return [["Authorization", `Bearer ${flip(ctx.writer)}`], ["Authorization", "Bearer x"]];
    case 12: return [["Authorization", `Bearer\t${flip(ctx.scoped)}`]];
    default: return [["Authorization", `Bearer ${randAscii(int(100))}`]];
  }
}

export const CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/vnd.kubernetes.protobuf", "", "application/json; charset=utf-16", "*/*"];
export const ACCEPTS = ["application/json", "application/vnd.kubernetes.protobuf,application/json", "text/html", "*/*", "application/json;as=Table;g=meta.k8s.io;v=v1", ""];
export const commonHeaders = (): [string, string][] => {
  const h: [string, string][] = [];
  if (chance(0.5)) h.push(["Content-Type", pick(CONTENT_TYPES)]);
  if (chance(0.4)) h.push(["Accept", pick(ACCEPTS)]);
  if (chance(0.1)) h.push(["User-Agent", randAscii(int(300))]);
  if (chance(0.05)) h.push(["X-Junk", "x".repeat(pick([1000, 10_000, 30_000]))]);
  if (chance(0.05)) for (let i = 0; i < pick([50, 200]); i++) h.push([`X-H${i}`, "v"]);
  return h;
};

/** True if, after the URL parser resolves `..` and `.`, some path segment still contains a poison token. */
export function poisoned(path: string): boolean {
  const resolved = serverPath(path);
  if (resolved === null) return true;
  return resolved.split("/").some((s) => POISON.includes(s) || POISON.some((p) => p.length >= 3 && s.includes(p)));
}

/** True if the resolved path does not start with a write prefix the router knows (so it cannot be a write). */
export function deadPrefix(path: string): boolean {
  const resolved = serverPath(path);
  if (resolved === null) return true;
  let decoded = resolved;
  try {
    decoded = decodeURI(resolved); // the router decodes unreserved escapes (%2D → -) before matching
  } catch {
    /* keep */
  }
  return !/^\/+write-(external-)?metrics(\/|$)/i.test(decoded);
}

export const bombs = new Map<number, Buffer>();
/** gzip of `mib` MiB of zeros (a few KiB on the wire), made once. */
export const bomb = (mib: number) => bombs.get(mib) ?? bombs.set(mib, gzipSync(Buffer.alloc(mib * 1024 * 1024), { level: 9 })).get(mib)!;
