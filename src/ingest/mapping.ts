/**
 * The one mapping from labelled series (what every ingestion protocol decodes to, ingest/decoded.ts) to what
 * the HPA reads: an object metric about the Kubernetes object the labels name, and an external metric. It
 * knows Kubernetes naming and nothing about wire formats; every protocol's endpoint uses it.
 *
 * The rules (documented in the README, configurable with OBJECT_LABELS):
 * - Namespace: the first of NAMESPACE_LABELS present (`namespace`, or `k8s_namespace_name` from OTLP's
 *   `k8s.namespace.name`), else the namespace of the endpoint path (`/namespaces/{ns}/api/v1/write`); a
 *   series with neither is refused — the request can never succeed until the sender adds one.
 * - Described object: the first label of the rule list present on the series, following kube-state-metrics
 *   and prometheus-adapter conventions (`pod` → pods, `deployment` → deployments.apps, …, `job_name` →
 *   jobs.batch: Prometheus' own `job` is the scrape job); `node` names a cluster-scoped Node. With none of
 *   them, the series describes its namespace (`/namespaces/{ns}/metrics/{metric}`).
 * - Labels: every remaining label is a metric label (matched by `metricLabelSelector`, and by an external
 *   metric's selector), and — when it is a valid Kubernetes label and not a scrape label (`job`,
 *   `instance`) — an object label too (matched by the HPA's `labelSelector`): a Prometheus `labelmap` of
 *   `__meta_kubernetes_pod_label_(.+)` puts a pod's labels on its series, so a Pods metric selects exactly the
 *   scale target's pods. Object labels merge into what is stored (one pod's series arrive in many requests).
 * - Every series is also an external metric: its name, its labels (minus the namespace label), its namespace.
 * - Samples: the newest valid sample of a series in a request is stored; its timestamp plus the TTL is its
 *   expiry. Older than that TTL, from more than a minute in the future, NaN or ±Inf: skipped and counted
 *   (a batch refused for one such sample would lose all the others). Prometheus' staleness marker removes
 *   the series at once.
 * - Counters (declared, or `*_total` when undeclared) also feed `<name>_per_second` (domain/rate.ts); OTLP
 *   delta sums carry their own interval and are divided by it.
 */
import { isQualifiedName, isValidLabelValue } from "../apimachinery/validation";
import { quantityFromFloat } from "../domain/float-value";
import { MAX_CLOCK_SKEW_MS } from "../domain/freshness";
import { NAMESPACES, type GroupResource } from "../domain/group-resource";
import type { ExternalSample, Labels, ObjectSample, ObjectTarget } from "../domain/metric";
import { metricNameProblem, namespaceProblem, objectNameProblem } from "../domain/names";
import { rateMetricName, type Point } from "../domain/rate";
import type { DecodedSample, DecodedSeries } from "./decoded";

export interface ObjectLabelRule {
  readonly label: string;
  readonly resource: GroupResource;
}

export interface MappingConfig {
  readonly objectLabels: readonly ObjectLabelRule[];
  readonly namespaceLabels: readonly string[];
  /** Labels that describe the scrape, not the object: metric labels only. */
  readonly scrapeLabels: readonly string[];
  readonly rateWindowSeconds: number;
}

/** The default rule list, by label, as `[label, resource]` (resources as `parseGroupResource` reads them). */
export const DEFAULT_OBJECT_LABELS: readonly (readonly [string, string])[] = [
  ["pod", "pods"],
  ["k8s_pod_name", "pods"],
  ["deployment", "deployments.apps"],
  ["k8s_deployment_name", "deployments.apps"],
  ["statefulset", "statefulsets.apps"],
  ["k8s_statefulset_name", "statefulsets.apps"],
  ["daemonset", "daemonsets.apps"],
  ["k8s_daemonset_name", "daemonsets.apps"],
  ["replicaset", "replicasets.apps"],
  ["k8s_replicaset_name", "replicasets.apps"],
  ["job_name", "jobs.batch"],
  ["k8s_job_name", "jobs.batch"],
  ["service", "services"],
  ["ingress", "ingresses.networking.k8s.io"],
  ["node", "nodes"],
  ["k8s_node_name", "nodes"],
];
export const DEFAULT_NAMESPACE_LABELS: readonly string[] = ["namespace", "k8s_namespace_name"];
export const DEFAULT_SCRAPE_LABELS: readonly string[] = ["job", "instance"];
export const DEFAULT_RATE_WINDOW_SECONDS = 60;

/** Per-series limits: a sender past them has a bug or is an attack; the request is refused naming the series. */
export const MAX_SERIES_LABELS = 64;
export const MAX_LABEL_NAME_CHARS = 256;
export const MAX_LABEL_VALUE_CHARS = 1024;

export interface MappingContext {
  readonly config: MappingConfig;
  /** Namespace of the endpoint path, for series without a namespace label. */
  readonly defaultNamespace: string | null;
  readonly ttlSeconds: number;
  readonly now: number;
}

/** Why samples were received but not stored, by reason. */
export type SkipReason = "older than their TTL" | "in the future" | "NaN or infinite" | "invalid metric name";

export interface Mapped {
  readonly objects: ObjectSample[];
  readonly externals: ExternalSample[];
  /** Samples received (the protocol's count). */
  readonly received: number;
  readonly skipped: ReadonlyMap<SkipReason, number>;
  /** Series whose object label did not name a valid object: stored as external metrics only. */
  readonly unmappedObjects: number;
}

/** A series that can never be stored as sent: the request is refused (400) with this message. */
export class MappingError extends Error {}

const labelText = (name: string, labels: Labels) =>
  `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}}`;

export function mapSeries(series: readonly DecodedSeries[], ctx: MappingContext): Mapped {
  const objects: ObjectSample[] = [];
  const externals: ExternalSample[] = [];
  const skipped = new Map<SkipReason, number>();
  const skip = (reason: SkipReason, n = 1) => skipped.set(reason, (skipped.get(reason) ?? 0) + n);
  let received = 0;
  let unmappedObjects = 0;
  const { config } = ctx;

  for (const s of series) {
    received += s.samples.length;
    const where = () => labelText(s.name, s.labels);
    checkLabelLimits(s, where);
    const namespace = namespaceOf(s.labels, config) ?? ctx.defaultNamespace;
    if (namespace === null) {
      throw new MappingError(
        `series ${where()} has no ${config.namespaceLabels.join(" or ")} label: add one (relabel), or write to /namespaces/{namespace}/api/v1/write`,
      );
    }
    const nsProblem = namespaceProblem(namespace);
    if (nsProblem) throw new MappingError(`series ${where()}: ${nsProblem}`);
    if (metricNameProblem(s.name)) {
      skip("invalid metric name", s.samples.length);
      continue;
    }
    const chosen = newestUsable(s.samples, ctx, skip);
    if (chosen === null) continue;
    const metricLabels = without(s.labels, config.namespaceLabels);
    const object = objectOf(metricLabels, namespace, config);
    if (object === "invalid") unmappedObjects++;

    const isCounter = s.type === "counter" || (s.type === "unknown" && s.name.endsWith("_total"));
    const common = sampleFields(chosen, s, ctx, isCounter);
    if (common === null) continue;
    externals.push({ namespace, metric: s.name, labels: metricLabels, ...common.sample });
    if (common.deltaRate) externals.push({ namespace, metric: rateMetricName(s.name), labels: metricLabels, ...common.deltaRate });
    if (object !== null && object !== "invalid") {
      const objectSample = {
        target: object.target,
        labels: object.labels,
        objectLabels: object.objectLabels,
        objectLabelsMode: "merge" as const,
      };
      objects.push({ ...objectSample, metric: s.name, ...common.sample });
      if (common.deltaRate) objects.push({ ...objectSample, metric: rateMetricName(s.name), ...common.deltaRate });
    }
  }
  return { objects, externals, received, skipped, unmappedObjects };
}

function checkLabelLimits(s: DecodedSeries, where: () => string): void {
  const keys = Object.keys(s.labels);
  if (keys.length > MAX_SERIES_LABELS) throw new MappingError(`series ${s.name} has ${keys.length} labels; at most ${MAX_SERIES_LABELS} are accepted`);
  for (const k of keys) {
    if (k.length > MAX_LABEL_NAME_CHARS) throw new MappingError(`series ${s.name}: label name "${k.slice(0, 64)}…" is longer than ${MAX_LABEL_NAME_CHARS} characters`);
    if (s.labels[k]!.length > MAX_LABEL_VALUE_CHARS) throw new MappingError(`series ${where().slice(0, 200)}…: the value of label "${k}" is longer than ${MAX_LABEL_VALUE_CHARS} characters`);
  }
}

function namespaceOf(labels: Labels, config: MappingConfig): string | null {
  for (const l of config.namespaceLabels) {
    const v = labels[l];
    if (v !== undefined && v !== "") return v;
  }
  return null;
}

function without(labels: Labels, drop: readonly string[]): Labels {
  if (!drop.some((d) => d in labels)) return labels;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!drop.includes(k)) out[k] = v;
  return out;
}

function objectOf(labels: Labels, namespace: string, config: MappingConfig): { target: ObjectTarget; labels: Labels; objectLabels: Labels | null } | "invalid" | null {
  for (const rule of config.objectLabels) {
    const name = labels[rule.label];
    if (name === undefined || name === "") continue;
    if (objectNameProblem(name)) return "invalid";
    const metricLabels = without(labels, [rule.label]);
    const target: ObjectTarget = { resource: rule.resource, namespace: rule.resource.namespaced === false ? "" : namespace, name };
    return { target, labels: metricLabels, objectLabels: objectLabelsOf(metricLabels, config) };
  }
  return { target: { resource: NAMESPACES, namespace: "", name: namespace }, labels, objectLabels: null };
}

/** The labels that may describe the object: valid Kubernetes label pairs that are not scrape labels. */
function objectLabelsOf(labels: Labels, config: MappingConfig): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (config.scrapeLabels.includes(k)) continue;
    if (isQualifiedName(k).length === 0 && isValidLabelValue(v).length === 0) out[k] = v;
  }
  return out;
}

/** The newest sample worth storing, or null; counts what is skipped and why. */
function newestUsable(samples: readonly DecodedSample[], ctx: MappingContext, skip: (r: SkipReason, n?: number) => void): DecodedSample | null {
  let newest: DecodedSample | null = null;
  for (const x of samples) {
    if (!x.stale && !Number.isFinite(x.value)) {
      skip("NaN or infinite");
      continue;
    }
    if (x.timestampMs > ctx.now + MAX_CLOCK_SKEW_MS) {
      skip("in the future");
      continue;
    }
    if (x.timestampMs + ctx.ttlSeconds * 1000 <= ctx.now) {
      skip("older than their TTL");
      continue;
    }
    if (newest === null || x.timestampMs >= newest.timestampMs) newest = x;
  }
  return newest;
}

interface SampleParts {
  readonly value: string;
  readonly timestamp: number;
  readonly windowSeconds: number | null;
  readonly expiresAt: number;
  readonly stale?: boolean;
  readonly counter?: ObjectSample["counter"];
}

function sampleFields(chosen: DecodedSample, s: DecodedSeries, ctx: MappingContext, isCounter: boolean): { sample: SampleParts; deltaRate: SampleParts | null } | null {
  const expiresAt = chosen.timestampMs + ctx.ttlSeconds * 1000;
  if (chosen.stale) {
    // The rate of a counter ends with it.
    const counter = isCounter ? { points: [], rateMetric: rateMetricName(s.name), windowMs: ctx.config.rateWindowSeconds * 1000 } : undefined;
    return { sample: { value: "0", timestamp: chosen.timestampMs, windowSeconds: null, expiresAt, stale: true, counter }, deltaRate: null };
  }
  const value = quantityFromFloat(chosen.value);
  if (value === null) return null;
  const base = { value, timestamp: chosen.timestampMs, windowSeconds: null, expiresAt };
  if (!isCounter) return { sample: base, deltaRate: null };
  if (chosen.startTimestampMs !== undefined) {
    // A delta: the increase over its own interval, so its rate needs no history.
    const intervalMs = chosen.timestampMs - chosen.startTimestampMs;
    const rate = intervalMs > 0 ? quantityFromFloat(chosen.value / (intervalMs / 1000)) : null;
    return {
      sample: base,
      deltaRate: rate === null ? null : { value: rate, timestamp: chosen.timestampMs, windowSeconds: Math.round(intervalMs / 1000), expiresAt },
    };
  }
  const points: Point[] = s.samples
    .filter((x) => !x.stale && Number.isFinite(x.value) && x.timestampMs <= chosen.timestampMs)
    .map((x) => [x.timestampMs, x.value] as const)
    .sort((a, b) => a[0] - b[0]);
  return {
    sample: { ...base, counter: { points, rateMetric: rateMetricName(s.name), windowMs: ctx.config.rateWindowSeconds * 1000 } },
    deltaRate: null,
  };
}
