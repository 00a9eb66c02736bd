// Scoped tokens, read credentials (read token, Cloudflare mTLS), spoofing, path tricks, rate and quota limits.
// Runs the real app over the real Durable Object binding; configuration is passed the way Cloudflare passes
// vars and secrets.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/auth/tokens";
import type { Env } from "../../../src/env";
import { CM2, EM, client } from "../helpers";

const TEAM_A = "ema_teamA-token-0123456789abcdefghijklmnopqrstuvw";
const READER = "ema_reader-token-0123456789abcdefghijklmnopqrstuv";
const ADMIN = "ema_admin-token-0123456789abcdefghijklmnopqrstuvwx";
const CLUSTER = "ema_cluster-token-0123456789abcdefghijklmnopqrstu";

async function tokensEnv(): Promise<Partial<Env>> {
  return {
    WRITE_TOKENS: JSON.stringify([
      { name: "team-a", sha256: await sha256Hex(TEAM_A), namespaces: ["team-a", "team-a-*"], metrics: ["http_*"], operations: ["write"] },
      { name: "reader", sha256: await sha256Hex(READER), namespaces: ["team-a"], metrics: ["*"], operations: ["read"] },
      { name: "admin", sha256: await sha256Hex(ADMIN), namespaces: ["*"], metrics: ["*"], operations: ["write", "delete", "read"] },
      { name: "nodes", sha256: await sha256Hex(CLUSTER), namespaces: ["@cluster"], metrics: ["*"], operations: ["write"] },
    ]),
  };
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe("write tokens (WRITE_TOKENS, stored as SHA-256 hashes)", async () => {
  const c = client(undefined, { DEPLOYMENT: "cloudflare", READ_TOKEN: "bridge-secret", ...(await tokensEnv()) });
  const read = async (path: string) => (await c.json(c.get(path, bearer(ADMIN)))).status;

  it("no token → 401 with WWW-Authenticate; an unknown token → 401; nothing stored", async () => {
    const a = await c.post("/write-metrics/namespaces/team-a/pods/p/http_rps", "1");
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toBe(`Bearer realm="edge-metrics-adapter", Basic realm="edge-metrics-adapter"`);
    expect(((await a.json()) as any).reason).toBe("Unauthorized");
    const b = await c.json(c.post("/write-metrics/namespaces/team-a/pods/p/http_rps", "1", bearer("ema_nope")));
    expect(b.status).toBe(401);
    expect(b.body.message).toBe("the bearer token is not valid");
    expect(await read(`${CM2}/namespaces/team-a/pods/p/http_rps`)).toBe(404);
  });

  it("a token writes exactly its namespaces and metrics; anything else is a 403 naming the missing scope", async () => {
    expect((await c.post("/write-metrics/namespaces/team-a/pods/p/http_rps", "1", bearer(TEAM_A))).status).toBe(200);
    expect((await c.post("/write-metrics/namespaces/team-a-staging/pods/p/http_rps", "1", bearer(TEAM_A))).status).toBe(200);
    const ns = await c.json(c.post("/write-metrics/namespaces/team-b/pods/p/http_rps", "1", bearer(TEAM_A)));
    expect(ns.status).toBe(403);
    expect(ns.body.message).toBe(`token "team-a" does not cover namespace "team-b" (it covers: team-a, team-a-*)`);
    const metric = await c.json(c.post("/write-metrics/namespaces/team-a/pods/p/cpu", "1", bearer(TEAM_A)));
    expect(metric.body.message).toBe(`token "team-a" does not cover metric "cpu" (it covers: http_*)`);
    const del = await c.json(c.del("/write-metrics/namespaces/team-a/pods/p/http_rps"));
    expect(del.status).toBe(401);
    const delScoped = await c.json(c.fetch("/write-metrics/namespaces/team-a/pods/p/http_rps", { method: "DELETE", headers: bearer(TEAM_A) }));
    expect(delScoped.status).toBe(403);
    expect(delScoped.body.message).toContain("does not allow the delete operation");
    expect(await read(`${CM2}/namespaces/team-b/pods/p/http_rps`)).toBe(404);
  });

  it("cluster-scoped objects need the @cluster scope; a namespace's own metrics need that namespace", async () => {
    expect((await c.post("/write-metrics/nodes/n1/temp", "1", bearer(CLUSTER))).status).toBe(200);
    expect((await c.post("/write-metrics/nodes/n1/http_x", "1", bearer(TEAM_A))).status).toBe(403);
    expect((await c.post("/write-metrics/namespaces/team-a/metrics/http_q", "1", bearer(TEAM_A))).status).toBe(200);
    expect((await c.post("/write-metrics/namespaces/team-a/metrics/http_q", "1", bearer(CLUSTER))).status).toBe(403);
  });

  it("a batch with one out-of-scope sample is refused whole, naming the index", async () => {
    const res = await c.json(
      c.post("/write-metrics", [
        { namespace: "team-a", resource: "pods", name: "b1", metric: "http_rps", value: "1" },
        { namespace: "kube-system", resource: "pods", name: "b2", metric: "http_rps", value: "1" },
      ], bearer(TEAM_A)),
    );
    expect(res.status).toBe(403);
    expect(res.body.message).toBe(`batch refused (nothing was stored): [1]: token "team-a" does not cover namespace "kube-system" (it covers: team-a, team-a-*)`);
    expect(await read(`${CM2}/namespaces/team-a/pods/b1/http_rps`)).toBe(404);
  });

  it("reads: the bridge's READ_TOKEN, or a token with the read operation within its scope; discovery needs all namespaces", async () => {
    expect((await c.get(`${CM2}/namespaces/team-a/pods/p/http_rps`)).status).toBe(401);
    expect((await c.get(`${CM2}/namespaces/team-a/pods/p/http_rps`, bearer("bridge-secret"))).status).toBe(200);
    expect((await c.get(`${CM2}/namespaces/team-a/pods/p/http_rps`, bearer(READER))).status).toBe(200);
    expect((await c.get(`${CM2}/namespaces/team-a/pods/p/http_rps`, bearer(TEAM_A))).status).toBe(403);
    const other = await c.json(c.get(`${CM2}/namespaces/team-a-staging/pods/p/http_rps`, bearer(READER)));
    expect(other.status).toBe(403);
    const discovery = await c.json(c.get(CM2, bearer(READER)));
    expect(discovery.status).toBe(403);
    expect(discovery.body.message).toContain("spans all namespaces");
    expect((await c.get(CM2, bearer("bridge-secret"))).status).toBe(200);
    expect((await c.get(EM, bearer(ADMIN))).status).toBe(200);
    // The read token cannot write.
    expect((await c.post("/write-metrics/namespaces/team-a/pods/p/http_rps", "1", bearer("bridge-secret"))).status).toBe(403);
  });

  it("identity headers from the public side prove nothing", async () => {
    const spoofed = { "x-remote-user": "system:kube-aggregator", "x-remote-group": "system:masters", "x-edge-metrics-socket": "aggregator" };
    expect((await c.get(`${CM2}/namespaces/team-a/pods/p/http_rps`, spoofed)).status).toBe(401);
    expect((await c.post("/write-metrics/namespaces/team-a/pods/p/http_rps", "1", spoofed)).status).toBe(401);
  });
});

describe("deployed without tokens", () => {
  const c = client(undefined, { DEPLOYMENT: "cloudflare" });
  it("refuses writes, and reads when no read credential is configured", async () => {
    const w = await c.json(c.post("/write-metrics/namespaces/x/pods/p/m", "1"));
    expect(w.status).toBe(403);
    expect(w.body.message).toContain("writes are disabled: no WRITE_TOKENS are configured");
    const r = await c.json(c.get(`${CM2}/namespaces/x/pods/p/m`));
    expect(r.status).toBe(403);
    expect(r.body.message).toContain("metric reads are not enabled");
    expect((await c.get("/healthz")).status).toBe(200);
  });
});

describe("Cloudflare mTLS for reads (request.cf.tlsClientAuth)", () => {
  const c = client(undefined, { DEPLOYMENT: "cloudflare", READ_MTLS_ISSUER_SKI: "AB:CD:EF:01" });
  const withCert = (auth: Record<string, string>) =>
    c.app.fetch(
      new Request(`http://adapter.test${CM2}`, { cf: { tlsClientAuth: auth } } as RequestInit),
      { ...c.env } as Env,
    );
  it("accepts a verified, unrevoked certificate from the pinned issuer, and nothing less", async () => {
    expect((await withCert({ certVerified: "SUCCESS", certRevoked: "0", certIssuerSKI: "abcdef01" })).status).toBe(200);
    expect((await withCert({ certVerified: "SUCCESS", certRevoked: "1", certIssuerSKI: "abcdef01" })).status).toBe(401);
    expect((await withCert({ certVerified: "FAILED:self signed certificate", certRevoked: "0", certIssuerSKI: "abcdef01" })).status).toBe(401);
    expect((await withCert({ certVerified: "SUCCESS", certRevoked: "0", certIssuerSKI: "00000000" })).status).toBe(401);
  });
});

describe("path tricks cannot reach another namespace's data", async () => {
  const c = client(undefined, await tokensEnv());
  it.each([
    ["encoded slash in the namespace", "/write-metrics/namespaces/team-a%2F..%2Fteam-b/pods/p/http_rps", 400],
    ["dot-dot segments are resolved before routing", "/write-metrics/namespaces/team-a/../team-b/pods/p/http_rps", 403],
    ["double-encoded wildcard is a name, not *", "/write-metrics/namespaces/team-a/pods/%252A/http_rps", 400],
    ["encoded dot-dot", "/write-metrics/namespaces/team-a/%2E%2E/team-b/pods/p/http_rps", 403],
  ])("%s → %i", async (_what, path, code) => {
    const res = await c.json(c.post(path, "1", bearer(TEAM_A)));
    expect(res.status).toBe(code);
    expect(res.body.kind).toBe("Status");
    expect((await c.json(c.get(`${CM2}/namespaces/team-b/pods/p/http_rps`, bearer(ADMIN)))).status).toBe(404);
  });

  it("a double-encoded wildcard on a read is refused, not treated as *", async () => {
    const res = await c.json(c.get(`${CM2}/namespaces/team-a/pods/%252A/http_rps`, bearer(ADMIN)));
    expect(res.status).toBe(400);
  });
});

describe("limits", () => {
  it("writes per credential per period → 429 with Retry-After; another token is not affected", async () => {
    const c = client(undefined, { WRITE_RATE_LIMIT: "3/60", ...(await tokensEnv()) });
    for (let i = 0; i < 3; i++) expect((await c.post("/write-metrics/namespaces/team-a/pods/p/http_m", "1", bearer(TEAM_A))).status).toBe(200);
    const res = await c.post("/write-metrics/namespaces/team-a/pods/p/http_m", "1", bearer(TEAM_A));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await res.json()) as any;
    expect(body.reason).toBe("TooManyRequests");
    expect(body.message).toContain(`write rate limit exceeded for token "team-a"`);
    expect((await c.post("/write-metrics/namespaces/rl/pods/p/m", "1", bearer(ADMIN))).status).toBe(200);
  });

  it("reads per credential per period → 429 (READ_RATE_LIMIT); the operator's READ_TOKEN is never limited", async () => {
    const c = client(undefined, { READ_RATE_LIMIT: "2/60", READ_TOKEN: "bridge-secret", ...(await tokensEnv()) });
    for (let i = 0; i < 2; i++) expect((await c.get(`${CM2}/namespaces/team-a/pods/p/none`, bearer(READER))).status).toBe(404);
    const res = await c.json(c.get(`${CM2}/namespaces/team-a/pods/p/none`, bearer(READER)));
    expect(res.status).toBe(429);
    expect(res.body.message).toContain("READ_RATE_LIMIT");
    for (let i = 0; i < 5; i++) expect((await c.get(`${CM2}/namespaces/team-a/pods/p/none`, bearer("bridge-secret"))).status).toBe(404);
  });

  it("series per namespace (quota) → 422; replacing a series still works; a batch over quota stores nothing", async () => {
    const c = client(undefined, { MAX_SERIES_PER_NAMESPACE: "3" });
    for (const p of ["a", "b", "c"]) expect((await c.post(`/write-metrics/namespaces/quota/pods/${p}/m`, "1")).status).toBe(200);
    const over = await c.json(c.post("/write-metrics/namespaces/quota/pods/d/m", "1"));
    expect(over.status).toBe(422);
    expect(over.body.message).toContain("series quota exceeded");
    expect((await c.post("/write-metrics/namespaces/quota/pods/a/m", "2")).status).toBe(200);
    const batch = await c.json(
      c.post("/write-metrics", [
        { namespace: "quota-other", resource: "pods", name: "x", metric: "m", value: "1" },
        { namespace: "quota", resource: "pods", name: "e", metric: "m", value: "1" },
      ]),
    );
    expect(batch.status).toBe(422);
    expect((await c.json(c.get(`${CM2}/namespaces/quota-other/pods/x/m`))).status).toBe(404);
  });

  it("labels per series are capped", async () => {
    const c = client();
    const labels = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"]));
    const res = await c.json(c.post("/write-metrics/namespaces/lim/pods/p/m", { value: "1", labels }));
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("at most 32 labels");
  });
});
