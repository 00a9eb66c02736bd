/**
 * The bridge: the bundle running on self-hosted workerd (DEPLOYMENT=bridge) behind the aggregator socket, which
 * has already verified the front-proxy client certificate. It forwards reads to the Worker on Cloudflare
 * (UPSTREAM_URL) with the read token and keeps no state except the last good discovery documents:
 *
 * - discovery (`GET /apis/<group>/<version>` of a served API, k8s/apis.ts): forwarded; a 2xx is cached. If the
 *   upstream fails (network error, timeout, non-2xx) the cached copy is served — or, before the first success,
 *   an empty APIResourceList — so the APIService stays Available and namespace deletion in the cluster never
 *   hangs on us.
 * - metric reads: forwarded; the upstream's status, content-type and body pass through byte for byte. If the
 *   upstream cannot be reached in time, a 503 Status answers at once.
 * - `/apis` → 404 Status locally (so kube-aggregator falls back to the per-version documents), health probes → 200
 *   locally, `/openapi/*` answered locally from the same code as the Worker's (http/openapi.ts bridgeOpenApiApp:
 *   the documents depend only on the code, and must not be missing when the aggregator first asks), anything that
 *   is not a read → 403 Status.
 *
 * After a failure the upstream is considered down for DOWN_BACKOFF_MS: discovery answers from the cache without
 * waiting and metric reads get 503 immediately, while one background request checks whether it is back.
 *
 * Nothing the upstream sends can exhaust the bridge: metric reads stream through with a byte cap
 * (MAX_READ_BYTES; past it the stream is cut), discovery documents are read up to MAX_DISCOVERY_BYTES and
 * cached only when they are a well-formed APIResourceList for the group/version asked — a 2xx with anything
 * else is treated as an upstream failure, so a garbage answer never replaces the last good document.
 */
import { Hono, type Context } from "hono";
import { readConfig, type BridgeConfig } from "../config";
import { systemClock, type Clock } from "../domain/clock";
import { forbidden, MetricsError, notFound } from "../domain/errors";
import type { Env } from "../env";
import { onError, onNotFound, statusResponse } from "../http/errors";
import { bridgeOpenApiApp } from "../http/openapi";
import { discoveryApiOf, HEALTH_PATHS, SERVED_APIS, servedApiOf, type ServedApi } from "../k8s/apis";

const DOWN_BACKOFF_MS = 5000;
/** A Pods read over 10,000 pods is about 3 MB; anything far beyond is not an answer we want to relay. */
const MAX_READ_BYTES = 32 * 1024 * 1024;
/** Discovery is bounded by MAX_METRICS on the upstream (about 0.6 MB at the default). */
const MAX_DISCOVERY_BYTES = 8 * 1024 * 1024;

interface CachedDocument {
  body: string;
  storedAt: number;
}

interface BridgeEnv {
  Bindings: Env;
  Variables: { bridge: BridgeConfig; readToken: string | null };
}

class UpstreamError extends Error {}

/** Path and query exactly as received (no re-encoding), e.g. `/apis/custom.metrics.k8s.io/v1beta2/...?labelSelector=a%3Db`. */
export function rawPathAndQuery(url: string): string {
  const afterScheme = url.indexOf("//");
  const slash = url.indexOf("/", afterScheme + 2);
  return slash < 0 ? "/" : url.slice(slash);
}

function emptyResourceList(api: ServedApi): Response {
  const body = { kind: "APIResourceList", apiVersion: "v1", groupVersion: api.groupVersion, resources: [] };
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": "application/json", "x-edge-metrics-bridge": "discovery-placeholder" },
  });
}

/** A 5xx that is not JSON (a Cloudflare error page, a proxy's 502/503/504) means "not reachable"; a JSON Status is an answer. */
function isUpstreamFailure(res: Response): boolean {
  return res.status >= 500 && !(res.headers.get("content-type") ?? "").includes("json");
}

/**
 * Upstream health and the discovery cache, for one isolate (workerd runs one isolate per worker, so this
 * lives as long as the process).
 */
class Upstream {
  readonly #discovery = new Map<string, CachedDocument>();
  #downUntil = 0;
  #lastError = "";
  #probing: Promise<void> | null = null;

  constructor(private readonly clock: Clock) {}

  isDown(): boolean {
    return this.clock() < this.#downUntil;
  }

  get lastError(): string {
    return this.#lastError;
  }

  markDown(reason: string): void {
    this.#downUntil = this.clock() + DOWN_BACKOFF_MS;
    this.#lastError = reason;
    console.error(`edge-metrics bridge: upstream unavailable: ${reason}`);
  }

  markUp(): void {
    if (this.#downUntil) console.log("edge-metrics bridge: upstream reachable again");
    this.#downUntil = 0;
    this.#lastError = "";
  }

  /** The upstream's answer, its body streamed through a byte cap (not read here). */
  async forward(config: BridgeConfig, readToken: string | null, pathAndQuery: string, request: Request, maxBytes: number): Promise<Response> {
    if (!config.upstreamUrl) throw new UpstreamError("UPSTREAM_URL is not configured");
    const timeout = config.upstreamTimeoutMs;
    const headers = new Headers({ accept: request.headers.get("accept") ?? "application/json" });
    if (readToken) headers.set("authorization", `Bearer ${readToken}`);
    const ua = request.headers.get("user-agent");
    if (ua) headers.set("user-agent", `${ua} edge-metrics-bridge`);
    let res: Response;
    try {
      // The deadline covers the body as well: the signal aborts the stream if it stalls.
      res = await fetch(config.upstreamUrl + pathAndQuery, { method: "GET", headers, redirect: "manual", signal: AbortSignal.timeout(timeout) });
    } catch (e) {
      const err = e as Error;
      const why = err?.name === "TimeoutError" || err?.name === "AbortError" ? `no answer within ${timeout} ms` : String(err?.message ?? err);
      throw new UpstreamError(why);
    }
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw new UpstreamError(`upstream answered ${declared} bytes, more than the ${maxBytes} the bridge relays`);
    }
    const body = res.body === null ? null : res.body.pipeThrough(byteCap(maxBytes));
    return new Response(body, { status: res.status, headers: { "content-type": res.headers.get("content-type") ?? "application/octet-stream" } });
  }

  /** Fetches one discovery document; caches and returns it only if it is a well-formed APIResourceList for `api`. */
  async refreshDiscovery(config: BridgeConfig, readToken: string | null, api: ServedApi, pathAndQuery: string, request: Request): Promise<Response> {
    const res = await this.forward(config, readToken, pathAndQuery, request, MAX_DISCOVERY_BYTES);
    if (res.status < 200 || res.status >= 300) {
      await res.body?.cancel().catch(() => {});
      throw new UpstreamError(`upstream answered ${res.status} for ${pathAndQuery}`);
    }
    let body: string;
    try {
      body = await res.text();
    } catch (e) {
      throw new UpstreamError(`upstream discovery for ${api.groupVersion} could not be read: ${(e as Error).message}`);
    }
    const problem = resourceListProblem(body, api);
    if (problem) throw new UpstreamError(`upstream discovery for ${api.groupVersion} is not usable: ${problem}`);
    this.#discovery.set(api.groupVersion, { body, storedAt: this.clock() });
    this.markUp();
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  }

  /** One background request at a time checks whether the upstream is back (and refreshes discovery). */
  probeInBackground(config: BridgeConfig, readToken: string | null, request: Request, ctx: { waitUntil(p: Promise<unknown>): void }): void {
    if (this.#probing) return;
    this.#probing = (async () => {
      for (const api of SERVED_APIS) {
        try {
          await this.refreshDiscovery(config, readToken, api, api.path, request);
        } catch (e) {
          this.markDown((e as Error).message);
          return;
        }
      }
    })().finally(() => {
      this.#probing = null;
    });
    ctx.waitUntil(this.#probing);
  }

  fromCache(api: ServedApi): Response {
    const doc = this.#discovery.get(api.groupVersion);
    if (!doc) return emptyResourceList(api);
    return new Response(doc.body, {
      status: 200,
      headers: {
        "content-type": "application/json",
        "x-edge-metrics-bridge": `discovery-cache; age=${Math.round((this.clock() - doc.storedAt) / 1000)}`,
      },
    });
  }
}

/** Passes at most `max` bytes, then errors the stream (the client sees a cut answer, never a partial "success"). */
function byteCap(max: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > max) controller.error(new UpstreamError(`upstream answer exceeds ${max} bytes`));
      else controller.enqueue(chunk);
    },
  });
}

/** Why `text` is not an APIResourceList for `api` (kind, apiVersion, groupVersion, resources[] with names), or null. */
export function resourceListProblem(text: string, api: ServedApi): string | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  const d = doc as { kind?: unknown; apiVersion?: unknown; groupVersion?: unknown; resources?: unknown };
  if (d === null || typeof d !== "object") return "not a JSON object";
  if (d.kind !== "APIResourceList" || d.apiVersion !== "v1") return `kind/apiVersion is ${JSON.stringify(d.kind)}/${JSON.stringify(d.apiVersion)}, not APIResourceList/v1`;
  if (d.groupVersion !== api.groupVersion) return `groupVersion is ${JSON.stringify(d.groupVersion)}, not "${api.groupVersion}"`;
  if (!Array.isArray(d.resources) || d.resources.some((r) => r === null || typeof r !== "object" || typeof (r as { name?: unknown }).name !== "string")) {
    return "resources is not a list of named resources";
  }
  return null;
}

export interface BridgeDeps {
  clock?: Clock;
}

export function createBridgeApp(deps: BridgeDeps = {}) {
  const upstream = new Upstream(deps.clock ?? systemClock);
  const app = new Hono<BridgeEnv>();
  app.onError(onError);
  app.notFound(onNotFound);

  app.use(async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      throw forbidden(`the bridge forwards reads only; ${c.req.method} is not allowed here (write to the Worker's public API)`);
    }
    const config = readConfig(c.env);
    c.set("bridge", config.bridge);
    c.set("readToken", config.readToken);
    await next();
  });
  for (const path of HEALTH_PATHS) app.get(path, (c) => c.text("ok"));
  app.get("/apis", () => statusResponse("NotFound", "aggregated discovery is not served; use /apis/<group>/<version>"));
  app.get("/apis/", () => statusResponse("NotFound", "aggregated discovery is not served; use /apis/<group>/<version>"));

  const discovery = async (c: Context<BridgeEnv>, api: ServedApi) => {
    const [config, token] = [c.get("bridge"), c.get("readToken")];
    if (upstream.isDown()) {
      upstream.probeInBackground(config, token, c.req.raw, c.executionCtx);
      return upstream.fromCache(api);
    }
    try {
      return await upstream.refreshDiscovery(config, token, api, rawPathAndQuery(c.req.url), c.req.raw);
    } catch (err) {
      upstream.markDown((err as Error).message);
      return upstream.fromCache(api);
    }
  };

  const read = async (c: Context<BridgeEnv>) => {
    const [config, token] = [c.get("bridge"), c.get("readToken")];
    const unavailable = (why: string) => new MetricsError("ServiceUnavailable", `metrics upstream unavailable: ${why}`);
    if (upstream.isDown()) {
      upstream.probeInBackground(config, token, c.req.raw, c.executionCtx);
      throw unavailable(`${upstream.lastError} (retrying in the background)`);
    }
    let res: Response;
    try {
      res = await upstream.forward(config, token, rawPathAndQuery(c.req.url), c.req.raw, MAX_READ_BYTES);
    } catch (err) {
      upstream.markDown((err as Error).message);
      throw unavailable((err as Error).message);
    }
    if (isUpstreamFailure(res)) {
      upstream.markDown(`upstream answered ${res.status}`);
      throw unavailable(`upstream answered ${res.status}`);
    }
    upstream.markUp();
    return res;
  };

  app.route("/openapi", bridgeOpenApiApp<BridgeEnv>());
  app.get("*", (c) => {
    const pathname = new URL(c.req.url).pathname;
    const api = discoveryApiOf(pathname);
    if (api) return discovery(c, api);
    if (servedApiOf(pathname)) return read(c);
    throw notFound(`the server could not find the requested resource: ${pathname}`);
  });
  return app;
}
