/**
 * A partition's tables: the series of one namespace (or of cluster scope), the labels of the objects they
 * describe, a (key, value) index over those labels, and external series. Synchronous SQL over the Durable
 * Object's SQLite; the Durable Object (metrics-object.ts) dispatches to it and owns alarms and RPC.
 *
 * Hot paths, as the benchmarks (bench/) measured them:
 * - A write of a series that exists, whose expiry does not move back (a steady writer), is one UPDATE; new
 *   series cost one UPDATE that misses and one INSERT. Series are counted for the quota only when a write
 *   could reach it. Object labels are rewritten only when they change.
 * - Object labels are also indexed as (key, value) rows, so a `pods/*` read whose selector has an equality
 *   or `in` requirement touches only the objects that can match, not every series of the metric: read cost
 *   follows the matching series, not the total stored. The selector is still applied in full afterwards.
 *   When the selector is just that requirement, the index decides it and object labels are not read at all.
 * - A `pods/*` answer crosses RPC as parallel arrays (ObjectMetricColumns), not one object per pod.
 * - Several series of one metric on one object are answered as one value, their sum (domain/metric.ts); the
 *   common case of one series per object costs no arithmetic.
 * - A counter's points are kept (counter-history.ts) and its rate written as a series of its own in the same
 *   transaction; a staleness marker deletes the series and its rate.
 *
 * Discovery without fan-out: after a write, the partition tells the catalog the latest expiry of each metric
 * it holds (CatalogReporter below), but only when that moves by more than a slack (10% of the TTL, at most
 * 30 s), so a steady writer costs the catalog about one call per metric per slack period. The catalog's
 * expiry is never later than the truth: a metric can drop out of discovery up to one slack before its last
 * value expires, never after. Deletes and TTL reductions recompute the exact value.
 */
import { newSelector, type LabelSelector, type Requirement } from "../apimachinery/labels";
import { addQuantities, formatQuantity, parseQuantity } from "../apimachinery/quantity";
import { quantityFromFloat } from "../domain/float-value";
import { canonicalLabels, type ExternalMetricValue, type ExternalSample, type Labels, type ObjectSample, type SampleCommon } from "../domain/metric";
import { CatalogReporter, ExpiryNotes, identityKey } from "./catalog-reports";
import type { CatalogUpdate, Identity, MetricKind } from "./catalog-tables";
import { CounterHistory } from "./counter-history";
import { LabelTextMemo, objectLabelText } from "./label-text";
import { partitionForObject } from "./partition";
import { PushGroupTables, type PushGroupMeta, type StoredPushGroup } from "./push-groups";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS series (
  resource TEXT NOT NULL, namespace TEXT NOT NULL, metric TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL,
  value TEXT NOT NULL, timestamp INTEGER NOT NULL, window INTEGER, expires_at INTEGER NOT NULL,
  PRIMARY KEY (resource, namespace, metric, name, labels)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS series_by_expiry ON series (expires_at);
CREATE TABLE IF NOT EXISTS objects (
  resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL,
  PRIMARY KEY (resource, namespace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS external_series (
  namespace TEXT NOT NULL, metric TEXT NOT NULL, labels TEXT NOT NULL,
  value TEXT NOT NULL, timestamp INTEGER NOT NULL, window INTEGER, expires_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, metric, labels)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS external_by_expiry ON external_series (expires_at);
CREATE TABLE IF NOT EXISTS object_labels (
  resource TEXT NOT NULL, namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, name TEXT NOT NULL,
  PRIMARY KEY (resource, namespace, key, value, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

/** Bound parameters per statement are limited (100); larger `in` sets fall back to the scan. */
const MAX_INDEXED_VALUES = 64;

/** Selectors cross RPC as their requirements (plain data); the partition rebuilds the matcher without parsing. */
export type SelectorRequirements = readonly Requirement[] | null;

export const toRequirements = (s: LabelSelector | null): SelectorRequirements => (s === null || s.isEmpty() ? null : s.requirements);
const fromRequirements = (r: SelectorRequirements): LabelSelector | null => (r === null || r.length === 0 ? null : newSelector(...r));

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

export interface QuotaRefusal {
  readonly refused: "quota";
  readonly message: string;
}

export type DeleteCommand =
  | { kind: "object"; resource: string; namespace: string; name: string; metric: string; labels: Labels | null }
  | { kind: "external"; namespace: string; metric: string; labels: Labels | null }
  | { kind: "namespace-objects"; namespace: string; namespaceObjectOnly: boolean }
  | { kind: "namespace-external"; namespace: string };

type SeriesRow = ObjectRow & { object_labels?: string | null };

const SKIPPED = Symbol("skipped");

interface WriteState {
  readonly notes: ExpiryNotes;
  earliestExpiry: number;
  fresh: number;
  written: number;
  skipped: number;
  skippedExternal: number;
  readonly identities: Set<string>;
  readonly labelsWritten: Map<string, string>;
  /** The Pushgateway group the written series belong to, if any. */
  readonly groupKey: string | null;
}

/** The statements of one series table; key values follow the value columns, in primary-key order. */
interface SeriesTable<S> {
  readonly kind: MetricKind;
  readonly update: string;
  readonly insert: string;
  readonly select: string;
  readonly delete: string;
  resource(s: S): string;
  namespaced(s: S): boolean;
}

const OBJECT_TABLE: SeriesTable<ObjectSample> = {
  kind: "custom",
  update: "UPDATE series SET value = ?, timestamp = ?, window = ?, expires_at = ? WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
  insert: "INSERT INTO series (value, timestamp, window, expires_at, resource, namespace, metric, name, labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
  select: "SELECT timestamp, expires_at FROM series WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
  delete: "DELETE FROM series WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
  resource: (s) => s.target.resource.name,
  namespaced: (s) => s.target.namespace !== "",
};

const EXTERNAL_TABLE: SeriesTable<ExternalSample> = {
  kind: "external",
  update: "UPDATE external_series SET value = ?, timestamp = ?, window = ?, expires_at = ? WHERE namespace = ? AND metric = ? AND labels = ?",
  insert: "INSERT INTO external_series (value, timestamp, window, expires_at, namespace, metric, labels) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
  select: "SELECT timestamp, expires_at FROM external_series WHERE namespace = ? AND metric = ? AND labels = ?",
  delete: "DELETE FROM external_series WHERE namespace = ? AND metric = ? AND labels = ?",
  resource: () => "",
  namespaced: () => true,
};

const objectKey = (s: ObjectSample, metric: string) =>
  [s.target.resource.name, s.target.namespace, metric, s.target.name, canonicalLabels(s.labels)] as const;
const externalKey = (s: ExternalSample, metric: string) => [s.namespace, metric, canonicalLabels(s.labels)] as const;

export interface PartitionWriteResult {
  readonly written: number;
  /** Samples older than the stored value of their series. */
  readonly skipped: number;
  readonly skippedExternal: number;
  readonly earliestExpiry: number;
  readonly updates: CatalogUpdate[];
}

export class PartitionTables {
  readonly #sql: SqlStorage;
  readonly #storage: DurableObjectStorage;
  readonly #labels = new LabelTextMemo();
  /** Stored series (object + external), counted lazily and kept in step with writes; null = recount. */
  #seriesCount: number | null = null;
  /** Distinct metric identities stored here (identityKey), loaded lazily; null = reload. */
  #identities: Set<string> | null = null;
  readonly reporter = new CatalogReporter();
  readonly #counters: CounterHistory;
  readonly #groups: PushGroupTables;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#sql.exec(SCHEMA);
    this.#counters = new CounterHistory(this.#sql);
    this.#groups = new PushGroupTables(this.#sql);
    this.#indexExistingObjectLabels();
  }

  /** One-time backfill of object_labels for objects stored before that index existed. */
  #indexExistingObjectLabels(): void {
    if (this.#sql.exec("SELECT 1 FROM meta WHERE key = 'object_labels'").toArray().length > 0) return;
    this.#storage.transactionSync(() => {
      for (const o of this.#sql.exec<{ resource: string; namespace: string; name: string; labels: string }>("SELECT resource, namespace, name, labels FROM objects").toArray()) {
        this.#insertLabelRows(o.resource, o.namespace, o.name, this.#labels.parse(o.labels));
      }
      this.#sql.exec("INSERT INTO meta (key, value) VALUES ('object_labels', '1')");
    });
  }

  // ---- meta -----------------------------------------------------------------------------------------

  meta(key: string): string | null {
    return this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  setMeta(values: Readonly<Record<string, string>>): void {
    for (const [key, value] of Object.entries(values)) {
      this.#sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    }
  }

  /** The partition name its rows imply (store/partition.ts naming), or null when it holds nothing. */
  inferName(): string | null {
    const row =
      this.#sql.exec<{ namespace: string }>("SELECT namespace FROM series LIMIT 1").toArray()[0] ??
      this.#sql.exec<{ namespace: string }>("SELECT namespace FROM external_series LIMIT 1").toArray()[0];
    return row === undefined ? null : partitionForObject(row.namespace);
  }

  // ---- quota ----------------------------------------------------------------------------------------

  #countSeries(): number {
    this.#seriesCount ??= this.#sql
      .exec<{ n: number }>("SELECT (SELECT COUNT(*) FROM series) + (SELECT COUNT(*) FROM external_series) AS n")
      .one().n;
    return this.#seriesCount;
  }

  /** How many of these samples would create a new series (not replace one). */
  #newSeries(objects: readonly ObjectSample[], externals: readonly ExternalSample[]): number {
    const seen = new Set<string>();
    let fresh = 0;
    for (const s of objects) {
      const labels = canonicalLabels(s.labels);
      const key = JSON.stringify(["o", s.target.resource.name, s.target.namespace, s.metric, s.target.name, labels]);
      if (seen.has(key)) continue;
      seen.add(key);
      const exists = this.#sql
        .exec("SELECT 1 FROM series WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
          s.target.resource.name, s.target.namespace, s.metric, s.target.name, labels)
        .toArray().length > 0;
      if (!exists) fresh++;
    }
    for (const s of externals) {
      const labels = canonicalLabels(s.labels);
      const key = JSON.stringify(["e", s.namespace, s.metric, labels]);
      if (seen.has(key)) continue;
      seen.add(key);
      const exists = this.#sql.exec("SELECT 1 FROM external_series WHERE namespace = ? AND metric = ? AND labels = ?", s.namespace, s.metric, labels).toArray().length > 0;
      if (!exists) fresh++;
    }
    return fresh;
  }

  /** Read-only: would these samples push the partition past `maxSeries`? */
  quotaRefusal(objects: readonly ObjectSample[], externals: readonly ExternalSample[], maxSeries: number): QuotaRefusal | null {
    // A write adds at most one series per sample, so the per-sample existence check is needed only near the quota.
    const counters = objects.filter((s) => s.counter).length + externals.filter((s) => s.counter).length;
    if (this.#countSeries() + objects.length + externals.length + counters <= maxSeries) return null;
    const fresh = this.#newSeries(objects, externals);
    const current = this.#countSeries();
    if (fresh === 0 || current + fresh <= maxSeries) return null;
    return {
      refused: "quota",
      message: `series quota exceeded: this namespace stores ${current} series, the write would add ${fresh}, and the limit is ${maxSeries}; delete unused series or raise MAX_SERIES_PER_NAMESPACE`,
    };
  }

  // ---- identities (what discovery lists) -------------------------------------------------------------

  #identitySet(): Set<string> {
    if (this.#identities === null) {
      this.#identities = new Set();
      for (const r of this.#sql.exec<{ resource: string; metric: string }>("SELECT DISTINCT resource, metric FROM series")) {
        this.#identities.add(identityKey("custom", r.resource, r.metric));
      }
      for (const r of this.#sql.exec<{ metric: string }>("SELECT DISTINCT metric FROM external_series")) {
        this.#identities.add(identityKey("external", "", r.metric));
      }
    }
    return this.#identities;
  }

  /** Identities these samples would add to this partition. */
  newIdentities(objects: readonly ObjectSample[], externals: readonly ExternalSample[]): Identity[] {
    const known = this.#identitySet();
    const found = new Map<string, Identity>();
    const add = (kind: MetricKind, resource: string, metric: string) => {
      const key = identityKey(kind, resource, metric);
      if (!known.has(key)) found.set(key, { kind, resource, metric });
    };
    for (const s of objects) {
      if (s.stale) continue;
      add("custom", s.target.resource.name, s.metric);
      if (s.counter) add("custom", s.target.resource.name, s.counter.rateMetric);
    }
    for (const s of externals) {
      if (s.stale) continue;
      add("external", "", s.metric);
      if (s.counter) add("external", "", s.counter.rateMetric);
    }
    return [...found.values()];
  }

  /** Refusal when `added` new identities would take this namespace past `max` distinct metrics. */
  identityLimitProblem(added: number, max: number): string | null {
    const current = this.#identitySet().size;
    if (added === 0 || current + added <= max) return null;
    return `metric limit reached: this namespace has ${current} distinct metrics, the write would add ${added}, and the limit is ${max} (MAX_METRICS_PER_NAMESPACE); delete unused metrics or raise the limit`;
  }

  /** Every identity stored here with its latest expiry, for a full re-report to a rebuilt catalog. */
  allIdentities(): CatalogUpdate[] {
    const out: CatalogUpdate[] = [];
    for (const r of this.#sql.exec<{ resource: string; namespace: string; metric: string; e: number }>(
      "SELECT resource, MAX(namespace) AS namespace, metric, MAX(expires_at) AS e FROM series GROUP BY resource, metric",
    )) out.push({ kind: "custom", resource: r.resource, metric: r.metric, namespaced: r.namespace !== "", expiresAt: r.e, mode: "set" });
    for (const r of this.#sql.exec<{ metric: string; e: number }>("SELECT metric, MAX(expires_at) AS e FROM external_series GROUP BY metric")) {
      out.push({ kind: "external", resource: "", metric: r.metric, namespaced: true, expiresAt: r.e, mode: "set" });
    }
    return out;
  }

  /** Nothing stored: no series, and no Pushgateway group (a group emptied by a PUT with no metrics is kept). */
  isEmpty(): boolean {
    return this.#countSeries() === 0 && this.#groups.list(0).length === 0;
  }

  // ---- writes ---------------------------------------------------------------------------------------

  /**
   * Upserts samples in one transaction. A sample older than the value stored for its series is skipped (a
   * late retry must not overwrite a newer value); one with the same timestamp replaces it (a retry of the same
   * write is idempotent). Returns how many were written and skipped, the earliest expiry written (for the
   * alarm) and what the catalog needs to hear (report it, then call `reporter.reported`).
   */
  write(objects: readonly ObjectSample[], externals: readonly ExternalSample[], now: number): PartitionWriteResult {
    const w = this.#writeState(now, null);
    this.#storage.transactionSync(() => this.#writeAll(objects, externals, w));
    return this.#finish(w);
  }

  /**
   * A Pushgateway push (or delete) in this partition, in one transaction: the group's series it replaces go —
   * all of them (`put`, `delete`) or those of the pushed families (`post`, `replaced` names them) — then its new
   * samples are written and remembered as the group's; `meta` (home partition only) records or drops the group.
   */
  applyPush(
    groupKey: string, mode: "put" | "post" | "delete", replaced: readonly string[], objects: readonly ObjectSample[], externals: readonly ExternalSample[],
    meta: PushGroupMeta | null | undefined, now: number,
  ): PartitionWriteResult {
    const w = this.#writeState(now, groupKey);
    this.#storage.transactionSync(() => {
      const gone = this.#groups.members(groupKey, mode === "post" ? new Set(replaced) : null);
      for (const series of gone) this.#dropSeries(series, w);
      this.#groups.forget(groupKey, gone);
      if (gone.length > 0) this.#dropOrphanObjects();
      this.#writeAll(objects, externals, w);
      if (meta !== undefined) this.#groups.setMeta(groupKey, meta);
    });
    return this.#finish(w);
  }

  pushGroup(groupKey: string): StoredPushGroup | null {
    return this.#groups.meta(groupKey);
  }

  pushGroups(now: number): StoredPushGroup[] {
    return this.#groups.list(now);
  }

  #writeState(now: number, groupKey: string | null): WriteState {
    return {
      notes: new ExpiryNotes(this.reporter, now, (kind, resource, metric) => this.maxExpiry(kind, resource, metric)),
      earliestExpiry: Infinity,
      fresh: 0,
      written: 0,
      skipped: 0,
      skippedExternal: 0,
      identities: this.#identitySet(),
      labelsWritten: new Map(),
      groupKey,
    };
  }

  #writeAll(objects: readonly ObjectSample[], externals: readonly ExternalSample[], w: WriteState): void {
    for (const s of objects) {
      this.#writeOne(OBJECT_TABLE, s, w, (metric) => objectKey(s, metric));
      if (s.objectLabels !== null && !s.stale) this.#setObjectLabels(s.target.resource.name, s.target.namespace, s.target.name, s.objectLabels, s.objectLabelsMode ?? "replace", w.labelsWritten);
    }
    for (const s of externals) this.#writeOne(EXTERNAL_TABLE, s, w, (metric) => externalKey(s, metric));
  }

  #finish(w: WriteState): PartitionWriteResult {
    this.#seriesCount = this.#countSeries() + w.fresh;
    return { written: w.written, skipped: w.skipped, skippedExternal: w.skippedExternal, earliestExpiry: w.earliestExpiry, updates: w.notes.updates() };
  }

  /** Deletes one series given by its key (counter-history form), noting the exact catalog state of its identity. */
  #dropSeries(series: string, w: WriteState): void {
    const [kind, ...key] = JSON.parse(series) as [MetricKind, ...string[]];
    const table = kind === "custom" ? OBJECT_TABLE : EXTERNAL_TABLE;
    const removed = this.#sql.exec(table.delete, ...key).rowsWritten;
    if (removed === 0) return;
    w.fresh -= removed;
    // Object keys are (resource, namespace, metric, name, labels); external keys (namespace, metric, labels).
    const [resource, namespaced, metric] = kind === "custom" ? [key[0]!, key[1] !== "", key[2]!] : ["", true, key[1]!];
    w.notes.exact(kind, resource, metric, namespaced);
  }

  /** One sample into one table: a staleness marker deletes; a value upserts; a counter's points also yield its rate. */
  #writeOne<S extends SampleCommon>(table: SeriesTable<S>, s: S, w: WriteState, key: (metric: string) => readonly [string, ...string[]]): void {
    const resource = table.resource(s);
    const namespaced = table.namespaced(s);
    if (s.stale) {
      for (const metric of s.counter ? [s.metric, s.counter.rateMetric] : [s.metric]) {
        const k = key(metric);
        const removed = this.#sql.exec(table.delete, ...k).rowsWritten;
        this.#counters.drop(JSON.stringify([table.kind, ...k]));
        if (removed > 0) {
          w.fresh -= removed;
          w.notes.exact(table.kind, resource, metric, namespaced);
        }
      }
      w.written++;
      return;
    }
    const stored = this.#put(table, s, key(s.metric), w);
    if (stored === SKIPPED) {
      w.skipped++;
      if (table.kind === "external") w.skippedExternal++;
      return;
    }
    w.written++;
    if (s.counter) {
      const rate = this.#counters.record(JSON.stringify([table.kind, ...key(s.metric)]), s.counter.points, s.counter.windowMs);
      const value = rate === null ? null : quantityFromFloat(rate.perSecond);
      if (rate !== null && value !== null) {
        const rateSample = { value, timestamp: s.timestamp, windowSeconds: Math.round(rate.spanMs / 1000), expiresAt: s.expiresAt };
        this.#put(table, { ...s, ...rateSample, metric: s.counter.rateMetric }, key(s.counter.rateMetric), w);
      }
    }
  }

  /** Upserts one row and notes what the catalog must hear; SKIPPED when the stored value is newer. */
  #put<S extends SampleCommon>(table: SeriesTable<S>, s: S, key: readonly string[], w: WriteState): number | undefined | typeof SKIPPED {
    const previous = this.#upsert(table.update, table.insert, table.select, s, key);
    if (previous === SKIPPED) return SKIPPED;
    if (w.groupKey !== null) this.#groups.remember(w.groupKey, s.metric, JSON.stringify([table.kind, ...key]), s.expiresAt);
    const resource = table.resource(s);
    w.earliestExpiry = Math.min(w.earliestExpiry, s.expiresAt);
    if (previous === undefined) w.fresh++;
    w.identities.add(identityKey(table.kind, resource, s.metric));
    w.notes.note(table.kind, resource, s.metric, table.namespaced(s), s.expiresAt, previous);
    return previous;
  }

  /**
   * Writes one sample's row and returns the previous expiry (undefined for a new series), or SKIPPED when the
   * stored value is newer. The common case, a newer value whose expiry does not move back (a steady writer), is
   * the first UPDATE; a new series is the INSERT; only an older value or a shortened expiry reads the stored row
   * (the catalog then needs the exact maximum). `key` values follow the value columns in every statement, in the
   * order of the primary key.
   */
  #upsert(update: string, insert: string, select: string, s: { value: string; timestamp: number; windowSeconds: number | null; expiresAt: number }, key: readonly string[]): number | undefined | typeof SKIPPED {
    const values = [s.value, s.timestamp, s.windowSeconds, s.expiresAt] as const;
    if (this.#sql.exec(`${update} AND expires_at <= ? AND timestamp <= ?`, ...values, ...key, s.expiresAt, s.timestamp).rowsWritten > 0) return s.expiresAt;
    if (this.#sql.exec(insert, ...values, ...key).rowsWritten > 0) return undefined;
    const stored = this.#sql.exec<{ timestamp: number; expires_at: number }>(select, ...key).one();
    if (stored.timestamp > s.timestamp) return SKIPPED;
    this.#sql.exec(update, ...values, ...key);
    return stored.expires_at;
  }

  #insertLabelRows(resource: string, namespace: string, name: string, labels: Labels): void {
    for (const [key, value] of Object.entries(labels)) {
      this.#sql.exec(
        "INSERT INTO object_labels (resource, namespace, key, value, name) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        resource, namespace, key, value, name,
      );
    }
  }

  /**
   * Stores an object's labels (and their index rows) unless they are already what is stored: `replace` makes
   * them exactly `incoming`, `merge` adds `incoming` to what is stored (incoming values win).
   */
  #setObjectLabels(resource: string, namespace: string, name: string, incoming: Labels, mode: "replace" | "merge", written: Map<string, string>): void {
    const key = `${resource}\u0000${namespace}\u0000${name}`;
    const incomingText = objectLabelText(incoming);
    if (written.get(key) === `${mode}:${incomingText}`) return;
    written.set(key, `${mode}:${incomingText}`);
    const old = this.#sql
      .exec<{ labels: string }>("SELECT labels FROM objects WHERE resource = ? AND namespace = ? AND name = ?", resource, namespace, name)
      .toArray()[0];
    const labels = mode === "merge" && old ? mergedLabels(this.#labels.parse(old.labels), incoming) : incoming;
    const text = labels === incoming ? incomingText : objectLabelText(labels);
    if (old?.labels === text) return;
    if (old) {
      for (const [k, v] of Object.entries(this.#labels.parse(old.labels))) {
        this.#sql.exec("DELETE FROM object_labels WHERE resource = ? AND namespace = ? AND key = ? AND value = ? AND name = ?", resource, namespace, k, v, name);
      }
    }
    this.#sql.exec(
      `INSERT INTO objects (resource, namespace, name, labels) VALUES (?, ?, ?, ?)
       ON CONFLICT (resource, namespace, name) DO UPDATE SET labels = excluded.labels`,
      resource, namespace, name, text,
    );
    this.#insertLabelRows(resource, namespace, name, labels);
  }

  /** Latest expiry of a metric identity in this partition, or null when it holds none. */
  maxExpiry(kind: MetricKind, resource: string, metric: string): number | null {
    const row =
      kind === "custom"
        ? this.#sql.exec<{ m: number | null }>("SELECT MAX(expires_at) AS m FROM series WHERE resource = ? AND metric = ?", resource, metric).one()
        : this.#sql.exec<{ m: number | null }>("SELECT MAX(expires_at) AS m FROM external_series WHERE metric = ?", metric).one();
    return row.m;
  }

  // ---- reads ----------------------------------------------------------------------------------------

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

  // ---- deletes and expiry ---------------------------------------------------------------------------

  /** Deletes series; returns how many, and the exact catalog state at `now` of every metric touched. */
  delete(command: DeleteCommand, now: number): { deleted: number; updates: CatalogUpdate[] } {
    let deleted = 0;
    const touched: { kind: MetricKind; resource: string; metric: string; namespaced: boolean }[] = [];
    this.#storage.transactionSync(() => {
      if (command.kind === "object") {
        const { resource, namespace, name } = command;
        const labelClause = command.labels === null ? "" : " AND labels = ?";
        const args: (string | number)[] = [resource, namespace, command.metric, name];
        if (command.labels !== null) args.push(canonicalLabels(command.labels));
        deleted = this.#sql.exec(`DELETE FROM series WHERE resource = ? AND namespace = ? AND metric = ? AND name = ?${labelClause}`, ...args).rowsWritten;
        this.#dropOrphanObjects();
        touched.push({ kind: "custom", resource, metric: command.metric, namespaced: namespace !== "" });
      } else if (command.kind === "external") {
        const labelClause = command.labels === null ? "" : " AND labels = ?";
        const args: string[] = [command.namespace, command.metric];
        if (command.labels !== null) args.push(canonicalLabels(command.labels));
        deleted = this.#sql.exec(`DELETE FROM external_series WHERE namespace = ? AND metric = ?${labelClause}`, ...args).rowsWritten;
        touched.push({ kind: "external", resource: "", metric: command.metric, namespaced: true });
      } else if (command.kind === "namespace-objects") {
        // This partition's own objects, or (in the cluster partition) the namespace object's metrics.
        const where = command.namespaceObjectOnly ? "resource = 'namespaces' AND namespace = '' AND name = ?" : "namespace = ?";
        const metrics = this.#sql.exec<{ resource: string; metric: string }>(`SELECT DISTINCT resource, metric FROM series WHERE ${where}`, command.namespace).toArray();
        deleted = this.#sql.exec(`DELETE FROM series WHERE ${where}`, command.namespace).rowsWritten;
        this.#dropOrphanObjects();
        for (const m of metrics) touched.push({ kind: "custom", resource: m.resource, metric: m.metric, namespaced: !command.namespaceObjectOnly });
      } else {
        const metrics = this.#sql.exec<{ metric: string }>("SELECT DISTINCT metric FROM external_series WHERE namespace = ?", command.namespace).toArray();
        deleted = this.#sql.exec("DELETE FROM external_series WHERE namespace = ?", command.namespace).rowsWritten;
        for (const m of metrics) touched.push({ kind: "external", resource: "", metric: m.metric, namespaced: true });
      }
    });
    this.#seriesCount = null;
    this.#identities = null;
    const updates = touched.map((t) => {
      const latest = this.maxExpiry(t.kind, t.resource, t.metric);
      return { ...t, expiresAt: latest !== null && latest > now ? latest : null, mode: "set" as const };
    });
    return { deleted, updates };
  }

  #dropOrphanObjects(): void {
    const dropped = this.#sql.exec(
      `DELETE FROM objects WHERE NOT EXISTS (
         SELECT 1 FROM series s WHERE s.resource = objects.resource AND s.namespace = objects.namespace AND s.name = objects.name)`,
    ).rowsWritten;
    if (dropped === 0) return;
    this.#sql.exec(
      `DELETE FROM object_labels WHERE NOT EXISTS (
         SELECT 1 FROM objects o WHERE o.resource = object_labels.resource AND o.namespace = object_labels.namespace AND o.name = object_labels.name)`,
    );
  }

  /** Removes everything expired at `now`; returns the next expiry, or null when nothing is left. */
  purgeExpired(now: number): number | null {
    this.#seriesCount = null;
    this.#identities = null;
    this.#storage.transactionSync(() => {
      this.#sql.exec("DELETE FROM series WHERE expires_at <= ?", now);
      this.#dropOrphanObjects();
      this.#sql.exec("DELETE FROM external_series WHERE expires_at <= ?", now);
      this.#counters.prune(now);
      this.#groups.purgeExpired(now);
    });
    return this.#sql
      .exec<{ m: number | null }>("SELECT MIN(m) AS m FROM (SELECT MIN(expires_at) AS m FROM series UNION ALL SELECT MIN(expires_at) FROM external_series)")
      .one().m;
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

function mergedLabels(stored: Labels, incoming: Labels): Labels {
  for (const [k, v] of Object.entries(incoming)) if (stored[k] !== v) return { ...stored, ...incoming };
  return stored;
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
