// Exact wire shapes for every read path and both custom-metrics versions. Field names, nesting and nulls
// follow kubernetes/kubernetes staging/src/k8s.io/metrics/pkg/apis/custom_metrics/{v1beta1,v1beta2}/types.go
// and external_metrics/v1beta1/types.go; error bodies follow custom-metrics-apiserver pkg/provider/errors.go.
import { describe, expect, it } from "vitest";
import { CM1, CM2, EM, client, kubeTime } from "../helpers";

const api = client();
const T = kubeTime(api.clock.now());

describe("custom.metrics.k8s.io Object reads (seed example: deployments.apps)", () => {
  it("GIVEN a value written at the test adapter's write path WHEN read with v1beta1 THEN one item with metricName, window-less, selector null", async () => {
    expect((await api.post("/write-metrics/namespaces/default/deployments.apps/web/requests_per_second", '"1.5"')).status).toBe(200);
    const res = await api.json(api.get(`${CM1}/namespaces/default/deployments.apps/web/requests_per_second`));
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.body).toStrictEqual({
      kind: "MetricValueList",
      apiVersion: "custom.metrics.k8s.io/v1beta1",
      metadata: {},
      items: [
        {
          describedObject: { kind: "Deployment", namespace: "default", name: "web", apiVersion: "apps/v1" },
          metricName: "requests_per_second",
          timestamp: T,
          value: "1500m",
          selector: null,
        },
      ],
    });
  });

  it("THEN v1beta2 nests the name and selector under metric and has no metricName", async () => {
    const res = await api.json(api.get(`${CM2}/namespaces/default/deployments.apps/web/requests_per_second`));
    expect(res.body).toStrictEqual({
      kind: "MetricValueList",
      apiVersion: "custom.metrics.k8s.io/v1beta2",
      metadata: {},
      items: [
        {
          describedObject: { kind: "Deployment", namespace: "default", name: "web", apiVersion: "apps/v1" },
          metric: { name: "requests_per_second", selector: null },
          timestamp: T,
          value: "1500m",
        },
      ],
    });
  });

  it("window is `window` in v1beta1 and `windowSeconds` in v1beta2, and the metricLabelSelector is echoed as a metav1.LabelSelector", async () => {
    await api.post("/write-metrics/namespaces/default/services/frontend/latency_ms", { value: "1.5Gi", labels: { verb: "GET" }, windowSeconds: 60 });
    const q = "?metricLabelSelector=verb%3DGET";
    const v1 = await api.json(api.get(`${CM1}/namespaces/default/services/frontend/latency_ms${q}`));
    expect(v1.body.items).toStrictEqual([
      {
        describedObject: { kind: "Service", namespace: "default", name: "frontend", apiVersion: "v1" },
        metricName: "latency_ms",
        timestamp: T,
        window: 60,
        value: "1536Mi",
        selector: { matchLabels: { verb: "GET" } },
      },
    ]);
    const v2 = await api.json(api.get(`${CM2}/namespaces/default/services/frontend/latency_ms${q}`));
    expect(v2.body.items).toStrictEqual([
      {
        describedObject: { kind: "Service", namespace: "default", name: "frontend", apiVersion: "v1" },
        metric: { name: "latency_ms", selector: { matchLabels: { verb: "GET" } } },
        timestamp: T,
        windowSeconds: 60,
        value: "1536Mi",
      },
    ]);
  });
});

describe("namespace metrics (/namespaces/{ns}/metrics/{metric}) are readable, unlike in the custom-metrics-apiserver test adapter", () => {
  it("returns exactly one item describing the Namespace, cluster-scoped", async () => {
    await api.post("/write-metrics/namespaces/team-a/metrics/queue_length", "42");
    for (const [base, expected] of [
      [CM1, { describedObject: { kind: "Namespace", name: "team-a", apiVersion: "v1" }, metricName: "queue_length", timestamp: T, value: "42", selector: null }],
      [CM2, { describedObject: { kind: "Namespace", name: "team-a", apiVersion: "v1" }, metric: { name: "queue_length", selector: null }, timestamp: T, value: "42" }],
    ] as const) {
      const res = await api.json(api.get(`${base}/namespaces/team-a/metrics/queue_length`));
      expect(res.status).toBe(200);
      expect(res.body.items).toStrictEqual([expected]);
      // The root-scoped form of the same object reads the same value.
      expect((await api.json(api.get(`${base}/namespaces/team-a/queue_length`))).body.items).toStrictEqual([expected]);
    }
  });
});

describe("cluster-scoped objects", () => {
  it("nodes are written and read without a namespace, and describedObject has no namespace key", async () => {
    await api.post("/write-metrics/nodes/node-1/temp_celsius", 71);
    const res = await api.json(api.get(`${CM2}/nodes/node-1/temp_celsius`));
    expect(res.body.items).toStrictEqual([
      { describedObject: { kind: "Node", name: "node-1", apiVersion: "v1" }, metric: { name: "temp_celsius", selector: null }, timestamp: T, value: "71" },
    ]);
  });
});

describe("HPA Object metrics on cluster-scoped kinds", () => {
  it("a Node read through the namespaced path the HPA uses (GetForObject via NamespacedMetrics) is served from cluster scope", async () => {
    const res = await api.json(api.get(`${CM2}/namespaces/default/nodes/node-1/temp_celsius`));
    expect(res.status).toBe(200);
    expect(res.body.items[0].describedObject).toStrictEqual({ kind: "Node", name: "node-1", apiVersion: "v1" });
  });
});

describe("Pods metrics: wildcard reads with labelSelector over objectLabels", () => {
  it("returns only the pods whose objectLabels match, each once, sorted by name", async () => {
    await api.post("/write-metrics/namespaces/shop/pods/web-1/http_requests", { value: "10", objectLabels: { app: "web" } });
    await api.post("/write-metrics/namespaces/shop/pods/web-2/http_requests?objectLabels=app=web,tier=fe", "20");
    await api.post("/write-metrics/namespaces/shop/pods/batch-1/http_requests", { value: "999", objectLabels: { app: "batch" } });
    for (const star of ["*", "%2A"]) {
      const res = await api.json(api.get(`${CM2}/namespaces/shop/pods/${star}/http_requests?labelSelector=app%3Dweb`));
      expect(res.body).toStrictEqual({
        kind: "MetricValueList",
        apiVersion: "custom.metrics.k8s.io/v1beta2",
        metadata: {},
        items: [
          { describedObject: { kind: "Pod", namespace: "shop", name: "web-1", apiVersion: "v1" }, metric: { name: "http_requests", selector: null }, timestamp: T, value: "10" },
          { describedObject: { kind: "Pod", namespace: "shop", name: "web-2", apiVersion: "v1" }, metric: { name: "http_requests", selector: null }, timestamp: T, value: "20" },
        ],
      });
    }
  });

  it("supports the full labels.Parse grammar as kube-apiserver encodes it (+ for spaces)", async () => {
    const names = async (selector: string) =>
      (await api.json(api.get(`${CM1}/namespaces/shop/pods/*/http_requests?labelSelector=${selector}`))).body.items?.map(
        (i: any) => i.describedObject.name,
      );
    expect(await names("app+in+%28web%2Cbatch%29")).toStrictEqual(["batch-1", "web-1", "web-2"]);
    expect(await names("app+notin+%28web%29")).toStrictEqual(["batch-1"]);
    expect(await names("tier")).toStrictEqual(["web-2"]);
    expect(await names("%21tier%2Capp%3D%3Dweb")).toStrictEqual(["web-1"]);
    expect(await names("app%21%3Dweb")).toStrictEqual(["batch-1"]);
  });

  it("an object with several metric-label series is reported once: their sum (prometheus-adapter's sum by object), timestamp of the newest", async () => {
    const c = client();
    const t0 = c.clock.now();
    await c.post("/write-metrics/namespaces/multi/pods/p1/rps?labels=verb=GET", "5");
    c.clock.advance(2000);
    await c.post("/write-metrics/namespaces/multi/pods/p1/rps?labels=verb=POST", '"7500m"');
    const all = await c.json(c.get(`${CM2}/namespaces/multi/pods/*/rps`));
    expect(all.body.items.map((i: any) => [i.value, i.timestamp])).toStrictEqual([["12500m", kubeTime(t0 + 2000)]]);
    const one = await c.json(c.get(`${CM2}/namespaces/multi/pods/p1/rps`));
    expect(one.body.items.map((i: any) => i.value)).toStrictEqual(["12500m"]);
    const get = await c.json(c.get(`${CM2}/namespaces/multi/pods/*/rps?metricLabelSelector=verb%3DGET`));
    expect(get.body.items.map((i: any) => [i.value, i.metric.selector])).toStrictEqual([["5", { matchLabels: { verb: "GET" } }]]);
  });
});

describe("discovery (APIResourceList) built from stored metrics", () => {
  it("lists <group-resource>/<metric> with the scope of each resource, in both versions", async () => {
    const c = client();
    const res = await c.json(c.get(CM1));
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe("APIResourceList");
    expect(res.body.apiVersion).toBe("v1");
    expect(res.body.groupVersion).toBe("custom.metrics.k8s.io/v1beta1");
    const entry = (name: string, namespaced: boolean) => ({ name, singularName: "", namespaced, kind: "MetricValueList", verbs: ["get"] });
    expect(res.body.resources).toStrictEqual([
      entry("deployments.apps/requests_per_second", true),
      entry("namespaces/queue_length", false),
      entry("nodes/temp_celsius", false),
      entry("pods/http_requests", true),
      entry("pods/rps", true),
      entry("services/latency_ms", true),
    ]);
    expect((await c.json(c.get(CM2))).body.groupVersion).toBe("custom.metrics.k8s.io/v1beta2");
  });

  it("GET /apis is a 404 Status so the aggregator falls back to legacy discovery; health endpoints are 200", async () => {
    const res = await api.json(api.get("/apis"));
    expect(res.status).toBe(404);
    expect(res.body).toStrictEqual({
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
      message: "the server could not find the requested resource", reason: "NotFound", code: 404,
    });
    for (const p of ["/healthz", "/readyz", "/livez"]) expect((await api.get(p)).status).toBe(200);
  });
});

describe("Status errors", () => {
  it("NotFound uses custom-metrics-apiserver's NewMetricNotFoundForError wording, then says why", async () => {
    const res = await api.json(api.get(`${CM2}/namespaces/default/pods/nope/http_requests`));
    expect(res.status).toBe(404);
    expect(res.type).toMatch(/^application\/json/);
    const { message, ...status } = res.body;
    expect(status).toStrictEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "NotFound", code: 404 });
    expect(message).toMatch(/^the server could not find the metric http_requests for pods nope: /);
    expect(message).toBe(`the server could not find the metric http_requests for pods nope: pods/http_requests exists in namespaces "shop"`);
  });

  it("NotFound with a selector uses NewMetricNotFoundForSelectorError wording", async () => {
    const res = await api.json(api.get(`${CM2}/namespaces/default/services/frontend/latency_ms?metricLabelSelector=verb%3DPUT`));
    expect(res.body.message).toBe("the server could not find the metric latency_ms for services frontend with selector verb=PUT");
  });

  it("an empty wildcard read is a 404 (NewMetricNotFoundError wording) that says the selector matched nothing", async () => {
    const res = await api.json(api.get(`${CM1}/namespaces/shop/pods/*/http_requests?labelSelector=app%3Dnone`));
    expect(res.status).toBe(404);
    expect(res.body.message).toBe("the server could not find the metric http_requests for pods: 3 pods have it, none matching labelSelector app=none");
  });

  it("a malformed labelSelector is a 400 BadRequest naming the parse error", async () => {
    const res = await api.json(api.get(`${CM1}/namespaces/shop/pods/*/http_requests?labelSelector=app+%3D%3D%3D+x`));
    expect(res.status).toBe(400);
    expect(res.body.reason).toBe("BadRequest");
    expect(res.body.message).toMatch(/^invalid labelSelector "app === x": unable to parse requirement/);
  });

  it("answers JSON even when the HPA asks for protobuf first", async () => {
    const res = await api.get(`${CM2}/namespaces/default/deployments.apps/web/requests_per_second`, {
      accept: "application/vnd.kubernetes.protobuf, */*",
    });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as any).kind).toBe("MetricValueList");
  });
});

describe("external.metrics.k8s.io/v1beta1", () => {
  it("returns every matching series with metricLabels, and lists names in discovery", async () => {
    await api.post("/write-external-metrics/namespaces/default/queue_depth?labels=queue=orders", { value: "42", windowSeconds: 30 });
    await api.post("/write-external-metrics/namespaces/default/queue_depth", { value: "7", labels: { queue: "emails" } });
    const res = await api.json(api.get(`${EM}/namespaces/default/queue_depth?labelSelector=queue%3Dorders`));
    expect(res.body).toStrictEqual({
      kind: "ExternalMetricValueList",
      apiVersion: "external.metrics.k8s.io/v1beta1",
      metadata: {},
      items: [{ metricName: "queue_depth", metricLabels: { queue: "orders" }, timestamp: T, window: 30, value: "42" }],
    });
    const all = await api.json(api.get(`${EM}/namespaces/default/queue_depth`));
    expect(all.body.items.map((i: any) => i.metricLabels)).toStrictEqual([{ queue: "emails" }, { queue: "orders" }]);
    const discovery = await api.json(api.get(EM));
    expect(discovery.body).toStrictEqual({
      kind: "APIResourceList", apiVersion: "v1", groupVersion: "external.metrics.k8s.io/v1beta1",
      resources: [{ name: "queue_depth", singularName: "", namespaced: true, kind: "ExternalMetricValueList", verbs: ["get"] }],
    });
  });

  it("no match is a 404 Status", async () => {
    const res = await api.json(api.get(`${EM}/namespaces/default/queue_depth?labelSelector=queue%3Dnone`));
    expect(res.status).toBe(404);
    expect(res.body.message).toBe(
      "the server could not find the external metric queue_depth in namespace default with selector queue=none: 2 series of it exist in the namespace, none matching the selector",
    );
  });
});
