/**
 * A partition's reads: what the HPA asks (one object's metric, every object matching a label selector, external
 * series), one object's metrics, why a read found nothing (expired, other objects, other resources), and a
 * bounded description of everything stored for the status page. Synchronous SQL over the tables
 * partition-tables.ts writes; every read filters on expiry.
 *
 * - The HPA's reads (one object, `pods/*`, external series) come from in-memory views kept in step with the
 *   writes (metric-views.ts); SQL is read once per view. A `pods/*` read with an equality or `in` requirement
 *   starts from the label index's objects (flat in the namespace's size), otherwise it walks the metric's
 *   objects; either way it decides each distinct object-label set once.
 * - Several series of one metric on one object are answered as one value, their sum (domain/metric.ts); the
 *   common case of one series per object costs no arithmetic.
 * - A `pods/*` answer crosses RPC as parallel arrays (ObjectMetricColumns), not one object per pod.
 */
import { newSelector, type LabelSelector, type Requirement } from "../apimachinery/labels";
import { addQuantities, formatQuantity, parseQuantity } from "../apimachinery/quantity";
import type { ExternalMetricValue, Labels } from "../domain/metric";
import type { LabelTextMemo } from "./label-text";
import type { SeriesView } from "./repository";
import type { MetricViews, ObjectLabelView, ObjectMetricView, ViewRow } from "./metric-views";

/** Names given as examples in a miss explanation. */
const MAX_EXAMPLES = 5;

/** Selectors cross RPC as their requirements (plain data); the partition rebuilds the matcher without parsing. */
export type SelectorRequirements = readonly Requirement[] | null;

export const toRequirements = (s: LabelSelector | null): SelectorRequirements => (s === null || s.isEmpty() ? null : s.requirements);
export const fromRequirements = (r: SelectorRequirements): LabelSelector | null => (r === null || r.length === 0 ? null : newSelector(...r));

export interface PartitionObjectQuery {
  /** GroupResource.name */
  readonly resource: string;
  readonly namespace: string;
  readonly metric: string;
  readonly objectSelector: SelectorRequirements;
  readonly metricSelector: SelectorRequirements;
}

export interface PartitionExternalQuery {
  readonly namespace: string;
  readonly metric: string;
  readonly metricSelector: SelectorRequirements;
}

/** One object's value, without the object's resource and namespace (the caller knows them). */
export type ObjectRow = {
  readonly name: string;
  /** Canonical metric-label text. */
  readonly labels: string;
  readonly value: string;
  readonly timestamp: number;
  readonly window: number | null;
};

/** Values of one metric for objects of one resource in one namespace, as parallel arrays. */
export interface ObjectMetricColumns {
  names: string[];
  /** Canonical metric-label text (label-text.ts). */
  labels: string[];
  values: string[];
  timestamps: number[];
  windows: (number | null)[];
}

type SeriesRow = ObjectRow & { object_labels?: string | null };

/** What a partition knows about a read that found nothing. */
export interface MissFacts {
  /** The newest value of this object's metric that has expired (kept an hour after expiry), if any. */
  readonly expired: { readonly value: string; readonly timestamp: number; readonly expiresAt: number } | null;
  /** Objects of the same resource with a live value of the metric (a few names). */
  readonly otherObjects: readonly string[];
  /** Resources with a live value of this metric in the partition. */
  readonly otherResources: readonly string[];
  /** Metrics the object does have live values of (a few names). */
  readonly otherMetrics: readonly string[];
}

/** One stored series, for the status page (the port's shape, filled in by the partition). */
export type SeriesDescription = SeriesView;

export class PartitionReads {
  readonly #sql: SqlStorage;
  readonly #labels: LabelTextMemo;
  readonly #views: MetricViews;

  constructor(sql: SqlStorage, labels: LabelTextMemo, views: MetricViews) {
    this.#sql = sql;
    this.#labels = labels;
    this.#views = views;
  }

  getObjectMetric(resource: string, namespace: string, name: string, metric: string, metricSelector: SelectorRequirements, now: number): ObjectRow | null {
    const rows = this.#views.objectView(resource, namespace, metric).byName.get(name);
    return rows ? combineViewRows(name, rows, fromRequirements(metricSelector), this.#labels, now) : null;
  }

  /** Every object of a resource with a live value of the metric, filtered by the object and metric selectors. */
  listObjectColumns(query: PartitionObjectQuery, now: number): ObjectMetricColumns {
    const objectSelector = fromRequirements(query.objectSelector);
    const metricSelector = fromRequirements(query.metricSelector);
    const view = this.#views.objectView(query.resource, query.namespace, query.metric);
    const objectLabels = objectSelector ? this.#views.objectLabels(query.resource, query.namespace) : null;
    // Pods of one workload share a label set: decide each distinct set once.
    const verdicts = new Map<string, boolean>();
    const out: ObjectMetricColumns = { names: [], labels: [], values: [], timestamps: [], windows: [] };
    for (const name of candidates(view, objectLabels, objectSelector)) {
      if (objectSelector) {
        const text = objectLabels!.byName.get(name) ?? "{}";
        let ok = verdicts.get(text);
        if (ok === undefined) verdicts.set(text, (ok = objectSelector.matches(this.#labels.parse(text))));
        if (!ok) continue;
      }
      const row = combineViewRows(name, view.byName.get(name)!, metricSelector, this.#labels, now);
      if (row === null) continue;
      out.names.push(row.name);
      out.labels.push(row.labels);
      out.values.push(row.value);
      out.timestamps.push(row.timestamp);
      out.windows.push(row.window);
    }
    return out;
  }

  listExternal(query: PartitionExternalQuery, now: number): ExternalMetricValue[] {
    const selector = fromRequirements(query.metricSelector);
    const view = this.#views.externalView(query.namespace, query.metric);
    const out: ExternalMetricValue[] = [];
    for (const text of [...view.keys()].sort()) {
      const r = view.get(text)!;
      if (r.expiresAt <= now) continue;
      const labels = this.#labels.parse(text);
      if (selector && !selector.matches(labels)) continue;
      out.push({ namespace: query.namespace, metric: query.metric, labels, value: r.value, timestamp: r.timestamp, windowSeconds: r.window });
    }
    return out;
  }

  /** One object's live metrics, one value each (summed over its series): `GET …/{resource}/{name}/`. */
  objectMetrics(resource: string, namespace: string, name: string, now: number): { metric: string; row: ObjectRow }[] {
    const rows = this.#sql
      .exec<SeriesRow & { metric: string }>(
        `SELECT metric, name, labels, value, timestamp, window FROM series
         WHERE resource = ? AND namespace = ? AND name = ? AND expires_at > ? ORDER BY metric`,
        resource, namespace, name, now,
      )
      .toArray();
    const out: { metric: string; row: ObjectRow }[] = [];
    for (let i = 0; i < rows.length; ) {
      let j = i;
      while (j < rows.length && rows[j]!.metric === rows[i]!.metric) j++;
      out.push({ metric: rows[i]!.metric, row: combinePerObject(rows.slice(i, j), null, this.#labels)[0]! });
      i = j;
    }
    return out;
  }

  /** Why reading `metric` of an object (or of every object, name "*") found nothing. */
  explainMiss(resource: string, namespace: string, name: string, metric: string, now: number): MissFacts {
    const expired = name === "*"
      ? null
      : this.#sql
          .exec<{ value: string; timestamp: number; expires_at: number }>(
            `SELECT value, timestamp, expires_at FROM (
               SELECT value, timestamp, expires_at FROM series WHERE resource = ? AND namespace = ? AND name = ? AND metric = ? AND expires_at <= ?
               UNION ALL
               SELECT value, timestamp, expires_at FROM expired_series WHERE resource = ? AND namespace = ? AND name = ? AND metric = ?)
             ORDER BY expires_at DESC LIMIT 1`,
            resource, namespace, name, metric, now, resource, namespace, name, metric,
          )
          .toArray()[0];
    const names = (sql: string, ...args: (string | number)[]) => this.#sql.exec<{ v: string }>(sql, ...args).toArray().map((r) => r.v);
    return {
      expired: expired ? { value: expired.value, timestamp: expired.timestamp, expiresAt: expired.expires_at } : null,
      otherObjects: name === "*" ? [] : names(
        `SELECT DISTINCT name AS v FROM series WHERE resource = ? AND namespace = ? AND metric = ? AND expires_at > ? ORDER BY name LIMIT ${MAX_EXAMPLES}`,
        resource, namespace, metric, now),
      otherResources: names(
        `SELECT DISTINCT resource AS v FROM series WHERE namespace = ? AND metric = ? AND resource != ? AND expires_at > ? ORDER BY resource LIMIT ${MAX_EXAMPLES}`,
        namespace, metric, resource, now),
      otherMetrics: name === "*" ? [] : names(
        `SELECT DISTINCT metric AS v FROM series WHERE resource = ? AND namespace = ? AND name = ? AND expires_at > ? ORDER BY metric LIMIT ${MAX_EXAMPLES}`,
        resource, namespace, name, now),
    };
  }

  /** Up to `limit` stored series (live or not yet purged), object series first, for the status page. */
  describe(limit: number): SeriesDescription[] {
    const out: SeriesDescription[] = [];
    for (const r of this.#sql.exec<{ resource: string; name: string; metric: string; labels: string; value: string; timestamp: number; expires_at: number; writer: string | null; object_labels: string | null }>(
      `SELECT s.resource, s.name, s.metric, s.labels, s.value, s.timestamp, s.expires_at, s.writer, o.labels AS object_labels
       FROM series s LEFT JOIN objects o ON o.resource = s.resource AND o.namespace = s.namespace AND o.name = s.name
       ORDER BY s.resource, s.metric, s.name, s.labels LIMIT ?`, limit,
    )) {
      out.push({
        kind: "custom", resource: r.resource, name: r.name, metric: r.metric, labels: this.#labels.parse(r.labels),
        objectLabels: r.object_labels === null ? null : this.#labels.parse(r.object_labels),
        value: r.value, timestamp: r.timestamp, expiresAt: r.expires_at, writer: r.writer,
      });
    }
    if (out.length < limit) {
      for (const r of this.#sql.exec<{ metric: string; labels: string; value: string; timestamp: number; expires_at: number; writer: string | null }>(
        "SELECT metric, labels, value, timestamp, expires_at, writer FROM external_series ORDER BY metric, labels LIMIT ?", limit - out.length,
      )) {
        out.push({
          kind: "external", resource: "", name: "", metric: r.metric, labels: this.#labels.parse(r.labels), objectLabels: null,
          value: r.value, timestamp: r.timestamp, expiresAt: r.expires_at, writer: r.writer,
        });
      }
    }
    return out;
  }
}

/**
 * One value per object: the series of the metric that match the metric selector, summed (Quantity.Add, exact)
 * when there are several, with the newest timestamp and the widest window among them. The HPA keys Pods
 * metrics by describedObject.name and requires exactly one item for Object metrics. `rows` must be grouped by
 * name (the SQL orders by name); the item carries the labels of its first series.
 */
function combinePerObject<R extends ObjectRow>(rows: readonly R[], selector: LabelSelector | null, labels: LabelTextMemo): ObjectRow[] {
  const out: ObjectRow[] = [];
  let group: R[] = [];
  const flush = () => {
    if (group.length === 1) out.push(group[0]!);
    else if (group.length > 1) out.push(sumRows(group));
    group = [];
  };
  for (const row of rows) {
    if (selector && !selector.matches(labels.parse(row.labels))) continue;
    if (group.length > 0 && group[0]!.name !== row.name) flush();
    group.push(row);
  }
  flush();
  return out;
}

function sumRows(rows: readonly ObjectRow[]): ObjectRow {
  const sorted = [...rows].sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
  let total = parseQuantity(sorted[0]!.value);
  let timestamp = sorted[0]!.timestamp;
  let window = sorted[0]!.window;
  for (const r of sorted.slice(1)) {
    total = addQuantities(total, parseQuantity(r.value));
    timestamp = Math.max(timestamp, r.timestamp);
    if (r.window !== null) window = Math.max(window ?? 0, r.window);
  }
  return { name: sorted[0]!.name, labels: sorted[0]!.labels, value: formatQuantity(total), timestamp, window };
}

/** combinePerObject for one object's rows from a view: live rows matching the selector, summed when several. */
function combineViewRows(name: string, rows: ReadonlyMap<string, ViewRow>, selector: LabelSelector | null, labels: LabelTextMemo, now: number): ObjectRow | null {
  let only: ObjectRow | null = null;
  let group: ObjectRow[] | null = null;
  for (const [text, r] of rows) {
    if (r.expiresAt <= now) continue;
    if (selector && !selector.matches(labels.parse(text))) continue;
    const row = { name, labels: text, value: r.value, timestamp: r.timestamp, window: r.window };
    if (only === null) only = row;
    else (group ??= [only]).push(row);
  }
  return group ? sumRows(group) : only;
}

/**
 * The object names a `pods/*` read must look at, in name order: with an `=`, `==` or `in` requirement, the
 * objects the label index gives for its values (the smallest such set) that have the metric; otherwise every
 * object with the metric. The selector is still applied in full to each.
 */
function candidates(view: ObjectMetricView, labels: ObjectLabelView | null, selector: LabelSelector | null): readonly string[] {
  if (labels === null || selector === null) return view.names();
  let best: Set<string> | null = null;
  for (const r of selector.requirements) {
    if (r.operator !== "=" && r.operator !== "==" && r.operator !== "in") continue;
    const names = labels.withValue(r.key, r.values);
    if (best === null || names.size < best.size) best = names;
  }
  if (best === null || best.size >= view.byName.size) return view.names();
  const out: string[] = [];
  for (const n of best) if (view.byName.has(n)) out.push(n);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
