/**
 * custom.metrics.k8s.io wire encoders: the internal model → MetricValueList in v1beta1 or v1beta2, and the
 * APIResourceList that discovery serves. Pure functions; the handlers only choose one.
 *
 * Field names, order and nullability follow the Go types exactly (kubernetes/kubernetes
 * staging/src/k8s.io/metrics/pkg/apis/custom_metrics/v1beta1/types.go and v1beta2/types.go):
 * - v1beta1 items: describedObject, metricName, timestamp, window (omitempty), value, selector (no
 *   omitempty, so `null` when the query had no metricLabelSelector);
 * - v1beta2 items: describedObject, metric {name, selector (no omitempty)}, timestamp, windowSeconds
 *   (omitempty), value.
 * `selector` is the query's metricLabelSelector as metav1.ParseToLabelSelector renders it, as the
 * custom-metrics-apiserver test adapter does (test-adapter/provider/provider.go metricFor).
 * describedObject.apiVersion is the real apiVersion (`v1`, `apps/v1`); the upstream helper's `/v1` for core
 * kinds (helpers.ReferenceFor) is a quirk the HPA ignores, so we do not copy it.
 */
import type { LabelSelectorJSON } from "../apimachinery/labels";
import { formatKubeTime } from "../domain/clock";
import type { CustomMetricInfo, ObjectMetricValue } from "../domain/metric";
import { CUSTOM_METRICS_GROUP, SERVED_APIS } from "./apis";

export type CustomMetricsVersion = "v1beta1" | "v1beta2";

/** The item's `selector`: the query's metric selector as metav1.LabelSelector, or null (no omitempty upstream). */
export type ItemSelector = LabelSelectorJSON | null;

export interface ObjectReferenceJSON {
  kind: string;
  namespace?: string;
  name: string;
  apiVersion: string;
}

export interface MetricValueV1beta1 {
  describedObject: ObjectReferenceJSON;
  metricName: string;
  timestamp: string;
  window?: number;
  value: string;
  selector: ItemSelector;
}

export interface MetricValueV1beta2 {
  describedObject: ObjectReferenceJSON;
  metric: { name: string; selector: ItemSelector };
  timestamp: string;
  windowSeconds?: number;
  value: string;
}

export interface MetricValueList<V extends CustomMetricsVersion> {
  kind: "MetricValueList";
  apiVersion: `custom.metrics.k8s.io/${V}`;
  metadata: Record<string, never>;
  items: (V extends "v1beta1" ? MetricValueV1beta1 : MetricValueV1beta2)[];
}

export function describedObject(value: Pick<ObjectMetricValue, "target">): ObjectReferenceJSON {
  const { resource: { kind, apiVersion }, namespace, name } = value.target;
  // ObjectReference fields are all omitempty: cluster-scoped objects carry no namespace key at all.
  return namespace !== "" ? { kind, namespace, name, apiVersion } : { kind, name, apiVersion };
}

export function encodeV1beta1Item(value: ObjectMetricValue, selector: ItemSelector): MetricValueV1beta1 {
  const head = { describedObject: describedObject(value), metricName: value.metric, timestamp: formatKubeTime(value.timestamp) };
  return value.windowSeconds !== null
    ? { ...head, window: value.windowSeconds, value: value.value, selector }
    : { ...head, value: value.value, selector };
}

export function encodeV1beta2Item(value: ObjectMetricValue, selector: ItemSelector): MetricValueV1beta2 {
  const head = { describedObject: describedObject(value), metric: { name: value.metric, selector }, timestamp: formatKubeTime(value.timestamp) };
  return value.windowSeconds !== null ? { ...head, windowSeconds: value.windowSeconds, value: value.value } : { ...head, value: value.value };
}

export function encodeMetricValueList<V extends CustomMetricsVersion>(
  version: V,
  values: readonly ObjectMetricValue[],
  selector: ItemSelector,
): MetricValueList<V> {
  const encode = version === "v1beta1" ? encodeV1beta1Item : encodeV1beta2Item;
  return {
    kind: "MetricValueList",
    apiVersion: `custom.metrics.k8s.io/${version}`,
    metadata: {},
    items: values.map((v) => encode(v, selector)) as MetricValueList<V>["items"],
  };
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
}

export interface APIResourceList {
  kind: "APIResourceList";
  apiVersion: "v1";
  groupVersion: string;
  resources: APIResource[];
}

/**
 * custom-metrics-apiserver pkg/provider/resource_lister.go ListAPIResources: one `<group-resource>/<metric>`
 * entry per metric info, kind MetricValueList, verbs [get], singularName "". Sorted for stable output.
 */
export function encodeCustomMetricsResourceList(version: CustomMetricsVersion, infos: readonly CustomMetricInfo[]): APIResourceList {
  const resources = [...infos]
    .sort((a, b) => (a.resource === b.resource ? cmp(a.metric, b.metric) : cmp(a.resource, b.resource)))
    .map((info) => ({ name: `${info.resource}/${info.metric}`, singularName: "", namespaced: info.namespaced, kind: "MetricValueList", verbs: ["get"] }));
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: `${CUSTOM_METRICS_GROUP}/${version}`, resources };
}

/** APIGroup document for `/apis/<group>` (normally answered by the aggregator itself); versions newest first. */
export function encodeAPIGroup(group: string) {
  const versions = SERVED_APIS.filter((a) => a.group === group).map((a) => ({ groupVersion: a.groupVersion, version: a.version }));
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions, preferredVersion: versions[0] };
}

export const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
