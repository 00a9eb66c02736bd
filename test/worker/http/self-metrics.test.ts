// GET /metrics: the adapter's own counters, in Prometheus text format.
import { describe, expect, it } from "vitest";
import { CM1, CM2, client } from "../helpers";

describe("self metrics", () => {
  it("counts requests by API group/version and code, and samples written", async () => {
    const c = client();
    const count = async (pattern: RegExp) => Number(pattern.exec(await (await c.get("/metrics")).text())?.[1] ?? 0);
    const v2 = /edge_metrics_http_requests_total\{api="custom.metrics.k8s.io\/v1beta2",method="GET",code="200"\} (\d+)/;
    const v1 = /edge_metrics_http_requests_total\{api="custom.metrics.k8s.io\/v1beta1",method="GET",code="404"\} (\d+)/;
    const written = /edge_metrics_samples_written_total\{kind="object"\} (\d+)/;
    const [v2Before, v1Before, writtenBefore] = [await count(v2), await count(v1), await count(written)];
    await c.post("/write-metrics", [
      { namespace: "sm", resource: "pods", name: "a", metric: "m", value: "1" },
      { namespace: "sm", resource: "pods", name: "b", metric: "m", value: "1" },
    ]);
    await c.get(`${CM2}/namespaces/sm/pods/a/m`);
    await c.get(`${CM1}/namespaces/sm/pods/none/m`);
    expect(await count(v2)).toBe(v2Before + 1);
    expect(await count(v1)).toBe(v1Before + 1);
    expect(await count(written)).toBe(writtenBefore + 2);
    const res = await c.get("/metrics");
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("needs a read credential when deployed", async () => {
    const c = client(undefined, { DEPLOYMENT: "cloudflare", READ_TOKEN: "r" });
    expect((await c.get("/metrics")).status).toBe(401);
    expect((await c.get("/metrics", { authorization: "Bearer r" })).status).toBe(200);
  });
});
