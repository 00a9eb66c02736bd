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
 *
 * Discovery without fan-out: after a write, the partition tells the catalog the latest expiry of each metric
 * it holds (CatalogReporter below), but only when that moves by more than a slack (10% of the TTL, at most
 * 30 s), so a steady writer costs the catalog about one call per metric per slack period. The catalog's
 * expiry is never later than the truth: a metric can drop out of discovery up to one slack before its last
 * value expires, never after. Deletes and TTL reductions recompute the exact value.
 */
import { newSelector, type LabelSelector, type Requirement } from "../apimachinery/labels";
import { canonicalLabels, type ExternalMetricValue, type ExternalSample, type Labels, type ObjectSample } from "../domain/metric";
import type { CatalogUpdate, Identity, MetricKind } from "./catalog-tables";
import { LabelTextMemo, objectLabelText } from "./label-text";
import { partitionForObject } from "./partition";

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
const MAX_REPORT_SLACK_MS = 30_000;

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

export interface PartitionWriteResult {
  readonly written: number;
  /** Samples older than the stored value of their series. */
  readonly skipped: number;
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

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#sql.exec(SCHEMA);
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
    if (this.#countSeries() + objects.length + externals.length <= maxSeries) return null;
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
    for (const s of objects) {
      const key = identityKey("custom", s.target.resource.name, s.metric);
      if (!known.has(key)) found.set(key, { kind: "custom", resource: s.target.resource.name, metric: s.metric });
    }
    for (const s of externals) {
      const key = identityKey("external", "", s.metric);
      if (!known.has(key)) found.set(key, { kind: "external", resource: "", metric: s.metric });
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

  isEmpty(): boolean {
    return this.#countSeries() === 0;
  }

  // ---- writes ---------------------------------------------------------------------------------------

  /**
   * Upserts samples in one transaction. A sample older than the value stored for its series is skipped (a
   * late retry must not overwrite a newer value); one with the same timestamp replaces it (a retry of the same
   * write is idempotent). Returns how many were written and skipped, the earliest expiry written (for the
   * alarm) and what the catalog needs to hear (report it, then call `reporter.reported`).
   */
  write(objects: readonly ObjectSample[], externals: readonly ExternalSample[], now: number): PartitionWriteResult {
    const notes = new ExpiryNotes(this.reporter, now, (kind, resource, metric) => this.maxExpiry(kind, resource, metric));
    let earliestExpiry = Infinity;
    let fresh = 0;
    let skipped = 0;
    const identities = this.#identitySet();
    const labelsWritten = new Map<string, string>();
    this.#storage.transactionSync(() => {
      for (const s of objects) {
        const { namespace, name } = s.target;
        const resource = s.target.resource.name;
        const key = [resource, namespace, s.metric, name, canonicalLabels(s.labels)] as const;
        const previous = this.#upsert(
          "UPDATE series SET value = ?, timestamp = ?, window = ?, expires_at = ? WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
          "INSERT INTO series (value, timestamp, window, expires_at, resource, namespace, metric, name, labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          "SELECT timestamp, expires_at FROM series WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
          s, key,
        );
        if (previous === SKIPPED) {
          skipped++;
          continue;
        }
        if (s.objectLabels !== null) this.#setObjectLabels(resource, namespace, name, s.objectLabels, labelsWritten);
        earliestExpiry = Math.min(earliestExpiry, s.expiresAt);
        if (previous === undefined) fresh++;
        identities.add(identityKey("custom", resource, s.metric));
        notes.note("custom", resource, s.metric, namespace !== "", s.expiresAt, previous);
      }
      for (const s of externals) {
        const key = [s.namespace, s.metric, canonicalLabels(s.labels)] as const;
        const previous = this.#upsert(
          "UPDATE external_series SET value = ?, timestamp = ?, window = ?, expires_at = ? WHERE namespace = ? AND metric = ? AND labels = ?",
          "INSERT INTO external_series (value, timestamp, window, expires_at, namespace, metric, labels) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          "SELECT timestamp, expires_at FROM external_series WHERE namespace = ? AND metric = ? AND labels = ?",
          s, key,
        );
        if (previous === SKIPPED) {
          skipped++;
          continue;
        }
        earliestExpiry = Math.min(earliestExpiry, s.expiresAt);
        if (previous === undefined) fresh++;
        identities.add(identityKey("external", "", s.metric));
        notes.note("external", "", s.metric, true, s.expiresAt, previous);
      }
    });
    this.#seriesCount = this.#countSeries() + fresh;
    return { written: objects.length + externals.length - skipped, skipped, earliestExpiry, updates: notes.updates() };
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

  /** Stores an object's labels (and their index rows) unless they are already what is stored. */
  #setObjectLabels(resource: string, namespace: string, name: string, labels: Labels, written: Map<string, string>): void {
    const text = objectLabelText(labels);
    const key = `${resource}\u0000${namespace}\u0000${name}`;
    if (written.get(key) === text) return;
    written.set(key, text);
    const old = this.#sql
      .exec<{ labels: string }>("SELECT labels FROM objects WHERE resource = ? AND namespace = ? AND name = ?", resource, namespace, name)
      .toArray()[0];
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
    return newestPerObject(rows, fromRequirements(metricSelector), this.#labels)[0] ?? null;
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
    for (const r of newestPerObject(matching, fromRequirements(query.metricSelector), this.#labels)) {
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
    });
    return this.#sql
      .exec<{ m: number | null }>("SELECT MIN(m) AS m FROM (SELECT MIN(expires_at) AS m FROM series UNION ALL SELECT MIN(expires_at) FROM external_series)")
      .one().m;
  }
}

/**
 * What this partition last told the catalog, per metric identity, so a steady writer reports only when an
 * expiry moves by more than the slack. Lost when the object is evicted, which only makes it report again.
 */
export class CatalogReporter {
  readonly #reported = new Map<string, number>();

  last(key: string): number | undefined {
    return this.#reported.get(key);
  }

  /** Call once the catalog has acknowledged `updates`. */
  reported(updates: readonly CatalogUpdate[]): void {
    for (const u of updates) {
      const key = identityKey(u.kind, u.resource, u.metric);
      if (u.expiresAt === null) this.#reported.delete(key);
      else this.#reported.set(key, u.mode === "set" ? u.expiresAt : Math.max(u.expiresAt, this.#reported.get(key) ?? 0));
    }
  }
}

const identityKey = (kind: MetricKind, resource: string, metric: string) => `${kind}\u0000${resource}\u0000${metric}`;

/** Collects, during one write, the catalog updates that write makes necessary. */
class ExpiryNotes {
  readonly #updates = new Map<string, CatalogUpdate>();
  constructor(
    private readonly reporter: CatalogReporter,
    private readonly now: number,
    private readonly exactMaxExpiry: (kind: MetricKind, resource: string, metric: string) => number | null,
  ) {}

  /** A write that shortens a series' expiry may lower the identity's maximum, so that case is recomputed exactly. */
  note(kind: MetricKind, resource: string, metric: string, namespaced: boolean, expiresAt: number, previousExpiresAt: number | undefined): void {
    const key = identityKey(kind, resource, metric);
    if (previousExpiresAt !== undefined && expiresAt < previousExpiresAt) {
      this.#updates.set(key, { kind, resource, metric, namespaced, expiresAt: this.exactMaxExpiry(kind, resource, metric), mode: "set" });
      return;
    }
    const pending = this.#updates.get(key);
    if (pending) {
      if (pending.mode === "extend" && pending.expiresAt !== null && expiresAt > pending.expiresAt) this.#updates.set(key, { ...pending, expiresAt });
      return;
    }
    const reported = this.reporter.last(key);
    const slack = Math.min(MAX_REPORT_SLACK_MS, Math.max(0, expiresAt - this.now) / 10);
    if (reported === undefined || expiresAt > reported + slack) {
      this.#updates.set(key, { kind, resource, metric, namespaced, expiresAt, mode: "extend" });
    }
  }

  updates(): CatalogUpdate[] {
    return [...this.#updates.values()];
  }
}

/**
 * Keeps, per object, the most recently produced series that matches the metric selector, so an object is
 * reported at most once (the HPA keys Pods metrics by describedObject.name and requires exactly one item
 * for Object metrics). Ties go to the smallest canonical label set, for a stable answer.
 * `rows` must be grouped by name (the SQL orders by name).
 */
function newestPerObject<R extends ObjectRow>(rows: readonly R[], selector: LabelSelector | null, labels: LabelTextMemo): R[] {
  const out: R[] = [];
  for (const row of rows) {
    if (selector && !selector.matches(labels.parse(row.labels))) continue;
    const last = out[out.length - 1];
    if (last && last.name === row.name) {
      if (row.timestamp > last.timestamp || (row.timestamp === last.timestamp && row.labels < last.labels)) out[out.length - 1] = row;
    } else {
      out.push(row);
    }
  }
  return out;
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
