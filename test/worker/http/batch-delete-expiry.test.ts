// Batch writes (all or nothing), deletes visible at once, and freshness: an expired value
// is never served, not in reads and not in discovery, even before the alarm purges it. Time is moved with an
// injected clock and alarms are run with the runtime's helpers, never with sleeps.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { MetricsStore } from "../../../src/store/metrics-object";
import { CM2, EM, client, testEnv } from "../helpers";

const partition = (name: string) => testEnv.METRICS.get(testEnv.METRICS.idFromName(name));
const rowCount = (name: string, table: string) =>
  runInDurableObject(partition(name), (_i: MetricsStore, state) => state.storage.sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n as number);
const tableCount = (name: string) =>
  runInDurableObject(partition(name), (_i: MetricsStore, state) =>
    state.storage.sql.exec("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'").one().n as number);
const discovered = async (c: ReturnType<typeof client>, base = CM2) =>
  (await c.json(c.get(base))).body.resources.map((r: any) => r.name) as string[];

describe("batch writes", () => {
  it("one request carries samples across namespaces, scopes and metrics", async () => {
    const c = client();
    const res = await c.json(
      c.post("/write-metrics", [
        { namespace: "b1", resource: "pods", name: "p1", metric: "rps", value: "1", objectLabels: { app: "x" } },
        { namespace: "b2", resource: "deploy", name: "d1", metric: "rps", value: 2, labels: { verb: "GET" } },
        { resource: "nodes", name: "n1", metric: "temp", value: "3", windowSeconds: 30 },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ kind: "WriteResult", status: "Success", written: 3 });
    expect((await c.json(c.get(`${CM2}/namespaces/b1/pods/*/rps?labelSelector=app%3Dx`))).body.items[0].value).toBe("1");
    expect((await c.json(c.get(`${CM2}/namespaces/b2/deployments.apps/d1/rps`))).body.items[0].value).toBe("2");
    expect((await c.json(c.get(`${CM2}/nodes/n1/temp`))).body.items[0].windowSeconds).toBe(30);
  });

  it("a batch with bad samples stores none and lists every offending index with its reason", async () => {
    const c = client();
    const res = await c.json(
      c.post("/write-metrics", [
        { namespace: "b3", resource: "pods", name: "ok", metric: "m", value: "1" },
        { namespace: "b3", resource: "pods", name: "ok2", metric: "m", value: "1KB" },
        { resource: "pods", name: "p", metric: "m", value: "1" },
        { namespace: "b3", resource: "pods", name: "p", metric: "m", value: "1", extra: true },
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^invalid batch \(nothing was stored\): /);
    expect(res.body.message).toContain("[1].value: invalid quantity");
    expect(res.body.message).toContain(`[3]: unknown field "extra"`);
    expect((await c.json(c.get(`${CM2}/namespaces/b3/pods/ok/m`))).status).toBe(404);
  });

  it("scope errors are listed by index too", async () => {
    const c = client();
    const res = await c.json(c.post("/write-metrics", [{ resource: "pods", name: "p", metric: "m", value: "1" }]));
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("[0]: pods is namespaced");
  });

  it("external batches, gzip-encoded", async () => {
    const c = client();
    const body = JSON.stringify(
      Array.from({ length: 500 }, (_, i) => ({ namespace: i % 2 ? "eb1" : "eb2", metric: "lag", value: String(i), labels: { partition: String(i) } })),
    );
    const gz = await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    const res = await c.fetch("/write-external-metrics", { method: "POST", body: gz, headers: { "content-encoding": "gzip", "content-type": "application/json" } });
    expect(res.status).toBe(200);
    const items = (await c.json(c.get(`${EM}/namespaces/eb1/lag`))).body.items;
    expect(items.length).toBe(250);
    expect((await c.json(c.get(`${EM}/namespaces/eb2/lag?labelSelector=partition%3D10`))).body.items.map((i: any) => i.value)).toStrictEqual(["10"]);
  });

  it("too many samples is a 413 Status, and so is an oversized body", async () => {
    const c = client();
    const many = Array.from({ length: 10_001 }, () => ({ namespace: "big", metric: "m", value: "1" }));
    const res = await c.json(c.post("/write-external-metrics", many));
    expect(res.status).toBe(413);
    expect(res.body.reason).toBe("RequestEntityTooLarge");
    const huge = await c.json(c.post("/write-external-metrics", "x".repeat(8 * 1024 * 1024 + 1)));
    expect(huge.status).toBe(413);
    expect((await c.json(c.get(`${EM}/namespaces/big/m`))).status).toBe(404);
  });
});

describe("deletes", () => {
  it("removes one series, then every series of an object's metric, visible in reads and discovery at once", async () => {
    const c = client();
    await c.post("/write-metrics/namespaces/d1/pods/p1/dm?labels=verb=GET", "1");
    await c.post("/write-metrics/namespaces/d1/pods/p1/dm?labels=verb=PUT", "2");
    expect(await discovered(c)).toContain("pods/dm");
    expect((await c.json(c.del("/write-metrics/namespaces/d1/pods/p1/dm?labels=verb=GET"))).body.deleted).toBe(1);
    expect((await c.json(c.get(`${CM2}/namespaces/d1/pods/p1/dm`))).body.items[0].value).toBe("2");
    expect((await c.json(c.del("/write-metrics/namespaces/d1/pods/p1/dm"))).body.deleted).toBe(1);
    expect((await c.json(c.get(`${CM2}/namespaces/d1/pods/p1/dm`))).status).toBe(404);
    expect(await discovered(c)).not.toContain("pods/dm");
    expect((await c.json(c.del("/write-metrics/namespaces/d1/pods/p1/dm"))).status).toBe(404);
  });

  it("DELETE /write-metrics/namespaces/{ns} removes its objects' metrics and its own", async () => {
    const c = client();
    await c.post("/write-metrics/namespaces/gone/pods/p1/gm", "1");
    await c.post("/write-metrics/namespaces/gone/metrics/gm_ns", "1");
    await c.post("/write-metrics/namespaces/kept/pods/p1/gm", "1");
    const res = await c.json(c.del("/write-metrics/namespaces/gone"));
    expect(res.body.deleted).toBe(2);
    expect((await c.json(c.get(`${CM2}/namespaces/gone/pods/p1/gm`))).status).toBe(404);
    expect((await c.json(c.get(`${CM2}/namespaces/gone/metrics/gm_ns`))).status).toBe(404);
    expect((await c.json(c.get(`${CM2}/namespaces/kept/pods/p1/gm`))).status).toBe(200);
    const names = await discovered(c);
    expect(names).toContain("pods/gm");
    expect(names).not.toContain("namespaces/gm_ns");
    expect(await rowCount("ns:gone", "objects")).toBe(0);
  });

  it("external deletes: one label set, a whole metric, a namespace", async () => {
    const c = client();
    await c.post("/write-external-metrics/namespaces/xd/q?labels=a=1", "1");
    await c.post("/write-external-metrics/namespaces/xd/q?labels=a=2", "2");
    await c.post("/write-external-metrics/namespaces/xd/r", "3");
    expect((await c.json(c.del("/write-external-metrics/namespaces/xd/q?labels=a=1"))).body.deleted).toBe(1);
    expect((await c.json(c.get(`${EM}/namespaces/xd/q`))).body.items.map((i: any) => i.value)).toStrictEqual(["2"]);
    expect((await c.json(c.del("/write-external-metrics/namespaces/xd"))).body.deleted).toBe(2);
    expect((await c.json(c.get(`${EM}/namespaces/xd/r`))).status).toBe(404);
    const names = await discovered(c, EM);
    expect(names).not.toContain("q");
    expect(names).not.toContain("r");
  });
});

describe("freshness", () => {
  it("an expired value is never served, in reads or discovery, before the alarm purges it; the alarm then deletes it", async () => {
    const c = client();
    const t0 = c.clock.now();
    await c.post("/write-metrics/namespaces/ttl/pods/p1/fresh", { value: "5", ttlSeconds: 10, objectLabels: { app: "a" } });
    await c.post("/write-external-metrics/namespaces/ttl/ext_fresh", { value: "6", ttlSeconds: 10 });
    c.clock.set(t0 + 9_999);
    expect((await c.json(c.get(`${CM2}/namespaces/ttl/pods/p1/fresh`))).status).toBe(200);
    expect(await discovered(c)).toContain("pods/fresh");
    c.clock.set(t0 + 10_000);
    expect((await c.json(c.get(`${CM2}/namespaces/ttl/pods/p1/fresh`))).status).toBe(404);
    expect((await c.json(c.get(`${CM2}/namespaces/ttl/pods/*/fresh`))).status).toBe(404);
    expect((await c.json(c.get(`${EM}/namespaces/ttl/ext_fresh`))).status).toBe(404);
    expect(await discovered(c)).not.toContain("pods/fresh");
    expect(await discovered(c, EM)).not.toContain("ext_fresh");
    expect(await rowCount("ns:ttl", "series")).toBe(1);

    await runInDurableObject(partition("ns:ttl"), (instance: MetricsStore) => {
      instance.clock = () => t0 + 10_000;
    });
    expect(await runDurableObjectAlarm(partition("ns:ttl"))).toBe(true);
    // Its last series gone, the partition deregistered and deleted its storage: no table is left.
    expect(await tableCount("ns:ttl")).toBe(0);
    const catalog = await runInDurableObject(partition("catalog"), (_i: MetricsStore, state) =>
      state.storage.sql.exec("SELECT COUNT(*) AS n FROM partitions WHERE name = 'ns:ttl'").one().n as number);
    expect(catalog).toBe(0);
    // A later write brings it back under a new registration.
    c.clock.set(t0 + 20_000);
    expect((await c.post("/write-metrics/namespaces/ttl/pods/p1/fresh", "7")).status).toBe(200);
    expect((await c.json(c.get(`${CM2}/namespaces/ttl/pods/p1/fresh`))).body.items[0].value).toBe("7");
  });

  it("the default TTL is 300 s and is configurable", async () => {
    const c = client(undefined, { DEFAULT_TTL_SECONDS: "60" });
    const t0 = c.clock.now();
    await c.post("/write-metrics/namespaces/ttl2/pods/p1/m", "1");
    c.clock.set(t0 + 59_000);
    expect((await c.json(c.get(`${CM2}/namespaces/ttl2/pods/p1/m`))).status).toBe(200);
    c.clock.set(t0 + 60_000);
    expect((await c.json(c.get(`${CM2}/namespaces/ttl2/pods/p1/m`))).status).toBe(404);
  });

  it("shortening a series' TTL takes it out of discovery when the shorter TTL ends", async () => {
    const c = client();
    const t0 = c.clock.now();
    await c.post("/write-metrics/namespaces/ttl3/pods/p1/shrink", { value: "1", ttlSeconds: 3600 });
    await c.post("/write-metrics/namespaces/ttl3/pods/p1/shrink", { value: "1", ttlSeconds: 5 });
    c.clock.set(t0 + 5_000);
    expect(await discovered(c)).not.toContain("pods/shrink");
  });

  it("a writer's timestamp is served as given, and expiry counts from it", async () => {
    const c = client();
    const t0 = c.clock.now();
    const ts = new Date(t0 - 20_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await c.post("/write-metrics/namespaces/ttl4/pods/p1/m", { value: "1", ttlSeconds: 30, timestamp: ts });
    expect((await c.json(c.get(`${CM2}/namespaces/ttl4/pods/p1/m`))).body.items[0].timestamp).toBe(ts);
    c.clock.set(t0 + 10_000);
    expect((await c.json(c.get(`${CM2}/namespaces/ttl4/pods/p1/m`))).status).toBe(404);
  });
});

describe("storage", () => {
  it("values live in the namespace's own SQLite Durable Object, and the catalog lives in its own", async () => {
    const c = client();
    await c.post("/write-metrics/namespaces/persist/pods/p1/m", "9");
    const rows = await runInDurableObject(partition("ns:persist"), (_i: MetricsStore, state) =>
      state.storage.sql.exec("SELECT resource, namespace, metric, name, value FROM series").toArray(),
    );
    expect(rows).toStrictEqual([{ resource: "pods", namespace: "persist", metric: "m", name: "p1", value: "9" }]);
    const catalog = await runInDurableObject(partition("catalog"), (_i: MetricsStore, state) =>
      state.storage.sql.exec("SELECT kind, resource, metric, partition, namespaced FROM catalog WHERE metric = 'm' AND partition = 'ns:persist'").toArray(),
    );
    expect(catalog).toStrictEqual([{ kind: "custom", resource: "pods", metric: "m", partition: "ns:persist", namespaced: 1 }]);
  });
});
