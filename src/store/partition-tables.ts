/**
 * A partition's tables: the series of one namespace (or of cluster scope), the labels of the objects they
 * describe, and external series. Synchronous SQL over the Durable Object's SQLite; the Durable Object
 * (metrics-object.ts) dispatches to it and owns alarms and RPC; reads are in partition-reads.ts.
 *
 * Hot paths, as the benchmarks (bench/) measured them:
 * - A write of a series that exists, whose expiry does not move back (a steady writer), is one UPDATE; new
 *   series cost one UPDATE that misses and one INSERT. Series are counted for the quota only when a write
 *   could reach it. Object labels are rewritten only when they change.
 * - Every row written is also handed to the in-memory views (metric-views.ts) the reads are served from;
 *   anything that removes rows drops the views instead.
 * - A counter's points are kept (counter-history.ts) and its rate written as a series of its own in the same
 *   transaction; a staleness marker deletes the series and its rate.
 *
 * Discovery without fan-out: after a write, the partition tells the catalog the latest expiry of each metric
 * it holds (CatalogReporter, catalog-reports.ts), but only when that moves by more than a slack (10% of the TTL, at most
 * 30 s), so a steady writer costs the catalog about one call per metric per slack period. The catalog's
 * expiry is never later than the truth: a metric can drop out of discovery up to one slack before its last
 * value expires, never after. Deletes and TTL reductions recompute the exact value.
 */
import { quantityFromFloat } from "../domain/float-value";
import { canonicalLabels, type ExternalMetricValue, type ExternalSample, type Labels, type ObjectSample, type SampleCommon } from "../domain/metric";
import { CatalogReporter, ExpiryNotes, identityKey } from "./catalog-reports";
import type { CatalogUpdate, Identity, MetricKind } from "./catalog-tables";
import { CounterHistory } from "./counter-history";
import { LabelTextMemo, objectLabelText } from "./label-text";
import { partitionForObject } from "./partition";
import { MetricViews } from "./metric-views";
import { PartitionReads } from "./partition-reads";
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
DROP TABLE IF EXISTS object_labels;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS expired_series (
  resource TEXT NOT NULL, namespace TEXT NOT NULL, metric TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL,
  value TEXT NOT NULL, timestamp INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (resource, namespace, metric, name, labels)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS expired_by_expiry ON expired_series (expires_at);
`;

/** How long an expired series is remembered, so a miss can say when and what it last was. */
const EXPIRED_MEMORY_MS = 60 * 60_000;
/** …and at most this many of them per partition. */
const MAX_EXPIRED_REMEMBERED = 10_000;


export interface QuotaRefusal {
  readonly refused: "quota";
  readonly message: string;
}

export type DeleteCommand =
  | { kind: "object"; resource: string; namespace: string; name: string; metric: string; labels: Labels | null }
  | { kind: "external"; namespace: string; metric: string; labels: Labels | null }
  | { kind: "namespace-objects"; namespace: string; namespaceObjectOnly: boolean }
  | { kind: "namespace-external"; namespace: string };

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
  /** The name of the token that wrote (null: no token, e.g. open dev mode). */
  readonly writer: string | null;
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
  update: "UPDATE series SET value = ?, timestamp = ?, window = ?, expires_at = ?, writer = ? WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
  insert: "INSERT INTO series (value, timestamp, window, expires_at, writer, resource, namespace, metric, name, labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
  select: "SELECT timestamp, expires_at FROM series WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
  delete: "DELETE FROM series WHERE resource = ? AND namespace = ? AND metric = ? AND name = ? AND labels = ?",
  resource: (s) => s.target.resource.name,
  namespaced: (s) => s.target.namespace !== "",
};

const EXTERNAL_TABLE: SeriesTable<ExternalSample> = {
  kind: "external",
  update: "UPDATE external_series SET value = ?, timestamp = ?, window = ?, expires_at = ?, writer = ? WHERE namespace = ? AND metric = ? AND labels = ?",
  insert: "INSERT INTO external_series (value, timestamp, window, expires_at, writer, namespace, metric, labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
  readonly reads: PartitionReads;
  readonly #views: MetricViews;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#sql.exec(SCHEMA);
    this.#counters = new CounterHistory(this.#sql);
    this.#groups = new PushGroupTables(this.#sql);
    this.#views = new MetricViews(this.#sql, (text) => this.#labels.parse(text));
    this.reads = new PartitionReads(this.#sql, this.#labels, this.#views);
    this.#addWriterColumns();
  }

  /** Who wrote each series (a token name), added to tables created before it was kept. */
  #addWriterColumns(): void {
    for (const table of ["series", "external_series"]) {
      const has = this.#sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`).toArray().some((c) => c.name === "writer");
      if (!has) this.#sql.exec(`ALTER TABLE ${table} ADD COLUMN writer TEXT`);
    }
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

  seriesCount(): number {
    return this.#countSeries();
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
  write(objects: readonly ObjectSample[], externals: readonly ExternalSample[], writer: string | null, now: number): PartitionWriteResult {
    const w = this.#writeState(now, null, writer);
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
    meta: PushGroupMeta | null | undefined, writer: string | null, now: number,
  ): PartitionWriteResult {
    const w = this.#writeState(now, groupKey, writer);
    this.#storage.transactionSync(() => {
      // Series this push writes again are updated in place, not dropped and re-inserted: a push that repeats its
      // group (the usual case) then costs what a write does, whatever the size of the group.
      const rewritten = mode === "delete" ? new Set<string>() : pushedSeries(objects, externals);
      const gone = this.#groups.members(groupKey, mode === "post" ? new Set(replaced) : null).filter((series) => !rewritten.has(series));
      for (const series of gone) this.#dropSeries(series, w);
      this.#groups.forget(groupKey, gone);
      if (gone.length > 0) this.#dropOrphanObjects();
      this.#writeAll(objects, externals, w);
      if (meta !== undefined) {
        // A POST replaces the families it names; the group's other families stay in its view.
        const kept = mode === "post" && meta !== null ? this.#groups.meta(groupKey)?.view : undefined;
        this.#groups.setMeta(groupKey, kept && meta ? { ...meta, view: { ...withoutKeys(kept, replaced), ...meta.view } } : meta);
      }
    });
    return this.#finish(w);
  }

  pushGroup(groupKey: string): StoredPushGroup | null {
    return this.#groups.meta(groupKey);
  }

  pushGroups(now: number): StoredPushGroup[] {
    return this.#groups.list(now);
  }

  #writeState(now: number, groupKey: string | null, writer: string | null): WriteState {
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
      writer,
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
    this.#views.invalidate();
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
          this.#views.invalidate();
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
    const previous = this.#upsert(table.update, table.insert, table.select, s, key, w.writer);
    if (previous === SKIPPED) return SKIPPED;
    if (w.groupKey !== null) this.#groups.remember(w.groupKey, s.metric, JSON.stringify([table.kind, ...key]), s.expiresAt);
    const row = { value: s.value, timestamp: s.timestamp, window: s.windowSeconds, expiresAt: s.expiresAt };
    // Keys: (resource, namespace, metric, name, labels) for objects, (namespace, metric, labels) for externals.
    if (table.kind === "custom") this.#views.objectRowWritten(key[0]!, key[1]!, key[2]!, key[3]!, key[4]!, row);
    else this.#views.externalRowWritten(key[0]!, key[1]!, key[2]!, row);
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
  #upsert(update: string, insert: string, select: string, s: { value: string; timestamp: number; windowSeconds: number | null; expiresAt: number }, key: readonly string[], writer: string | null): number | undefined | typeof SKIPPED {
    const values = [s.value, s.timestamp, s.windowSeconds, s.expiresAt, writer] as const;
    if (this.#sql.exec(`${update} AND expires_at <= ? AND timestamp <= ?`, ...values, ...key, s.expiresAt, s.timestamp).rowsWritten > 0) return s.expiresAt;
    if (this.#sql.exec(insert, ...values, ...key).rowsWritten > 0) return undefined;
    const stored = this.#sql.exec<{ timestamp: number; expires_at: number }>(select, ...key).one();
    if (stored.timestamp > s.timestamp) return SKIPPED;
    this.#sql.exec(update, ...values, ...key);
    return stored.expires_at;
  }

  /**
   * Stores an object's labels unless they are already what is stored: `replace` makes them exactly `incoming`,
   * `merge` adds `incoming` to what is stored (incoming values win).
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
    this.#sql.exec(
      `INSERT INTO objects (resource, namespace, name, labels) VALUES (?, ?, ?, ?)
       ON CONFLICT (resource, namespace, name) DO UPDATE SET labels = excluded.labels`,
      resource, namespace, name, text,
    );
    this.#views.objectLabelsWritten(resource, namespace, name, text);
  }

  /** Latest expiry of a metric identity in this partition, or null when it holds none. */
  maxExpiry(kind: MetricKind, resource: string, metric: string): number | null {
    const row =
      kind === "custom"
        ? this.#sql.exec<{ m: number | null }>("SELECT MAX(expires_at) AS m FROM series WHERE resource = ? AND metric = ?", resource, metric).one()
        : this.#sql.exec<{ m: number | null }>("SELECT MAX(expires_at) AS m FROM external_series WHERE metric = ?", metric).one();
    return row.m;
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
    if (deleted > 0) this.#views.invalidate();
    const updates = touched.map((t) => {
      const latest = this.maxExpiry(t.kind, t.resource, t.metric);
      return { ...t, expiresAt: latest !== null && latest > now ? latest : null, mode: "set" as const };
    });
    return { deleted, updates };
  }

  #dropOrphanObjects(): void {
    this.#sql.exec(
      `DELETE FROM objects WHERE NOT EXISTS (
         SELECT 1 FROM series s WHERE s.resource = objects.resource AND s.namespace = objects.namespace AND s.name = objects.name)`,
    );
  }

  /** Removes everything expired at `now`; returns the next expiry, or null when nothing is left. */
  purgeExpired(now: number): number | null {
    this.#seriesCount = null;
    this.#identities = null;
    this.#storage.transactionSync(() => {
      this.#sql.exec(
        `INSERT INTO expired_series (resource, namespace, metric, name, labels, value, timestamp, expires_at)
         SELECT resource, namespace, metric, name, labels, value, timestamp, expires_at FROM series WHERE expires_at <= ?
         ON CONFLICT DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, expires_at = excluded.expires_at`,
        now,
      );
      this.#sql.exec("DELETE FROM expired_series WHERE expires_at <= ?", now - EXPIRED_MEMORY_MS);
      this.#sql.exec(
        "DELETE FROM expired_series WHERE expires_at < (SELECT expires_at FROM expired_series ORDER BY expires_at DESC LIMIT 1 OFFSET ?)",
        MAX_EXPIRED_REMEMBERED,
      );
      const removed = this.#sql.exec("DELETE FROM series WHERE expires_at <= ?", now).rowsWritten +
        this.#sql.exec("DELETE FROM external_series WHERE expires_at <= ?", now).rowsWritten;
      if (removed > 0) {
        this.#dropOrphanObjects();
        this.#views.invalidate();
      }
      this.#counters.prune(now);
      this.#groups.purgeExpired(now);
    });
    return this.#sql
      .exec<{ m: number | null }>("SELECT MIN(m) AS m FROM (SELECT MIN(expires_at) AS m FROM series UNION ALL SELECT MIN(expires_at) FROM external_series)")
      .one().m;
  }
}

function mergedLabels(stored: Labels, incoming: Labels): Labels {
  for (const [k, v] of Object.entries(incoming)) if (stored[k] !== v) return { ...stored, ...incoming };
  return stored;
}

/** The series keys (push-groups.ts form) a push writes, with the rate series of its counters. */
function pushedSeries(objects: readonly ObjectSample[], externals: readonly ExternalSample[]): Set<string> {
  const out = new Set<string>();
  for (const s of objects) {
    out.add(JSON.stringify([OBJECT_TABLE.kind, ...objectKey(s, s.metric)]));
    if (s.counter) out.add(JSON.stringify([OBJECT_TABLE.kind, ...objectKey(s, s.counter.rateMetric)]));
  }
  for (const s of externals) {
    out.add(JSON.stringify([EXTERNAL_TABLE.kind, ...externalKey(s, s.metric)]));
    if (s.counter) out.add(JSON.stringify([EXTERNAL_TABLE.kind, ...externalKey(s, s.counter.rateMetric)]));
  }
  return out;
}

function withoutKeys(view: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out = { ...view };
  for (const k of keys) delete out[k];
  return out;
}
