/**
 * Write rate limiting per credential. On Cloudflare the rate-limiting binding counts per location
 * (permissive, eventually consistent); on self-hosted workerd, `wrangler dev` and in tests a token bucket in
 * the isolate does the same job exactly, since one workerd process serves every request. Both sit behind
 * one small port so the HTTP layer does not care which it has.
 */
export interface RateLimitResult {
  readonly success: boolean;
  /** Seconds until a retry can succeed (for Retry-After); 0 when allowed. */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  limit(key: string): Promise<RateLimitResult>;
}

export interface RateLimitSpec {
  readonly requests: number;
  readonly periodSeconds: number;
}

/** "3000/60" → 3000 requests per 60 seconds; `variable` names the setting in the error. */
export function parseRateLimit(text: string, variable = "WRITE_RATE_LIMIT"): RateLimitSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const requests = m ? Number(m[1]) : NaN;
  const periodSeconds = m ? Number(m[2]) : NaN;
  if (!m || requests < 1 || periodSeconds < 1) throw new Error(`${variable} must look like "3000/60" (requests/seconds); got "${text}"`);
  return { requests, periodSeconds };
}

const MAX_BUCKETS = 10_000;

/** Token bucket: `requests` burst, refilled continuously over `periodSeconds`. */
export class TokenBucketLimiter implements RateLimiter {
  readonly #spec: RateLimitSpec;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(spec: RateLimitSpec, now: () => number = Date.now) {
    this.#spec = spec;
    this.#now = now;
  }

  async limit(key: string): Promise<RateLimitResult> {
    const now = this.#now();
    const rate = this.#spec.requests / (this.#spec.periodSeconds * 1000);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = { tokens: this.#spec.requests, at: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.#spec.requests, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { success: true, retryAfterSeconds: 0 };
    }
    return { success: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate / 1000)) };
  }
}

/** The Workers rate-limiting binding (`[[ratelimits]]` in wrangler.toml). */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export class BindingRateLimiter implements RateLimiter {
  constructor(readonly binding: RateLimitBinding, readonly periodSeconds: number) {}
  async limit(key: string): Promise<RateLimitResult> {
    const { success } = await this.binding.limit({ key });
    return { success, retryAfterSeconds: success ? 0 : this.periodSeconds };
  }
}

/**
 * Requests in flight per key, in this isolate. A credential that already has `max` requests being served
 * gets a refusal instead of a place in the queue of the one thread they all share, so a flood of heavy
 * requests from one holder cannot push everyone else's answers out by more than `max` requests' work.
 */
export class InFlightLimiter {
  readonly #inFlight = new Map<string, number>();
  constructor(readonly max: number) {}

  /** A release function, or null when `key` is at its limit. */
  acquire(key: string): (() => void) | null {
    const n = this.#inFlight.get(key) ?? 0;
    if (n >= this.max) return null;
    this.#inFlight.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inFlight.get(key) ?? 1) - 1;
      if (left <= 0) this.#inFlight.delete(key);
      else this.#inFlight.set(key, left);
    };
  }
}
