// Misses that explain themselves: a 404 keeps custom-metrics-apiserver's wording and reason NotFound (the HPA's
// handling is unchanged) and says why — never written, expired when, other objects, namespaces or resources,
// an unknown resource with its nearest name; typo'd resources refused on write; a wrong method is a 405 with
// Allow; a write path missing its metric names the form; one object's metrics are listed at `…/{name}/`.
import { describe, expect, it } from "vitest";
import { CM1, CM2, EM, client, kubeTime } from "../helpers";

describe("a 404 says which kind of miss it is", () => {
  it("never written: the namespace holds nothing", async () => {
    const c = client();
    const res = await c.json(c.get(`${CM2}/namespaces/empty-ns/pods/p/m`));
    expect(res.status).toBe(404);
    expect(res.body.reason).toBe("NotFound");
    expect(res.body.message).toBe(
      `the server could not find the metric m for pods p: no metric is stored in namespace "empty-ns": nothing was written there, or everything written there expired`,
    );
  });

  it("expired: when, and its last value", async () => {
    const c = client();
    const t0 = c.clock.now();
    await c.post("/write-metrics/namespaces/miss-exp/pods/p/m", { value: "7", ttlSeconds: 10 });
    await c.post("/write-metrics/namespaces/miss-exp/pods/q/other", { value: "1", ttlSeconds: 3600 });
    c.clock.advance(20_000);
    const res = await c.json(c.get(`${CM2}/namespaces/miss-exp/pods/p/m`));
    expect(res.body.message).toBe(
      `the server could not find the metric m for pods p: its last value, 7 (written ${kubeTime(t0)}), expired at ${kubeTime(t0 + 10_000)}: nothing has written it since`,
    );
  });

  it("exists for other objects, in other namespaces, under another resource; the object's own metrics", async () => {
    const c = client();
    await c.post("/write-metrics/namespaces/miss-a/pods/web-1/rps", "1");
    await c.post("/write-metrics/namespaces/miss-a/pods/web-2/rps", "1");
    await c.post("/write-metrics/namespaces/miss-a/pods/web-3/latency", "1");
    await c.post("/write-metrics/namespaces/miss-b/pods/x/rps", "1");
    await c.post("/write-metrics/namespaces/miss-a/deployments.apps/web/queue", "1");
    const other = await c.json(c.get(`${CM2}/namespaces/miss-a/pods/web-3/rps`));
    expect(other.body.message).toBe(
      `the server could not find the metric rps for pods web-3: it exists for other pods in namespace "miss-a": "web-1", "web-2"; pods/rps exists in namespaces "miss-b"; pods web-3 has "latency"`,
    );
    const resource = await c.json(c.get(`${CM2}/namespaces/miss-a/pods/web-1/queue`));
    expect(resource.body.message).toContain(`metric queue exists for deployments.apps, not for pods`);
  });

  it("an unknown resource on a read is a 404 naming the nearest one", async () => {
    const c = client();
    const res = await c.json(c.get(`${CM1}/namespaces/default/deploymnets/web/m`));
    expect(res.status).toBe(404);
    expect(res.body.message).toContain(`resource "deploymnets" is not a Kubernetes resource: did you mean "deployments.apps"?`);
  });

  it("external: exists in other namespaces", async () => {
    const c = client();
    await c.post("/write-external-metrics/namespaces/miss-ext/queue_len", "3");
    const res = await c.json(c.get(`${EM}/namespaces/miss-other/queue_len`));
    expect(res.body.message).toBe(`the server could not find the external metric queue_len in namespace miss-other: it exists in namespaces "miss-ext"`);
  });
});

describe("writes refuse resources Kubernetes does not have", () => {
  it.each([
    ["deploymnets", "deployments.apps"],
    ["Deployment", "deployments.apps"],
    ["podz", "pods"],
  ])("%s → 400, did you mean %s", async (resource, suggestion) => {
    const c = client();
    const res = await c.json(c.post(`/write-metrics/namespaces/typo/${resource}/x/m`, "1"));
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(`did you mean "${suggestion}"?`);
    expect((await c.get(`${CM2}/namespaces/typo/${suggestion}/x/m`)).status).toBe(404);
  });

  it("a custom resource with a group stays writable", async () => {
    const c = client();
    expect((await c.post("/write-metrics/namespaces/typo/widgets.example.com/w/m", "1")).status).toBe(200);
  });
});

describe("methods and forms", () => {
  it("a wrong method on a known path is a 405 with Allow", async () => {
    const c = client();
    const res = await c.fetch("/write-metrics/namespaces/m405/pods/p/m", { method: "PUT", body: "1" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST, DELETE");
    expect(((await res.json()) as any).reason).toBe("MethodNotAllowed");
    const get = await c.fetch("/api/v1/write", { method: "GET" });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("a write path missing its metric is a 400 naming the form", async () => {
    const c = client();
    const res = await c.json(c.post("/write-metrics/namespaces/forms/pods/p", "1"));
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("/write-metrics/namespaces/forms/pods/p does not name a metric: write to /write-metrics/namespaces/{namespace}/{resource}/{name}/{metric}");
  });
});

describe("one object's metrics (the custom-metrics-apiserver test adapter's `…/{resource}/{name}/`)", () => {
  it("lists every metric of a pod, one item each, in v1beta1 and v1beta2", async () => {
    const c = client();
    await c.post("/write-metrics/namespaces/per-obj/pods/my-pod/rps", "5");
    await c.post("/write-metrics/namespaces/per-obj/pods/my-pod/latency_ms?labels=verb=GET", "20");
    await c.post("/write-metrics/namespaces/per-obj/pods/my-pod/latency_ms?labels=verb=PUT", "30");
    await c.post("/write-metrics/namespaces/per-obj/pods/other/rps", "9");
    const v1 = await c.json(c.get(`${CM1}/namespaces/per-obj/pods/my-pod/`));
    expect(v1.status).toBe(200);
    expect(v1.body.items.map((i: any) => [i.metricName, i.value, i.describedObject.name])).toStrictEqual([
      ["latency_ms", "50", "my-pod"],
      ["rps", "5", "my-pod"],
    ]);
    const v2 = await c.json(c.get(`${CM2}/namespaces/per-obj/pods/my-pod/`));
    expect(v2.body.items.map((i: any) => i.metric.name)).toStrictEqual(["latency_ms", "rps"]);
    const none = await c.json(c.get(`${CM2}/namespaces/per-obj/pods/nobody/`));
    expect(none.status).toBe(404);
    expect(none.body.message).toBe(`the server could not find any metric for pods nobody in namespace "per-obj"`);
  });
});
