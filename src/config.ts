/**
 * Reads vars and secrets once into a typed configuration. A malformed value is a deployment mistake, so it
 * fails loudly (500 with the reason) rather than silently falling back.
 */
import type { Env } from "./env";
import { DEFAULT_FRESHNESS, type FreshnessOptions } from "./domain/sample-input";

export type Deployment = "dev" | "cloudflare" | "edge" | "bridge";

export interface Config {
  readonly deployment: Deployment;
  readonly freshness: FreshnessOptions;
  readonly readToken: string | null;
  /** Upper bounds on what one request may carry. */
  readonly limits: { readonly maxBodyBytes: number; readonly maxBatchSamples: number };
}

export const DEFAULT_LIMITS = { maxBodyBytes: 8 * 1024 * 1024, maxBatchSamples: 10_000 } as const;

export function readConfig(env: Partial<Env>): Config {
  const deployment = (env.DEPLOYMENT ?? "dev") as Deployment;
  if (!["dev", "cloudflare", "edge", "bridge"].includes(deployment)) {
    throw new Error(`DEPLOYMENT must be one of dev, cloudflare, edge, bridge; got "${env.DEPLOYMENT}"`);
  }
  const ttl = env.DEFAULT_TTL_SECONDS === undefined ? DEFAULT_FRESHNESS.defaultTtlSeconds : Number(env.DEFAULT_TTL_SECONDS);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > DEFAULT_FRESHNESS.maxTtlSeconds) {
    throw new Error(`DEFAULT_TTL_SECONDS must be an integer from 1 to ${DEFAULT_FRESHNESS.maxTtlSeconds}; got "${env.DEFAULT_TTL_SECONDS}"`);
  }
  return {
    deployment,
    freshness: { ...DEFAULT_FRESHNESS, defaultTtlSeconds: ttl },
    readToken: env.READ_TOKEN ? env.READ_TOKEN : null,
    limits: DEFAULT_LIMITS,
  };
}
