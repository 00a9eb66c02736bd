// OpenAPI for the aggregator: the exact shapes kube-aggregator reads (kube-openapi pkg/handler/handler.go and
// pkg/handler3/handler.go: ETag = quoted uppercase SHA-512, If-None-Match, Accept negotiation, the v3 discovery
// document and its ?hash= URLs) and schemas that describe what the read API really answers.
import { describe, expect, it } from "vitest";
import { SERVED_APIS } from "../../../src/k8s/apis";
import { CM1, CM2, EM, client } from "../helpers";

const sha512 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-512", new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();

type Schema = Record<string, any>;

/** Every `$ref` in `doc` resolves under `prefix`. */
function unresolvedRefs(doc: any, prefix: string, table: Record<string, unknown>): string[] {
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
  return refs.filter((r) => !r.startsWith(prefix) || !(r.slice(prefix.length) in table));
}

/** A small validator: types, required fields, no property the schema does not declare; follows $ref and allOf. */
function validate(value: unknown, schema: Schema, table: Record<string, Schema>, prefix: string, at = "$"): string[] {
  if (schema.$ref) return validate(value, table[schema.$ref.slice(prefix.length)]!, table, prefix, at);
  if (schema.allOf) return schema.allOf.flatMap((s: Schema) => validate(value, s, table, prefix, at));
  const type = schema.type;
  if (type === "string") return typeof value === "string" ? [] : [`${at}: not a string`];
  if (type === "integer") return Number.isInteger(value) ? [] : [`${at}: not an integer`];
  if (type === "array") return Array.isArray(value) ? value.flatMap((v, i) => validate(v, schema.items, table, prefix, `${at}[${i}]`)) : [`${at}: not an array`];
  if (type === "object") {
    if (value === null) return []; // nullable pointers (selector) are null on the wire
    if (typeof value !== "object") return [`${at}: not an object`];
    const v = value as Record<string, unknown>;
    const problems = (schema.required ?? []).filter((k: string) => !(k in v)).map((k: string) => `${at}.${k}: required`);
    for (const [k, x] of Object.entries(v)) {
      if (schema.properties?.[k]) problems.push(...validate(x, schema.properties[k], table, prefix, `${at}.${k}`));
      else if (schema.additionalProperties) problems.push(...validate(x, schema.additionalProperties, table, prefix, `${at}.${k}`));
      else problems.push(`${at}.${k}: not in the schema`);
    }
    return problems;
  }
  return [];
}

describe("GET /openapi/v2", () => {
  it("a Swagger 2.0 document: every served API's reads under /apis/<group>/<version>/, every reference resolvable", async () => {
    const c = client();
    const res = await c.get("/openapi/v2", { accept: "application/json" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = await res.text();
    expect(res.headers.get("etag")).toBe(`"${await sha512(body)}"`);
    const doc = JSON.parse(body);
    expect(doc.swagger).toBe("2.0");
    for (const api of SERVED_APIS) {
      const mine = Object.keys(doc.paths).filter((p) => p.startsWith(`${api.path}/`));
      expect(mine, api.groupVersion).toContain(`${api.path}/`);
      expect(mine.length, api.groupVersion).toBeGreaterThan(1);
    }
    expect(Object.keys(doc.paths).every((p) => SERVED_APIS.some((a) => p.startsWith(`${a.path}/`)))).toBe(true);
    expect(doc.paths[`${CM2}/namespaces/{namespace}/{resource}/{name}/{metric}`].get.responses["200"].schema.$ref)
      .toBe("#/definitions/io.k8s.metrics.pkg.apis.custom_metrics.v1beta2.MetricValueList");
    expect(doc.paths[`${EM}/namespaces/{namespace}/{metric}`].parameters.map((p: any) => p.name)).toEqual(["namespace", "metric", "labelSelector"]);
    expect(unresolvedRefs(doc, "#/definitions/", doc.definitions)).toEqual([]);
    expect(doc.definitions["io.k8s.metrics.pkg.apis.custom_metrics.v1beta1.MetricValueList"]["x-kubernetes-group-version-kind"])
      .toEqual([{ group: "custom.metrics.k8s.io", kind: "MetricValueList", version: "v1beta1" }]);
  });

  it("If-None-Match with the ETag → 304; protobuf only → 406; a wildcard → JSON", async () => {
    const c = client();
    const etag = (await c.get("/openapi/v2")).headers.get("etag")!;
    const again = await c.get("/openapi/v2", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect((await c.get("/openapi/v2", { "if-none-match": `"other"` })).status).toBe(200);
    const proto = await c.get("/openapi/v2", { accept: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf" });
    expect(proto.status).toBe(406);
    expect(proto.headers.get("vary")).toBe("Accept");
    expect((await c.get("/openapi/v2", { accept: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf, */*;q=0.5" })).status).toBe(200);
  });
});

describe("GET /openapi/v3", () => {
  it("the discovery document lists each served group/version with the hash of its document", async () => {
    const c = client();
    const res = await c.get("/openapi/v3");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(res.headers.get("etag")).toBe(`"${await sha512(text)}"`);
    const discovery = JSON.parse(text);
    expect(Object.keys(discovery)).toEqual(["paths"]);
    expect(Object.keys(discovery.paths).sort()).toEqual(SERVED_APIS.map((a) => a.path.slice(1)).sort());
    for (const api of SERVED_APIS) {
      const url: string = discovery.paths[api.path.slice(1)].serverRelativeURL;
      expect(url).toMatch(new RegExp(`^/openapi/v3${api.path.replace(/\./g, "\\.")}\\?hash=[0-9A-F]{128}$`));
      const doc = await c.get(url, { accept: "application/json" });
      expect(doc.status).toBe(200);
      const body = await doc.text();
      expect(url.endsWith(`hash=${await sha512(body)}`)).toBe(true);
      expect(doc.headers.get("cache-control")).toBe("public, immutable");
      expect(new Date(doc.headers.get("expires")!).getTime()).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
      expect(doc.headers.get("etag")).toBe(`"${await sha512(body)}"`);
    }
    expect((await c.get("/openapi/v3", { "if-none-match": res.headers.get("etag")! })).status).toBe(304);
  });

  it("a group/version document: OpenAPI 3.0, only its own paths, component references that resolve", async () => {
    const c = client();
    const doc = await c.json(c.get(`/openapi/v3${CM1}`));
    expect(doc.body.openapi).toBe("3.0.0");
    expect(Object.keys(doc.body.paths).every((p) => p.startsWith(`${CM1}/`))).toBe(true);
    const schemas = doc.body.components.schemas;
    expect(unresolvedRefs(doc.body, "#/components/schemas/", schemas)).toEqual([]);
    expect(JSON.stringify(doc.body)).not.toContain("#/definitions/");
    // A reference beside other keywords is wrapped in allOf (kube-openapi's v2 → v3 conversion).
    expect(schemas["io.k8s.metrics.pkg.apis.custom_metrics.v1beta1.MetricValue"].properties.timestamp)
      .toEqual({ description: "indicates the time at which the metrics were produced", allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time" }] });
    expect(doc.body.paths[`${CM1}/namespaces/{namespace}/metrics/{metric}`].get.responses["200"].content["application/json"].schema.$ref)
      .toBe("#/components/schemas/io.k8s.metrics.pkg.apis.custom_metrics.v1beta1.MetricValueList");
  });

  it("a stale hash → 301 to the current URL; an unknown group/version → 404", async () => {
    const c = client();
    const discovery = await c.json(c.get("/openapi/v3"));
    const current: string = discovery.body.paths[CM2.slice(1)].serverRelativeURL;
    const stale = await c.get(`/openapi/v3${CM2}?hash=0123`);
    expect(stale.status).toBe(301);
    expect(stale.headers.get("location")).toBe(current);
    expect((await c.get("/openapi/v3/apis/apps/v1")).status).toBe(404);
  });
});

describe("the schemas describe what the read API answers", () => {
  it("MetricValueList v1beta1/v1beta2 (object, namespace, selector) and ExternalMetricValueList validate against the v3 documents", async () => {
    const c = client();
    await c.post("/write-metrics/namespaces/oa/pods/web-1/rps", { value: "1500m", labels: { verb: "GET" }, windowSeconds: 30 });
    await c.post("/write-metrics/namespaces/oa/metrics/queue", "3");
    await c.post("/write-external-metrics/namespaces/oa/backlog", { value: "42", labels: { queue: "orders" } });
    const reads: [string, string][] = [
      [CM1, `${CM1}/namespaces/oa/pods/web-1/rps?metricLabelSelector=verb%3DGET`],
      [CM2, `${CM2}/namespaces/oa/pods/*/rps`],
      [CM2, `${CM2}/namespaces/oa/metrics/queue`],
      [EM, `${EM}/namespaces/oa/backlog?labelSelector=queue%3Dorders`],
    ];
    for (const [api, path] of reads) {
      const doc = (await c.json(c.get(`/openapi/v3${api}`))).body;
      const read = await c.json(c.get(path));
      expect(read.status, path).toBe(200);
      const op = Object.entries(doc.paths).find(([p]) => new RegExp(`^${p.replace(/\{[^}]+\}/g, "[^/]+").replace(/\./g, "\\.")}$`).test(path.split("?")[0]!));
      expect(op, path).toBeDefined();
      const schema = (op![1] as any).get.responses["200"].content["application/json"].schema;
      expect(validate(read.body, schema, doc.components.schemas, "#/components/schemas/"), path).toEqual([]);
    }
  });
});

describe("who may read OpenAPI", () => {
  it("deployed: a read credential; anonymous → 401", async () => {
    const c = client(undefined, { DEPLOYMENT: "cloudflare", READ_TOKEN: "reader-secret" });
    expect((await c.get("/openapi/v2")).status).toBe(401);
    expect((await c.get("/openapi/v3", { authorization: "Bearer reader-secret" })).status).toBe(200);
  });
});
