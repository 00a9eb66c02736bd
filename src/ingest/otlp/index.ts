/**
 * OTLP/HTTP metrics (open-telemetry/opentelemetry-proto docs/specification.md, "OTLP/HTTP"): an
 * `ExportMetricsServiceRequest` in binary protobuf (`application/x-protobuf`) or JSON (`application/json`)
 * → the series Prometheus' OTLP receiver would write (./translate.ts), with the count of rejected data
 * points for the response's partial_success.
 *
 * JSON follows the spec's deviations from the proto3 JSON mapping: trace and span ids (exemplars, here) are
 * hex, not base64; unknown fields are ignored. The rest is @bufbuild/protobuf's proto3 JSON mapping
 * (lowerCamelCase keys, 64-bit integers as decimal strings or numbers, bytes as base64), which is more
 * lenient than OTLP in two harmless ways: it also takes the original snake_case field names and enum names.
 * A wrong type is a BadRequest naming the field. Content-Encoding (OTLP allows gzip) is the HTTP layer's.
 */
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { MetricsError } from "../../domain/errors";
import { ExportMetricsServiceRequestSchema } from "../gen/opentelemetry-proto/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import { parseMediaType } from "../media-type";
import { decodeMessage, errorText } from "../wire";
import { translateMetrics, type OtlpDecoded } from "./translate";

export type { OtlpDecoded } from "./translate";

export type OtlpEncoding = "protobuf" | "json";

export function otlpEncoding(contentType: string | null | undefined): OtlpEncoding {
  const essence = parseMediaType(contentType)?.essence;
  if (essence === "application/x-protobuf") return "protobuf";
  if (essence === "application/json") return "json";
  throw new MetricsError(
    "UnsupportedMediaType",
    `OTLP/HTTP: Content-Type ${JSON.stringify(contentType ?? "")} is not accepted; send application/x-protobuf (binary protobuf) or application/json (OTLP/JSON)`,
  );
}

export function decodeOtlp(body: Uint8Array, encoding: OtlpEncoding): OtlpDecoded {
  return encoding === "json" ? decodeOtlpJson(body) : decodeOtlpProtobuf(body);
}

export function decodeOtlpProtobuf(body: Uint8Array): OtlpDecoded {
  return translateMetrics(decodeMessage(ExportMetricsServiceRequestSchema, body, "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest"));
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function decodeOtlpJson(body: Uint8Array | string): OtlpDecoded {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === "string" ? body : utf8.decode(body));
  } catch (e) {
    throw new MetricsError("BadRequest", `OTLP/JSON: the body is not UTF-8 JSON: ${errorText(e)}`);
  }
  hexIdsToBase64(json);
  try {
    return translateMetrics(fromJson(ExportMetricsServiceRequestSchema, json as JsonValue, { ignoreUnknownFields: true }));
  } catch (e) {
    if (e instanceof MetricsError) throw e;
    throw new MetricsError("BadRequest", `OTLP/JSON: the body is not a valid ExportMetricsServiceRequest: ${errorText(e)}`);
  }
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const DATA_KINDS = ["gauge", "sum", "histogram", "exponentialHistogram", "exponential_histogram", "summary"];

/** Rewrites exemplar traceId/spanId from OTLP/JSON's hex into the base64 the proto3 JSON mapping expects. */
function hexIdsToBase64(json: unknown): void {
  const objects = (v: unknown): Record<string, unknown>[] =>
    Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)) : [];
  const field = (o: Record<string, unknown>, camel: string, snake: string) => o[camel] ?? o[snake];
  if (typeof json !== "object" || json === null) return;
  const root = json as Record<string, unknown>;
  objects(field(root, "resourceMetrics", "resource_metrics")).forEach((rm, i) =>
    objects(field(rm, "scopeMetrics", "scope_metrics")).forEach((sm, j) =>
      objects(sm.metrics).forEach((m, k) => {
        for (const kind of DATA_KINDS) {
          const data = m[kind];
          if (typeof data !== "object" || data === null) continue;
          objects(field(data as Record<string, unknown>, "dataPoints", "data_points")).forEach((dp, l) =>
            objects(dp.exemplars).forEach((ex, e) => {
              for (const key of ["traceId", "trace_id", "spanId", "span_id"]) {
                const id = ex[key];
                if (id === undefined || id === null) continue;
                const where = `resourceMetrics[${i}].scopeMetrics[${j}].metrics[${k}].${kind}.dataPoints[${l}].exemplars[${e}].${key}`;
                if (typeof id !== "string" || !HEX.test(id)) {
                  throw new MetricsError("BadRequest", `OTLP/JSON: ${where} must be a hex string (OTLP/JSON encodes trace and span ids in hex, not base64)`);
                }
                ex[key] = btoa(id.replace(/../g, (h) => String.fromCharCode(parseInt(h, 16))));
              }
            }),
          );
        }
      }),
    ),
  );
}
