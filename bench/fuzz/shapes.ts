/**
 * Request shapes, and the one table of shapes that workerd's HTTP front end answers with a 5xx before the Worker
 * runs. The fuzz counts every 5xx as a failure except a response whose status is the one this table names for
 * the request's shape. The shape is worked out from the request the generator built (its bytes), never from the
 * response.
 *
 * Every row was measured on the pinned workerd (node_modules/.bin/workerd 1.20261117.1, "workerd 2026-11-17")
 * with a probe worker that marks every response it makes (bench/fuzz/probe.ts): requests of these shapes get the
 * status below without the mark, so the Worker never saw them. test/node/workerd-front-end.test.ts and the start
 * of every `npm run fuzz` check each row again, and fail when a row stops holding, so that a workerd that fixes a
 * row shows up as a test to update: delete the row.
 *
 * Since 1.20261014.1 workerd parses HTTP/1 with hyper (./http1-head.ts has its rules): a malformed Content-Length
 * or Transfer-Encoding, a request target that is not a URI, a bad header line or version are answered 400 by
 * hyper (`refused-head`), and absolute-form, authority-form and asterisk-form targets, duplicate Host headers and
 * a Host with a path in it now reach the Worker, where src/index.ts answers 400 to what it cannot parse. The
 * rows of 1.20260426.1 that answered those with 500 no longer hold and are gone. What is left:
 *  - CONNECT is handed to the Worker's connect() path, which fails before any handler runs ("Incoming CONNECT on
 *    a worker not supported"; this build logs "Handler does not export a connect() function") and kj-hyper answers
 *    500. Upstream: cloudflare/workerd#876 (inbound CONNECT left unimplemented on purpose), cloudflare/workerd#4171
 *    (the `connect_pass_through` flag forwards CONNECT to the global outbound — not an answer either) and
 *    cloudflare/workerd#6059 (a `connect()` handler; a Worker exporting one must accept the tunnel with a 200
 *    and then close it, which is no better than a 500 for a metrics API). It should be a 405 or 501.
 *  - a method outside kj's table is answered 501 by kj-hyper — the response RFC 9110 §15.6.2 names for a
 *    method the server does not recognise, so not a bug.
 */
import { acceptedHead } from "./http1-head";

export type Shape =
  | "unknown-method"
  | "connect"
  /** A head hyper refuses (400/414/431) or never completes: the Worker never sees it, and it gets no 5xx. */
  | "refused-head"
  /** A head hyper accepts and hands on: whatever comes back is the Worker's (or a 4xx from workerd). */
  | "other";

export interface FrontEndRow {
  shape: Exclude<Shape, "other" | "refused-head">;
  status: number;
  /** What workerd does, with the line it logs. */
  workerd: string;
  /** Raw requests of this shape (`{HOST}` = host:port); the probe checks each one. */
  examples: string[];
}

const H = "Host: {HOST}\r\n";

export const WORKERD_FRONT_END: readonly FrontEndRow[] = [
  {
    shape: "connect",
    status: 500,
    workerd: "CONNECT, whatever its target and framing: kj-hyper calls the Worker's connect() path, which fails before any " +
      "handler (\"workerd/api/global-scope.c++: failed: remote.jsg.Error: Handler does not export a connect() function.\"); " +
      "the client gets \"500 Internal Server Error\"",
    examples: [
      `CONNECT 127.0.0.1:443 HTTP/1.1\r\n${H}\r\n`,
      `CONNECT /write-metrics HTTP/1.1\r\n${H}\r\n`,
      `CONNECT 127.0.0.1:443 HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\n[]`,
    ],
  },
  {
    // Not a bug: RFC 9110 §15.6.2 names 501 as the answer to a method the server does not recognise.
    shape: "unknown-method",
    status: 501,
    workerd: "a well-formed request whose method is a token outside kj's table (case-sensitive: lower case, 'M-SEARCH', " +
      "'BREW', 'LINK'): kj-hyper answers \"501 Not Implemented\", \"ERROR: Unrecognized request method.\"",
    examples: [`get /healthz HTTP/1.1\r\n${H}\r\n`, `BREW /healthz HTTP/1.1\r\n${H}\r\n`, `M-SEARCH * HTTP/1.1\r\n${H}\r\n`],
  },
];

/** The row for a shape, if the front end answers that shape itself. */
export function frontEndRow(shape: Shape): FrontEndRow | undefined {
  return WORKERD_FRONT_END.find((r) => r.shape === shape);
}

/**
 * Methods kj parses (capnproto c++/src/kj/compat/http.h KJ_HTTP_FOR_EACH_METHOD, with QUERY in this version);
 * kj-hyper's `parse_method` maps the method hyper parsed onto this table. CONNECT is handled apart.
 */
export const KJ_METHODS: ReadonlySet<string> = new Set([
  "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "PURGE", "OPTIONS", "TRACE", "QUERY",
  "COPY", "LOCK", "MKCOL", "MOVE", "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "ACL",
  "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "MSEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
]);

/** The shape of a raw request: what hyper makes of its head (./http1-head.ts), then kj-hyper's dispatch. */
export function shapeOf(raw: Buffer): Shape {
  const head = acceptedHead(raw);
  if (head === null) return "refused-head";
  if (head.method === "CONNECT") return "connect";
  return KJ_METHODS.has(head.method) ? "other" : "unknown-method";
}
