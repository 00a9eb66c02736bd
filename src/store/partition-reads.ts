/**
 * A partition's reads: what the HPA asks (one object's metric, every object matching a label selector, external
 * series), one object's metrics, why a read found nothing (expired, other objects, other resources), and a
 * bounded description of everything stored for the status page. Synchronous SQL over the tables
 * partition-tables.ts writes; every read filters on expiry.
 *
 * - Object labels are indexed as (key, value) rows, so a `pods/*` read whose selector has an equality or `in`
 *   requirement touches only the objects that can match, not every series of the metric: read cost follows the
 *   matching series, not the total stored. The selector is still applied in full afterwards; when it is just that
 *   requirement, the index decides it and object labels are not read at all.
 * - Several series of one metric on one object are answered as one value, their sum (domain/metric.ts); the
 *   common case of one series per object costs no arithmetic.
 * - A `pods/*` answer crosses RPC as parallel arrays (ObjectMetricColumns), not one object per pod.
 */
import { newSelector, type LabelSelector, type Requirement } from "../apimachinery/labels";
import { addQuantities, formatQuantity, parseQuantity } from "../apimachinery/quantity";
import type { ExternalMetricValue, Labels } from "../domain/metric";
import type { LabelTextMemo } from "./label-text";

/** Bound parameters per statement are limited (100); larger `in` sets fall back to the scan. */
const MAX_INDEXED_VALUES = 64;
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

/** One stored series, for the status page. */
export interface SeriesDescription {
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

export class PartitionReads {
  readonly #sql: SqlStorage;
  readonly #labels: LabelTextMemo;

  constructor(sql: SqlStorage, labels: LabelTextMemo) {
    this.#sql = sql;
    this.#labels = labels;
  }

  getObjectMetric(resource: string, namespace: string, name: string, metric: string, metricSelector: SelectorRequirements, now: number): ObjectRow | null {
    const rows = this.#sql
      .exec<SeriesRow>(
        `SELECT name, labels, value, timestamp, window FROM series
         WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND expires_at > ?`,
        resource, namespace, metric, name, now,
      )
      .toArray();
    return combinePerObject(rows, fromRequirements(metricSelector), this.#labels)[0] ?? null;
  }

  listObjectColumns(query: PartitionObjectQuery, now: number): ObjectMetricColumns {
    const objectSelector = fromRequirements(query.objectSelector);
    const narrowing = objectSelector ? indexableRequirement(objectSelector) : null;
    // A selector that is just the indexed requirement is decided by the index: no need for the labels.
    const decided = narrowing !== null && objectSelector!.requirements.length === 1;
    const rows = narrowing
      ? this.#sql
          .exec<SeriesRow>(
            // Only objects that carry key=value (for one of the values) can match: start from the label index.
            // CROSS JOIN fixes that order (SQLite's planner would otherwise walk every series of the metric,
            // in name order, to save the final sort).
            `SELECT s.name, s.labels, s.value, s.timestamp, s.window${decided ? "" : ", o.labels AS object_labels"}
             FROM object_labels l
             CROSS JOIN series s ON s.resource = l.resource AND s.namespace = l.namespace AND s.metric = ? AND s.name = l.name
             ${decided ? "" : "CROSS JOIN objects o ON o.resource = l.resource AND o.namespace = l.namespace AND o.name = l.name"}
             WHERE l.resource = ? AND l.namespace = ? AND l.key = ? AND l.value IN (${narrowing.values.map(() => "?").join(", ")})
               AND s.expires_at > ?
             ORDER BY s.name`,
            query.metric, query.resource, query.namespace, narrowing.key, ...narrowing.values, now,
          )
          .toArray()
      : this.#sql
          .exec<SeriesRow>(
            `SELECT s.name, s.labels, s.value, s.timestamp, s.window, o.labels AS object_labels
             FROM series s LEFT JOIN objects o ON o.resource = s.resource AND o.namespace = s.namespace AND o.name = s.name
             WHERE s.resource = ? AND s.namespace = ? AND s.metric = ? AND s.expires_at > ?
             ORDER BY s.name`,
            query.resource, query.namespace, query.metric, now,
          )
          .toArray();
    let matching = rows;
    if (objectSelector && !decided) {
      const verdicts = new Map<string, boolean>();
      matching = rows.filter((r) => {
        const text = r.object_labels ?? "{}";
        let ok = verdicts.get(text);
        if (ok === undefined) verdicts.set(text, (ok = objectSelector.matches(this.#labels.parse(text))));
        return ok;
      });
    }
    const out: ObjectMetricColumns = { names: [], labels: [], values: [], timestamps: [], windows: [] };
    for (const r of combinePerObject(matching, fromRequirements(query.metricSelector), this.#labels)) {
      out.names.push(r.name);
      out.labels.push(r.labels);
      out.values.push(r.value);
      out.timestamps.push(r.timestamp);
      out.windows.push(r.window);
    }
    return out;
  }

  listExternal(query: PartitionExternalQuery, now: number): ExternalMetricValue[] {
    const selector = fromRequirements(query.metricSelector);
    const out: ExternalMetricValue[] = [];
    for (const r of this.#sql.exec<SeriesRow>(
      `SELECT labels, value, timestamp, window FROM external_series
       WHERE namespace = ? AND metric = ? AND expires_at > ? ORDER BY labels`,
      query.namespace, query.metric, now,
    )) {
      const labels = this.#labels.parse(r.labels);
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

/**
 * The requirement a `pods/*` read can start from in the label index: the first `=`, `==` or `in` (every
 * matching object carries that key with one of those values). Null when there is none (`!=`, `notin`,
 * `exists`, `!`, `gt`, `lt` only) or the value set is too large to bind.
 */
function indexableRequirement(selector: LabelSelector): { key: string; values: readonly string[] } | null {
  for (const r of selector.requirements) {
    if ((r.operator === "=" || r.operator === "==" || r.operator === "in") && r.values.length > 0 && r.values.length <= MAX_INDEXED_VALUES) {
      return { key: r.key, values: r.values };
    }
  }
  return null;
}
