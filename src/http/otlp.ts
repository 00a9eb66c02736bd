/**
 * OTLP/HTTP metrics (open-telemetry/opentelemetry-proto docs/specification.md "OTLP/HTTP"): `POST /v1/metrics`,
 * Prometheus' alias `/api/v1/otlp/v1/metrics`, and both under `/namespaces/{namespace}` for exporters whose
 * resources carry no `k8s.namespace.name`. Bodies in binary protobuf or OTLP/JSON, gzip accepted (http/body.ts
 * bounds it), through the shared ingestion path.
 *
 * The protocol's contract, kept here: 200 with an ExportMetricsServiceResponse in the request's encoding, with
 * `partial_success` (rejected count and why) when some points were not taken — the exporter does not retry
 * those; every 4xx/5xx carries a google.rpc.Status in the request's encoding (otlpErrorResponse, used by the
 * app's one error handler for these paths); 400 for a request that can never succeed, 429/503 with
 * Retry-After only when retrying helps.
 */
import { create, toBinary, toJson } from "@bufbuild/protobuf";
import { Hono, type Context } from "hono";
import type { MetricsErrorReason } from "../domain/errors";
import { check, namespaceProblem } from "../domain/names";
import { ExportMetricsServiceResponseSchema } from "../ingest/gen/opentelemetry-proto/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import { decodeOtlp, otlpEncoding, type OtlpEncoding } from "../ingest/otlp";
import { STATUS_CODES } from "../k8s/status";
import type { AppEnv } from "./app-env";
import { authorizeOperation } from "./auth";
import { readBodyBytes } from "./body";
import { ingest, ttlParam } from "./ingest";

export const OTLP_PATHS = ["/v1/metrics", "/api/v1/otlp/v1/metrics"] as const;

/** Whether a request path is an OTLP endpoint (its errors are google.rpc.Status). */
export function isOtlpPath(pathname: string): boolean {
  const path = pathname.replace(/^\/namespaces\/[^/]+(?=\/)/, "");
  return (OTLP_PATHS as readonly string[]).includes(path);
}

/** google.rpc.Code for each failure reason (googleapis google/rpc/code.proto). */
const RPC_CODES: Record<MetricsErrorReason, number> = {
  BadRequest: 3, // INVALID_ARGUMENT
  Invalid: 3,
  Unauthorized: 16, // UNAUTHENTICATED
  Forbidden: 7, // PERMISSION_DENIED
  NotFound: 5,
  MethodNotAllowed: 12, // UNIMPLEMENTED
  UnsupportedMediaType: 12,
  Conflict: 10, // ABORTED
  RequestEntityTooLarge: 8, // RESOURCE_EXHAUSTED
  TooManyRequests: 8,
  InsufficientStorage: 8,
  InternalError: 13,
  ServiceUnavailable: 14, // UNAVAILABLE
};

function requestEncoding(contentType: string | undefined): OtlpEncoding {
  try {
    return otlpEncoding(contentType);
  } catch {
    return "json";
  }
}

/**
 * A failure as OTLP answers it: a google.rpc.Status (code, message) in the request's encoding, with the HTTP
 * code of the reason. Binary Status is written by hand: two fields (1: int32 code, 2: string message).
 */
export function otlpErrorResponse(request: Request, reason: MetricsErrorReason, message: string, headers: Record<string, string>): Response {
  const status = STATUS_CODES[reason];
  const code = RPC_CODES[reason];
  if (requestEncoding(request.headers.get("content-type") ?? undefined) === "protobuf") {
    const text = new TextEncoder().encode(message);
    const body = new Uint8Array([0x08, ...varint(code), 0x12, ...varint(text.length), ...text]);
    return new Response(body, { status, headers: { ...headers, "content-type": "application/x-protobuf" } });
  }
  return new Response(JSON.stringify({ code, message }), { status, headers: { ...headers, "content-type": "application/json" } });
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

async function exportMetrics(c: Context<AppEnv>, defaultNamespace: string | null): Promise<Response> {
  if (defaultNamespace !== null) check(namespaceProblem(defaultNamespace));
  const encoding = otlpEncoding(c.req.header("content-type"));
  authorizeOperation(c, "write");
  const ttlSeconds = ttlParam(c);
  const body = await readBodyBytes(c.req.raw, c.get("config").limits.maxBodyBytes);
  const decoded = decodeOtlp(body, encoding);
  const result = await ingest(c, decoded.series, { protocol: "otlp", defaultNamespace, ttlSeconds });
  const reasons: string[] = decoded.rejectionMessage ? [decoded.rejectionMessage] : [];
  let rejected = decoded.rejectedDataPoints;
  for (const [reason, n] of result.skipped) {
    rejected += n;
    reasons.push(`${n} ${reason}`);
  }
  if (result.receipt.skippedExternal > 0) {
    rejected += result.receipt.skippedExternal;
    reasons.push(`${result.receipt.skippedExternal} older than the value already stored`);
  }
  const response = create(ExportMetricsServiceResponseSchema, rejected > 0 ? { partialSuccess: { rejectedDataPoints: BigInt(rejected), errorMessage: reasons.join("; ") } } : {});
  if (encoding === "protobuf") return c.body(toBinary(ExportMetricsServiceResponseSchema, response), 200, { "content-type": "application/x-protobuf" });
  return c.json(toJson(ExportMetricsServiceResponseSchema, response), 200);
}

export function otlpApp() {
  const app = new Hono<AppEnv>();
  for (const path of OTLP_PATHS) {
    app.post(path, (c) => exportMetrics(c, null));
    app.post(`/namespaces/:namespace${path}`, (c) => exportMetrics(c, c.req.param("namespace")));
  }
  return app;
}
