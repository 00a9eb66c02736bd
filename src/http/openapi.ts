/**
 * `/openapi/v2`, `/openapi/v3` and `/openapi/v3/apis/<group>/<version>` (documents: k8s/openapi.ts), served the way
 * kube-openapi serves them, since kube-aggregator reads them with kube-openapi's expectations:
 * - Accept negotiation (pkg/handler/handler.go, pkg/handler3/handler.go): upstream also has a protobuf form; we
 *   serve JSON only, so a request whose Accept admits no JSON is a 406, as upstream answers a type it lacks;
 * - `ETag` = quoted uppercase SHA-512, `If-None-Match` → 304 (http.ServeContent), `Vary: Accept`;
 * - v3 `?hash=`: the current hash gets `Cache-Control: public, immutable` and a one-year `Expires`; a stale one a
 *   301 to the current URL.
 * Reads of any credential that may read something, and of the aggregator socket (auth.ts counts /openapi/ as a read);
 * the bridge serves the same documents itself (bridgeOpenApiApp).
 */
import { Hono, type Context, type Env } from "hono";
import { notFound } from "../domain/errors";
import { openApiDocuments, type ServedDocument } from "../k8s/openapi";
import type { AppEnv } from "./app-env";
import { authorizeOperation } from "./auth";

interface Clause {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** goautoneg.ParseAccept: clauses by quality, then specificity (a wildcard after a concrete type). */
export function parseAccept(header: string): Clause[] {
  const clauses: Clause[] = [];
  for (const part of header.split(",")) {
    const [range, ...params] = part.split(";").map((s) => s.trim());
    if (!range) continue;
    const [type = "", subtype = "*"] = range.split("/");
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split("=").map((s) => s.trim());
      if (k === "q" && v !== undefined && Number.isFinite(Number(v))) q = Number(v);
    }
    clauses.push({ type, subtype, q });
  }
  const rank = (c: Clause) => (c.type === "*" ? 0 : c.subtype === "*" ? 1 : 2);
  return clauses.map((c, i) => ({ c, i })).sort((a, b) => b.c.q - a.c.q || rank(b.c) - rank(a.c) || a.i - b.i).map((x) => x.c);
}

/** Whether the request accepts the JSON form (the first clause that names it or a wildcard); otherwise a 406. */
function acceptsJson(accept: string | undefined): boolean {
  return parseAccept(accept || "*/*").some((c) => (c.type === "application" || c.type === "*") && (c.subtype === "json" || c.subtype === "*"));
}

/** http.ServeContent's If-None-Match: any listed (weak or strong) tag equal to ours, or `*`. */
function notModified(c: Context, etag: string): boolean {
  const header = c.req.header("if-none-match");
  if (!header) return false;
  return header.split(",").map((t) => t.trim().replace(/^W\//, "")).some((t) => t === "*" || t === etag);
}

function serve(c: Context, doc: ServedDocument, extra: Record<string, string> = {}): Response {
  const headers: Record<string, string> = { vary: "Accept" };
  if (!acceptsJson(c.req.header("accept"))) return new Response(null, { status: 406, headers });
  const etag = `"${doc.etag}"`;
  Object.assign(headers, { "content-type": "application/json", etag }, extra);
  if (notModified(c, etag)) return new Response(null, { status: 304, headers });
  return new Response(doc.body, { status: 200, headers });
}

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/** The documents' routes, behind `guard` (which throws to refuse). */
function openApiRoutes<E extends Env>(guard: (c: Context<E>) => void): Hono<E> {
  const app = new Hono<E>();
  app.use(async (c, next) => {
    guard(c);
    await next();
  });
  app.get("/v2", async (c) => serve(c, (await openApiDocuments()).v2));
  app.get("/v3", async (c) => {
    // handler3.HandleDiscovery always answers JSON.
    const doc = (await openApiDocuments()).v3Discovery;
    const etag = `"${doc.etag}"`;
    if (notModified(c, etag)) return new Response(null, { status: 304, headers: { etag } });
    return new Response(doc.body, { headers: { "content-type": "application/json", etag } });
  });
  app.get("/v3/*", async (c) => {
    const url = new URL(c.req.url);
    const key = url.pathname.slice("/openapi/v3/".length);
    const doc = (await openApiDocuments()).v3.get(key);
    if (!doc) throw notFound(`no OpenAPI v3 document for ${key}: this server describes ${[...(await openApiDocuments()).v3.keys()].join(", ")}`);
    const hash = url.searchParams.get("hash");
    if (hash && hash !== doc.etag && acceptsJson(c.req.header("accept"))) {
      return new Response(null, { status: 301, headers: { location: `/openapi/v3/${key}?hash=${doc.etag}`, vary: "Accept" } });
    }
    const cache: Record<string, string> = hash ? { "cache-control": "public, immutable", expires: new Date(Date.now() + ONE_YEAR_MS).toUTCString() } : {};
    return serve(c, doc, cache);
  });
  return app;
}

/** The Worker's routes: any credential that may read something. */
export const openApiApp = () => openApiRoutes<AppEnv>((c) => authorizeOperation(c, "read"));

/**
 * The bridge's routes, answered from its own bundle (the documents depend only on the code): its requests come from
 * the aggregator socket, whose client certificate workerd has verified. Serving them locally matters: kube-aggregator
 * asks for /openapi/v3 a second after an APIService appears, and a 404 then (an upstream still unreachable) marks
 * the APIService as having no v3 documents for as long as it exists (openapiv3/aggregator/aggregator.go
 * updateAPIServiceSpecLocked, isLegacyAPIService).
 */
export const bridgeOpenApiApp = <E extends Env>() => openApiRoutes<E>(() => {});
