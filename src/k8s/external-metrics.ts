/**
 * external.metrics.k8s.io/v1beta1 wire encoders (kubernetes/kubernetes
 * staging/src/k8s.io/metrics/pkg/apis/external_metrics/v1beta1/types.go): ExternalMetricValue items are
 * metricName, metricLabels (no omitempty: `{}` when the series has none), timestamp, window (omitempty),
 * value. Discovery lists one `namespaced: true` entry per metric name
 * (custom-metrics-apiserver NewExternalMetricResourceLister).
 */
import { formatKubeTime } from "../domain/clock";
import type { ExternalMetricValue } from "../domain/metric";
import { EXTERNAL_METRICS_GROUP } from "./apis";
import { cmp, type APIResourceList } from "./custom-metrics";

const EXTERNAL_METRICS_VERSION = "v1beta1";

export interface ExternalMetricValueJSON {
  metricName: string;
  metricLabels: Record<string, string>;
  timestamp: string;
  window?: number;
  value: string;
}

export interface ExternalMetricValueList {
  kind: "ExternalMetricValueList";
  apiVersion: "external.metrics.k8s.io/v1beta1";
  metadata: Record<string, never>;
  items: ExternalMetricValueJSON[];
}

export function encodeExternalItem(value: ExternalMetricValue): ExternalMetricValueJSON {
  const head = { metricName: value.metric, metricLabels: { ...value.labels }, timestamp: formatKubeTime(value.timestamp) };
  return value.windowSeconds !== null ? { ...head, window: value.windowSeconds, value: value.value } : { ...head, value: value.value };
}

export function encodeExternalMetricValueList(values: readonly ExternalMetricValue[]): ExternalMetricValueList {
  return { kind: "ExternalMetricValueList", apiVersion: "external.metrics.k8s.io/v1beta1", metadata: {}, items: values.map(encodeExternalItem) };
}

export function encodeExternalMetricsResourceList(metrics: readonly string[]): APIResourceList {
  const resources = [...new Set(metrics)]
    .sort(cmp)
    .map((name) => ({ name, singularName: "", namespaced: true, kind: "ExternalMetricValueList", verbs: ["get"] }));
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: `${EXTERNAL_METRICS_GROUP}/${EXTERNAL_METRICS_VERSION}`, resources };
}
