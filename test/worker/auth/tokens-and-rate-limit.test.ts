// Token specs, scope matching, and the two rate limiters behind one port.
import { describe, expect, it } from "vitest";
import { BindingRateLimiter, TokenBucketLimiter, parseRateLimit } from "../../../src/auth/rate-limit";
import { findToken, globMatch, parseTokenSpecs, scopeProblem, sha256Hex } from "../../../src/auth/tokens";

describe("WRITE_TOKENS parsing", () => {
  it("defaults metrics to * and operations to write, and refuses malformed entries with the entry named", async () => {
    const sha = await sha256Hex("t");
    expect(parseTokenSpecs(JSON.stringify([{ name: "a", sha256: sha, namespaces: ["x"] }]))).toStrictEqual([
      { name: "a", sha256: sha, namespaces: ["x"], metrics: ["*"], operations: ["write"] },
    ]);
    expect(() => parseTokenSpecs("{")).toThrow(/WRITE_TOKENS is not valid JSON/);
    expect(() => parseTokenSpecs(JSON.stringify([{ name: "a", sha256: "nothex", namespaces: ["x"] }]))).toThrow("WRITE_TOKENS[0].sha256 must be 64 lowercase hex digits");
    expect(() => parseTokenSpecs(JSON.stringify([{ name: "a", sha256: sha, namespaces: [] }]))).toThrow("WRITE_TOKENS[0].namespaces must be a non-empty array of strings");
    expect(() => parseTokenSpecs(JSON.stringify([{ name: "a", sha256: sha, namespaces: ["x"], operations: ["admin"] }]))).toThrow(`unknown operation "admin"`);
  });

  it("finds a token by its hash and nothing else", async () => {
    const specs = parseTokenSpecs(JSON.stringify([{ name: "a", sha256: await sha256Hex("secret-a"), namespaces: ["x"] }]));
    expect((await findToken(specs, "secret-a"))?.name).toBe("a");
    expect(await findToken(specs, "secret-b")).toBeNull();
    expect(await findToken(specs, await sha256Hex("secret-a"))).toBeNull();
  });
});

describe("scopes", () => {
  const spec = { name: "t", sha256: "", namespaces: ["team-*", "@cluster"], metrics: ["http_*"], operations: ["write" as const] };
  it.each([
    [{ operation: "write", namespace: "team-a", metric: "http_x" }, null],
    [{ operation: "write", namespace: "", metric: "http_x" }, null],
    [{ operation: "write", namespace: "other", metric: "http_x" }, `token "t" does not cover namespace "other" (it covers: team-*, @cluster)`],
    [{ operation: "write", namespace: "team-a", metric: "cpu" }, `token "t" does not cover metric "cpu" (it covers: http_*)`],
    [{ operation: "delete", namespace: "team-a", metric: "http_x" }, `token "t" does not allow the delete operation (it allows: write)`],
    [{ operation: "write", namespace: null, metric: null }, `token "t" is limited to namespaces team-*, @cluster; this request spans all namespaces`],
  ] as const)("%o → %s", (request, expected) => {
    expect(scopeProblem(spec, request)).toBe(expected);
  });

  it("globs are literal except *", () => {
    expect(globMatch("a.b*", "a.bc")).toBe(true);
    expect(globMatch("a.b*", "axbc")).toBe(false);
    expect(globMatch("*-prod", "web-prod")).toBe(true);
    expect(globMatch("team-*", "@cluster")).toBe(false);
  });
});

describe("rate limiters", () => {
  it("token bucket: a burst of `requests`, then Retry-After until refilled", async () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(parseRateLimit("2/10"), () => now);
    expect((await limiter.limit("k")).success).toBe(true);
    expect((await limiter.limit("k")).success).toBe(true);
    expect(await limiter.limit("k")).toStrictEqual({ success: false, retryAfterSeconds: 5 });
    expect((await limiter.limit("other")).success).toBe(true);
    now = 5_000;
    expect((await limiter.limit("k")).success).toBe(true);
  });

  it("the Workers rate-limiting binding is used as-is, with the period as Retry-After", async () => {
    const calls: string[] = [];
    const limiter = new BindingRateLimiter({ limit: async ({ key }) => (calls.push(key), { success: calls.length < 2 }) }, 60);
    expect(await limiter.limit("a")).toStrictEqual({ success: true, retryAfterSeconds: 0 });
    expect(await limiter.limit("a")).toStrictEqual({ success: false, retryAfterSeconds: 60 });
    expect(calls).toStrictEqual(["a", "a"]);
  });

  it("refuses a malformed WRITE_RATE_LIMIT", () => {
    expect(() => parseRateLimit("fast")).toThrow(`WRITE_RATE_LIMIT must look like "3000/60"`);
  });
});
