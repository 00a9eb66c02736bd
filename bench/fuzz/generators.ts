/**
 * Request generators, one per kind of abuse: no or wrong token, tokens out of scope, bad bodies, gzip garbage and
 * bombs, bad paths with a valid token, wrong methods, reads, the aggregator socket, oversized batches and broken
 * framing. Each request carries its category (for the report), the socket it goes to, whether it could change
 * state if wrongly accepted, and its shape (what workerd's front end makes of it, ./shapes.ts).
 */
import { deflateSync, gzipSync } from "node:zlib";
import {
  BAD_METRICS, bomb, build, commonHeaders, deadPrefix, forged, isBatchPath, mutatePath, NAMESPACES, poisoned, POISON, printable,
  queryGarbage, readPaths, safeBatchBody, safeBody, validBatch, validBodyFor, VALID_BODIES, validWritePath, badBodyCandidate, wrongAuth,
  type Ctx,
} from "./inputs";
import type { Target } from "./client";
import { chance, int, pick, rand, randAscii, randBytes } from "./random";
import { shapeOf, type Shape } from "./shapes";

export interface FuzzReq {
  category: string;
  target: Target;
  method: string;
  /** Own connection (broken framing, huge payloads) instead of keep-alive. */
  fresh: boolean;
  /** Could change state if wrongly accepted (not GET/HEAD): a 2xx is a failure. */
  mutating: boolean;
  raw: Buffer;
  shape: Shape;
}

type Draft = Omit<FuzzReq, "shape">;

function genUnauthWrite(ctx: Ctx): Draft {
  let path = validWritePath();
  const body = Buffer.from(validBodyFor(path));
  if (chance(0.6)) path = printable(mutatePath(path));
  if (chance(0.2)) path += `?${queryGarbage()}`;
  const method = pick(["POST", "POST", "POST", "DELETE", "PUT", "PATCH"]);
  return { category: "no/wrong token", target: "public", method, fresh: false, mutating: true, raw: build(method, path, [...wrongAuth(ctx), ...forged(), ...commonHeaders()], body, ctx.publicPort) };
}

function genScope(ctx: Ctx): Draft {
  const auth: [string, string] = ["Authorization", `Bearer ${ctx.scoped}`];
  let path: string;
  let body: string;
  const otherNs = pick(NAMESPACES.filter((n) => n !== "fz-scoped"));
  switch (int(7)) {
    case 0: path = `/write-metrics/namespaces/${otherNs}/pods/web-0/fz_ok_rps`; body = pick(VALID_BODIES); break; // other namespace
    case 1: path = `/write-metrics/namespaces/fz-scoped/pods/web-0/${pick(["http_requests", "fz_other", "FZ_OK_rps", "fz_ok"])}`; body = pick(VALID_BODIES); break; // other metric
    case 2: path = `/write-metrics/namespaces/fz-scoped/../${otherNs}/pods/web-0/fz_ok_rps`; body = pick(VALID_BODIES); break; // traversal out of scope
    case 3: path = `/write-metrics/nodes/node-1/fz_ok_rps`; body = pick(VALID_BODIES); break; // cluster scope (@cluster)
    case 4: path = `/write-metrics/namespaces/fz-scoped/pods/web-0/fz_ok_rps`; body = pick(VALID_BODIES); return { category: "out of scope", target: "public", method: "DELETE", fresh: false, mutating: true, raw: build("DELETE", path, [auth, ...forged()], Buffer.from(body), ctx.publicPort) }; // op not allowed
    case 5: { // batch: in-scope items plus one out-of-scope item → whole batch 403
      const items = [
        ...Array.from({ length: 1 + int(3) }, () => ({ namespace: "fz-scoped", resource: "pods", name: "web-0", metric: "fz_ok_rps", value: "5" })),
      ];
      items.splice(int(items.length + 1), 0, { namespace: otherNs, resource: "pods", name: "web-0", metric: "fz_ok_rps", value: "5" });
      path = "/write-metrics";
      body = JSON.stringify(items);
      break;
    }
    default: {
      const items = [{ namespace: "fz-scoped", metric: "fz_ok_rps", value: "5" }, { namespace: "fz-scoped", metric: pick(["queue_depth", "fz_ok"]), value: "5" }];
      if (chance(0.5)) items.reverse();
      path = "/write-external-metrics";
      body = JSON.stringify(items);
    }
  }
  return { category: "out of scope", target: "public", method: "POST", fresh: false, mutating: true, raw: build("POST", path, [auth, ...forged(), ...commonHeaders()], Buffer.from(body), ctx.publicPort) };
}

function genBadBody(ctx: Ctx): Draft {
  const path = validWritePath() + (chance(0.15) ? `?${queryGarbage()}` : "");
  const body = safeBody(path, Buffer.from(badBodyCandidate(), "latin1"));
  const method = "POST";
  return { category: "bad body", target: "public", method, fresh: body.length > 200_000, mutating: true, raw: build(method, printable(path), [["Authorization", `Bearer ${ctx.writer}`], ...forged(), ...commonHeaders()], body, ctx.publicPort) };
}

function genGzip(ctx: Ctx): Draft {
  const path = validWritePath();
  const batch = isBatchPath(path);
  let body: Buffer;
  let enc = pick(["gzip", "gzip", "deflate", "x-gzip", "GZIP", " gzip "]);
  switch (int(8)) {
    case 0: body = randBytes(1 + int(500)); break; // garbage
    case 1: { // truncated gzip of a body whose every proper prefix is invalid JSON and whose whole is refused
      const inner = batch ? `[{"fz_unknown":1},${JSON.stringify(validBatch(false)).slice(1)}` : `{"fz_unknown":1,"value":"42"}`;
      const z = (enc.trim().toLowerCase() === "deflate" ? deflateSync : gzipSync)(Buffer.from(inner));
      body = z.subarray(0, 1 + int(z.length - 1));
      break;
    }
    case 2: body = (enc.trim().toLowerCase() === "deflate" ? deflateSync : gzipSync)(safeBody(path, Buffer.from(badBodyCandidate(), "latin1"))); break;
    case 3: body = bomb(pick([9, 16, 64])); enc = "gzip"; break; // bomb: ≥ 9 MiB of zeros → 413
    case 4: body = gzipSync(gzipSync(Buffer.from(validBodyFor(path)))); enc = "gzip"; break; // double gzip, one header → binary after one pass
    case 5: body = Buffer.from(validBodyFor(path)); enc = pick(["br", "compress", "identity, gzip", "gzip, gzip", "zstd", "*", "gzip;q=1", "deflate, br"]); break; // unsupported → 415
    case 6: body = Buffer.from(validBodyFor(path)); enc = pick(["gzip", "deflate"]); break; // plain body labelled compressed → 400
    default: {
      const z = gzipSync(Buffer.from(`{"fz_unknown":1,"value":"1"}`));
      body = Buffer.from(z);
      body[10 + int(body.length - 18)] ^= 0xff; // corrupted deflate stream / CRC
      enc = "gzip";
    }
  }
  return { category: "gzip", target: "public", method: "POST", fresh: body.length > 200_000, mutating: true, raw: build("POST", path, [["Authorization", `Bearer ${ctx.writer}`], ["Content-Encoding", enc], ...commonHeaders()], body, ctx.publicPort) };
}

/** A valid token and body, but a path that is invalid in every reading (a poison segment survives `..` resolution). */
function genBadPathWrite(ctx: Ctx): Draft {
  for (;;) {
    const base = validWritePath();
    const body = Buffer.from(validBodyFor(base));
    const segs = base.split("/");
    let path: string;
    switch (int(6)) {
      case 0: segs[2 + int(Math.max(1, segs.length - 2))] = pick(POISON); path = segs.join("/"); break;
      case 1: path = `${mutatePath(base)}/${pick(POISON)}`; break;
      case 2: segs.splice(2 + int(Math.max(1, segs.length - 2)), 0, pick(POISON), ".."); path = segs.join("/"); break; // poison/.. pairs: the '..' removes the poison → must not be generated as safe; checked below
      case 3: path = base.replace(/\//g, (m, i: number) => (i > 0 && chance(0.3) ? "%2F" : m)); if (!path.includes("%2F")) path += "/%2F"; break;
      case 4: path = base.replace(/^\/write-(external-)?metrics/, (m) => pick([m.toUpperCase(), `${m}s`, m.slice(0, -1), `${m}%2F`, `/${m.slice(1).replace("-", "%2D")}`, `//${m.slice(1)}`])) + (isBatchPath(base) ? "" : ""); break;
      default: segs[segs.length - 1] = `${segs[segs.length - 1]}${pick(POISON)}`; path = segs.join("/"); break;
    }
    if (!poisoned(path) && !deadPrefix(path)) continue;
    path = printable(path);
    const b = isBatchPath(path) ? safeBatchBody(body) : body;
    return { category: "bad path (valid token)", target: "public", method: "POST", fresh: false, mutating: true, raw: build("POST", path, [["Authorization", `Bearer ${ctx.writer}`], ...forged(), ...commonHeaders()], b, ctx.publicPort) };
  }
}

function genMethods(ctx: Ctx): Draft {
  const path = validWritePath();
  const method = pick(["GET", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE", "DELETE", "TRACE"]);
  const body = method === "GET" || method === "HEAD" || method === "TRACE" ? (chance(0.3) ? Buffer.from(validBodyFor(path)) : null) : Buffer.from(validBodyFor(path));
  const raw = build(method, path, [["Authorization", `Bearer ${ctx.writer}`], ...forged()], body, ctx.publicPort);
  return { category: "wrong method", target: "public", method, fresh: method === "TRACE" || (body !== null && (method === "GET" || method === "HEAD")), mutating: true, raw };
}

function genRead(ctx: Ctx): Draft {
  let path = pick(readPaths());
  if (chance(0.6)) path = mutatePath(path);
  if (chance(0.6)) path += `?${queryGarbage()}`;
  path = printable(path);
  const auth: [string, string][] = pick([[["Authorization", `Bearer ${ctx.readToken}`]], [["Authorization", `Bearer ${ctx.readToken}`]], [["Authorization", `Bearer ${ctx.scoped}`]], [["Authorization", `Bearer ${ctx.writer}`]], wrongAuth(ctx)]);
  const method = pick(["GET", "GET", "GET", "HEAD"]);
  return { category: "read (public)", target: "public", method, fresh: false, mutating: false, raw: build(method, path, [...auth, ...forged(), ...commonHeaders()], null, ctx.publicPort) };
}

function genAggregator(ctx: Ctx): Draft {
  if (chance(0.35)) {
    // writes on the read-only socket, with a valid write token, a valid body and a forged socket header
    const path = validWritePath();
    const method = pick(["POST", "POST", "DELETE", "PUT"]);
    const headers: [string, string][] = [["x-edge-metrics-socket", pick(["public", "Public", "public, public", ""])], ["Authorization", `Bearer ${ctx.writer}`], ["X-Remote-User", "admin"], ["X-Remote-Group", "system:masters"]];
    return { category: "aggregator socket", target: "aggregator", method, fresh: false, mutating: true, raw: build(method, printable(chance(0.3) ? mutatePath(path) : path), headers, Buffer.from(validBodyFor(path)), ctx.publicPort) };
  }
  let path = pick(readPaths());
  if (chance(0.6)) path = mutatePath(path);
  if (chance(0.6)) path += `?${queryGarbage()}`;
  return { category: "aggregator socket", target: "aggregator", method: "GET", fresh: false, mutating: false, raw: build("GET", printable(path), [...forged(), ...commonHeaders()], null, ctx.publicPort) };
}

function genBatchOversize(ctx: Ctx): Draft {
  switch (int(3)) {
    case 0: { // 10,001 valid samples: over the batch limit → 413
      const external = chance(0.5);
      const items = Array.from({ length: 10_001 }, (_, i) => (external ? { namespace: "fz-a", metric: "fz_big", value: "1", labels: { i: String(i) } } : { namespace: "fz-a", resource: "pods", name: `p-${i}`, metric: "fz_big", value: "1" }));
      return { category: "oversized", target: "public", method: "POST", fresh: true, mutating: true, raw: build("POST", external ? "/write-external-metrics" : "/write-metrics", [["Authorization", `Bearer ${ctx.writer}`]], Buffer.from(JSON.stringify(items)), ctx.publicPort) };
    }
    case 1: { // > 8 MiB body
      const body = Buffer.concat([Buffer.from('{"value":"1","pad":"'), Buffer.alloc(9 * 1024 * 1024, 0x61), Buffer.from('"}')]);
      return { category: "oversized", target: "public", method: "POST", fresh: true, mutating: true, raw: build("POST", validWritePath(), [["Authorization", `Bearer ${ctx.writer}`]], body, ctx.publicPort) };
    }
    default: { // declared length over the limit, short body
      const path = validWritePath();
      return { category: "oversized", target: "public", method: "POST", fresh: true, mutating: true, raw: build("POST", path, [["Authorization", `Bearer ${ctx.writer}`], ["Content-Length", String(pick([9 * 1024 * 1024, 2 ** 40, 2 ** 53]))]], Buffer.from(validBodyFor(path)), ctx.publicPort) };
    }
  }
}

/** Broken HTTP framing on a throw-away connection; never with a valid token (a framing "fix" must not write). */
function genFraming(ctx: Ctx): Draft {
  const p = ctx.publicPort;
  const path = validWritePath();
  const body = Buffer.from(validBodyFor(path));
  const noAuth: [string, string][] = chance(0.5) ? [] : [["Authorization", `Bearer ${ctx.readToken}`]];
  const raws: (() => Buffer)[] = [
    () => randBytes(1 + int(3000)),
    () => Buffer.from(`${randAscii(1 + int(20))} ${randAscii(int(50))} HTTP/1.1\r\nHost: x\r\n\r\n`, "latin1"),
    () => build(pick(["FOO", "get", "G ET", "POST\u0000", "BREW", "PROPFIND", "CONNECT", "PRI", "MKCOL", "LINK"]), path, noAuth, body, p),
    () => build("POST", path, noAuth, body, p, { version: pick(["HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.2", "HTTP/9.9", "HTTP/1.1x", "HTTPS/1.1", ""]) }),
    () => build("POST", path, [...noAuth, ["X-Big", "x".repeat(pick([70_000, 200_000, 1_000_000]))]], body, p),
    () => build("GET", "/healthz", Array.from({ length: pick([500, 2000, 10_000]) }, (_, i): [string, string] => [`X-${i}`, "v"]), null, p),
    () => build("POST", path, [...noAuth, ["X-Bad", pick(["a\u0000b", "a\u007fb", "a\rb", "é\u00ff", "\u0001"])]], body, p),
    () => build("POST", path, [...noAuth, ["Bad Header", "x"], ["X:Y", "z"], [":authority", "x"]], body, p),
    () => build("POST", path, [...noAuth, ["Content-Length", String(body.length)], ["Content-Length", String(body.length + 5)]], body, p),
    () => build("POST", path, [...noAuth, ["Content-Length", pick(["-1", "1e3", "0x10", " 4", "4 4", "+4", "99999999999999999999", "abc", ""])]], body, p),
    () => build("POST", path, [...noAuth, ["Transfer-Encoding", "chunked"], ["Content-Length", String(body.length)]], Buffer.from(`${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`), p),
    () => build("POST", path, [...noAuth, ["Transfer-Encoding", pick(["chunked", "gzip, chunked", "chunked, gzip", "identity", "xchunked", " chunked"])]], Buffer.from(pick(["zz\r\nab\r\n0\r\n\r\n", "5\r\nab\r\n", "ffffffffffffffff\r\n", "4;ext=\u0000\r\nabcd\r\n0\r\n\r\n", `${randAscii(8)}\r\n`])), p),
    () => build("POST", `http://evil.example${path}`, noAuth, body, p),
    () => build("OPTIONS", "*", noAuth, null, p),
    () => build("CONNECT", pick(["127.0.0.1:443", path]), noAuth, null, p),
    () => build("GET", pick(["/write-metrics/namespaces/fz-a/pods/web 0/m", "/ap\u0000is", "/apis/\u00e9", "/apis\t/x", "apis", "", "/apis/%", "/\u00ff\u00fe", "//////////", `/${"a/".repeat(20_000)}`]), noAuth, null, p),
    () => build("POST", path, [...noAuth, ["Host", "a"], ["Host", "b"]], body, p, { noHost: true }),
    () => build("POST", path, noAuth, body, p, { noHost: true }),
    () => build("POST", path, [...noAuth, ["X-Fold", "a\r\n b"]], body, p),
    () => build("POST", path, [...noAuth, ["Expect", pick(["100-continue", "nonsense"])]], body, p),
    () => build("POST", path, [...noAuth, ["Content-Length", "100"]], body, p), // lying: shorter than declared, then half-close
    () => Buffer.concat([build("POST", path, [...noAuth, ["Content-Length", "1"]], null, p), body, Buffer.from("GARBAGE / HTTP/1.1\r\n\r\n")]), // smuggling attempt
    () => Buffer.from("\r\n\r\n\r\n", "latin1"),
    () => Buffer.from(`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n${randBytes(50).toString("latin1")}`, "latin1"),
    () => Buffer.from("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", "latin1"), // TLS ClientHello on the plain socket
  ];
  const raw = pick(raws)();
  const line = raw.subarray(0, 12).toString("latin1");
  return { category: "broken framing", target: "public", method: "*", fresh: true, mutating: !/^(GET|OPTIONS) /.test(line), raw };
}

const GENERATORS: [number, (ctx: Ctx) => Draft][] = [
  [14, genUnauthWrite], [10, genScope], [18, genBadBody], [6, genGzip], [12, genBadPathWrite], [5, genMethods], [17, genRead], [9, genAggregator], [6, genFraming],
];
const TOTAL_WEIGHT = GENERATORS.reduce((s, [w]) => s + w, 0);

/** The i-th request of a run: a generator picked by weight, tagged with its shape (./shapes.ts). */
export function generate(ctx: Ctx, i: number): FuzzReq {
  const r = draft(ctx, i);
  return { ...r, shape: shapeOf(r.raw) };
}

function draft(ctx: Ctx, i: number): Draft {
  if (i % 4000 === 1999) return genBatchOversize(ctx); // ~30 huge requests per 120k
  let r = rand() * TOTAL_WEIGHT;
  for (const [w, g] of GENERATORS) {
    if ((r -= w) < 0) return g(ctx);
  }
  return genRead(ctx);
}
