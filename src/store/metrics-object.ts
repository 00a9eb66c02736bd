/**
 * The SQLite-backed Durable Object: a dispatcher over two table modules, plus the life of a partition. Which
 * role an object plays is chosen by its name (store/partition.ts): a *partition* (one namespace, or cluster
 * scope) holds series (partition-tables.ts); the *catalog* holds the discovery index, the partition registry
 * and scope claims (catalog-tables.ts). One class keeps one binding, which is all a self-hosted workerd config
 * has to declare; each instance creates only the tables of the role it is used for.
 *
 * A partition's life:
 * - its first write registers it with the catalog (under a fresh generation) *before* committing, so reads —
 *   which skip unregistered partitions and so never create an object — find what was acknowledged; the
 *   catalog refuses new partitions past MAX_NAMESPACES;
 * - a write that adds metric identities is admitted by the catalog (MAX_METRICS) before committing;
 * - after a commit, it reports expiries to the catalog; a report that fails does not fail the write (it is
 *   durable): the partition resynchronises on its next alarm;
 * - an alarm at least every HEARTBEAT_MS purges expired rows and checks the catalog's epoch, re-reporting
 *   everything when the catalog was rebuilt; when the last series is gone the partition deregisters and
 *   deletes its storage.
 * Refusals are values (PartitionRefusal), so they cross RPC intact; every read also filters on expiry (an
 * alarm may run late; a value is never served at or after its expiry).
 */
import { DurableObject } from "cloudflare:workers";
import { systemClock, type Clock } from "../domain/clock";
import type { MetricsErrorReason } from "../domain/errors";
import type { ExternalMetricValue, ExternalSample, ObjectSample } from "../domain/metric";
import { CatalogClient } from "./catalog-client";
import { PartitionWriteQueue } from "./write-queue";
import {
  CatalogTables,
  type CatalogEntry,
  type CatalogUpdate,
  type Identity,
  type MetricKind,
  type PartitionStats,
  type Refusal,
  type ScopeClaim,
  type ScopeConflict,
} from "./catalog-tables";
import type {
  MissFacts,
  ObjectMetricColumns,
  ObjectRow,
  PartitionExternalQuery,
  PartitionObjectQuery,
  SelectorRequirements,
  SeriesDescription,
} from "./partition-reads";
import { PartitionTables, type DeleteCommand } from "./partition-tables";
import type { PushGroupMeta, StoredPushGroup } from "./push-groups";

/** Alarms are rounded up to this grid so a stream of writes does not reschedule on every sample. */
const ALARM_GRID_MS = 5_000;
/** A partition with data checks in with the catalog at least this often (catalog rebuilds, missed reports). */
export const HEARTBEAT_MS = 60_000;
/** What a client is told to wait when the catalog could not be reached before a commit. */
const CATALOG_RETRY_AFTER_S = 5;

interface StoreBindings {
  METRICS: DurableObjectNamespace<MetricsStore>;
}

export interface PartitionLimits {
  readonly maxSeries: number;
  readonly maxMetricsPerNamespace: number;
  readonly maxMetrics: number;
  readonly maxNamespaces: number;
}

/** One partition's part of a Pushgateway push (store/push-groups.ts). */
export interface PartitionPush {
  readonly groupKey: string;
  readonly mode: "put" | "post" | "delete";
  /** For `post`: the metric names whose series the push replaces. */
  readonly replaced: readonly string[];
  readonly objects: readonly ObjectSample[];
  readonly externals: readonly ExternalSample[];
  /** The group's metadata, for its home partition only; null removes it. */
  readonly meta?: PushGroupMeta | null;
}

/** One write among those a caller coalesced: stored all or nothing, answered on its own. */
export interface WriteUnit {
  readonly objects: readonly ObjectSample[];
  readonly externals: readonly ExternalSample[];
  readonly writer: string | null;
}

/** A write refused for a reason the caller can act on; nothing was stored. */
export interface PartitionRefusal {
  readonly reason: MetricsErrorReason;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

export interface WriteOutcome {
  readonly refusal: PartitionRefusal | null;
  /** Whether the catalog (discovery) was told something; callers caching discovery drop their copy. */
  readonly catalogChanged: boolean;
  readonly written: number;
  readonly skipped: number;
  readonly skippedExternal: number;
}

export class MetricsStore extends DurableObject<StoreBindings> {
  /** Time for alarms (requests carry their own `now`); replaceable in tests (runInDurableObject). */
  clock: Clock = systemClock;
  #alarmAt: number | null = null;
  #partition: PartitionTables | null = null;
  #catalog: CatalogTables | null = null;
  readonly #catalogClient: CatalogClient;
  /** Partition: this object's name and registration generation, from its meta rows (null: not registered). */
  #name: string | null = null;
  #generation: string | null = null;
  /** The catalog epoch this partition last reported to; a different one means the catalog was rebuilt. */
  #epoch: string | null = null;
  #needsResync = false;
  #lastWriteAt: number | null = null;
  #writeQueue: PartitionWriteQueue | null = null;

  constructor(ctx: DurableObjectState, env: StoreBindings) {
    super(ctx, env);
    this.#catalogClient = new CatalogClient(env.METRICS);
    ctx.blockConcurrencyWhile(async () => {
      this.#alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Answers without touching storage: tells a caller whether this object can start at all. */
  ping(): true {
    return true;
  }

  get #tables(): PartitionTables {
    if (this.#partition === null) {
      this.#partition = new PartitionTables(this.ctx.storage);
      // Partitions written before they kept their name in a meta row: the rows say which namespace they hold.
      this.#name = this.#partition.meta("name") ?? this.#partition.inferName();
      this.#generation = this.#partition.meta("generation");
      this.#epoch = this.#partition.meta("epoch");
    }
    return this.#partition;
  }

  get #catalogTables(): CatalogTables {
    return (this.#catalog ??= new CatalogTables(this.ctx.storage));
  }

  // ---- partition role -------------------------------------------------------------------------------

  /** Read-only checks of everything this partition decides alone, so a batch spanning partitions can be refused before any of them writes. */
  checkWrite(objects: readonly ObjectSample[], externals: readonly ExternalSample[], limits: PartitionLimits): PartitionRefusal | null {
    const tables = this.#tables;
    const quota = tables.quotaRefusal(objects, externals, limits.maxSeries);
    if (quota) return { reason: "Invalid", message: quota.message };
    const metrics = tables.identityLimitProblem(tables.newIdentities(objects, externals).length, limits.maxMetricsPerNamespace);
    return metrics ? { reason: "Invalid", message: metrics } : null;
  }

  /**
   * Stores one write (all or nothing), answered once it is durable. Writes that arrive together are committed
   * together (write-queue.ts): the durable commit, not the CPU, is what a single-sample write costs.
   */
  write(
    partition: string, objects: readonly ObjectSample[], externals: readonly ExternalSample[], writer: string | null, limits: PartitionLimits, now: number,
  ): Promise<WriteOutcome> {
    this.#writeQueue ??= new PartitionWriteQueue((units, at) => this.#writeUnits(partition, units, limits, at));
    return this.#writeQueue.submit(objects, externals, writer, now);
  }

  /** Stores a run of independent writes (units) in one synchronous stretch: one transaction each, one commit. */
  async #writeUnits(partition: string, units: readonly WriteUnit[], limits: PartitionLimits, now: number): Promise<WriteOutcome[]> {
    const tables = this.#tables;
    const outcomes: WriteOutcome[] = [];
    const updates: CatalogUpdate[] = [];
    let earliest = Infinity;
    for (const u of units) {
      const refusal = await this.#admit(partition, u.objects, u.externals, limits, now);
      if (refusal) {
        outcomes.push({ refusal, catalogChanged: false, written: 0, skipped: 0, skippedExternal: 0 });
        continue;
      }
      const result = tables.write(u.objects, u.externals, u.writer, now);
      updates.push(...result.updates);
      earliest = Math.min(earliest, result.earliestExpiry);
      outcomes.push({ refusal: null, catalogChanged: result.updates.length > 0, written: result.written, skipped: result.skipped, skippedExternal: result.skippedExternal });
    }
    await this.#scheduleAlarm(Math.min(earliest, now + HEARTBEAT_MS));
    const reported = await this.#reportQuietly(partition, updates, now);
    return reported ? outcomes : outcomes.map((o) => ({ ...o, catalogChanged: false }));
  }

  /**
   * What must hold before a unit is stored: this partition's limits, its registration with the catalog (first
   * write) and the catalog's admission of new metric identities. A refusal, or null.
   */
  async #admit(partition: string, objects: readonly ObjectSample[], externals: readonly ExternalSample[], limits: PartitionLimits, now: number): Promise<PartitionRefusal | null> {
    const local = this.checkWrite(objects, externals, limits);
    if (local) return local;
    try {
      if (this.#generation === null && objects.length + externals.length > 0) {
        const problem = await this.#register(partition, limits.maxNamespaces, now);
        if (problem) return { reason: "InsufficientStorage", message: problem };
      }
      const added = this.#tables.newIdentities(objects, externals);
      if (added.length > 0) {
        const { refused: problem } = await this.#catalogClient.call((c) => c.catalogAdmit(added, limits.maxMetrics, now));
        if (problem) return { reason: "Invalid", message: problem };
      }
    } catch (e) {
      console.error(`edge-metrics-adapter: catalog unreachable before a write to ${partition}: ${(e as Error).message}`);
      return {
        reason: "ServiceUnavailable",
        message: "the metrics catalog could not be reached, so nothing was stored; retry shortly",
        retryAfterSeconds: CATALOG_RETRY_AFTER_S,
      };
    }
    return null;
  }

  /** Registers under a new generation; returns the catalog's refusal, if any. */
  async #register(partition: string, maxNamespaces: number, now: number): Promise<string | null> {
    const generation = crypto.randomUUID();
    const { refused, epoch } = await this.#catalogClient.call((c) => c.catalogRegister(partition, generation, maxNamespaces, now));
    if (refused) return refused;
    this.#tables.setMeta({ name: partition, generation, epoch });
    this.#name = partition;
    this.#generation = generation;
    this.#epoch = epoch;
    return null;
  }

  /**
   * A Pushgateway push in this partition (partition-tables.ts applyPush): registered and admitted like a write;
   * `meta` is given only to the group's home partition.
   */
  async pushGroup(partition: string, push: PartitionPush, writer: string | null, limits: PartitionLimits, now: number): Promise<WriteOutcome> {
    const tables = this.#tables;
    const refusal = await this.#admit(partition, push.objects, push.externals, limits, now);
    if (refusal) return { refusal, catalogChanged: false, written: 0, skipped: 0, skippedExternal: 0 };
    if (this.#generation === null && push.meta) {
      const problem = await this.#register(partition, limits.maxNamespaces, now).catch(() => "the metrics catalog could not be reached; retry shortly");
      if (problem) return { refusal: { reason: "ServiceUnavailable", message: problem, retryAfterSeconds: CATALOG_RETRY_AFTER_S }, catalogChanged: false, written: 0, skipped: 0, skippedExternal: 0 };
    }
    const result = tables.applyPush(push.groupKey, push.mode, push.replaced, push.objects, push.externals, push.meta, writer, now);
    const groupExpiry = push.meta ? push.meta.expiresAt : Infinity;
    await this.#scheduleAlarm(Math.min(result.earliestExpiry, groupExpiry, now + HEARTBEAT_MS));
    const reported = await this.#reportQuietly(partition, result.updates, now);
    return { refusal: null, catalogChanged: reported && result.updates.length > 0, written: result.written, skipped: result.skipped, skippedExternal: result.skippedExternal };
  }

  pushGroupMeta(groupKey: string): StoredPushGroup | null {
    return this.#tables.pushGroup(groupKey);
  }

  listPushGroups(now: number): StoredPushGroup[] {
    return this.#tables.pushGroups(now);
  }

  getObjectMetric(resource: string, namespace: string, name: string, metric: string, metricSelector: SelectorRequirements, now: number): ObjectRow | null {
    return this.#tables.reads.getObjectMetric(resource, namespace, name, metric, metricSelector, now);
  }

  /** A thousand-pod answer crosses RPC as five arrays of primitives instead of a thousand nested objects. */
  listObjectMetricColumns(query: PartitionObjectQuery, now: number): ObjectMetricColumns {
    return this.#tables.reads.listObjectColumns(query, now);
  }

  listExternalMetrics(query: PartitionExternalQuery, now: number): ExternalMetricValue[] {
    return this.#tables.reads.listExternal(query, now);
  }

  objectMetrics(resource: string, namespace: string, name: string, now: number): { metric: string; row: ObjectRow }[] {
    return this.#tables.reads.objectMetrics(resource, namespace, name, now);
  }

  explainMiss(resource: string, namespace: string, name: string, metric: string, now: number): MissFacts {
    return this.#tables.reads.explainMiss(resource, namespace, name, metric, now);
  }

  describe(limit: number): SeriesDescription[] {
    return this.#tables.reads.describe(limit);
  }

  /** Deletes series and returns how many; the catalog is corrected exactly for the metrics touched. */
  async deleteSeries(partition: string, command: DeleteCommand, now: number): Promise<number> {
    const { deleted, updates } = this.#tables.delete(command, now);
    if (deleted > 0) await this.#reportQuietly(partition, updates, now);
    return deleted;
  }

  /**
   * Tells the catalog; a failure is logged and repaired by the next alarm (the data is already durable, so the
   * write it belongs to still succeeds). Returns whether the catalog heard it.
   */
  async #reportQuietly(partition: string, updates: CatalogUpdate[], now: number): Promise<boolean> {
    if (updates.length === 0 && !this.#needsResync) return true;
    try {
      if (this.#needsResync) {
        await this.#resync(partition, now);
        return true;
      }
      const { epoch } = await this.#catalogClient.call((c) => c.catalogReport(partition, this.#generation ?? "", updates, this.#stats(now), now));
      this.#tables.reporter.reported(updates);
      if (epoch !== this.#epoch) await this.#resync(partition, now);
      return true;
    } catch (e) {
      console.error(`edge-metrics-adapter: could not update the catalog for ${partition} (retrying from its alarm): ${(e as Error).message}`);
      this.#needsResync = true;
      await this.#scheduleAlarm(now + ALARM_GRID_MS);
      return false;
    }
  }

  /** What the catalog shows for this partition; `wroteAt` is given by writes, kept for heartbeats. */
  #stats(wroteAt: number | null): PartitionStats {
    if (wroteAt !== null) this.#lastWriteAt = wroteAt;
    return { series: this.#tables.seriesCount(), lastWriteAt: this.#lastWriteAt };
  }

  /** Re-registers and reports every identity with its exact expiry (after a catalog rebuild or a missed report). */
  async #resync(partition: string, now: number): Promise<void> {
    const tables = this.#tables;
    const generation = this.#generation ?? crypto.randomUUID();
    const updates = tables.allIdentities();
    const { epoch } = await this.#catalogClient.call((c) => c.catalogReport(partition, generation, updates, this.#stats(null), now));
    tables.setMeta({ name: partition, generation, epoch });
    tables.reporter.reported(updates);
    this.#name = partition;
    this.#generation = generation;
    this.#epoch = epoch;
    this.#needsResync = false;
  }

  // ---- catalog role ---------------------------------------------------------------------------------

  catalogRegister(partition: string, generation: string, maxPartitions: number, now: number): { refused: string | null; epoch: string } {
    const tables = this.#catalogTables;
    return { ...tables.register(partition, generation, maxPartitions, now), epoch: tables.epoch };
  }

  catalogDeregister(partition: string, generation: string): void {
    this.#catalogTables.deregister(partition, generation);
  }

  /**
   * Whether a partition is registered. A catalog that replaced a broken one (slot ≥ 1, catalog-client.ts) starts
   * empty and learns the partitions from their heartbeats, so for one heartbeat (and the alarm grid) after it
   * began its "no" means "not known yet": `unsure` tells the caller to ask the partition itself.
   */
  catalogIsRegistered(partition: string, replacement: boolean): { registered: boolean; unsure: boolean } {
    const tables = this.#catalogTables;
    const registered = tables.isRegistered(partition);
    return { registered, unsure: !registered && replacement && Date.now() - tables.createdAt < HEARTBEAT_MS + ALARM_GRID_MS };
  }

  catalogPartitions(): string[] {
    return this.#catalogTables.registered();
  }

  catalogAdmit(identities: readonly Identity[], maxIdentities: number, now: number): { refused: string | null } {
    return this.#catalogTables.admit(identities, maxIdentities, now);
  }

  catalogReport(partition: string, generation: string, updates: readonly CatalogUpdate[], stats: PartitionStats | null, now: number): { epoch: string } {
    const tables = this.#catalogTables;
    void this.#scheduleAlarm(tables.report(partition, generation, updates, stats, now));
    return { epoch: tables.epoch };
  }

  catalogStats(): Map<string, PartitionStats> {
    return this.#catalogTables.stats();
  }

  catalogWhere(kind: MetricKind, resource: string, metric: string, now: number): string[] {
    return this.#catalogTables.where(kind, resource, metric, now);
  }

  catalogResourcesOf(metric: string, now: number): string[] {
    return this.#catalogTables.resourcesOf(metric, now);
  }

  catalogRecordRefusal(r: Refusal): void {
    this.#catalogTables.recordRefusal(r);
  }

  catalogRefusals(limit: number): Refusal[] {
    return this.#catalogTables.refusals(limit);
  }

  catalogList(kind: MetricKind, now: number): CatalogEntry[] {
    return this.#catalogTables.list(kind, now);
  }

  catalogClaimScopes(claims: readonly ScopeClaim[], holdMs: number, now: number): { conflicts: ScopeConflict[] } {
    return this.#catalogTables.claimScopes(claims, holdMs, now);
  }

  // ---- expiry and heartbeat -------------------------------------------------------------------------

  async #scheduleAlarm(at: number): Promise<void> {
    if (!Number.isFinite(at)) return;
    const rounded = Math.ceil(at / ALARM_GRID_MS) * ALARM_GRID_MS;
    if (this.#alarmAt !== null && this.#alarmAt <= rounded) return;
    this.#alarmAt = rounded;
    await this.ctx.storage.setAlarm(rounded);
  }

  /** Purges everything expired in whichever role this object has tables for; retires an emptied partition. */
  async alarm(): Promise<void> {
    const now = this.clock();
    this.#alarmAt = null;
    const tables = new Set(
      this.ctx.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('series', 'catalog')").toArray().map((r) => r.name),
    );
    if (tables.has("catalog")) {
      const next = this.#catalogTables.purgeExpired(now);
      if (next !== null) await this.#scheduleAlarm(Math.max(next, now + 1));
    }
    if (!tables.has("series")) return;
    const partition = this.#tables;
    const next = partition.purgeExpired(now);
    const name = this.#name;
    if (partition.isEmpty()) {
      if (name !== null) await this.#retire(name);
      return;
    }
    if (name !== null) await this.#heartbeat(name, now);
    await this.#scheduleAlarm(Math.min(next ?? Infinity, now + HEARTBEAT_MS));
  }

  /** Checks in with the catalog, re-reporting everything when it was rebuilt or a report was missed. */
  async #heartbeat(partition: string, now: number): Promise<void> {
    try {
      if (this.#needsResync || this.#generation === null) return await this.#resync(partition, now);
      const { epoch } = await this.#catalogClient.call((c) => c.catalogReport(partition, this.#generation!, [], this.#stats(null), now));
      if (epoch !== this.#epoch) await this.#resync(partition, now);
    } catch (e) {
      this.#needsResync = true;
      console.error(`edge-metrics-adapter: heartbeat of ${partition} to the catalog failed (retrying): ${(e as Error).message}`);
    }
  }

  /** Deregisters and deletes an emptied partition; no write can interleave (it would be lost with the storage). */
  async #retire(partition: string): Promise<void> {
    await this.ctx.blockConcurrencyWhile(async () => {
      if (!this.#tables.isEmpty()) return;
      const generation = this.#generation;
      if (generation !== null) {
        try {
          await this.#catalogClient.call((c) => c.catalogDeregister(partition, generation));
        } catch (e) {
          console.error(`edge-metrics-adapter: could not deregister ${partition}: ${(e as Error).message}`);
        }
      }
      await this.ctx.storage.deleteAll();
      this.#partition = null;
      this.#name = this.#generation = this.#epoch = null;
      this.#needsResync = false;
      this.#alarmAt = null;
    });
  }
}
