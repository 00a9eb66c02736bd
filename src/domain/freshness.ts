/**
 * How long a value stays servable. Every value expires: an HPA must never scale on a number nobody is
 * sending any more. Expiry counts from the value's own timestamp (a value is as old as its writer says),
 * and a writer's clock may run ahead of ours by at most MAX_CLOCK_SKEW_MS.
 */
export const MAX_CLOCK_SKEW_MS = 60_000;

export interface FreshnessOptions {
  /** TTL for a value written without ttlSeconds. */
  readonly defaultTtlSeconds: number;
  /** Upper bound on ttlSeconds. */
  readonly maxTtlSeconds: number;
}

export const DEFAULT_FRESHNESS: FreshnessOptions = { defaultTtlSeconds: 300, maxTtlSeconds: 7 * 24 * 3600 };
