// Limits that keep one credential from exhausting memory, disk, the discovery document or the one workerd
// thread: bounded decompression, authorization before a body is read, reads that create no state, caps on
// namespaces and metrics, scope claims that lapse, and late writes that do not overwrite newer values.
import { gzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import type { Env } from "../../../src/env";
import { DurableObjectRepository } from "../../../src/store/durable-object-repository";
import { CM2, EM, testClock, testEnv } from "../helpers";
import { sha256Hex } from "../../../src/auth/tokens";

/** The real app over the real binding, counting which Durable Objects it asks for. */
async function counted(envOverrides: Partial<Env> = {}) {
  const touched = new Map<string, number>();
  const ns = {
    idFromName: (name: string) => {
      touched.set(name, (touched.get(name) ?? 0) + 1);
      return testEnv.METRICS.idFromName(name);
    },
    get: (id: DurableObjectId) => testEnv.METRICS.get(id),
  };
  const clock = testClock();
  const app = createApp({ clock: clock.now, store: (_env, config) => new DurableObjectRepository(ns, config.limits) });
  const env = { ...testEnv, ...envOverrides } as Env;
  const fetch = (path: string, init?: RequestInit) => app.fetch(new Request(`http://adapter.test${path}`, init), env);
  const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { touched, clock, fetch, post };
}

const json = async (r: Response | Promise<Response>) => {
  const res = await r;
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
};

async function tokenEnv(specs: { name: string; namespaces: string[]; operations: string[] }[]) {
  const tokens: Record<string, string> = {};
  const entries = [];
  for (const s of specs) {
    tokens[s.name] = `ema_${s.name}_${crypto.randomUUID()}`;
    entries.push({ ...s, sha256: await sha256Hex(tokens[s.name]!), metrics: ["*"] });
  }
  return { tokens, env: { WRITE_TOKENS: JSON.stringify(entries) } as Partial<Env> };
}

describe("reads never create state", () => {
  it("a read of a namespace nobody wrote is answered without asking for its Durable Object", async () => {
    const api = await counted();
    for (const path of [
      `${CM2}/namespaces/never-written/pods/p/m`,
      `${CM2}/namespaces/never-written/pods/*/m`,
      `${EM}/namespaces/never-written/m`,
    ]) {
      expect((await api.fetch(path)).status).toBe(404);
    }
    expect(api.touched.get("ns:never-written")).toBeUndefined();
    // Once written, the same reads go to it.
    expect((await api.post("/write-metrics/namespaces/never-written/pods/p/m", '"3"')).status).toBe(200);
    expect((await json(api.fetch(`${CM2}/namespaces/never-written/pods/p/m`))).body.items[0].value).toBe("3");
    expect(api.touched.get("ns:never-written")).toBeGreaterThan(0);
  });

  it("a read naming an invalid namespace is a 400 that asks neither the catalog nor a partition", async () => {
    const api = await counted();
    for (const ns of ["a".repeat(3000), encodeURIComponent("ünïcödé"), "UPPER", encodeURIComponent("ns-😀")]) {
      for (const path of [`${EM}/namespaces/${ns}/m`, `${CM2}/namespaces/${ns}/pods/*/m`, `${CM2}/namespaces/${ns}/pods/p/m`]) {
        const res = await json(api.fetch(path));
        expect(res.status, path.slice(0, 80)).toBe(400);
        expect(res.body.message).toContain("invalid namespace");
      }
    }
    expect([...api.touched.keys()]).toEqual([]);
  });

  it("a delete in a namespace nobody wrote touches nothing either", async () => {
    const api = await counted();
    expect((await api.fetch("/write-metrics/namespaces/never-deleted/pods/p/m", { method: "DELETE" })).status).toBe(404);
    expect(api.touched.get("ns:never-deleted")).toBeUndefined();
  });
});

describe("bodies are bounded while they are decoded", () => {
  it("a gzip bomb (64 MiB of zeros in about 64 KiB) is refused with 413 after at most the limit was inflated", async () => {
    const api = await counted();
    const bomb = gzipSync(new Uint8Array(64 * 1024 * 1024), { level: 9 });
    expect(bomb.byteLength).toBeLessThan(100_000);
    const t0 = performance.now();
    const res = await json(api.post("/write-metrics", bomb, { "content-encoding": "gzip" }));
    expect(res.status).toBe(413);
    expect(res.body.message).toContain(`exceeds ${8 * 1024 * 1024} bytes (after decompression)`);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it("a body that is not what its Content-Encoding says is a 400, and an unknown encoding a 415", async () => {
    const api = await counted();
    const bad = await json(api.post("/write-metrics/namespaces/enc/pods/p/m", "not gzip at all", { "content-encoding": "gzip" }));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("not valid gzip data");
    const unknown = await json(api.post("/write-metrics/namespaces/enc/pods/p/m", '"1"', { "content-encoding": "br" }));
    expect(unknown.status).toBe(415);
  });

  it("a credential that cannot write is refused before its batch body is read", async () => {
    const { tokens, env } = await tokenEnv([{ name: "reader", namespaces: ["*"], operations: ["read"] }]);
    const api = await counted(env);
    let pulled = 0;
    const body = new ReadableStream({
      pull(controller) {
        pulled++;
        if (pulled > 1000) controller.close();
        else controller.enqueue(new TextEncoder().encode("[".repeat(1024)));
      },
    });
    const res = await json(api.fetch("/write-metrics", { method: "POST", body, headers: { authorization: `Bearer ${tokens.reader}` }, duplex: "half" } as RequestInit));
    expect(res.status).toBe(403);
    expect(res.body.message).toContain(`does not allow the write operation`);
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it("a quantity longer than 64 characters and JSON nested deeper than 8 levels are 400s naming the limit", async () => {
    const api = await counted();
    const long = await json(api.post("/write-metrics/namespaces/limits/pods/p/m", JSON.stringify("1".repeat(1_000_000))));
    expect(long.status).toBe(400);
    expect(long.body.message).toContain("at most 64 are accepted");
    const longInBatch = await json(api.post("/write-metrics", JSON.stringify([{ namespace: "limits", resource: "pods", name: "p", metric: "m", value: "9".repeat(65) }])));
    expect(longInBatch.status).toBe(400);
    expect(longInBatch.body.message).toContain("[0].value: quantity is 65 characters long");
    const deep = await json(api.post("/write-metrics", "[".repeat(100) + "]".repeat(100)));
    expect(deep.status).toBe(400);
    expect(deep.body.message).toContain("nests deeper than 8 levels");
    expect((await api.fetch(`${CM2}/namespaces/limits/pods/p/m`)).status).toBe(404);
  });
});

describe("capacity limits refuse the write that would pass them, and store nothing", () => {
  it("a write touching more than 100 namespaces is a 413", async () => {
    const api = await counted();
    const batch = Array.from({ length: 101 }, (_, i) => ({ namespace: `wide-${i}`, metric: "m", value: "1" }));
    const res = await json(api.post("/write-external-metrics", JSON.stringify(batch)));
    expect(res.status).toBe(413);
    expect(res.body.message).toContain("at most 100 namespaces");
    expect(api.touched.get("ns:wide-0")).toBeUndefined();
  });

  it("MAX_NAMESPACES: a new namespace past the limit is a 507 naming it; existing ones keep working", async () => {
    const api = await counted({ MAX_NAMESPACES: "2" });
    // The limit counts every registered partition, including those earlier tests made: fill up to it first.
    let status = 200;
    let i = 0;
    while (status === 200 && i < 1000) status = (await api.post(`/write-external-metrics/namespaces/cap-${i++}/m`, '"1"')).status;
    const res = await json(api.post(`/write-external-metrics/namespaces/cap-over/m`, '"1"'));
    expect(res.status).toBe(507);
    expect(res.body.reason).toBe("InsufficientStorage");
    expect(res.body.message).toContain("MAX_NAMESPACES=2");
    expect((await api.fetch(`${EM}/namespaces/cap-over/m`)).status).toBe(404);
  });

  it("MAX_METRICS_PER_NAMESPACE: a new metric past the limit is a 422; rewriting existing ones is not", async () => {
    const api = await counted({ MAX_METRICS_PER_NAMESPACE: "3" });
    for (const m of ["a", "b", "c"]) expect((await api.post(`/write-metrics/namespaces/few/pods/p/${m}`, '"1"')).status).toBe(200);
    const res = await json(api.post("/write-metrics/namespaces/few/pods/p/d", '"1"'));
    expect(res.status).toBe(422);
    expect(res.body.message).toContain("MAX_METRICS_PER_NAMESPACE");
    expect((await api.post("/write-metrics/namespaces/few/pods/q/a", '"2"')).status).toBe(200);
    expect((await api.fetch(`${CM2}/namespaces/few/pods/p/d`)).status).toBe(404);
  });

  it("MAX_METRICS_PER_NAMESPACE holds under concurrent writers: exactly the limit is accepted, the rest are 422", async () => {
    const api = await counted({ MAX_METRICS_PER_NAMESPACE: "5" });
    const statuses = await Promise.all(Array.from({ length: 24 }, (_, i) => Promise.resolve(api.post(`/write-metrics/namespaces/crowd/pods/p/m${i}`, '"1"')).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 422)).toBe(true);
    const disc = await json(api.fetch(CM2));
    expect(disc.body.resources.filter((r: any) => /^pods\/m\d+$/.test(r.name))).toHaveLength(5);
  });

  it("MAX_METRICS holds under concurrent writers to different namespaces: admissions are held until reported", async () => {
    // Earlier tests in this file left metrics in the catalog: the limit is set to leave room for exactly 4 more.
    const before = (await json((await counted()).fetch(CM2))).body.resources.length + (await json((await counted()).fetch(EM))).body.resources.length;
    const api = await counted({ MAX_METRICS: String(before + 4) });
    const statuses = await Promise.all(Array.from({ length: 16 }, (_, i) => Promise.resolve(api.post(`/write-metrics/namespaces/spread-${i % 4}/pods/p/g${i}`, '"1"')).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 422)).toBe(true);
    expect((await json(api.fetch(CM2))).body.resources.filter((r: any) => /^pods\/g\d+$/.test(r.name))).toHaveLength(4);
  });
});

describe("late writes", () => {
  it("a sample older than the stored value is skipped (2xx, counted), never overwriting it; the same timestamp replaces", async () => {
    const api = await counted();
    const now = api.clock.now();
    const at = (ms: number) => new Date(ms).toISOString();
    expect((await api.post("/write-metrics/namespaces/late/pods/p/m", JSON.stringify({ value: "100", timestamp: at(now) }))).status).toBe(200);
    const late = await json(api.post("/write-metrics/namespaces/late/pods/p/m", JSON.stringify({ value: "1", timestamp: at(now - 5000) })));
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ written: 0, skipped: 1 });
    expect((await json(api.fetch(`${CM2}/namespaces/late/pods/p/m`))).body.items[0].value).toBe("100");
    const same = await json(api.post("/write-metrics/namespaces/late/pods/p/m", JSON.stringify({ value: "101", timestamp: at(now) })));
    expect(same.body).toMatchObject({ written: 1 });
    expect(same.body.skipped).toBeUndefined();
    expect((await json(api.fetch(`${CM2}/namespaces/late/pods/p/m`))).body.items[0].value).toBe("101");
  });
});

describe("scope claims lapse", () => {
  it("a namespaced claim made with a 7-day TTL blocks cluster-scoped writers for at most 5 minutes after its last write", async () => {
    const api = await counted();
    const week = 7 * 24 * 3600;
    expect((await api.post("/write-metrics/namespaces/squat/widgets.lapse.example/w1/m", JSON.stringify({ value: "1", ttlSeconds: week }))).status).toBe(200);
    const blocked = await json(api.post("/write-metrics/widgets.lapse.example/w2/m", '"2"'));
    expect(blocked.status).toBe(409);
    expect(blocked.body.message).toContain("claimed as namespaced");
    api.clock.advance(5 * 60_000 + 1000);
    expect((await api.post("/write-metrics/widgets.lapse.example/w2/m", '"2"')).status).toBe(200);
    // Discovery lists the resource under its new scope only; the old values stay readable by path.
    const resources = (await json(api.fetch(CM2))).body.resources.filter((r: any) => r.name === "widgets.lapse.example/m");
    expect(resources).toEqual([expect.objectContaining({ namespaced: false })]);
    expect((await api.fetch(`${CM2}/namespaces/squat/widgets.lapse.example/w1/m`)).status).toBe(200);
  });
});

describe("admission per credential", () => {
  it("a token may have at most 2 large (or unsized) bodies in flight; the third is a 429, and others are not affected", async () => {
    const { tokens, env } = await tokenEnv([
      { name: "bulk", namespaces: ["*"], operations: ["write"] },
      { name: "other", namespaces: ["*"], operations: ["write"] },
    ]);
    const api = await counted(env);
    const held: ReadableStreamDefaultController<Uint8Array>[] = [];
    const slow = () =>
      new ReadableStream<Uint8Array>({ start: (controller) => void held.push(controller) });
    const send = (token: string, body: BodyInit) =>
      api.fetch("/write-metrics", { method: "POST", body, headers: { authorization: `Bearer ${token}` }, duplex: "half" } as RequestInit);
    const pending = [send(tokens.bulk!, slow()), send(tokens.bulk!, slow())];
    await new Promise((r) => setTimeout(r, 50));
    const third = await json(send(tokens.bulk!, slow()));
    expect(third.status).toBe(429);
    expect(third.body.message).toContain(`token "bulk" already has 2 large requests in flight`);
    expect(third.headers.get("retry-after")).toBe("1");
    const small = JSON.stringify([{ namespace: "adm", metric: "m", value: "1" }]);
    expect((await api.fetch("/write-external-metrics", { method: "POST", body: small, headers: { authorization: `Bearer ${tokens.other}`, "content-length": String(small.length) } })).status).toBe(200);
    for (const c of held.splice(0, 2)) {
      c.enqueue(new TextEncoder().encode(small));
      c.close();
    }
    for (const r of await Promise.all(pending)) expect(r.status).toBe(400); // object batches need resource and name
    expect((await send(tokens.bulk!, small)).status).toBe(400);
  });
});
