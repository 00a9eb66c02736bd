/**
 * The one internal metric model (v1beta2-shaped: a metric is a name plus labels, attached to a described
 * object). The v1beta1/v1beta2/external wire shapes are produced from it by the pure encoders in k8s/.
 *
 * A *series* is what one write replaces:
 * - object metric: (group-resource, namespace or "" for cluster scope, object name, metric name, metric labels)
 * - external metric: (namespace, metric name, metric labels)
 * Object labels (what `labelSelector` matches) belong to the described object, not to a series: a write
 * that carries `objectLabels` replaces them (or, for the ingestion protocols, merges them in: a Prometheus
 * sender spreads one pod's series over many requests), a write without them keeps the ones already stored.
 *
 * When several series of one metric describe one object and the query's metric selector does not narrow them
 * to one, the object's value is their sum — what prometheus-adapter's default `sum(...) by (<<.GroupBy>>)`
 * rules give — because the HPA needs exactly one value per object.
 *
 * Counters: a sample may carry the points of a monotonic counter (CounterPoints); the store keeps a window of
 * them per series and writes the counter's per-second rate as a series of its own (domain/rate.ts).
 */
import type { GroupResource } from "./group-resource";

export type Labels = Readonly<Record<string, string>>;

/** A reference to the described object, as the HPA names it. */
export interface ObjectTarget {
  /** `pods`, `deployments.apps`, `namespaces`, `widgets.example.com`, normalised once when the path is parsed. */
  readonly resource: GroupResource;
  /** "" for cluster-scoped objects (nodes, namespaces, …). */
  readonly namespace: string;
  readonly name: string;
}

export interface SampleCommon {
  readonly metric: string;
  /** Canonical quantity string (`1500m`), already validated. */
  readonly value: string;
  readonly labels: Labels;
  /** When the value was produced (ms since epoch). */
  readonly timestamp: number;
  readonly windowSeconds: number | null;
  /** Absolute expiry (ms since epoch): never served at or after this instant. */
  readonly expiresAt: number;
  /** The series ended (Prometheus' staleness marker): remove it, and its rate, at once. */
  readonly stale?: boolean;
  /** For a counter: its points in this write, and where its rate goes. */
  readonly counter?: CounterPoints;
}

export interface CounterPoints {
  /** [timestamp ms, value] in time order; the last is the sample's own. */
  readonly points: readonly (readonly [number, number])[];
  /** The metric the per-second rate is written to (`requests_total` → `requests_per_second`). */
  readonly rateMetric: string;
  /** rate() range, in ms. */
  readonly windowMs: number;
}

export interface ObjectSample extends SampleCommon {
  readonly target: ObjectTarget;
  /** The object's labels: null keeps the stored ones. */
  readonly objectLabels: Labels | null;
  /** "replace" (the JSON API) or "merge" into the stored ones (the ingestion protocols). Default "replace". */
  readonly objectLabelsMode?: "replace" | "merge";
}

export interface ExternalSample extends SampleCommon {
  readonly namespace: string;
}

/** A stored, live object metric value. */
export interface ObjectMetricValue {
  readonly target: ObjectTarget;
  readonly metric: string;
  readonly labels: Labels;
  readonly value: string;
  readonly timestamp: number;
  readonly windowSeconds: number | null;
}

export interface ExternalMetricValue {
  readonly namespace: string;
  readonly metric: string;
  readonly labels: Labels;
  readonly value: string;
  readonly timestamp: number;
  readonly windowSeconds: number | null;
}

/** One line of custom-metrics discovery: `pods/http_requests`, namespaced. */
export interface CustomMetricInfo {
  /** GroupResource.name. */
  readonly resource: string;
  readonly metric: string;
  readonly namespaced: boolean;
}

/** Canonical, order-independent encoding of a label set; the identity of a series among its siblings. */
export function canonicalLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return JSON.stringify(keys.map((k) => [k, labels[k]]));
}
