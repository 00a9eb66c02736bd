/**
 * The SQLite-backed Durable Object. One class plays two roles, chosen by the object's name
 * (store/partition.ts): a *partition* (one namespace, or the cluster scope) holds series, object labels
 * and external series; the *catalog* holds the discovery index and scope claims. Keeping one class keeps
 * one binding, which is all a self-hosted workerd config has to declare.
 *
 * Thin by design: schema in the constructor, one synchronous transaction per command, an alarm that purges
 * expired rows, and every read still filters on expiry (an alarm may run late; a value is never served at
 * or after its expiry). Results cross RPC as plain data; expected refusals are values, not exceptions.
 *
 * Hot paths, as the benchmarks (bench/) measured them:
 * - A write of a series that exists, whose expiry does not move back (a steady writer), is one UPDATE; new
 *   series cost one UPDATE that misses and one INSERT. Series are counted for the quota only when a write
 *   could reach it. Object labels are rewritten only when they change.
 * - Object labels are also indexed as (key, value) rows, so a `pods/*` read whose selector has an equality
 *   or `in` requirement touches only the objects that can match, not every series of the metric: read cost
 *   follows the matching series, not the total stored. The selector is still applied in full afterwards.
 *   When the selector is just that requirement, the index decides it and object labels are not read at all.
 * - Parsed label sets are memoised by their stored text (pods of one workload share one label set), and a
 *   `pods/*` answer crosses RPC as parallel arrays (listObjectMetricColumns), not one object per pod.
 *
 * Discovery without fan-out: after a write, a partition tells the catalog the latest expiry of each metric
 * it holds, but only when that moves by more than a slack (10% of the TTL, at most 30 s), so a steady
 * writer costs the catalog about one call per metric per slack period. The catalog's expiry is never later
 * than the truth: a metric can drop out of discovery up to one slack before its last value expires, never
 * after. Deletes and TTL reductions recompute the exact value. The catalog keeps its last list (with each
 * metric's latest expiry) in memory until its next change; callers may cache it the same way
 * (store/durable-object-store.ts).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { parseSelector, type LabelSelector } from "../apimachinery/labels";
import {
  canonicalLabels,
  labelsFromCanonical,
  type CustomMetricInfo,
  type ExternalMetricValue,
  type ExternalSample,
  type Labels,
  type ObjectMetricValue,
  type ObjectSample,
  type ObjectTarget,
} from "../domain/metric";
import { systemClock, type Clock } from "../domain/clock";
import { CATALOG_PARTITION } from "./partition";
import type { ExternalListQuery, ObjectListQuery } from "./metric-store";

/** `custom` identities are (resource, metric); `external` identities are (metric) with resource "". */
export type MetricKind = "custom" | "external";

export interface CatalogUpdate {
  readonly kind: MetricKind;
  readonly resource: string;
  readonly metric: string;
  readonly namespaced: boolean;
  /** null removes the partition's entry. */
  readonly expiresAt: number | null;
  /** extend: keep the later of stored and given; set: replace (after deletes and TTL reductions). */
  readonly mode: "extend" | "set";
}

export interface CatalogEntry extends CustomMetricInfo {
  /** Latest expiry of the identity over every partition that reported it. */
  readonly expiresAt: number;
}

export interface ScopeClaim {
  readonly resource: string;
  readonly namespaced: boolean;
}

const MAX_REPORT_SLACK_MS = 30_000;
/** Alarms are rounded up to this grid so a stream of writes does not reschedule on every sample. */
const ALARM_GRID_MS = 5_000;

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
CREATE TABLE IF NOT EXISTS catalog (
  kind TEXT NOT NULL, resource TEXT NOT NULL, metric TEXT NOT NULL, partition TEXT NOT NULL,
  namespaced INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (kind, resource, metric, partition)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS catalog_by_expiry ON catalog (expires_at);
CREATE TABLE IF NOT EXISTS scopes (resource TEXT PRIMARY KEY, namespaced INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS object_labels (
  resource TEXT NOT NULL, namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, name TEXT NOT NULL,
  PRIMARY KEY (resource, namespace, key, value, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

/** Bound parameters per statement are limited (100); larger `in` sets fall back to the scan. */
const MAX_INDEXED_VALUES = 64;
/** Memoised parsed label sets (by stored text); cleared when it grows past this. */
const MAX_PARSED_LABELS = 20_000;

type SeriesRow = { name: string; labels: string; value: string; timestamp: number; window: number | null; object_labels?: string | null };

export class MetricsStore extends DurableObject<Env> {
  /** Replaceable in tests (runInDurableObject) to drive expiry without sleeping. */
  clock: Clock = systemClock;
  readonly #sql: SqlStorage;
  /** What this partition last told the catalog, per identity key; lost on eviction, which only re-reports. */
  readonly #reported = new Map<string, number>();
  #alarmAt: number | null = null;
  /** Stored series (object + external), counted lazily and kept in step with writes; null = recount. */
  #seriesCount: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.#sql.exec(SCHEMA);
      this.#indexExistingObjectLabels();
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** One-time backfill of object_labels for objects stored before that index existed. */
  #indexExistingObjectLabels(): void {
    if (this.#sql.exec("SELECT 1 FROM meta WHERE key = 'object_labels'").toArray().length > 0) return;
    this.ctx.storage.transactionSync(() => {
      for (const o of this.#sql.exec<{ resource: string; namespace: string; name: string; labels: string }>("SELECT resource, namespace, name, labels FROM objects").toArray()) {
        this.#insertLabelRows(o.resource, o.namespace, o.name, this.#parsedLabels(o.labels));
      }
      this.#sql.exec("INSERT INTO meta (key, value) VALUES ('object_labels', '1')");
    });
  }

  readonly #parsed = new Map<string, Labels>();

  /** JSON label text → object, memoised (callers must not mutate the result). */
  #parsedLabels(text: string): Labels {
    let labels = this.#parsed.get(text);
    if (labels === undefined) {
      labels = JSON.parse(text) as Labels;
      if (this.#parsed.size >= MAX_PARSED_LABELS) this.#parsed.clear();
      this.#parsed.set(text, labels);
    }
    return labels;
  }

  /** Canonical metric-label text (`[["k","v"]]`) → object, memoised; kept apart from #parsed, whose texts are JSON objects. */
  readonly #canonical = new Map<string, Labels>();
  #fromCanonical(text: string): Labels {
    let labels = this.#canonical.get(text);
    if (labels === undefined) {
      labels = labelsFromCanonical(text);
      if (this.#canonical.size >= MAX_PARSED_LABELS) this.#canonical.clear();
      this.#canonical.set(text, labels);
    }
    return labels;
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
    const text = JSON.stringify(labels);
    const key = `${resource}\u0000${namespace}\u0000${name}`;
    if (written.get(key) === text) return;
    written.set(key, text);
    const old = this.#sql
      .exec<{ labels: string }>("SELECT labels FROM objects WHERE resource = ? AND namespace = ? AND name = ?", resource, namespace, name)
      .toArray()[0];
    if (old?.labels === text) return;
    if (old) {
      for (const [k, v] of Object.entries(this.#parsedLabels(old.labels))) {
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

  // ---- partition role -------------------------------------------------------------------------------

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
      const key = JSON.stringify(["o", s.target.resource, s.target.namespace, s.metric, s.target.name, labels]);
      if (seen.has(key)) continue;
      seen.add(key);
      const exists = this.#sql
        .exec("SELECT 1 FROM series WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
          s.target.resource, s.target.namespace, s.metric, s.target.name, labels)
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

  /** Read-only quota check, so a batch spanning partitions can be refused before any of them writes. */
  checkQuota(objects: readonly ObjectSample[], externals: readonly ExternalSample[], maxSeries: number): QuotaRefusal | null {
    return this.#quotaRefusal(this.#newSeries(objects, externals), maxSeries);
  }

  #quotaRefusal(fresh: number, maxSeries: number): QuotaRefusal | null {
    const current = this.#countSeries();
    if (fresh === 0 || current + fresh <= maxSeries) return null;
    return {
      refused: "quota",
      message: `series quota exceeded: this namespace stores ${current} series, the write would add ${fresh}, and the limit is ${maxSeries}; delete unused series or raise MAX_SERIES_PER_NAMESPACE`,
    };
  }

  /**
   * Upserts samples in one transaction, then brings the catalog up to date. `partition` is this object's
   * name. Refuses (and stores nothing) when new series would exceed `maxSeries`.
   */
  async write(partition: string, objects: readonly ObjectSample[], externals: readonly ExternalSample[], maxSeries: number): Promise<WriteOutcome> {
    // A write adds at most one series per sample, so the per-sample existence check is needed only near the quota.
    if (this.#countSeries() + objects.length + externals.length > maxSeries) {
      const refusal = this.#quotaRefusal(this.#newSeries(objects, externals), maxSeries);
      if (refusal) return { refusal, catalogChanged: false };
    }
    const updates = new Map<string, CatalogUpdate>();
    const now = this.clock();
    let earliest = Infinity;
    let fresh = 0;
    const labelsWritten = new Map<string, string>();
    this.ctx.storage.transactionSync(() => {
      for (const s of objects) {
        const { resource, namespace, name } = s.target;
        const labels = canonicalLabels(s.labels);
        const key = [resource, namespace, s.metric, name, labels] as const;
        const previous = this.#upsert(
          "UPDATE series SET value = ?, timestamp = ?, window = ?, expires_at = ? WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
          "INSERT INTO series (value, timestamp, window, expires_at, resource, namespace, metric, name, labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          "SELECT expires_at FROM series WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
          s, key,
        );
        if (s.objectLabels !== null) this.#setObjectLabels(resource, namespace, name, s.objectLabels, labelsWritten);
        earliest = Math.min(earliest, s.expiresAt);
        if (previous === undefined) fresh++;
        this.#noteExpiry(updates, "custom", resource, s.metric, namespace !== "" , s.expiresAt, previous, now);
      }
      for (const s of externals) {
        const key = [s.namespace, s.metric, canonicalLabels(s.labels)] as const;
        const previous = this.#upsert(
          "UPDATE external_series SET value = ?, timestamp = ?, window = ?, expires_at = ? WHERE namespace = ? AND metric = ? AND labels = ?",
          "INSERT INTO external_series (value, timestamp, window, expires_at, namespace, metric, labels) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          "SELECT expires_at FROM external_series WHERE namespace = ? AND metric = ? AND labels = ?",
          s, key,
        );
        earliest = Math.min(earliest, s.expiresAt);
        if (previous === undefined) fresh++;
        this.#noteExpiry(updates, "external", "", s.metric, true, s.expiresAt, previous, now);
      }
    });
    this.#seriesCount = this.#countSeries() + fresh;
    await this.#scheduleAlarm(earliest);
    const report = [...updates.values()];
    await this.#report(partition, report);
    return { refusal: null, catalogChanged: report.length > 0 };
  }

  /**
   * Writes one sample's row and returns the previous expiry (undefined for a new series). The common case, a
   * series whose expiry does not move back, is the first UPDATE; a new series is the INSERT; only a write
   * that shortens an expiry reads the old value (the catalog then needs the exact maximum).
   * `key` values follow the value columns in every statement, in the order of the primary key.
   */
  #upsert(update: string, insert: string, select: string, s: { value: string; timestamp: number; windowSeconds: number | null; expiresAt: number }, key: readonly string[]): number | undefined {
    const values = [s.value, s.timestamp, s.windowSeconds, s.expiresAt] as const;
    if (this.#sql.exec(`${update} AND expires_at <= ?`, ...values, ...key, s.expiresAt).rowsWritten > 0) return s.expiresAt;
    if (this.#sql.exec(insert, ...values, ...key).rowsWritten > 0) return undefined;
    const previous = this.#sql.exec<{ expires_at: number }>(select, ...key).one().expires_at;
    this.#sql.exec(update, ...values, ...key);
    return previous;
  }

  /**
   * Decides whether the catalog needs to hear about an identity. A write that shortens a series' expiry
   * may lower the identity's maximum, so that case is recomputed exactly (`set`).
   */
  #noteExpiry(
    updates: Map<string, CatalogUpdate>, kind: MetricKind, resource: string, metric: string, namespaced: boolean,
    expiresAt: number, previousExpiresAt: number | undefined, now: number,
  ): void {
    const key = `${kind}\u0000${resource}\u0000${metric}`;
    if (previousExpiresAt !== undefined && expiresAt < previousExpiresAt) {
      const exact = this.#maxExpiry(kind, resource, metric);
      updates.set(key, { kind, resource, metric, namespaced, expiresAt: exact, mode: "set" });
      return;
    }
    const pending = updates.get(key);
    if (pending) {
      if (pending.mode === "extend" && pending.expiresAt !== null && expiresAt > pending.expiresAt) {
        updates.set(key, { ...pending, expiresAt });
      }
      return;
    }
    const reported = this.#reported.get(key);
    const slack = Math.min(MAX_REPORT_SLACK_MS, Math.max(0, expiresAt - now) / 10);
    if (reported === undefined || expiresAt > reported + slack) {
      updates.set(key, { kind, resource, metric, namespaced, expiresAt, mode: "extend" });
    }
  }

  #maxExpiry(kind: MetricKind, resource: string, metric: string): number | null {
    const row =
      kind === "custom"
        ? this.#sql.exec<{ m: number | null }>("SELECT MAX(expires_at) AS m FROM series WHERE resource = ? AND metric = ?", resource, metric).one()
        : this.#sql.exec<{ m: number | null }>("SELECT MAX(expires_at) AS m FROM external_series WHERE metric = ?", metric).one();
    return row.m;
  }

  async #report(partition: string, updates: CatalogUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const catalog = this.env.METRICS.get(this.env.METRICS.idFromName(CATALOG_PARTITION));
    await catalog.catalogReport(partition, updates);
    for (const u of updates) {
      const key = `${u.kind}\u0000${u.resource}\u0000${u.metric}`;
      if (u.expiresAt === null) this.#reported.delete(key);
      else this.#reported.set(key, u.mode === "set" ? u.expiresAt : Math.max(u.expiresAt, this.#reported.get(key) ?? 0));
    }
  }

  getObjectMetric(target: ObjectTarget, metric: string, metricLabelSelector: string, now: number): ObjectMetricValue | null {
    const rows = this.#sql
      .exec<SeriesRow>(
        `SELECT name, labels, value, timestamp, window FROM series
         WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND expires_at > ?`,
        target.resource, target.namespace, metric, target.name, now,
      )
      .toArray();
    const picked = newestPerObject(rows, selectorOrNull(metricLabelSelector), labelsFromCanonical);
    return picked.length ? toObjectValue(target.resource, target.namespace, metric, picked[0], labelsFromCanonical(picked[0].labels)) : null;
  }

  listObjectMetrics(query: ObjectListQuery, now: number): ObjectMetricValue[] {
    return expandObjectColumns(query, this.listObjectMetricColumns(query, now), (t) => this.#fromCanonical(t));
  }

  /**
   * listObjectMetrics as parallel arrays: a thousand-pod answer crosses RPC as five arrays of primitives
   * instead of a thousand nested objects (store/durable-object-store.ts expands them in the caller).
   */
  listObjectMetricColumns(query: ObjectListQuery, now: number): ObjectMetricColumns {
    const objectSelector = selectorOrNull(query.labelSelector);
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
        if (ok === undefined) verdicts.set(text, (ok = objectSelector.matches(this.#parsedLabels(text))));
        return ok;
      });
    }
    const picked = newestPerObject(matching, selectorOrNull(query.metricLabelSelector), (t) => this.#fromCanonical(t));
    const out: ObjectMetricColumns = { names: [], labels: [], values: [], timestamps: [], windows: [] };
    for (const r of picked) {
      out.names.push(r.name);
      out.labels.push(r.labels);
      out.values.push(r.value);
      out.timestamps.push(r.timestamp);
      out.windows.push(r.window);
    }
    return out;
  }

  listExternalMetrics(query: ExternalListQuery, now: number): ExternalMetricValue[] {
    const selector = selectorOrNull(query.metricLabelSelector);
    const out: ExternalMetricValue[] = [];
    for (const r of this.#sql.exec<SeriesRow>(
      `SELECT labels, value, timestamp, window FROM external_series
       WHERE namespace = ? AND metric = ? AND expires_at > ? ORDER BY labels`,
      query.namespace, query.metric, now,
    )) {
      const labels = labelsFromCanonical(r.labels);
      if (selector && !selector.matches(labels)) continue;
      out.push({ namespace: query.namespace, metric: query.metric, labels, value: r.value, timestamp: r.timestamp, windowSeconds: r.window });
    }
    return out;
  }

  /** Deletes series and returns how many; the catalog is corrected exactly for the metrics touched. */
  async deleteSeries(partition: string, command: DeleteCommand): Promise<number> {
    let deleted = 0;
    const touched: { kind: MetricKind; resource: string; metric: string; namespaced: boolean }[] = [];
    this.ctx.storage.transactionSync(() => {
      if (command.kind === "object") {
        const { resource, namespace, name } = command.target;
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
    await this.#report(
      partition,
      touched.map((t) => ({ ...t, expiresAt: this.#maxExpiry(t.kind, t.resource, t.metric), mode: "set" as const })),
    );
    return deleted;
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

  // ---- catalog role ---------------------------------------------------------------------------------

  catalogReport(partition: string, updates: readonly CatalogUpdate[]): void {
    this.#listed.clear();
    let earliest = Infinity;
    this.ctx.storage.transactionSync(() => {
      for (const u of updates) {
        if (u.expiresAt === null) {
          this.#sql.exec("DELETE FROM catalog WHERE kind = ? AND resource = ? AND metric = ? AND partition = ?", u.kind, u.resource, u.metric, partition);
          continue;
        }
        const onConflict = u.mode === "set" ? "excluded.expires_at" : "MAX(catalog.expires_at, excluded.expires_at)";
        this.#sql.exec(
          `INSERT INTO catalog (kind, resource, metric, partition, namespaced, expires_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (kind, resource, metric, partition) DO UPDATE SET namespaced = excluded.namespaced, expires_at = ${onConflict}`,
          u.kind, u.resource, u.metric, partition, u.namespaced ? 1 : 0, u.expiresAt,
        );
        earliest = Math.min(earliest, u.expiresAt);
      }
    });
    void this.#scheduleAlarm(earliest);
  }

  /** Last catalogList answer per kind, with the `now` it was computed for; dropped whenever the catalog changes. */
  readonly #listed = new Map<MetricKind, { at: number; entries: CatalogEntry[] }>();

  /**
   * Live identities with their latest expiry (so a caller may keep the list and drop entries as they expire).
   * Served from memory until the catalog changes; an entry is returned only while its expiry is ahead of `now`.
   */
  catalogList(kind: MetricKind, now: number): CatalogEntry[] {
    const memo = this.#listed.get(kind);
    if (memo && memo.at <= now) return memo.entries.filter((e) => e.expiresAt > now);
    const entries = this.#sql
      .exec<{ resource: string; metric: string; namespaced: number; expires_at: number }>(
        `SELECT resource, metric, namespaced, MAX(expires_at) AS expires_at FROM catalog WHERE kind = ? AND expires_at > ?
         GROUP BY resource, metric, namespaced ORDER BY resource, metric`,
        kind, now,
      )
      .toArray()
      .map((r) => ({ resource: r.resource, metric: r.metric, namespaced: r.namespaced === 1, expiresAt: r.expires_at }));
    this.#listed.set(kind, { at: now, entries });
    return entries;
  }

  /**
   * Records the scope of resources we only know by name, all or nothing. A resource cannot be both
   * namespaced and cluster-scoped while it has live values: kube-aggregator's discovery conversion fails
   * for the whole group when two entries of one parent resource disagree on `namespaced`
   * (apiserver pkg/endpoints/installer.go ConvertGroupVersionIntoToDiscovery).
   */
  catalogClaimScopes(claims: readonly ScopeClaim[], now: number): { conflicts: { resource: string; namespaced: boolean }[] } {
    const conflicts: { resource: string; namespaced: boolean }[] = [];
    this.ctx.storage.transactionSync(() => {
      const toWrite: ScopeClaim[] = [];
      for (const claim of claims) {
        const existing = this.#sql.exec<{ namespaced: number }>("SELECT namespaced FROM scopes WHERE resource = ?", claim.resource).toArray()[0];
        if (existing === undefined) toWrite.push(claim);
        else if ((existing.namespaced === 1) !== claim.namespaced) {
          const live = this.#sql
            .exec("SELECT 1 FROM catalog WHERE kind = 'custom' AND resource = ? AND expires_at > ? LIMIT 1", claim.resource, now)
            .toArray().length > 0;
          if (live) conflicts.push({ resource: claim.resource, namespaced: existing.namespaced === 1 });
          else toWrite.push(claim);
        }
      }
      if (conflicts.length === 0) {
        for (const c of toWrite) {
          this.#sql.exec(
            "INSERT INTO scopes (resource, namespaced) VALUES (?, ?) ON CONFLICT (resource) DO UPDATE SET namespaced = excluded.namespaced",
            c.resource, c.namespaced ? 1 : 0,
          );
        }
      }
    });
    return { conflicts };
  }

  // ---- expiry ---------------------------------------------------------------------------------------

  async #scheduleAlarm(earliestExpiry: number): Promise<void> {
    if (!Number.isFinite(earliestExpiry)) return;
    const at = Math.ceil(earliestExpiry / ALARM_GRID_MS) * ALARM_GRID_MS;
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /** Purges everything expired, then sleeps until the next expiry. */
  async alarm(): Promise<void> {
    const now = this.clock();
    this.#alarmAt = null;
    this.#seriesCount = null;
    this.#listed.clear();
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec("DELETE FROM series WHERE expires_at <= ?", now);
      this.#dropOrphanObjects();
      this.#sql.exec("DELETE FROM external_series WHERE expires_at <= ?", now);
      this.#sql.exec("DELETE FROM catalog WHERE expires_at <= ?", now);
      this.#sql.exec(
        "DELETE FROM scopes WHERE NOT EXISTS (SELECT 1 FROM catalog c WHERE c.kind = 'custom' AND c.resource = scopes.resource)",
      );
    });
    const next = this.#sql
      .exec<{ m: number | null }>(
        `SELECT MIN(m) AS m FROM (SELECT MIN(expires_at) AS m FROM series UNION ALL
           SELECT MIN(expires_at) FROM external_series UNION ALL SELECT MIN(expires_at) FROM catalog)`,
      )
      .one().m;
    if (next !== null) await this.#scheduleAlarm(Math.max(next, now + 1));
  }
}

/** Values of one metric for objects of one resource in one namespace, as parallel arrays (see listObjectMetricColumns). */
export interface ObjectMetricColumns {
  names: string[];
  /** Canonical metric-label text (labelsFromCanonical). */
  labels: string[];
  values: string[];
  timestamps: number[];
  windows: (number | null)[];
}

/** ObjectMetricColumns → ObjectMetricValue[]; `parse` turns canonical label text into labels (memoise it). */
export function expandObjectColumns(query: ObjectListQuery, c: ObjectMetricColumns, parse: (canonical: string) => Labels): ObjectMetricValue[] {
  const out: ObjectMetricValue[] = new Array(c.names.length);
  for (let i = 0; i < c.names.length; i++) {
    out[i] = {
      target: { resource: query.resource, namespace: query.namespace, name: c.names[i]! },
      metric: query.metric,
      labels: parse(c.labels[i]!),
      value: c.values[i]!,
      timestamp: c.timestamps[i]!,
      windowSeconds: c.windows[i]!,
    };
  }
  return out;
}

export interface WriteOutcome {
  readonly refusal: QuotaRefusal | null;
  /** Whether the catalog (discovery) was told something; callers caching discovery drop their copy. */
  readonly catalogChanged: boolean;
}

export interface QuotaRefusal {
  readonly refused: "quota";
  readonly message: string;
}

export type DeleteCommand =
  | { kind: "object"; target: ObjectTarget; metric: string; labels: Labels | null }
  | { kind: "external"; namespace: string; metric: string; labels: Labels | null }
  | { kind: "namespace-objects"; namespace: string; namespaceObjectOnly: boolean }
  | { kind: "namespace-external"; namespace: string };

function selectorOrNull(selector: string): LabelSelector | null {
  if (selector === "") return null;
  const parsed = parseSelector(selector);
  return parsed.isEmpty() ? null : parsed;
}

/**
 * Keeps, per object, the most recently produced series that matches the metric selector, so an object is
 * reported at most once (the HPA keys Pods metrics by describedObject.name and requires exactly one item
 * for Object metrics). Ties go to the smallest canonical label set, for a stable answer.
 * `rows` must be grouped by name (the SQL orders by name).
 */
function newestPerObject(rows: readonly SeriesRow[], selector: LabelSelector | null, parse: (canonical: string) => Labels): SeriesRow[] {
  const out: SeriesRow[] = [];
  for (const row of rows) {
    if (selector && !selector.matches(parse(row.labels))) continue;
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

function toObjectValue(resource: string, namespace: string, metric: string, row: SeriesRow, labels: Labels): ObjectMetricValue {
  return {
    target: { resource, namespace, name: row.name },
    metric,
    labels,
    value: row.value,
    timestamp: row.timestamp,
    windowSeconds: row.window,
  };
}
