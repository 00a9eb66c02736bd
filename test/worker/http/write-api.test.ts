// The write API: every path form, resource aliases, body forms, and refusals that store nothing.
import { describe, expect, it } from "vitest";
import { CM1, CM2, client } from "../helpers";

const api = client();

const value = async (path: string) => {
  const res = await api.json(api.get(path));
  return res.status === 200 ? res.body.items.map((i: any) => i.value) : res.status;
};

describe("path forms (seed-compatible, custom-metrics-apiserver test-adapter webService)", () => {
  it.each([
    ["namespaced object", "/write-metrics/namespaces/ns1/pods/p1/m", `${CM2}/namespaces/ns1/pods/p1/m`],
    ["cluster-scoped object", "/write-metrics/nodes/n1/m", `${CM2}/nodes/n1/m`],
    ["namespace metric", "/write-metrics/namespaces/ns1/metrics/m", `${CM2}/namespaces/ns1/metrics/m`],
    ["namespace metric, root-scoped form", "/write-metrics/namespaces/ns2/m", `${CM1}/namespaces/ns2/metrics/m`],
  ])("%s: POST %s is read back at %s", async (_what, write, read) => {
    const res = await api.json(api.post(write, '"3"'));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("Success");
    expect(await value(read)).toStrictEqual(["3"]);
  });

  it("the acknowledgement names what was stored, with the canonical value and the expiry", async () => {
    const res = await api.json(api.post("/write-metrics/namespaces/ns1/deploy/web/m?labels=a=b", "0.5"));
    expect(res.body).toMatchObject({
      kind: "WriteResult",
      status: "Success",
      written: 1,
      describedObject: { kind: "Deployment", namespace: "ns1", name: "web", apiVersion: "apps/v1" },
      metric: { name: "m", labels: { a: "b" } },
      value: "500m",
    });
    expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.timestamp)).toBe(300_000);
  });
});

describe("resource names are normalised to the group-resource the HPA sends", () => {
  it.each([
    ["pod", "pods"], ["po", "pods"], ["pods", "pods"],
    ["svc", "services"], ["service", "services"],
    ["deploy", "deployments.apps"], ["deployment", "deployments.apps"], ["deployments", "deployments.apps"], ["deployments.apps", "deployments.apps"],
    ["sts", "statefulsets.apps"], ["statefulsets.apps", "statefulsets.apps"],
    ["hpa", "horizontalpodautoscalers.autoscaling"],
    ["ing", "ingresses.networking.k8s.io"],
  ])("%s → %s", async (alias, canonical) => {
    await api.post(`/write-metrics/namespaces/aliases/${alias}/obj-${alias.replace(/\./g, "-")}/m`, "1");
    expect(await value(`${CM2}/namespaces/aliases/${canonical}/obj-${alias.replace(/\./g, "-")}/m`)).toStrictEqual(["1"]);
  });

  it("unknown resources (CRDs) follow the documented kind/apiVersion rule", async () => {
    await api.post("/write-metrics/namespaces/crd/widgets.example.com/w1/m", "1");
    await api.post("/write-metrics/namespaces/crd/policies.example.com/p1/m", "1");
    const w = await api.json(api.get(`${CM2}/namespaces/crd/widgets.example.com/w1/m`));
    expect(w.body.items[0].describedObject).toStrictEqual({ kind: "Widget", namespace: "crd", name: "w1", apiVersion: "example.com/v1" });
    const p = await api.json(api.get(`${CM2}/namespaces/crd/policies.example.com/p1/m`));
    expect(p.body.items[0].describedObject.kind).toBe("Policy");
  });
});

describe("scope stays consistent per resource (409), because the aggregator marks the group Stale otherwise", () => {
  it("a built-in cluster-scoped resource under a namespace, or a namespaced one without, is a 409 Conflict", async () => {
    const a = await api.json(api.post("/write-metrics/namespaces/ns1/nodes/n1/m", "1"));
    expect(a.status).toBe(409);
    expect(a.body.reason).toBe("Conflict");
    expect(a.body.message).toContain("nodes is cluster-scoped");
    const b = await api.json(api.post("/write-metrics/pods/p1/m", "1"));
    expect(b.status).toBe(409);
    expect(b.body.message).toContain("pods is namespaced");
  });

  it("a CRD first written namespaced cannot then be written cluster-scoped while it has live values", async () => {
    expect((await api.post("/write-metrics/namespaces/ns1/gadgets.example.com/g1/m", "1")).status).toBe(200);
    const res = await api.json(api.post("/write-metrics/gadgets.example.com/g2/m", "1"));
    expect(res.status).toBe(409);
    expect(res.body.message).toContain(`resource "gadgets.example.com" is claimed as namespaced`);
    expect(await value(`${CM2}/gadgets.example.com/g2/m`)).toBe(404);
    // Once its metrics are deleted, the resource can be re-declared.
    expect((await api.del("/write-metrics/namespaces/ns1/gadgets.example.com/g1/m")).status).toBe(200);
    expect((await api.post("/write-metrics/gadgets.example.com/g2/m", "1")).status).toBe(200);
  });
});

describe("bad input: a 4xx Status naming the problem, and nothing stored", () => {
  it.each([
    ["namespace not a DNS-1123 label", "/write-metrics/namespaces/Bad_NS/pods/p/m", '"1"', 400, `invalid namespace "Bad_NS"`],
    ["object name not a DNS-1123 subdomain", "/write-metrics/namespaces/ok/pods/UPPER/m", '"1"', 400, `invalid object name "UPPER"`],
    ["metric name with a space", "/write-metrics/namespaces/ok/pods/p/bad%20metric", '"1"', 400, `invalid metric name "bad metric"`],
    ["quantity with an unknown suffix", "/write-metrics/namespaces/ok/pods/p/m", '"1KB"', 400, "invalid quantity"],
    ["empty body", "/write-metrics/namespaces/ok/pods/p/m", "", 400, "request body is empty"],
    ["null", "/write-metrics/namespaces/ok/pods/p/m", "null", 400, "null is not accepted"],
    ["not JSON", "/write-metrics/namespaces/ok/pods/p/m", "{value: 1}", 400, "not valid JSON"],
    ["unknown field", "/write-metrics/namespaces/ok/pods/p/m", '{"value":"1","window":60}', 400, `unknown field "window"`],
    ["seed fork's {Value:N}", "/write-metrics/namespaces/ok/pods/p/m", '{"Value":1}', 400, `unknown field "Value"`],
    ["bad label key", "/write-metrics/namespaces/ok/pods/p/m?labels=-x=1", '"1"', 400, "invalid ?labels="],
    ["labels twice", "/write-metrics/namespaces/ok/pods/p/m?labels=a=b", '{"value":"1","labels":{"a":"c"}}', 400, "labels were given both"],
    ["negative ttl", "/write-metrics/namespaces/ok/pods/p/m", '{"value":"1","ttlSeconds":-5}', 400, "ttlSeconds: must be an integer"],
    ["timestamp in the future", "/write-metrics/namespaces/ok/pods/p/m", '{"value":"1","timestamp":"2999-01-01T00:00:00Z"}', 400, "in the future"],
    ["timestamp older than its TTL", "/write-metrics/namespaces/ok/pods/p/m", '{"value":"1","timestamp":"2001-01-01T00:00:00Z"}', 400, "older than the value's TTL"],
    ["unsupported content encoding", "/write-metrics/namespaces/ok/pods/p/m", '"1"', 415, "unsupported Content-Encoding"],
  ])("%s → %i", async (what, path, body, code, message) => {
    const headers: Record<string, string> = what.startsWith("unsupported") ? { "content-encoding": "br" } : {};
    const res = await api.json(api.post(path, body, headers));
    expect(res.status).toBe(code);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.body.kind).toBe("Status");
    expect(res.body.message).toContain(message);
    expect(await value(`${CM2}/namespaces/ok/pods/p/m`)).toBe(404);
  });

  it("nothing about a refused write appears in discovery", async () => {
    const c = client();
    const names = (await c.json(c.get(CM2))).body.resources.map((r: any) => r.name);
    expect(names.filter((n: string) => n.includes("bad"))).toStrictEqual([]);
  });

  it("unknown routes are Status 404s and wrong methods 405s, never 500s", async () => {
    expect((await api.json(api.get("/nope"))).body.reason).toBe("NotFound");
    expect((await api.json(api.fetch("/write-metrics/namespaces/ok/pods/p/m", { method: "PUT", body: "1" }))).body.reason).toBe("MethodNotAllowed");
  });
});

describe("body forms, exactly as resource.Quantity unmarshals them", () => {
  it.each([
    ['"42"', "42"], ["42", "42"], ['"300m"', "300m"], ['"1.5Gi"', "1536Mi"], [" 1e3 ", "1e3"],
    ["12345678901234567890", "12345678901234567890"], ['{"value": 0.25}', "250m"], ['{"value": "100Ki"}', "100Ki"],
  ])("%s → %s", async (body, expected) => {
    await api.post("/write-metrics/namespaces/forms/pods/p/m", body);
    expect(await value(`${CM2}/namespaces/forms/pods/p/m`)).toStrictEqual([expected]);
  });

  it("accepts a gzip-encoded body", async () => {
    const gz = await new Response(new Blob(['{"value":"77"}']).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    const res = await api.fetch("/write-metrics/namespaces/forms/pods/gz/m", { method: "POST", body: gz, headers: { "content-encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(await value(`${CM2}/namespaces/forms/pods/gz/m`)).toStrictEqual(["77"]);
  });
});
