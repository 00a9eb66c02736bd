// Prometheus remote write at /api/v1/write (prometheus/docs docs/specs/prw/remote_write_spec.md and
// remote_write_spec_2_0.md), end to end through the real app and Durable Objects: the mapping of labels to
// objects, counters served as PromQL rates (hand-computed from promql/functions.go extrapolatedRate), staleness
// markers, skipped samples, the 2.0 written-count headers, authentication and every error code.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/auth/tokens";
import type { Env } from "../../../src/env";
import { MetricMetadata_MetricType } from "../../../src/ingest/gen/prometheus/types_pb";
import { Metadata_MetricType } from "../../../src/ingest/gen/prometheus/io/prometheus/write/v2/types_pb";
import { compress, patchDouble, requestV2, STALE_NAN_BITS, symbolTable, writeRequestV1 } from "../ingest/fixtures";
import { CM2, EM, client } from "../helpers";

const V1 = { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" };
const V2 = { "content-type": "application/x-protobuf;proto=io.prometheus.write.v2.Request", "content-encoding": "snappy", "x-prometheus-remote-write-version": "2.0.0" };

type Series = { labels: Record<string, string>; samples: [number, number][] };

function v1Body(series: Series[], metadata: { name: string; type: MetricMetadata_MetricType }[] = []): Uint8Array {
  return compress(writeRequestV1({
    timeseries: series.map((s) => ({
      labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
      samples: s.samples.map(([timestamp, value]) => ({ value, timestamp: BigInt(timestamp) })),
    })),
    metadata: metadata.map((m) => ({ metricFamilyName: m.name, type: m.type })),
  }));
}

function v2Body(series: (Series & { type?: Metadata_MetricType })[]): Uint8Array {
  const t = symbolTable();
  const timeseries = series.map((s) => ({
    labelsRefs: t.refs(s.labels),
    samples: s.samples.map(([timestamp, value]) => ({ value, timestamp: BigInt(timestamp) })),
    metadata: { type: s.type ?? Metadata_MetricType.GAUGE },
  }));
  return compress(requestV2({ symbols: t.symbols, timeseries }));
}

function setup(env: Partial<Env> = {}) {
  const c = client(undefined, env);
  const push = (body: Uint8Array, headers: Record<string, string> = V1, path = "/api/v1/write") =>
    c.fetch(path, { method: "POST", body, headers });
  const value = async (path: string) => {
    const r = await c.json(c.get(path));
    return r.status === 200 ? r.body.items.map((i: any) => i.value) : r.status;
  };
  return { c, push, value, now: c.clock.now() };
}

describe("remote write 1.0: series become object and external metrics", () => {
  it("a pod's gauge is a Pods metric selected by the pod's own labels, and an external metric selected by its labels", async () => {
    const { push, value, now, c } = setup();
    const res = await push(v1Body([
      { labels: { __name__: "queue_depth", namespace: "rw1", pod: "web-1", app: "web", job: "kubernetes-pods", instance: "10.0.0.1:8080" }, samples: [[now, 7]] },
      { labels: { __name__: "queue_depth", namespace: "rw1", pod: "web-2", app: "web", job: "kubernetes-pods", instance: "10.0.0.2:8080" }, samples: [[now, 2.5]] },
      { labels: { __name__: "queue_depth", namespace: "rw1", pod: "db-1", app: "db", job: "kubernetes-pods", instance: "10.0.0.3:8080" }, samples: [[now, 100]] },
    ]));
    expect(res.status).toBe(204);
    expect(res.headers.get("x-prometheus-remote-write-samples-written")).toBeNull();
    expect(await value(`${CM2}/namespaces/rw1/pods/*/queue_depth?labelSelector=app%3Dweb`)).toEqual(["7", "2500m"]);
    // Scrape labels are metric labels only: selecting objects by them finds nothing.
    expect(await value(`${CM2}/namespaces/rw1/pods/*/queue_depth?labelSelector=job%3Dkubernetes-pods`)).toBe(404);
    expect(await value(`${CM2}/namespaces/rw1/pods/*/queue_depth?metricLabelSelector=job%3Dkubernetes-pods`)).toEqual(["100", "7", "2500m"]);
    expect(await value(`${EM}/namespaces/rw1/queue_depth?labelSelector=app%3Dweb`)).toEqual(["7", "2500m"]);
    const ext = await c.json(c.get(`${EM}/namespaces/rw1/queue_depth?labelSelector=pod%3Dweb-1`));
    expect(ext.body.items[0].metricLabels).toEqual({ pod: "web-1", app: "web", job: "kubernetes-pods", instance: "10.0.0.1:8080" });
    expect(ext.body.items[0].timestamp).toBe(new Date(Math.floor(now / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z"));
  });

  it("maps deployment, job_name (not job), node (cluster-scoped) and a bare namespace to their objects", async () => {
    const { push, value, now } = setup();
    expect((await push(v1Body([
      { labels: { __name__: "lag", namespace: "rw2", deployment: "api" }, samples: [[now, 3]] },
      { labels: { __name__: "lag", namespace: "rw2", job: "batch-scrape", job_name: "nightly" }, samples: [[now, 4]] },
      { labels: { __name__: "pressure", namespace: "rw2", node: "node-a" }, samples: [[now, 5]] },
      { labels: { __name__: "backlog", namespace: "rw2" }, samples: [[now, 6]] },
    ]))).status).toBe(204);
    expect(await value(`${CM2}/namespaces/rw2/deployments.apps/api/lag`)).toEqual(["3"]);
    expect(await value(`${CM2}/namespaces/rw2/jobs.batch/nightly/lag`)).toEqual(["4"]);
    expect(await value(`${CM2}/nodes/node-a/pressure`)).toEqual(["5"]);
    expect(await value(`${CM2}/namespaces/rw2/metrics/backlog`)).toEqual(["6"]);
  });

  it("several series of one metric on one pod are one item, their sum; a metric selector narrows them", async () => {
    const { push, value, now } = setup();
    expect((await push(v1Body([
      { labels: { __name__: "rps", namespace: "rw3", pod: "p", method: "GET" }, samples: [[now, 1.5]] },
      { labels: { __name__: "rps", namespace: "rw3", pod: "p", method: "POST" }, samples: [[now, 2.25]] },
    ]))).status).toBe(204);
    expect(await value(`${CM2}/namespaces/rw3/pods/*/rps`)).toEqual(["3750m"]);
    expect(await value(`${CM2}/namespaces/rw3/pods/p/rps?metricLabelSelector=method%3DPOST`)).toEqual(["2250m"]);
  });

  it("a series without a namespace goes to the endpoint's namespace, or is refused with 400 naming it", async () => {
    const { push, value, now } = setup();
    const body = v1Body([{ labels: { __name__: "node_load1", instance: "host:9100" }, samples: [[now, 0.5]] }]);
    const refused = await push(body);
    expect(refused.status).toBe(400);
    const status = (await refused.json()) as any;
    expect(status.reason).toBe("BadRequest");
    expect(status.message).toContain(`node_load1{instance="host:9100"} has no namespace or k8s_namespace_name label`);
    expect(status.message).toContain("/namespaces/{namespace}/api/v1/write");
    expect((await push(body, V1, "/namespaces/rw4/api/v1/write")).status).toBe(204);
    expect(await value(`${EM}/namespaces/rw4/node_load1`)).toEqual(["500m"]);
  });
});

describe("freshness and idempotence", () => {
  it("the newest sample of a series is stored; older than the stored value, older than the TTL, NaN: skipped, not refused", async () => {
    const { push, value, now } = setup();
    const ns = { __name__: "temp", namespace: "rw5" };
    expect((await push(v1Body([{ labels: { ...ns, pod: "a" }, samples: [[now - 10_000, 1], [now, 2], [now - 5_000, 3]] }]))).status).toBe(204);
    expect(await value(`${CM2}/namespaces/rw5/pods/a/temp`)).toEqual(["2"]);
    // A replay of older data (a sender catching up from its WAL) leaves the newer value; a NaN is skipped.
    const res = await push(v2Body([
      { labels: { ...ns, pod: "a" }, samples: [[now - 1_000, 9]] },
      { labels: { ...ns, pod: "b" }, samples: [[now - 400_000, 9]] },
      { labels: { ...ns, pod: "c" }, samples: [[now, NaN]] },
      { labels: { ...ns, pod: "d" }, samples: [[now, 4]] },
    ]), V2);
    expect(res.status).toBe(204);
    expect(res.headers.get("x-prometheus-remote-write-samples-written")).toBe("1");
    expect(res.headers.get("x-prometheus-remote-write-histograms-written")).toBe("0");
    expect(res.headers.get("x-prometheus-remote-write-exemplars-written")).toBe("0");
    expect(await value(`${CM2}/namespaces/rw5/pods/a/temp`)).toEqual(["2"]);
    expect(await value(`${CM2}/namespaces/rw5/pods/b/temp`)).toBe(404);
    expect(await value(`${CM2}/namespaces/rw5/pods/d/temp`)).toEqual(["4"]);
  });

  it("the same request twice stores the same values (a retry is idempotent)", async () => {
    const { push, value, now } = setup();
    const body = v1Body([{ labels: { __name__: "g", namespace: "rw6", pod: "a" }, samples: [[now, 11]] }]);
    expect((await push(body)).status).toBe(204);
    expect((await push(body)).status).toBe(204);
    expect(await value(`${CM2}/namespaces/rw6/pods/*/g`)).toEqual(["11"]);
  });

  it("?ttlSeconds= sets how long the values live", async () => {
    const { push, value, now, c } = setup();
    expect((await push(v1Body([{ labels: { __name__: "short", namespace: "rw7" }, samples: [[now, 1]] }]), V1, "/api/v1/write?ttlSeconds=30")).status).toBe(204);
    c.clock.advance(29_000);
    expect(await value(`${EM}/namespaces/rw7/short`)).toEqual(["1"]);
    c.clock.advance(1_000);
    expect(await value(`${EM}/namespaces/rw7/short`)).toBe(404);
  });
});

describe("counters as rates", () => {
  it("x_total is also served as x_per_second, computed as PromQL rate(x[60s]) would at the newest sample", async () => {
    const { push, value, now } = setup();
    const labels = { __name__: "http_requests_total", namespace: "rate1", pod: "web-1", app: "web" };
    expect((await push(v1Body([{ labels, samples: [[now - 15_000, 100]] }]))).status).toBe(204);
    // One point: no rate yet; the counter itself is readable.
    expect(await value(`${CM2}/namespaces/rate1/pods/web-1/http_requests_per_second`)).toBe(404);
    expect(await value(`${CM2}/namespaces/rate1/pods/web-1/http_requests_total`)).toEqual(["100"]);
    expect((await push(v1Body([{ labels, samples: [[now, 130]] }]))).status).toBe(204);
    // Points (t-15s, 100), (t, 130) in (t-60s, t]: increase 30 over 15 s; the start is 45 s from the range's start,
    // beyond 1.1 × the 15 s average, so it extrapolates half an interval (7.5 s); the counter's zero (50 s back)
    // is farther. rate = 30 × (15 + 7.5) / 15 / 60 = 0.75.
    expect(await value(`${CM2}/namespaces/rate1/pods/web-1/http_requests_per_second`)).toEqual(["750m"]);
    expect(await value(`${EM}/namespaces/rate1/http_requests_per_second?labelSelector=app%3Dweb`)).toEqual(["750m"]);
  });

  it("a counter reset is added back, as rate() does; 2.0 metadata declares counters without the _total suffix", async () => {
    const { push, value, now } = setup();
    const labels = { __name__: "jobs_done", namespace: "rate2", pod: "w" };
    const counter = Metadata_MetricType.COUNTER;
    for (const [dt, v] of [[-30_000, 100], [-15_000, 130], [0, 10]] as const) {
      expect((await push(v2Body([{ labels, type: counter, samples: [[now + dt, v]] }]), V2)).status).toBe(204);
    }
    // Increase = 10 − 100 + 130 (the drop from 130 to 10 is a reset) = 40 over 30 s; start 30 s from the range's
    // start ≥ 1.1 × 15 s → extrapolate 7.5 s; zero point 30 × 100/40 = 75 s back is farther. 40 × 37.5/30/60.
    expect(await value(`${CM2}/namespaces/rate2/pods/w/jobs_done_per_second`)).toEqual(["833m"]);
  });

  it("a staleness marker removes the series and its rate at once", async () => {
    const { push, value, now } = setup();
    const labels = { __name__: "conn_total", namespace: "rate3", pod: "p" };
    expect((await push(v1Body([{ labels, samples: [[now - 15_000, 1], [now - 1_000, 16]] }]))).status).toBe(204);
    expect(await value(`${CM2}/namespaces/rate3/pods/p/conn_per_second`)).not.toBe(404);
    const stale = patchDouble(writeRequestV1({
      timeseries: [{ labels: Object.entries(labels).map(([name, value]) => ({ name, value })), samples: [{ value: 123456.789, timestamp: BigInt(now) }] }],
    }), 123456.789, STALE_NAN_BITS);
    expect((await push(compress(stale))).status).toBe(204);
    expect(await value(`${CM2}/namespaces/rate3/pods/p/conn_total`)).toBe(404);
    expect(await value(`${CM2}/namespaces/rate3/pods/p/conn_per_second`)).toBe(404);
    expect(await value(`${EM}/namespaces/rate3/conn_total`)).toBe(404);
  });

  it("1.0 metadata declaring a gauge keeps a *_total series a gauge", async () => {
    const { push, value, now } = setup();
    expect((await push(v1Body(
      [{ labels: { __name__: "odd_total", namespace: "rate4" }, samples: [[now - 15_000, 5], [now, 6]] }],
      [{ name: "odd_total", type: MetricMetadata_MetricType.GAUGE }],
    ))).status).toBe(204);
    expect(await value(`${EM}/namespaces/rate4/odd_total`)).toEqual(["6"]);
    expect(await value(`${EM}/namespaces/rate4/odd_per_second`)).toBe(404);
  });
});

describe("authentication and refusals", async () => {
  const token = "ema_rw-team-0123456789abcdefghijklmnopqrstuvwxyz";
  const reader = "ema_rw-reader-0123456789abcdefghijklmnopqrstuvw";
  const env: Partial<Env> = {
    WRITE_TOKENS: JSON.stringify([
      { name: "team", sha256: await sha256Hex(token), namespaces: ["team-a"], metrics: ["*"], operations: ["write"] },
      { name: "reader", sha256: await sha256Hex(reader), namespaces: ["*"], metrics: ["*"], operations: ["read"] },
    ]),
  };
  const body = (namespace: string) => v1Body([{ labels: { __name__: "m", namespace }, samples: [[Date.now(), 1]] }]);

  it("tokens work as Bearer and as the HTTP Basic password (any user name)", async () => {
    const { push } = setup(env);
    expect((await push(body("team-a"), { ...V1, authorization: `Bearer ${token}` })).status).toBe(204);
    expect((await push(body("team-a"), { ...V1, authorization: `Basic ${btoa(`prometheus:${token}`)}` })).status).toBe(204);
    const none = await push(body("team-a"));
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Basic");
    expect((await push(body("team-a"), { ...V1, authorization: `Basic ${btoa("prometheus:wrong")}` })).status).toBe(401);
  });

  it("one series out of the token's scope refuses the whole request with 403 naming it; nothing is stored", async () => {
    const { push, value } = setup(env);
    const mixed = v1Body([
      { labels: { __name__: "m", namespace: "team-a", pod: "ok" }, samples: [[Date.now(), 1]] },
      { labels: { __name__: "m", namespace: "team-b", pod: "no" }, samples: [[Date.now(), 1]] },
    ]);
    const res = await push(mixed, { ...V1, authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).message).toContain(`does not cover namespace "team-b"`);
    expect(await value(`${CM2}/namespaces/team-a/pods/ok/m`)).toBe(404);
  });

  it("a read-only token is refused before the body is read", async () => {
    const { push } = setup(env);
    const res = await push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), { ...V1, authorization: `Bearer ${reader}` });
    expect(res.status).toBe(403);
  });

  it.each([
    ["a Content-Type that is not remote write", 415, { ...V1, "content-type": "application/json" }, [0x78], "is not accepted"],
    ["a protobuf message that is not remote write", 415, { ...V1, "content-type": "application/x-protobuf;proto=other.Message" }, [0x78], "is not accepted"],
    ["gzip instead of snappy", 415, { ...V1, "content-encoding": "gzip" }, [0x78], "must be snappy block-compressed"],
    ["a corrupt snappy body", 400, V1, [0x05, 0x00, 0x67, 0x61, 0x72], "snappy"],
    ["a snappy header declaring 1 GiB", 413, V1, [0x80, 0x80, 0x80, 0x80, 0x04], "decompresses to 1073741824 bytes"],
    ["valid snappy around invalid protobuf", 400, V1, null, ""],
  ] as const)("%s → %i", async (_name, want, headers, raw, message) => {
    const { push } = setup();
    const body = raw === null ? compress(new Uint8Array([0x0a, 0x05, 0x0a, 0x03])) : new Uint8Array(raw);
    const res = await push(body, headers as Record<string, string>);
    expect(res.status).toBe(want);
    const status = (await res.json()) as any;
    expect(status.kind).toBe("Status");
    if (message) expect(status.message).toContain(message);
  });
});
