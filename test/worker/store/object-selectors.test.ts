// Pods reads with label selectors over object labels, answered from the in-memory views (store/metric-views.ts):
// relabelled, kept, cleared and deleted objects, every selector operator, TTL shortening — all as a full scan would.
import { describe, expect, it } from "vitest";
import { client, CM2 } from "../helpers";

describe("object selectors over in-memory views", () => {
  it("relabel, keep, clear, delete, in/!=/notin/exists, TTL shortening", async () => {
    const api = client();
    const ns = "lblidx";
    const w = (pod: string, q: string, body = '"1"') => api.post(`/write-metrics/namespaces/${ns}/pods/${pod}/m${q}`, body);
    const names = async (sel: string) => {
      const r = await api.json(api.get(`${CM2}/namespaces/${ns}/pods/*/m?labelSelector=${encodeURIComponent(sel)}`));
      return r.status === 200 ? r.body.items.map((i: any) => i.describedObject.name) : r.status;
    };
    expect((await w("a", "?objectLabels=app=web,tier=fe")).status).toBe(200);
    expect((await w("b", "?objectLabels=app=api")).status).toBe(200);
    expect((await w("c", "")).status).toBe(200);
    expect(await names("app=web")).toEqual(["a"]);
    expect(await names("app in (web,api)")).toEqual(["a", "b"]);
    expect(await names("app!=web")).toEqual(["b", "c"]);
    expect(await names("app notin (api)")).toEqual(["a", "c"]);
    expect(await names("tier")).toEqual(["a"]);
    expect(await names("app=web,tier=fe")).toEqual(["a"]);
    expect(await names("app=web,tier=be")).toBe(404);
    // relabel a: web → api
    await w("a", "?objectLabels=app=api");
    expect(await names("app=web")).toBe(404);
    expect(await names("app=api")).toEqual(["a", "b"]);
    expect(await names("tier")).toBe(404);
    // a write without objectLabels keeps them
    await w("a", "");
    expect(await names("app=api")).toEqual(["a", "b"]);
    // {} clears them
    await w("a", "", JSON.stringify({ value: "2", objectLabels: {} }));
    expect(await names("app=api")).toEqual(["b"]);
    expect(await names("app!=api")).toEqual(["a", "c"]);
    // delete b's series → b's labels go with it; re-create b without labels
    expect((await api.del(`/write-metrics/namespaces/${ns}/pods/b/m`)).status).toBe(200);
    expect(await names("app=api")).toBe(404);
    await w("b", "");
    expect(await names("app=api")).toBe(404);
    // batch with the same object twice, labels changing within the batch: last one wins
    const r = await api.post("/write-metrics", [
      { namespace: ns, resource: "pods", name: "d", metric: "m", value: "1", objectLabels: { app: "x" } },
      { namespace: ns, resource: "pods", name: "d", metric: "m2", value: "1", objectLabels: { app: "y" } },
    ]);
    expect(r.status).toBe(200);
    expect(await names("app=x")).toBe(404);
    expect(await names("app=y")).toEqual(["d"]);
    // TTL shortening of an existing series: value replaced, still readable
    const t = await api.json(api.post(`/write-metrics/namespaces/${ns}/pods/d/m`, JSON.stringify({ value: "7", ttlSeconds: 5 })));
    expect(t.status).toBe(200);
    const one = await api.json(api.get(`${CM2}/namespaces/${ns}/pods/d/m`));
    expect(one.body.items[0].value).toBe("7");
    api.clock.advance(6000);
    expect((await api.get(`${CM2}/namespaces/${ns}/pods/d/m`)).status).toBe(404);
    const disc = await api.json(api.get(CM2));
    expect(disc.body.resources.map((x: any) => x.name)).toContain("pods/m2");
  });
});
