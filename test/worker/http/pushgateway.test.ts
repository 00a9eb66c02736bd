// The Pushgateway API (prometheus/pushgateway v1.11.1 handler/push.go, handler/delete.go, api/v1/api.go) end to
// end: PUT replaces a group, POST the pushed families, DELETE removes it (202); grouping-key labels join every
// series and map it to objects; groups expire; timestamps and malformed bodies are refused as the Pushgateway
// refuses them (400, plain text); GET /api/v1/metrics lists groups in the Pushgateway's JSON shape.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/auth/tokens";
import type { Env } from "../../../src/env";
import { CM2, EM, client } from "../helpers";

const TEXT = { "content-type": "text/plain; version=0.0.4" };

function setup(env: Partial<Env> = {}) {
  const c = client(undefined, env);
  const send = (method: "PUT" | "POST" | "DELETE", path: string, body?: string, headers: Record<string, string> = TEXT) =>
    c.fetch(path, { method, body, headers });
  const value = async (path: string) => {
    const r = await c.json(c.get(path));
    return r.status === 200 ? r.body.items.map((i: any) => i.value) : r.status;
  };
  return { c, send, value };
}

const body = (lines: string[]) => lines.join("\n") + "\n";

describe("pushes", () => {
  it("PUT stores a group; its grouping key (namespace, pod) maps every series to the pod; 200 with no body", async () => {
    const { send, value } = setup();
    const res = await send("PUT", "/metrics/job/batch/namespace/pg1/pod/worker-0", body([
      "# TYPE queue_depth gauge",
      'queue_depth{queue="orders"} 12',
      "# TYPE jobs_done_total counter",
      "jobs_done_total 5",
    ]));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(await value(`${CM2}/namespaces/pg1/pods/worker-0/queue_depth`)).toEqual(["12"]);
    expect(await value(`${CM2}/namespaces/pg1/pods/worker-0/jobs_done_total`)).toEqual(["5"]);
    // The grouping key's job is the scrape job of Prometheus' model: a metric label, never a Kubernetes Job.
    expect(await value(`${EM}/namespaces/pg1/queue_depth?labelSelector=job%3Dbatch,queue%3Dorders`)).toEqual(["12"]);
  });

  it("PUT replaces the whole group; POST replaces only the pushed families; DELETE removes the group with 202", async () => {
    const { send, value } = setup();
    const path = "/metrics/job/etl/namespace/pg2";
    expect((await send("PUT", path, body(["a 1", "b 2"]))).status).toBe(200);
    expect((await send("POST", path, body(["b 20", "c 30"]))).status).toBe(200);
    expect(await value(`${EM}/namespaces/pg2/a`)).toEqual(["1"]);
    expect(await value(`${EM}/namespaces/pg2/b`)).toEqual(["20"]);
    expect(await value(`${EM}/namespaces/pg2/c`)).toEqual(["30"]);
    expect((await send("PUT", path, body(["c 300"]))).status).toBe(200);
    expect(await value(`${EM}/namespaces/pg2/a`)).toBe(404);
    expect(await value(`${EM}/namespaces/pg2/b`)).toBe(404);
    expect(await value(`${EM}/namespaces/pg2/c`)).toEqual(["300"]);
    // Another group with the same metric is not touched by this one's replacement or deletion.
    expect((await send("PUT", "/metrics/job/other/namespace/pg2", body(["c 7"]))).status).toBe(200);
    expect((await send("DELETE", path)).status).toBe(202);
    expect(await value(`${EM}/namespaces/pg2/c?labelSelector=job%3Detl`)).toBe(404);
    expect(await value(`${EM}/namespaces/pg2/c?labelSelector=job%3Dother`)).toEqual(["7"]);
  });

  it("a summary's _sum and _count are plain series; @base64 grouping values; the namespace may come from the path", async () => {
    const { send, value } = setup();
    const instance = btoa("host/with/slashes").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const res = await send("PUT", `/namespaces/pg3/metrics/job/api/instance@base64/${instance}`, body([
      "# TYPE latency summary",
      'latency{quantile="0.5"} 0.2',
      "latency_sum 12.5",
      "latency_count 50",
    ]));
    expect(res.status).toBe(200);
    expect(await value(`${EM}/namespaces/pg3/latency_sum`)).toEqual(["12500m"]);
    expect(await value(`${EM}/namespaces/pg3/latency_count?labelSelector=job%3Dapi`)).toEqual(["50"]);
  });

  it("a counter pushed twice within the rate window is also served as its per-second rate", async () => {
    const { send, value, c } = setup();
    const path = "/metrics/job/cron/namespace/pg4/deployment/api";
    expect((await send("PUT", path, body(["# TYPE items_total counter", "items_total 100"]))).status).toBe(200);
    c.clock.advance(15_000);
    expect((await send("PUT", path, body(["# TYPE items_total counter", "items_total 130"]))).status).toBe(200);
    expect(await value(`${CM2}/namespaces/pg4/deployments.apps/api/items_per_second`)).toEqual(["750m"]);
  });
});

describe("expiry", () => {
  it("a group expires with its TTL: the grouping-key label ttl_seconds (not stored as a label), or ?ttlSeconds=", async () => {
    const { send, value, c } = setup();
    expect((await send("PUT", "/metrics/job/short/namespace/pg5/ttl_seconds/30", body(["x 1"]))).status).toBe(200);
    expect((await send("PUT", "/metrics/job/query/namespace/pg5?ttlSeconds=60", body(["y 2"]))).status).toBe(200);
    const ext = await c.json(c.get(`${EM}/namespaces/pg5/x`));
    expect(ext.body.items[0].metricLabels).toEqual({ job: "short" });
    c.clock.advance(30_000);
    expect(await value(`${EM}/namespaces/pg5/x`)).toBe(404);
    expect(await value(`${EM}/namespaces/pg5/y`)).toEqual(["2"]);
    c.clock.advance(30_000);
    expect(await value(`${EM}/namespaces/pg5/y`)).toBe(404);
  });
});

describe("GET /api/v1/metrics", () => {
  it("lists groups with their families, values as Go prints them, and push_time_seconds", async () => {
    const { send, c } = setup();
    expect((await send("PUT", "/metrics/job/listing/namespace/pg6/instance/i1", body(["# HELP m A metric.", "# TYPE m gauge", 'm{k="v"} 1.5']))).status).toBe(200);
    const res = await c.json(c.get("/api/v1/metrics"));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("success");
    const group = res.body.data.find((g: any) => g.labels.job === "listing");
    const pushTime = new Date(c.clock.now()).toISOString();
    expect(group).toEqual({
      labels: { instance: "i1", job: "listing", namespace: "pg6" },
      last_push_successful: true,
      m: { time_stamp: pushTime, type: "GAUGE", help: "A metric.", metrics: [{ labels: { instance: "i1", job: "listing", k: "v", namespace: "pg6" }, value: "1.5" }] },
      push_time_seconds: {
        time_stamp: pushTime,
        type: "GAUGE",
        help: "Last Unix time when changing this group in the Pushgateway succeeded.",
        metrics: [{ labels: { instance: "i1", job: "listing", namespace: "pg6" }, value: expect.stringMatching(/^\d\.\d*e\+09$/) }],
      },
      push_failure_time_seconds: {
        time_stamp: pushTime,
        type: "GAUGE",
        help: "Last Unix time when changing this group in the Pushgateway failed.",
        metrics: [{ labels: { instance: "i1", job: "listing", namespace: "pg6" }, value: "0" }],
      },
    });
    // Go prints float64 with %v: an exponent from 1e6 up (strconv's shortest 'g'), so the Unix time is 1.7…e+09.
    expect(Number(group.push_time_seconds.metrics[0].value)).toBe(c.clock.now() / 1000);
  });

  // handler/push.go with replace=false: storage.MetricGroup keeps the families a POST does not name.
  it("a POST adds its families to the group's view and keeps the others with their own push times; a PUT replaces the view", async () => {
    const { send, c } = setup();
    const path = "/metrics/job/merge/namespace/pg7";
    const families = async () => {
      const res = await c.json(c.get("/api/v1/metrics"));
      const g = res.body.data.find((x: any) => x.labels.job === "merge");
      return Object.fromEntries(Object.entries(g).filter(([k]) => !["labels", "last_push_successful", "push_time_seconds", "push_failure_time_seconds"].includes(k)).map(([k, v]: [string, any]) => [k, [v.time_stamp, v.metrics[0].value]]));
    };
    expect((await send("PUT", path, body(["a 1", "b 2"]))).status).toBe(200);
    const t0 = new Date(c.clock.now()).toISOString();
    c.clock.advance(1000);
    expect((await send("POST", path, body(["c 3"]))).status).toBe(200);
    const t1 = new Date(c.clock.now()).toISOString();
    expect(await families()).toEqual({ a: [t0, "1"], b: [t0, "2"], c: [t1, "3"] });
    c.clock.advance(1000);
    expect((await send("POST", path, body(["b 20"]))).status).toBe(200);
    const t2 = new Date(c.clock.now()).toISOString();
    expect(await families()).toEqual({ a: [t0, "1"], b: [t2, "20"], c: [t1, "3"] });
    expect((await send("PUT", path, body(["c 30"]))).status).toBe(200);
    expect(await families()).toEqual({ c: [t2, "30"] });
  });
});

describe("refusals, as the Pushgateway answers them: 400 with the reason as plain text, nothing stored", () => {
  it.each([
    ["a sample with a timestamp", "/metrics/job/j/namespace/pg7", "m 1 1700000000000\n", "pushed metrics must not have timestamps"],
    ["a malformed line", "/metrics/job/j/namespace/pg7", "m{ 1\n", "text format parsing error in line 1"],
    ["an odd number of path components", "/metrics/job/j/namespace", "m 1\n", "odd number of components"],
    ["no namespace for the group", "/metrics/job/j", "m 1\n", "a group needs a namespace"],
    ["a metric labelled with another namespace", "/namespaces/pg7/metrics/job/j", 'm{namespace="elsewhere"} 1\n', "a group's metrics stay in its namespace"],
  ])("%s", async (_name, path, text, message) => {
    const { send, value } = setup();
    const res = await send("PUT", path, text);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain(message);
    expect(await value(`${EM}/namespaces/pg7/m`)).toBe(404);
  });
});

describe("pushes inconsistent with themselves: 400 with the Pushgateway's consistency-check message, nothing stored", () => {
  // prometheus/pushgateway v1.11.1 storage/diskmetricstore.go checkWriteRequest → client_golang registry.go.
  const PREFIX = "pushed metrics are invalid or inconsistent with existing metrics: ";
  it.each([
    ["the same series twice", 'm{a="1"} 1\nm{a="1"} 2\n', ["m"], 'collected metric "m" { label:{name:"a" value:"1"} label:{name:"instance" value:""} label:{name:"job" value:"j"} label:{name:"namespace" value:"pg9"} untyped:{value:2}} was collected before with the same name and label values'],
    ["two series made equal by the grouping key", '# TYPE m gauge\nm{job="x"} 1\nm{job="y"} 2\n', ["m"], 'collected metric "m" { label:{name:"instance" value:""} label:{name:"job" value:"j"} label:{name:"namespace" value:"pg9"} gauge:{value:2}} was collected before with the same name and label values'],
    ["a label name outside the legacy charset", '{"m","a.b"="1"} 1\n', ["m"], 'collected metric "m" { label:{name:"a.b" value:"1"} label:{name:"instance" value:""} label:{name:"job" value:"j"} label:{name:"namespace" value:"pg9"} untyped:{value:1}} has a label with an invalid name: a.b'],
    ["a reserved label name", 'm{__x="1"} 1\n', ["m"], "has a label with an invalid name: __x"],
    ["a gauge named like a summary's _count", "# TYPE m_count gauge\nm_count 3\n# TYPE m summary\nm_sum 1\nm_count 2\n", ["m_count", "m_sum"], 'collected metric named "m_count" collides with previously collected summary named "m"'],
  ])("%s", async (_name, text, metrics, message) => {
    const { send, value, c } = setup();
    const res = await send("PUT", "/metrics/job/j/namespace/pg9", text);
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body.startsWith(PREFIX), body).toBe(true);
    expect(body).toContain(message);
    for (const m of metrics) expect(await value(`${EM}/namespaces/pg9/${m}`)).toBe(404);
    const listed = await c.json(c.get("/api/v1/metrics"));
    expect(listed.body.data.filter((g: any) => g.labels.namespace === "pg9")).toEqual([]);
  });
});

describe("authentication", async () => {
  const token = "ema_pg-team-0123456789abcdefghijklmnopqrstuvwxyz";
  const env: Partial<Env> = {
    WRITE_TOKENS: JSON.stringify([{ name: "pg", sha256: await sha256Hex(token), namespaces: ["pg8"], metrics: ["*"], operations: ["write", "delete", "read"] }]),
  };

  it("the token as the Basic password (basic_auth_handler) or Bearer; out-of-scope namespaces are 403", async () => {
    const { send } = setup(env);
    const basic = { ...TEXT, authorization: `Basic ${btoa(`user:${token}`)}` };
    expect((await send("PUT", "/metrics/job/j/namespace/pg8", "m 1\n", basic)).status).toBe(200);
    expect((await send("PUT", "/metrics/job/j/namespace/pg8", "m 1\n")).status).toBe(401);
    const other = await send("PUT", "/metrics/job/j/namespace/elsewhere", "m 1\n", basic);
    expect(other.status).toBe(403);
    expect((await send("DELETE", "/metrics/job/j/namespace/pg8", undefined, basic)).status).toBe(202);
  });
});
