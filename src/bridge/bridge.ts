/**
 * The bridge: the bundle running on self-hosted workerd (DEPLOYMENT=bridge) behind the aggregator socket, which
 * has already verified the front-proxy client certificate. It forwards reads to the Worker on Cloudflare
 * (UPSTREAM_URL) with the read token and keeps no state except the last good discovery documents:
 *
 * - discovery (`GET /apis/<group>/<version>` of a registered API): forwarded; a 2xx is cached. If the upstream
 *   fails (network error, timeout, non-2xx) the cached copy is served — or, before the first success, an empty
 *   APIResourceList — so the APIService stays Available and namespace deletion in the cluster never hangs on us.
 * - metric reads: forwarded; the upstream's status, content-type and body pass through byte for byte. If the
 *   upstream cannot be reached in time, a 503 Status answers at once.
 * - `/apis` → 404 Status locally (so kube-aggregator falls back to the per-version documents), health probes → 200
 *   locally, `/openapi/*` forwarded (404 when the upstream is down), anything that is not a read → 403 Status.
 *
 * After a failure the upstream is considered down for DOWN_BACKOFF_MS: discovery answers from the cache without
 * waiting and metric reads get 503 immediately, while one background request checks whether it is back.
 */
import type { Env } from "../env";

/** The group/versions an APIService is registered for; discovery of these never fails. */
export const DISCOVERY_GROUP_VERSIONS = [
  "custom.metrics.k8s.io/v1beta1",
  "custom.metrics.k8s.io/v1beta2",
  "external.metrics.k8s.io/v1beta1",
] as const;

const DEFAULT_TIMEOUT_MS = 2000;
const DOWN_BACKOFF_MS = 5000;
const READ_PREFIXES = ["/apis/custom.metrics.k8s.io/", "/apis/external.metrics.k8s.io/"];
const HEALTH = new Set(["/healthz", "/livez", "/readyz"]);

interface CachedDocument {
  status: number;
  contentType: string;
  body: ArrayBuffer;
  storedAt: number;
}

/** Per-isolate state. workerd runs one isolate per worker, so this lives as long as the process. */
const state = {
  discovery: new Map<string, CachedDocument>(),
  downUntil: 0,
  lastError: "",
  probing: null as Promise<void> | null,
};

/** For tests: forget everything. */
export function resetBridgeState(): void {
  state.discovery.clear();
  state.downUntil = 0;
  state.lastError = "";
  state.probing = null;
}

type BridgeEnv = Env & { UPSTREAM_TIMEOUT_MS?: string };

function status(code: number, reason: string, message: string): Response {
  const body = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
  return new Response(JSON.stringify(body), { status: code, headers: { "content-type": "application/json" } });
}

function emptyResourceList(groupVersion: string): Response {
  const body = { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources: [] };
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": "application/json", "x-edge-metrics-bridge": "discovery-placeholder" },
  });
}

/** Path and query exactly as received (no re-encoding), e.g. `/apis/custom.metrics.k8s.io/v1beta2/...?labelSelector=a%3Db`. */
export function rawPathAndQuery(url: string): string {
  const afterScheme = url.indexOf("//");
  const slash = url.indexOf("/", afterScheme + 2);
  return slash < 0 ? "/" : url.slice(slash);
}

/** `custom.metrics.k8s.io/v1beta1` for a discovery path of a registered API, else undefined. */
export function discoveryGroupVersion(pathname: string): string | undefined {
  const gv = pathname.replace(/^\/apis\//, "").replace(/\/+$/, "");
  return pathname.startsWith("/apis/") && (DISCOVERY_GROUP_VERSIONS as readonly string[]).includes(gv) ? gv : undefined;
}

class UpstreamError extends Error {}

async function forward(env: BridgeEnv, pathAndQuery: string, request: Request): Promise<Response> {
  const base = (env.UPSTREAM_URL ?? "").replace(/\/+$/, "");
  if (!base) throw new UpstreamError("UPSTREAM_URL is not configured");
  const timeout = Number(env.UPSTREAM_TIMEOUT_MS) > 0 ? Number(env.UPSTREAM_TIMEOUT_MS) : DEFAULT_TIMEOUT_MS;
  const headers = new Headers({ accept: request.headers.get("accept") ?? "application/json" });
  if (env.READ_TOKEN) headers.set("authorization", `Bearer ${env.READ_TOKEN}`);
  const ua = request.headers.get("user-agent");
  if (ua) headers.set("user-agent", `${ua} edge-metrics-bridge`);
  try {
    const res = await fetch(base + pathAndQuery, {
      method: "GET",
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(timeout),
    });
    // Read the whole body under the same deadline, so a stalled upstream cannot hang the caller.
    const body = await res.arrayBuffer();
    return new Response(body, {
      status: res.status,
      headers: { "content-type": res.headers.get("content-type") ?? "application/octet-stream" },
    });
  } catch (e) {
    const err = e as Error;
    const why = err?.name === "TimeoutError" || err?.name === "AbortError" ? `no answer within ${timeout} ms` : String(err?.message ?? err);
    throw new UpstreamError(why);
  }
}

function markDown(reason: string): void {
  state.downUntil = Date.now() + DOWN_BACKOFF_MS;
  state.lastError = reason;
  console.error(`edge-metrics bridge: upstream unavailable: ${reason}`);
}

function markUp(): void {
  if (state.downUntil) console.log("edge-metrics bridge: upstream reachable again");
  state.downUntil = 0;
  state.lastError = "";
}

function isUpstreamFailure(res: Response): boolean {
  // A Cloudflare error page (52x, HTML) or a 502/503/504 from anywhere means "not reachable", not an answer.
  // A JSON 5xx (e.g. a Status from the Worker) is an answer and passes through unchanged.
  return res.status >= 500 && !(res.headers.get("content-type") ?? "").includes("json");
}

/** Fetches one discovery document and caches it on 2xx. */
async function refreshDiscovery(env: BridgeEnv, groupVersion: string, pathAndQuery: string, request: Request): Promise<Response> {
  const res = await forward(env, pathAndQuery, request);
  if (res.status >= 200 && res.status < 300) {
    const body = await res.arrayBuffer();
    const doc: CachedDocument = { status: res.status, contentType: res.headers.get("content-type") ?? "application/json", body, storedAt: Date.now() };
    state.discovery.set(groupVersion, doc);
    markUp();
    return new Response(body.slice(0), { status: doc.status, headers: { "content-type": doc.contentType } });
  }
  throw new UpstreamError(`upstream answered ${res.status} for ${pathAndQuery}`);
}

/** One background request at a time checks whether the upstream is back (and refreshes discovery). */
function probeInBackground(env: BridgeEnv, request: Request, ctx: ExecutionContext): void {
  if (state.probing) return;
  state.probing = (async () => {
    for (const gv of DISCOVERY_GROUP_VERSIONS) {
      try {
        await refreshDiscovery(env, gv, `/apis/${gv}`, request);
      } catch (e) {
        markDown((e as Error).message);
        return;
      }
    }
  })().finally(() => {
    state.probing = null;
  });
  ctx.waitUntil(state.probing);
}

function fromCache(groupVersion: string): Response {
  const doc = state.discovery.get(groupVersion);
  if (!doc) return emptyResourceList(groupVersion);
  // A copy per response, so the cached bytes can never be consumed or detached by one of them.
  return new Response(doc.body.slice(0), {
    status: doc.status,
    headers: {
      "content-type": doc.contentType,
      "x-edge-metrics-bridge": `discovery-cache; age=${Math.round((Date.now() - doc.storedAt) / 1000)}`,
    },
  });
}

export async function handleBridgeRequest(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const e = env as BridgeEnv;
  const pathAndQuery = rawPathAndQuery(request.url);
  const pathname = new URL(request.url).pathname;

  if (request.method !== "GET" && request.method !== "HEAD") {
    return status(403, "Forbidden", `the bridge forwards reads only; ${request.method} is not allowed here (write to the Worker's public API)`);
  }
  if (HEALTH.has(pathname)) return new Response("ok", { status: 200, headers: { "content-type": "text/plain" } });
  if (pathname === "/apis" || pathname === "/apis/") {
    return status(404, "NotFound", "aggregated discovery is not served; use /apis/<group>/<version>");
  }

  const groupVersion = discoveryGroupVersion(pathname);
  if (groupVersion) {
    if (Date.now() < state.downUntil) {
      probeInBackground(e, request, ctx);
      return fromCache(groupVersion);
    }
    try {
      return await refreshDiscovery(e, groupVersion, pathAndQuery, request);
    } catch (err) {
      markDown((err as Error).message);
      return fromCache(groupVersion);
    }
  }

  const isRead = READ_PREFIXES.some((p) => pathname.startsWith(p));
  const isOpenApi = pathname.startsWith("/openapi/");
  if (!isRead && !isOpenApi) return status(404, "NotFound", `the server could not find the requested resource: ${pathname}`);

  const unavailable = (why: string) =>
    isOpenApi
      ? status(404, "NotFound", `OpenAPI is not available while the upstream is unreachable: ${why}`)
      : status(503, "ServiceUnavailable", `metrics upstream unavailable: ${why}`);

  if (Date.now() < state.downUntil) {
    probeInBackground(e, request, ctx);
    return unavailable(`${state.lastError} (retrying in the background)`);
  }
  let res: Response;
  try {
    res = await forward(e, pathAndQuery, request);
  } catch (err) {
    markDown((err as Error).message);
    return unavailable((err as Error).message);
  }
  if (isUpstreamFailure(res)) {
    markDown(`upstream answered ${res.status}`);
    return unavailable(`upstream answered ${res.status}`);
  }
  markUp();
  return res;
}
