/**
 * Request shapes, and the one table of shapes that workerd's HTTP front end answers with a 5xx before the Worker
 * runs. The fuzz counts every 5xx as a failure except a response whose status is the one this table names for
 * the request's shape. The shape is worked out from the request the generator built (its bytes), never from the
 * response.
 *
 * Every row was measured on the pinned workerd (node_modules/.bin/workerd 1.20260426.1, "workerd 2026-04-26")
 * with a probe worker that marks every response it makes (bench/fuzz/probe.ts): requests of these shapes get the
 * status below without the mark, so the Worker never saw them. test/node/workerd-front-end.test.ts and the start
 * of every `npm run fuzz` check each row again, and fail when a row stops holding, so that a workerd that fixes a
 * row shows up as a test to update: delete the row. The 500 rows are workerd bugs (the answer should be a 400,
 * or a 501 for a transfer coding it does not implement); only the 501 row is the answer HTTP asks for.
 *
 * The classifier follows the order in which workerd rejects a request: the request line (kj's method table,
 * CONNECT), the request target, the Host header, then the body framing (Transfer-Encoding before
 * Content-Length), as in capnproto c++/src/kj/compat/http.c++ (the parser and getEntityBodyReader) and
 * kj/compat/url.c++ (the URL workerd builds from the target and Host).
 */

export type Shape =
  | "unknown-method"
  | "connect"
  | "non-origin-form-target"
  | "duplicate-host"
  | "transfer-encoding-not-chunked"
  | "bad-content-length"
  /** Nothing the front end answers with a 5xx: whatever comes back is the Worker's (or a 4xx from workerd). */
  | "other";

export interface FrontEndRow {
  shape: Exclude<Shape, "other">;
  status: number;
  /** What workerd does, with the line it logs. */
  workerd: string;
  /** Raw requests of this shape (`{HOST}` = host:port); the probe checks each one. */
  examples: string[];
}

const H = "Host: {HOST}\r\n";

export const WORKERD_FRONT_END: readonly FrontEndRow[] = [
  {
    shape: "non-origin-form-target",
    status: 500,
    workerd: "a request target that does not start with '/' (absolute-form, asterisk-form, a bare word): " +
      "\"Uncaught exception: kj/compat/url.c++: invalid URL\" while building the request URL",
    examples: [`GET http://evil.example/x HTTP/1.1\r\n${H}\r\n`, `OPTIONS * HTTP/1.1\r\n${H}\r\n`, `GET apis HTTP/1.1\r\n${H}\r\n`],
  },
  {
    shape: "duplicate-host",
    status: 500,
    workerd: "more than one Host header: the values are joined with ', ', and \"kj/compat/url.c++: invalid hostname " +
      "when stringifying URL; host = a, b\"",
    examples: [`GET /healthz HTTP/1.1\r\n${H}Host: evil.example\r\n\r\n`, `POST /write-metrics HTTP/1.1\r\n${H}HOST: {HOST}\r\nContent-Length: 2\r\n\r\n[]`],
  },
  {
    shape: "transfer-encoding-not-chunked",
    status: 500,
    workerd: "a Transfer-Encoding other than a list of 'chunked' (gzip, identity, 'gzip, chunked', a trailing " +
      "space): \"kj/compat/http.c++: unknown transfer encoding\" (identity: \"request body cannot have " +
      "Transfer-Encoding other than chunked\")",
    examples: [
      `POST /write-metrics HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n`,
      `POST /write-metrics HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\n[]`,
    ],
  },
  {
    shape: "bad-content-length",
    status: 500,
    workerd: "a Content-Length that is not one run of digits (a sign, an exponent, hex, trailing space, or two " +
      "headers joined as '4, 4'): \"kj/compat/http.c++: invalid Content-Length header value\"",
    examples: [
      `POST /write-metrics HTTP/1.1\r\n${H}Content-Length: +2\r\n\r\n[]`,
      `POST /write-metrics HTTP/1.1\r\n${H}Content-Length: 2\r\nContent-Length: 2\r\n\r\n[]`,
    ],
  },
  {
    shape: "connect",
    status: 500,
    workerd: "CONNECT with a non-empty target and no body framing (with a Content-Length or Transfer-Encoding kj " +
      "answers 400): \"workerd/io/worker-entrypoint.c++: jsg.TypeError: Incoming CONNECT on a worker not supported\", " +
      "thrown before the fetch handler",
    examples: [`CONNECT 127.0.0.1:443 HTTP/1.1\r\n${H}\r\n`, `CONNECT /write-metrics HTTP/1.1\r\n${H}\r\n`],
  },
  {
    // Not a bug: RFC 9110 §15.6.2 names 501 as the answer to a method the server does not recognise.
    shape: "unknown-method",
    status: 501,
    workerd: "a request line whose method is not in kj's table (case-sensitive; lower case, 'M-SEARCH', 'BREW', an " +
      "empty line): \"501 Not Implemented\", \"Unrecognized request method\"",
    examples: [`get /healthz HTTP/1.1\r\n${H}\r\n`, `BREW /healthz HTTP/1.1\r\n${H}\r\n`, `\r\n${H}\r\n`],
  },
];

/** The row for a shape, if the front end answers that shape itself. */
export function frontEndRow(shape: Shape): FrontEndRow | undefined {
  return WORKERD_FRONT_END.find((r) => r.shape === shape);
}

/** Methods kj parses (c++/src/kj/compat/http.h KJ_HTTP_FOR_EACH_METHOD, plus QUERY in this version); CONNECT aside. */
const KJ_METHODS = new Set([
  "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "PURGE", "OPTIONS", "TRACE", "QUERY",
  "COPY", "LOCK", "MKCOL", "MOVE", "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "ACL",
  "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "MSEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
]);

const OWS = /^[ \t]+/;

/** The shape of a raw request, by the rules in the header comment. */
export function shapeOf(raw: Buffer): Shape {
  const text = raw.toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) return "other"; // an unfinished head: workerd never dispatches it
  const lines = text.slice(0, end).split(/\r?\n/);
  const requestLine = lines[0] ?? "";
  const sp = requestLine.indexOf(" ");
  const method = sp < 0 ? requestLine : requestLine.slice(0, sp);
  if (method !== "CONNECT" && !KJ_METHODS.has(method)) return "unknown-method";
  const target = sp < 0 ? "" : requestLine.slice(sp + 1).split(" ")[0]!;
  if (target === "") return "other"; // 400 from kj
  // Header values as kj combines repeated headers: empty ones dropped, the rest joined with ", ".
  const values = (name: string) =>
    lines.slice(1).filter((l) => l.slice(0, l.indexOf(":")).toLowerCase() === name).map((l) => l.slice(l.indexOf(":") + 1).replace(OWS, "")).filter((v) => v !== "");
  if (method === "CONNECT") return values("content-length").length || values("transfer-encoding").length ? "other" : "connect"; // with a body: 400
  if (!target.startsWith("/")) return "non-origin-form-target";
  if (values("host").length > 1) return "duplicate-host";
  const te = values("transfer-encoding").join(", ");
  if (te !== "") {
    return te.split(",").every((c) => c.replace(OWS, "").toLowerCase() === "chunked") ? "other" : "transfer-encoding-not-chunked";
  }
  const cl = values("content-length").join(", ");
  if (cl !== "" && !/^[0-9]+$/.test(cl)) return "bad-content-length";
  return "other";
}
