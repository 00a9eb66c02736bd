/**
 * The Worker's bindings, identical in the three ways to run the bundle: `wrangler dev`/Cloudflare (vars +
 * secrets), and self-hosted workerd (bindings in the generated config). Values are strings because that is
 * what every one of those sources can express; config.ts turns them into typed settings.
 */
import type { MetricsStore } from "./store/metrics-object";
import type { RateLimitBinding } from "./auth/rate-limit";

export interface Env {
  /** SQLite-backed Durable Object namespace that holds every metric (absent in the bridge). */
  METRICS: DurableObjectNamespace<MetricsStore>;
  /** Which way the bundle runs (dev, cloudflare, edge, bridge); decides whether the socket header is trusted. */
  DEPLOYMENT?: string;
  /** Freshness applied to a value written without `ttlSeconds`. Default 300. */
  DEFAULT_TTL_SECONDS?: string;
  /** Bearer token that authorizes metric reads on the public side (Cloudflare, edge public socket). */
  READ_TOKEN?: string;
  /** Bridge only: base URL of the Worker on Cloudflare (or `wrangler dev`) that reads are forwarded to. */
  UPSTREAM_URL?: string;
  /** Bridge only: per-request upstream timeout in ms. Default 2000. */
  UPSTREAM_TIMEOUT_MS?: string;
  /** JSON array of scoped tokens, stored as SHA-256 hashes (auth/tokens.ts). `npm run cli -- token create`. */
  WRITE_TOKENS?: string;
  /** Per-credential write rate, "requests/seconds". Default "3000/60". */
  WRITE_RATE_LIMIT?: string;
  /** Quota on stored series per namespace (object + external). Default 200000. */
  MAX_SERIES_PER_NAMESPACE?: string;
  /** Distinct metrics (discovery entries) per namespace. Default 500. */
  MAX_METRICS_PER_NAMESPACE?: string;
  /** Distinct metrics over all namespaces: bounds the discovery document. Default 5000. */
  MAX_METRICS?: string;
  /** Namespaces holding metrics at once (each is a Durable Object). Default 1000. */
  MAX_NAMESPACES?: string;
  /** Per-credential read rate, "requests/seconds". Default "6000/60". */
  READ_RATE_LIMIT?: string;
  /** Ingestion: JSON `[label, resource]` pairs naming the described object (ingest/mapping.ts has the default). */
  OBJECT_LABELS?: string;
  /** How long a CRD's scope claim outlives its holder's last write, in seconds. Default 300. */
  SCOPE_CLAIM_HOLD_SECONDS?: string;
  /** Ingestion: the rate() window counters are served over, in seconds. Default 60. */
  RATE_WINDOW_SECONDS?: string;
  /** Cloudflare mTLS for reads: the issuer SKI (hex) a client certificate must chain to. */
  READ_MTLS_ISSUER_SKI?: string;
  /** One log line per request (http/request-log.ts): "on" or "off"; default on for DEPLOYMENT edge and bridge. */
  REQUEST_LOG?: string;
  /** Cloudflare rate-limiting binding; absent on workerd, where an in-isolate token bucket does the job. */
  WRITE_RATE_LIMITER?: RateLimitBinding;
}

/**
 * Header that workerd's `injectRequestHeaders` sets on every request of a socket (`aggregator` or `public`),
 * removing whatever a client sent under that name. Trusted only when DEPLOYMENT is "edge" or "bridge";
 * on Cloudflare anyone could send it, so it is ignored there.
 */
export const SOCKET_HEADER = "x-edge-metrics-socket";
