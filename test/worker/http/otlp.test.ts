// OTLP/HTTP metrics at /v1/metrics and /api/v1/otlp/v1/metrics (open-telemetry/opentelemetry-proto
// docs/specification.md "OTLP/HTTP"), end to end: Kubernetes resource attributes mapped to the objects the HPA
// reads, cumulative and delta sums served as rates, the response in the request's encoding with
// partial_success, google.rpc.Status errors, gzip.
import { create, fromBinary, toBinary, toJson, type MessageInitShape } from "@bufbuild/protobuf";
import { gzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import {
  ExportMetricsServiceRequestSchema,
  ExportMetricsServiceResponseSchema,
} from "../../../src/ingest/gen/opentelemetry-proto/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import { AggregationTemporality, type MetricSchema } from "../../../src/ingest/gen/opentelemetry-proto/opentelemetry/proto/metrics/v1/metrics_pb";
import { CM2, EM, client } from "../helpers";

type MetricInit = MessageInitShape<typeof MetricSchema>;
const attr = (key: string, value: string) => ({ key, value: { value: { case: "stringValue" as const, value } } });
const nanos = (ms: number) => BigInt(ms) * 1_000_000n;
const point = (ms: number, value: number, extra: object = {}) => ({ timeUnixNano: nanos(ms), value: { case: "asDouble", value }, ...extra });
const gauge = (name: string, points: object[]): MetricInit => ({ name, data: { case: "gauge", value: { dataPoints: points } } }) as MetricInit;
const counter = (name: string, points: object[], temporality = AggregationTemporality.CUMULATIVE): MetricInit =>
  ({ name, data: { case: "sum", value: { dataPoints: points, isMonotonic: true, aggregationTemporality: temporality } } }) as MetricInit;

function exportRequest(metrics: MetricInit[], resource: { key: string; value: any }[]) {
  return create(ExportMetricsServiceRequestSchema, { resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ scope: { name: "test" }, metrics }] }] });
}

function setup() {
  const c = client();
  const send = (req: ReturnType<typeof exportRequest>, opts: { json?: boolean; path?: string; gzip?: boolean } = {}) => {
    let body: Uint8Array | string = opts.json ? JSON.stringify(toJson(ExportMetricsServiceRequestSchema, req)) : toBinary(ExportMetricsServiceRequestSchema, req);
    const headers: Record<string, string> = { "content-type": opts.json ? "application/json" : "application/x-protobuf" };
    if (opts.gzip) {
      body = gzipSync(typeof body === "string" ? new TextEncoder().encode(body) : body);
      headers["content-encoding"] = "gzip";
    }
    return c.fetch(opts.path ?? "/v1/metrics", { method: "POST", body, headers });
  };
  const value = async (path: string) => {
    const r = await c.json(c.get(path));
    return r.status === 200 ? r.body.items.map((i: any) => i.value) : r.status;
  };
  return { c, send, value, now: c.clock.now() };
}

const podResource = (ns: string, pod: string) => [attr("service.name", "shop"), attr("k8s.namespace.name", ns), attr("k8s.pod.name", pod), attr("app", "web")];

describe("OTLP/HTTP export", () => {
  it("protobuf: a gauge with Kubernetes resource attributes is a Pods metric and an external metric; 200 with an empty response", async () => {
    const { send, value, now } = setup();
    const res = await send(exportRequest([gauge("queue.depth", [point(now, 5)])], podResource("otlp1", "web-1")));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    const reply = fromBinary(ExportMetricsServiceResponseSchema, new Uint8Array(await res.arrayBuffer()));
    expect(reply.partialSuccess).toBeUndefined();
    // Named as Prometheus' OTLP translation names it: dots become underscores.
    expect(await value(`${CM2}/namespaces/otlp1/pods/web-1/queue_depth`)).toEqual(["5"]);
    expect(await value(`${CM2}/namespaces/otlp1/pods/*/queue_depth?labelSelector=app%3Dweb`)).toEqual(["5"]);
    expect(await value(`${EM}/namespaces/otlp1/queue_depth?labelSelector=k8s_pod_name%3Dweb-1`)).toEqual(["5"]);
  });

  it("JSON and gzip, on Prometheus' alias path; a deployment attribute names a Deployment", async () => {
    const { send, value, now } = setup();
    const res = await send(
      exportRequest([gauge("inflight", [point(now, 12)])], [attr("k8s.namespace.name", "otlp2"), attr("k8s.deployment.name", "api")]),
      { json: true, gzip: true, path: "/api/v1/otlp/v1/metrics" },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({});
    expect(await value(`${CM2}/namespaces/otlp2/deployments.apps/api/inflight`)).toEqual(["12"]);
  });

  it("a cumulative monotonic sum is served as its PromQL rate; a delta sum as its increase over its own interval", async () => {
    const { send, value, now } = setup();
    const resource = podResource("otlp3", "w");
    expect((await send(exportRequest([counter("requests", [point(now - 15_000, 100)])], resource))).status).toBe(200);
    expect((await send(exportRequest([counter("requests", [point(now, 130)])], resource))).status).toBe(200);
    // Prometheus' translation adds _total to monotonic sums; the rate drops it again: requests_per_second.
    expect(await value(`${CM2}/namespaces/otlp3/pods/w/requests_total`)).toEqual(["130"]);
    expect(await value(`${CM2}/namespaces/otlp3/pods/w/requests_per_second`)).toEqual(["750m"]);
    const delta = counter("jobs", [point(now, 30, { startTimeUnixNano: nanos(now - 10_000) })], AggregationTemporality.DELTA);
    expect((await send(exportRequest([delta], resource))).status).toBe(200);
    expect(await value(`${CM2}/namespaces/otlp3/pods/w/jobs_per_second`)).toEqual(["3"]);
  });

  it("points that cannot be used are reported in partial_success; the rest are stored", async () => {
    const { send, value, now } = setup();
    const res = await send(
      exportRequest([gauge("mixed", [point(now, 1, { attributes: [attr("slot", "a")] }), point(now, NaN, { attributes: [attr("slot", "b")] })])], [attr("k8s.namespace.name", "otlp4")]),
      { json: true },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.partialSuccess.rejectedDataPoints).toBe("1");
    expect(body.partialSuccess.errorMessage).toContain("NaN");
    expect(await value(`${EM}/namespaces/otlp4/mixed`)).toEqual(["1"]);
  });

  it("a resource without k8s.namespace.name uses the endpoint's namespace, or is refused with a google.rpc.Status", async () => {
    const { send, value, now } = setup();
    const req = exportRequest([gauge("lonely", [point(now, 2)])], [attr("service.name", "x")]);
    const refusedJson = await send(req, { json: true });
    expect(refusedJson.status).toBe(400);
    const status = (await refusedJson.json()) as any;
    expect(status.code).toBe(3);
    expect(status.message).toContain("has no namespace or k8s_namespace_name label");
    const refusedProto = await send(req);
    expect(refusedProto.status).toBe(400);
    expect(refusedProto.headers.get("content-type")).toBe("application/x-protobuf");
    const bytes = new Uint8Array(await refusedProto.arrayBuffer());
    expect(bytes[0]).toBe(0x08); // field 1 (code), varint
    expect(bytes[1]).toBe(3);
    expect(new TextDecoder().decode(bytes.subarray(4))).toContain("k8s_namespace_name");
    expect((await send(req, { path: "/namespaces/otlp5/v1/metrics" })).status).toBe(200);
    expect(await value(`${EM}/namespaces/otlp5/lonely`)).toEqual(["2"]);
  });

  it("a wrong content type is 415 and invalid protobuf a 400, both as google.rpc.Status", async () => {
    const { c } = setup();
    const wrong = await c.fetch("/v1/metrics", { method: "POST", body: "x", headers: { "content-type": "text/plain" } });
    expect(wrong.status).toBe(415);
    expect(((await wrong.json()) as any).code).toBe(12);
    const bad = await c.fetch("/v1/metrics", { method: "POST", body: new Uint8Array([0x0a, 0xff, 0xff]), headers: { "content-type": "application/x-protobuf" } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/x-protobuf");
  });
});
