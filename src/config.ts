/**
 * Reads vars and secrets into a typed configuration, once per distinct environment (the parsed result is
 * memoised on the raw strings, so per-request cost is a map lookup). A malformed value is a deployment
 * mistake, so it fails loudly (500 naming the variable) rather than silently falling back.
 */
import type { Env } from "./env";
import { DEFAULT_FRESHNESS, type FreshnessOptions } from "./domain/sample-input";
import { parseTokenSpecs, type TokenSpec } from "./auth/tokens";
import { parseRateLimit, type RateLimitSpec } from "./auth/rate-limit";

export type Deployment = "dev" | "cloudflare" | "edge" | "bridge";

export interface Limits {
  /** Request body bytes, after decompression. */
  readonly maxBodyBytes: number;
  readonly maxBatchSamples: number;
  /** Stored series (object + external) per namespace partition. */
  readonly maxSeriesPerNamespace: number;
}

export interface Config {
  readonly deployment: Deployment;
  readonly freshness: FreshnessOptions;
  readonly readToken: string | null;
  readonly tokens: readonly TokenSpec[];
  readonly writeRateLimit: RateLimitSpec;
  readonly readMtlsIssuerSki: string | null;
  readonly limits: Limits;
}

export const DEFAULT_LIMITS: Limits = { maxBodyBytes: 8 * 1024 * 1024, maxBatchSamples: 10_000, maxSeriesPerNamespace: 200_000 };
export const DEFAULT_WRITE_RATE_LIMIT = "3000/60";

const memo = new Map<string, Config>();

function positiveInteger(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer from 1 to ${max}; got "${raw}"`);
  return n;
}

export function readConfig(env: Partial<Env>): Config {
  const key = JSON.stringify([env.DEPLOYMENT, env.DEFAULT_TTL_SECONDS, env.READ_TOKEN, env.WRITE_TOKENS, env.WRITE_RATE_LIMIT, env.MAX_SERIES_PER_NAMESPACE, env.READ_MTLS_ISSUER_SKI]);
  const cached = memo.get(key);
  if (cached) return cached;
  const deployment = (env.DEPLOYMENT ?? "dev") as Deployment;
  if (!["dev", "cloudflare", "edge", "bridge"].includes(deployment)) {
    throw new Error(`DEPLOYMENT must be one of dev, cloudflare, edge, bridge; got "${env.DEPLOYMENT}"`);
  }
  const config: Config = {
    deployment,
    freshness: {
      ...DEFAULT_FRESHNESS,
      defaultTtlSeconds: positiveInteger("DEFAULT_TTL_SECONDS", env.DEFAULT_TTL_SECONDS, DEFAULT_FRESHNESS.defaultTtlSeconds, DEFAULT_FRESHNESS.maxTtlSeconds),
    },
    readToken: env.READ_TOKEN ? env.READ_TOKEN : null,
    tokens: parseTokenSpecs(env.WRITE_TOKENS),
    writeRateLimit: parseRateLimit(env.WRITE_RATE_LIMIT || DEFAULT_WRITE_RATE_LIMIT),
    readMtlsIssuerSki: env.READ_MTLS_ISSUER_SKI ? env.READ_MTLS_ISSUER_SKI.replace(/:/g, "").toLowerCase() : null,
    limits: {
      ...DEFAULT_LIMITS,
      maxSeriesPerNamespace: positiveInteger("MAX_SERIES_PER_NAMESPACE", env.MAX_SERIES_PER_NAMESPACE, DEFAULT_LIMITS.maxSeriesPerNamespace, 50_000_000),
    },
  };
  if (memo.size > 16) memo.clear();
  memo.set(key, config);
  return config;
}
