/// <reference path="../test/worker/ingest/snappyjs.d.ts" />
/**
 * Request bodies for the bench's ingestion-protocol rows, shaped like what real senders send:
 *  - remote write 1.0: a snappy-compressed prometheus.WriteRequest of `samples` series with one sample each, as
 *    Prometheus' queue manager sends them (queue_config max_samples_per_send defaults to 2,000; labels sorted by
 *    name, `job`/`instance` from the scrape, `namespace`/`pod` from the Kubernetes relabelling);
 *  - OTLP/HTTP protobuf: an ExportMetricsServiceRequest with one resource per pod (k8s.namespace.name,
 *    k8s.pod.name) and one gauge point each, gzip-compressed, as an OpenTelemetry Collector's batch processor and
 *    otlphttp exporter (compression gzip by default) forward many pods' exports in one request. Uncompressed,
 *    such a body is past the adapter's large-body size, of which one token may have only two in flight.
 * Encoded with the generated schemas (the wire format of record) and snappyjs (an implementation independent of
 * the adapter's decoder). Timestamps are taken once, now: replayed, a body replaces its own samples (same
 * timestamp), which the store treats as a write, like a sender's retry.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { gzipSync } from "fflate";
import snappy from "snappyjs";
import { ExportMetricsServiceRequestSchema } from "../src/ingest/gen/opentelemetry-proto/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import { WriteRequestSchema } from "../src/ingest/gen/prometheus/remote_pb";

export const REMOTE_WRITE_HEADERS = {
  "content-type": "application/x-protobuf",
  "content-encoding": "snappy",
  "x-prometheus-remote-write-version": "0.1.0",
};
export const OTLP_PROTOBUF_HEADERS = { "content-type": "application/x-protobuf", "content-encoding": "gzip" };

/** Remote write 1.0 bodies covering pods [0, series) of `namespace`, `samples` per body. */
export function remoteWriteBodies(namespace: string, metric: string, series: number, samples: number): Uint8Array[] {
  const timestamp = BigInt(Date.now());
  const out: Uint8Array[] = [];
  for (let from = 0; from < series; from += samples) {
    const timeseries = [];
    for (let i = from; i < Math.min(series, from + samples); i++) {
      timeseries.push({
        labels: [
          { name: "__name__", value: metric },
          { name: "app", value: "web" },
          { name: "instance", value: `10.0.${(i >> 8) & 255}.${i & 255}:8080` },
          { name: "job", value: "kubernetes-pods" },
          { name: "namespace", value: namespace },
          { name: "pod", value: `pod-${i}` },
        ],
        samples: [{ value: 42, timestamp }],
      });
    }
    out.push(snappy.compress(toBinary(WriteRequestSchema, create(WriteRequestSchema, { timeseries }))));
  }
  return out;
}

const attr = (key: string, value: string) => ({ key, value: { value: { case: "stringValue" as const, value } } });

/** OTLP protobuf bodies (gzip) covering pods [0, series) of `namespace`, `points` resources (one point each) per body. */
export function otlpBodies(namespace: string, metric: string, series: number, points: number): Uint8Array[] {
  const timeUnixNano = BigInt(Date.now()) * 1_000_000n;
  const out: Uint8Array[] = [];
  for (let from = 0; from < series; from += points) {
    const resourceMetrics = [];
    for (let i = from; i < Math.min(series, from + points); i++) {
      resourceMetrics.push({
        resource: { attributes: [attr("service.name", "web"), attr("k8s.namespace.name", namespace), attr("k8s.pod.name", `pod-${i}`)] },
        scopeMetrics: [{
          scope: { name: "bench" },
          metrics: [{ name: metric, data: { case: "gauge" as const, value: { dataPoints: [{ timeUnixNano, value: { case: "asDouble" as const, value: 42 } }] } } }],
        }],
      });
    }
    out.push(gzipSync(toBinary(ExportMetricsServiceRequestSchema, create(ExportMetricsServiceRequestSchema, { resourceMetrics }))));
  }
  return out;
}
