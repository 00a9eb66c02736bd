/**
 * Reads vars and secrets into a typed configuration, once per distinct environment (the parsed result is
 * memoised on the raw strings, so per-request cost is a map lookup). A malformed value is a deployment
 * mistake, so it fails loudly — a ConfigError, which the error handler answers with a 500 naming the
 * variable — rather than silently falling back to a default.
 */
import type { Env } from "./env";
import { DEFAULT_FRESHNESS, type FreshnessOptions } from "./domain/freshness";
import { parseTokenSpecs, type TokenSpec } from "./auth/tokens";
import { parseRateLimit, type RateLimitSpec } from "./auth/rate-limit";
import { parseGroupResource } from "./domain/group-resource";
import {
  DEFAULT_NAMESPACE_LABELS,
  DEFAULT_OBJECT_LABELS,
  DEFAULT_RATE_WINDOW_SECONDS,
  DEFAULT_SCRAPE_LABELS,
  type MappingConfig,
} from "./ingest/mapping";
import { DEFAULT_CLAIM_HOLD_SECONDS } from "./store/catalog-tables";
import { MAX_RATE_WINDOW_MS } from "./store/counter-history";

export type Deployment = "dev" | "cloudflare" | "edge" | "bridge";
const DEPLOYMENTS: readonly Deployment[] = ["dev", "cloudflare", "edge", "bridge"];

/** A variable that cannot be used as given. */
export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(message.startsWith(variable) ? message : `${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

export interface Limits {
  /** Request body bytes, after decompression. */
  readonly maxBodyBytes: number;
  readonly maxBatchSamples: number;
  /** Stored series (object + external) per namespace partition. */
  readonly maxSeriesPerNamespace: number;
  /** Distinct metric identities (what discovery lists) per namespace, and over all namespaces. */
  readonly maxMetricsPerNamespace: number;
  readonly maxMetrics: number;
  /** Namespaces (partitions, cluster scope included) holding metrics at once. */
  readonly maxNamespaces: number;
  /** Namespaces one write request may touch. */
  readonly maxNamespacesPerWrite: number;
  /** How long a CRD's scope claim outlives its holder's last write (store/catalog-tables.ts). */
  readonly scopeClaimHoldSeconds: number;
}

export interface BridgeConfig {
  /** Base URL of the Worker reads are forwarded to, without a trailing slash; "" when not configured. */
  readonly upstreamUrl: string;
  readonly upstreamTimeoutMs: number;
}

export interface Config {
  readonly deployment: Deployment;
  readonly freshness: FreshnessOptions;
  readonly readToken: string | null;
  readonly tokens: readonly TokenSpec[];
  readonly writeRateLimit: RateLimitSpec;
  readonly readRateLimit: RateLimitSpec;
  readonly readMtlsIssuerSki: string | null;
  readonly limits: Limits;
  readonly bridge: BridgeConfig;
  /** How the ingestion protocols map labelled series to objects (ingest/mapping.ts). */
  readonly mapping: MappingConfig;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 8 * 1024 * 1024,
  maxBatchSamples: 10_000,
  maxSeriesPerNamespace: 200_000,
  maxMetricsPerNamespace: 500,
  maxMetrics: 5_000,
  maxNamespaces: 1_000,
  maxNamespacesPerWrite: 100,
  scopeClaimHoldSeconds: DEFAULT_CLAIM_HOLD_SECONDS,
};
export const DEFAULT_WRITE_RATE_LIMIT = "3000/60";
export const DEFAULT_READ_RATE_LIMIT = "6000/60";
/** Requests one credential may have in flight at once, and of those, requests with large bodies. */
export const MAX_IN_FLIGHT_PER_CREDENTIAL = 16;
export const MAX_HEAVY_IN_FLIGHT_PER_CREDENTIAL = 2;
/** A body above this size (or of unknown size) makes a request heavy. */
export const HEAVY_BODY_BYTES = 256 * 1024;
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 2000;

const memo = new Map<string, Config>();

function positiveInteger(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ConfigError(name, `${name} must be an integer from 1 to ${max}; got "${raw}"`);
  return n;
}

/** Runs a parser whose errors name the variable, turning them into ConfigErrors. */
function parsed<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw e instanceof ConfigError ? e : new ConfigError(name, (e as Error).message);
  }
}

function upstreamUrl(raw: string | undefined): string {
  if (!raw) return "";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("UPSTREAM_URL", `UPSTREAM_URL must be an absolute http(s) URL; got "${raw}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new ConfigError("UPSTREAM_URL", `UPSTREAM_URL must use https (or http for a local upstream); got "${raw}"`);
  return raw.replace(/\/+$/, "");
}

/**
 * OBJECT_LABELS: a JSON array of `[label, resource]` pairs, in priority order, replacing the default list
 * (ingest/mapping.ts DEFAULT_OBJECT_LABELS); e.g. `[["pod","pods"],["rollout","rollouts.argoproj.io"]]`.
 */
function objectLabelRules(raw: string | undefined): MappingConfig["objectLabels"] {
  let pairs: readonly (readonly [string, string])[] = DEFAULT_OBJECT_LABELS;
  if (raw !== undefined && raw.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      throw new ConfigError("OBJECT_LABELS", `OBJECT_LABELS is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed) || parsed.some((p) => !Array.isArray(p) || p.length !== 2 || typeof p[0] !== "string" || typeof p[1] !== "string" || p[0] === "")) {
      throw new ConfigError("OBJECT_LABELS", `OBJECT_LABELS must be a JSON array of ["label", "resource"] pairs, e.g. [["pod","pods"],["deployment","deployments.apps"]]`);
    }
    pairs = parsed as [string, string][];
  }
  return pairs.map(([label, resource]) => {
    try {
      return { label, resource: parseGroupResource(resource) };
    } catch (e) {
      throw new ConfigError("OBJECT_LABELS", `OBJECT_LABELS: label "${label}": ${(e as Error).message}`);
    }
  });
}

/** The env object is the same for every request of an isolate: parse once per object, then once per content. */
const byObject = new WeakMap<object, Config>();

export function readConfig(env: Partial<Env>): Config {
  const known = byObject.get(env);
  if (known) return known;
  const config = readConfigUncached(env);
  byObject.set(env, config);
  return config;
}

function readConfigUncached(env: Partial<Env>): Config {
  const key = JSON.stringify([
    env.DEPLOYMENT, env.DEFAULT_TTL_SECONDS, env.READ_TOKEN, env.WRITE_TOKENS, env.WRITE_RATE_LIMIT, env.MAX_SERIES_PER_NAMESPACE,
    env.READ_MTLS_ISSUER_SKI, env.UPSTREAM_URL, env.UPSTREAM_TIMEOUT_MS, env.MAX_METRICS_PER_NAMESPACE, env.MAX_METRICS, env.MAX_NAMESPACES,
    env.READ_RATE_LIMIT, env.OBJECT_LABELS, env.RATE_WINDOW_SECONDS, env.SCOPE_CLAIM_HOLD_SECONDS,
  ]);
  const cached = memo.get(key);
  if (cached) return cached;
  const deployment = (env.DEPLOYMENT ?? "dev") as Deployment;
  if (!DEPLOYMENTS.includes(deployment)) {
    throw new ConfigError("DEPLOYMENT", `DEPLOYMENT must be one of ${DEPLOYMENTS.join(", ")}; got "${env.DEPLOYMENT}"`);
  }
  const config: Config = {
    deployment,
    freshness: {
      ...DEFAULT_FRESHNESS,
      defaultTtlSeconds: positiveInteger("DEFAULT_TTL_SECONDS", env.DEFAULT_TTL_SECONDS, DEFAULT_FRESHNESS.defaultTtlSeconds, DEFAULT_FRESHNESS.maxTtlSeconds),
    },
    readToken: env.READ_TOKEN ? env.READ_TOKEN : null,
    tokens: parsed("WRITE_TOKENS", () => parseTokenSpecs(env.WRITE_TOKENS)),
    writeRateLimit: parsed("WRITE_RATE_LIMIT", () => parseRateLimit(env.WRITE_RATE_LIMIT || DEFAULT_WRITE_RATE_LIMIT, "WRITE_RATE_LIMIT")),
    readRateLimit: parsed("READ_RATE_LIMIT", () => parseRateLimit(env.READ_RATE_LIMIT || DEFAULT_READ_RATE_LIMIT, "READ_RATE_LIMIT")),
    readMtlsIssuerSki: env.READ_MTLS_ISSUER_SKI ? env.READ_MTLS_ISSUER_SKI.replace(/:/g, "").toLowerCase() : null,
    limits: {
      ...DEFAULT_LIMITS,
      maxSeriesPerNamespace: positiveInteger("MAX_SERIES_PER_NAMESPACE", env.MAX_SERIES_PER_NAMESPACE, DEFAULT_LIMITS.maxSeriesPerNamespace, 50_000_000),
      maxMetricsPerNamespace: positiveInteger("MAX_METRICS_PER_NAMESPACE", env.MAX_METRICS_PER_NAMESPACE, DEFAULT_LIMITS.maxMetricsPerNamespace, 100_000),
      maxMetrics: positiveInteger("MAX_METRICS", env.MAX_METRICS, DEFAULT_LIMITS.maxMetrics, 100_000),
      maxNamespaces: positiveInteger("MAX_NAMESPACES", env.MAX_NAMESPACES, DEFAULT_LIMITS.maxNamespaces, 100_000),
      scopeClaimHoldSeconds: positiveInteger("SCOPE_CLAIM_HOLD_SECONDS", env.SCOPE_CLAIM_HOLD_SECONDS, DEFAULT_CLAIM_HOLD_SECONDS, 7 * 24 * 3600),
    },
    mapping: {
      objectLabels: objectLabelRules(env.OBJECT_LABELS),
      namespaceLabels: DEFAULT_NAMESPACE_LABELS,
      scrapeLabels: DEFAULT_SCRAPE_LABELS,
      rateWindowSeconds: positiveInteger("RATE_WINDOW_SECONDS", env.RATE_WINDOW_SECONDS, DEFAULT_RATE_WINDOW_SECONDS, MAX_RATE_WINDOW_MS / 1000),
    },
    bridge: {
      upstreamUrl: upstreamUrl(env.UPSTREAM_URL),
      upstreamTimeoutMs: positiveInteger("UPSTREAM_TIMEOUT_MS", env.UPSTREAM_TIMEOUT_MS, DEFAULT_UPSTREAM_TIMEOUT_MS, 60_000),
    },
  };
  if (memo.size > 16) memo.clear();
  memo.set(key, config);
  return config;
}
