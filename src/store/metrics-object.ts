/**
 * The SQLite-backed Durable Object: a thin dispatcher over two table modules. Which role an object plays is
 * chosen by its name (store/partition.ts): a *partition* (one namespace, or cluster scope) holds series
 * (partition-tables.ts); the *catalog* holds the discovery index and scope claims (catalog-tables.ts). One
 * class keeps one binding, which is all a self-hosted workerd config has to declare; each instance creates
 * only the tables of the role it is used for.
 *
 * What lives here: RPC methods (plain data in and out; expected refusals are values, not exceptions),
 * one synchronous transaction per command (in the table modules), the partition → catalog report after a
 * change, and the alarm that purges expired rows. Every read also filters on expiry (an alarm may run late;
 * a value is never served at or after its expiry).
 */
import { DurableObject } from "cloudflare:workers";
import { systemClock, type Clock } from "../domain/clock";
import type { ExternalMetricValue, ExternalSample, ObjectSample } from "../domain/metric";
import { CatalogTables, type CatalogEntry, type CatalogUpdate, type MetricKind, type ScopeClaim } from "./catalog-tables";
import { CATALOG_PARTITION } from "./partition";
import {
  PartitionTables,
  type DeleteCommand,
  type ObjectMetricColumns,
  type ObjectRow,
  type PartitionExternalQuery,
  type PartitionObjectQuery,
  type QuotaRefusal,
  type SelectorRequirements,
} from "./partition-tables";

/** Alarms are rounded up to this grid so a stream of writes does not reschedule on every sample. */
const ALARM_GRID_MS = 5_000;

interface StoreBindings {
  METRICS: DurableObjectNamespace<MetricsStore>;
}

export interface WriteOutcome {
  readonly refusal: QuotaRefusal | null;
  /** Whether the catalog (discovery) was told something; callers caching discovery drop their copy. */
  readonly catalogChanged: boolean;
}

export class MetricsStore extends DurableObject<StoreBindings> {
  /** Time for alarms (requests carry their own `now`); replaceable in tests (runInDurableObject). */
  clock: Clock = systemClock;
  #alarmAt: number | null = null;
  #partition: PartitionTables | null = null;
  #catalog: CatalogTables | null = null;

  constructor(ctx: DurableObjectState, env: StoreBindings) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  get #tables(): PartitionTables {
    return (this.#partition ??= new PartitionTables(this.ctx.storage));
  }

  get #catalogTables(): CatalogTables {
    return (this.#catalog ??= new CatalogTables(this.ctx.storage));
  }

  // ---- partition role -------------------------------------------------------------------------------

  /** Read-only quota check, so a batch spanning partitions can be refused before any of them writes. */
  checkQuota(objects: readonly ObjectSample[], externals: readonly ExternalSample[], maxSeries: number): QuotaRefusal | null {
    return this.#tables.quotaRefusal(objects, externals, maxSeries);
  }

  /**
   * Upserts samples in one transaction, then brings the catalog up to date. `partition` is this object's
   * name. Refuses (and stores nothing) when new series would exceed `maxSeries`.
   */
  async write(partition: string, objects: readonly ObjectSample[], externals: readonly ExternalSample[], maxSeries: number, now: number): Promise<WriteOutcome> {
    const tables = this.#tables;
    const refusal = tables.quotaRefusal(objects, externals, maxSeries);
    if (refusal) return { refusal, catalogChanged: false };
    const { earliestExpiry, updates } = tables.write(objects, externals, now);
    await this.#scheduleAlarm(earliestExpiry);
    await this.#report(partition, updates);
    return { refusal: null, catalogChanged: updates.length > 0 };
  }

  getObjectMetric(resource: string, namespace: string, name: string, metric: string, metricSelector: SelectorRequirements, now: number): ObjectRow | null {
    return this.#tables.getObjectMetric(resource, namespace, name, metric, metricSelector, now);
  }

  /** A thousand-pod answer crosses RPC as five arrays of primitives instead of a thousand nested objects. */
  listObjectMetricColumns(query: PartitionObjectQuery, now: number): ObjectMetricColumns {
    return this.#tables.listObjectColumns(query, now);
  }

  listExternalMetrics(query: PartitionExternalQuery, now: number): ExternalMetricValue[] {
    return this.#tables.listExternal(query, now);
  }

  /** Deletes series and returns how many; the catalog is corrected exactly for the metrics touched. */
  async deleteSeries(partition: string, command: DeleteCommand, now: number): Promise<number> {
    const { deleted, updates } = this.#tables.delete(command, now);
    await this.#report(partition, updates);
    return deleted;
  }

  async #report(partition: string, updates: CatalogUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.env.METRICS.get(this.env.METRICS.idFromName(CATALOG_PARTITION)).catalogReport(partition, updates);
    this.#tables.reporter.reported(updates);
  }

  // ---- catalog role ---------------------------------------------------------------------------------

  catalogReport(partition: string, updates: readonly CatalogUpdate[]): void {
    void this.#scheduleAlarm(this.#catalogTables.report(partition, updates));
  }

  catalogList(kind: MetricKind, now: number): CatalogEntry[] {
    return this.#catalogTables.list(kind, now);
  }

  catalogClaimScopes(claims: readonly ScopeClaim[], now: number): { conflicts: ScopeClaim[] } {
    return this.#catalogTables.claimScopes(claims, now);
  }

  // ---- expiry ---------------------------------------------------------------------------------------

  async #scheduleAlarm(earliestExpiry: number): Promise<void> {
    if (!Number.isFinite(earliestExpiry)) return;
    const at = Math.ceil(earliestExpiry / ALARM_GRID_MS) * ALARM_GRID_MS;
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /** Purges everything expired in whichever role this object has tables for, then sleeps until the next expiry. */
  async alarm(): Promise<void> {
    const now = this.clock();
    this.#alarmAt = null;
    const tables = new Set(
      this.ctx.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('series', 'catalog')").toArray().map((r) => r.name),
    );
    const next: number[] = [];
    if (tables.has("series")) next.push(this.#tables.purgeExpired(now) ?? Infinity);
    if (tables.has("catalog")) next.push(this.#catalogTables.purgeExpired(now) ?? Infinity);
    const earliest = Math.min(...next);
    if (Number.isFinite(earliest)) await this.#scheduleAlarm(Math.max(earliest, now + 1));
  }
}
