/**
 * The storage port, in domain terms only (the "provider" seam of custom-metrics-apiserver
 * pkg/provider/interfaces.go: get by name, list by selector, list metric infos — plus writes and deletes).
 * Nothing that crosses it is a Request or a wire type; selectors cross parsed, once. Misses are data
 * (null / []); the HTTP layer decides that a miss is a 404. Every call carries the request's `now`, so
 * expiry is decided against one instant per request and tests drive it with a clock.
 */
import type { LabelSelector } from "../apimachinery/labels";
import type { GroupResource } from "../domain/group-resource";
import type {
  CustomMetricInfo,
  ExternalMetricValue,
  ExternalSample,
  Labels,
  ObjectMetricValue,
  ObjectSample,
  ObjectTarget,
} from "../domain/metric";

export interface ObjectListQuery {
  readonly resource: GroupResource;
  readonly namespace: string;
  readonly metric: string;
  /** Matched against the objects' labels (`objectLabels`); null selects everything. */
  readonly objectSelector: LabelSelector | null;
  /** Matched against the series' metric labels; null selects everything. */
  readonly metricSelector: LabelSelector | null;
}

export interface ExternalListQuery {
  readonly namespace: string;
  readonly metric: string;
  readonly metricSelector: LabelSelector | null;
}

export interface WriteBatch {
  readonly objects: readonly ObjectSample[];
  readonly externals: readonly ExternalSample[];
  /** Name of the token that wrote, kept with each series (never the token itself). */
  readonly writer?: string | null;
}

export interface WriteReceipt {
  /** Samples stored. */
  readonly written: number;
  /** Samples older than the value already stored for their series, so not stored (a late retry, a replay). */
  readonly skipped: number;
  /** Of those, external samples (the ingestion protocols write exactly one per series, so this counts series). */
  readonly skippedExternal: number;
}

/** A Pushgateway push, delete or replace of one group (ingest/pushgateway.ts), in domain terms. */
export interface PushCommand {
  /** The group's home namespace: where its metadata lives. */
  readonly namespace: string;
  readonly groupKey: string;
  readonly mode: "put" | "post" | "delete";
  /** For `post`: the metric names whose series the push replaces. */
  readonly replaced: readonly string[];
  readonly objects: readonly ObjectSample[];
  readonly externals: readonly ExternalSample[];
  readonly writer?: string | null;
  /** What `GET /api/v1/metrics` shows for the group; null for a delete. */
  readonly meta: { readonly grouping: Labels; readonly view: Record<string, unknown>; readonly pushTime: number; readonly expiresAt: number } | null;
}

export interface PushGroup {
  /** The group's home namespace. */
  readonly namespace: string;
  readonly grouping: Labels;
  readonly view: Record<string, unknown>;
  readonly pushTime: number;
  readonly expiresAt: number;
}

/** Why a read found nothing, from what the store knows (the read handler words it). */
export interface MissExplanation {
  /** The namespace holds no metrics at all (never written, or everything in it expired). */
  readonly namespaceEmpty: boolean;
  /** The object's newest value of the metric that expired within the last hour. */
  readonly expired: { readonly value: string; readonly timestamp: number; readonly expiresAt: number } | null;
  readonly otherObjects: readonly string[];
  /** Other resources with this metric in the namespace, and anywhere. */
  readonly otherResources: readonly string[];
  /** Namespaces with live values of this resource's metric ("" = cluster scope). */
  readonly otherNamespaces: readonly string[];
  readonly otherMetrics: readonly string[];
}

/** A stored series as the status page shows it. */
export interface SeriesView {
  readonly kind: "custom" | "external";
  readonly resource: string;
  readonly name: string;
  readonly metric: string;
  readonly labels: Labels;
  readonly objectLabels: Labels | null;
  readonly value: string;
  readonly timestamp: number;
  readonly expiresAt: number;
  readonly writer: string | null;
}

export interface NamespaceView {
  /** "" for cluster scope. */
  readonly namespace: string;
  readonly series: readonly SeriesView[];
  /** True when the namespace holds more series than were described. */
  readonly truncated: boolean;
}

export interface NamespaceStats {
  readonly namespace: string;
  readonly series: number;
  readonly lastWriteAt: number | null;
}

export interface RefusalRecord {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly reason: string;
  readonly message: string;
  readonly writer: string | null;
}

export interface MetricRepository {
  /**
   * Stores every sample or none of those that could be refused for the caller's mistake (scope conflicts,
   * quotas and limits are checked for the whole batch before anything is written). Resolves only once the
   * data is durable. A batch spanning namespaces is committed namespace by namespace: if the process dies
   * midway, some namespaces may hold it and others not; retrying the batch is safe (writes are idempotent).
   */
  write(batch: WriteBatch, now: number): Promise<WriteReceipt>;
  /** The live value of one object's metric; when several series match, the most recently produced. */
  getObjectMetric(target: ObjectTarget, metric: string, metricSelector: LabelSelector | null, now: number): Promise<ObjectMetricValue | null>;
  /** Live values of every matching object, each object at most once, sorted by object name. */
  listObjectMetrics(query: ObjectListQuery, now: number): Promise<ObjectMetricValue[]>;
  /** Every matching live external series. */
  listExternalMetrics(query: ExternalListQuery, now: number): Promise<ExternalMetricValue[]>;
  /** Custom metrics that have at least one live value. Never fans out to every partition. */
  listCustomMetricInfos(now: number): Promise<CustomMetricInfo[]>;
  /** External metric names that have at least one live value. */
  listExternalMetricNames(now: number): Promise<string[]>;
  /** Deletes one series (labels given) or every series of the object's metric (labels null). */
  deleteObjectMetric(target: ObjectTarget, metric: string, labels: Labels | null, now: number): Promise<number>;
  deleteExternalMetric(namespace: string, metric: string, labels: Labels | null, now: number): Promise<number>;
  /** Deletes every custom metric of a namespace: its objects' and the namespace's own. */
  deleteNamespaceCustomMetrics(namespace: string, now: number): Promise<number>;
  deleteNamespaceExternalMetrics(namespace: string, now: number): Promise<number>;
  /** Replaces a Pushgateway group's series (all, or the pushed families') and records the group; or deletes it. */
  pushGroup(command: PushCommand, now: number): Promise<WriteReceipt>;
  /** Every live Pushgateway group. Visits each namespace that holds metrics: a tooling call, not a hot path. */
  listPushGroups(now: number): Promise<PushGroup[]>;
  /** One object's live metrics, one value each. */
  objectMetrics(target: ObjectTarget, now: number): Promise<ObjectMetricValue[]>;
  /** What is known about a read of an object's metric (name "*": of any object) that found nothing. */
  explainObjectMiss(target: ObjectTarget, metric: string, now: number): Promise<MissExplanation>;
  /** Namespaces with live values of an external metric, a few. */
  externalMetricNamespaces(metric: string, now: number): Promise<string[]>;
  /** Series of every namespace that holds metrics, at most `perNamespace` each: for the status page. */
  describe(perNamespace: number): Promise<NamespaceView[]>;
  /** Series count and last write per namespace, as last reported (at most a heartbeat old). */
  namespaceStats(): Promise<NamespaceStats[]>;
  /** Keeps a refused write for the status page (bounded; best effort). */
  recordRefusal(refusal: RefusalRecord): Promise<void>;
  recentRefusals(limit: number): Promise<RefusalRecord[]>;
}
