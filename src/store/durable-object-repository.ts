/**
 * MetricRepository over the Durable Object namespace: routes each command to its partition
 * (store/partition.ts), checks scope claims with the catalog before a batch writes anything (so a 409
 * leaves no trace), and writes partitions in parallel. Depends only on the structural subset of the
 * binding it uses. Selectors cross to the objects as their requirements (parsed once, at the edge).
 *
 * Reads never create state: a partition the catalog has not registered holds nothing, so it is not called
 * (calling a Durable Object creates its storage file). What the catalog said is kept per isolate briefly —
 * REGISTERED_CACHE_MS when registered, UNREGISTERED_CACHE_MS when not — and when the catalog cannot be asked,
 * or is a rebuilt one that has not yet heard every partition's heartbeat, reads go to the partition anyway (a
 * broken catalog must not take reads down with it).
 *
 * Storage failures surface as what a client can act on: a full disk is 507 with Retry-After (nothing was
 * stored), and so is a new namespace whose storage cannot be created; an object whose storage cannot be
 * opened is 503 naming the namespace.
 *
 * Discovery is cached in the isolate for at most DISCOVERY_CACHE_MS, per binding, and each entry carries its
 * expiry, so an expired metric is never listed from the cache either. Any write that changed the catalog and
 * any delete made through this isolate drop the copy at once, so on self-hosted workerd (one isolate) discovery
 * is exact. On Cloudflare, where other isolates may serve requests, a metric may appear in (or, after a delete
 * or a TTL reduction elsewhere, leave) discovery up to DISCOVERY_CACHE_MS late; never after its expiry.
 */
import type { LabelSelector } from "../apimachinery/labels";
import type { Limits } from "../config";
import { conflict, MetricsError } from "../domain/errors";
import type { ExternalMetricValue, ExternalSample, Labels, ObjectMetricValue, ObjectSample, ObjectTarget } from "../domain/metric";
import { CatalogClient, usingReplacementCatalog, type MetricsNamespace } from "./catalog-client";
import type { CatalogEntry, MetricKind } from "./catalog-tables";
import { LabelTextMemo } from "./label-text";
import type { MetricsStore, PartitionLimits } from "./metrics-object";
import { CLUSTER_PARTITION, partitionForNamespace, partitionForObject } from "./partition";
import { toRequirements } from "./partition-reads";
import type { DeleteCommand } from "./partition-tables";
import type { StoredPushGroup } from "./push-groups";
import type {
  ExternalListQuery,
  MetricRepository,
  MissExplanation,
  NamespaceStats,
  NamespaceView,
  ObjectListQuery,
  PushCommand,
  PushGroup,
  RefusalRecord,
  WriteBatch,
  WriteReceipt,
} from "./repository";
import type { MissFacts, ObjectRow, SeriesDescription } from "./partition-reads";
import type { PartitionStats } from "./catalog-tables";

export type { MetricsNamespace };

type PartitionStub = DurableObjectStub<MetricsStore>;

const REGISTERED_CACHE_MS = 10_000;
const UNREGISTERED_CACHE_MS = 1_000;
const MAX_REGISTRY_CACHE = 10_000;
const STORAGE_RETRY_AFTER_S = 30;

/** How long an isolate may answer discovery from its copy of the catalog's list. */
export const DISCOVERY_CACHE_MS = 1000;

interface DiscoveryCache {
  /** Bumped by every catalog-changing write and every delete made through this isolate. */
  generation: number;
  lists: Map<MetricKind, { generation: number; now: number; wall: number; entries: CatalogEntry[] }>;
  /** Partition → whether the catalog had it registered, and when it was asked (wall clock). */
  registry: Map<string, { registered: boolean; at: number }>;
}
const discoveryCaches = new WeakMap<object, DiscoveryCache>();

function discoveryCache(ns: object): DiscoveryCache {
  let cache = discoveryCaches.get(ns);
  if (!cache) discoveryCaches.set(ns, (cache = { generation: 0, lists: new Map(), registry: new Map() }));
  return cache;
}

/** Metric-label text of answers → labels, per isolate (most series have none or share a few sets). */
const labelTexts = new LabelTextMemo(10_000);

export class DurableObjectRepository implements MetricRepository {
  readonly #ns: MetricsNamespace;
  readonly #limits: PartitionLimits & { readonly maxNamespacesPerWrite: number; readonly claimHoldMs: number };
  readonly #catalog: CatalogClient;

  constructor(ns: MetricsNamespace, limits: Limits) {
    this.#ns = ns;
    this.#limits = {
      maxSeries: limits.maxSeriesPerNamespace,
      maxMetricsPerNamespace: limits.maxMetricsPerNamespace,
      maxMetrics: limits.maxMetrics,
      maxNamespaces: limits.maxNamespaces,
      maxNamespacesPerWrite: limits.maxNamespacesPerWrite,
      claimHoldMs: limits.scopeClaimHoldSeconds * 1000,
    };
    this.#catalog = new CatalogClient(ns);
  }

  #stub(partition: string): PartitionStub {
    return this.#ns.get(this.#ns.idFromName(partition)) as PartitionStub;
  }

  /** Calls a partition, turning storage failures into Status errors a client can act on. */
  async #onPartition<T>(partition: string, call: (stub: PartitionStub) => Promise<T>): Promise<T> {
    try {
      return await call(this.#stub(partition));
    } catch (e) {
      const failure = storageFailure(e, partition);
      // workerd reports an object whose storage cannot even be created (a full disk) as a bare internal error,
      // the same as one whose file is broken; a partition the catalog has never registered has no file to break.
      if (failure instanceof MetricsError && failure.reason === "ServiceUnavailable" && !(await this.#knownToCatalog(partition))) {
        throw new MetricsError(
          "InsufficientStorage",
          `storage for ${partition} could not be created (is the metrics store out of disk space?), so nothing was stored; retry later`,
          { retryAfterSeconds: STORAGE_RETRY_AFTER_S },
        );
      }
      throw failure;
    }
  }

  /** Whether the catalog has registered a partition; true when it cannot tell (so the answer stays the cautious 503). */
  async #knownToCatalog(partition: string): Promise<boolean> {
    return this.#catalog.call((c) => c.catalogIsRegistered(partition, false)).then((a) => a.registered, () => true);
  }

  async write(batch: WriteBatch, now: number): Promise<WriteReceipt> {
    const byPartition = new Map<string, { objects: ObjectSample[]; externals: ExternalSample[] }>();
    const slot = (p: string) => byPartition.get(p) ?? byPartition.set(p, { objects: [], externals: [] }).get(p)!;
    for (const s of batch.objects) slot(partitionForObject(s.target.namespace)).objects.push(s);
    for (const s of batch.externals) slot(partitionForNamespace(s.namespace)).externals.push(s);
    if (byPartition.size > this.#limits.maxNamespacesPerWrite) {
      throw new MetricsError(
        "RequestEntityTooLarge",
        `a write may touch at most ${this.#limits.maxNamespacesPerWrite} namespaces; this one touches ${byPartition.size}: split it by namespace`,
      );
    }
    await this.#claimScopes(batch, now);
    const partitions = [...byPartition];
    if (partitions.length > 1) {
      // All or nothing across partitions: check every limit a partition decides alone before any of them writes.
      const refusals = await Promise.all(partitions.map(([p, b]) => this.#onPartition(p, (s) => s.checkWrite(b.objects, b.externals, this.#limits))));
      const refusal = refusals.find((r) => r !== null);
      if (refusal) throw new MetricsError(refusal.reason, refusal.message, { retryAfterSeconds: refusal.retryAfterSeconds });
    }
    const results = await Promise.all(partitions.map(([p, b]) => this.#onPartition(p, (s) => s.write(p, b.objects, b.externals, batch.writer ?? null, this.#limits, now))));
    if (results.some((r) => r.catalogChanged)) this.#discoveryChanged();
    const registry = discoveryCache(this.#ns).registry;
    partitions.forEach(([p], i) => {
      if (results[i]!.refusal === null) registry.set(p, { registered: true, at: Date.now() });
    });
    const refusal = results.find((r) => r.refusal !== null)?.refusal;
    if (refusal) throw new MetricsError(refusal.reason, refusal.message, { retryAfterSeconds: refusal.retryAfterSeconds });
    const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((n, r) => n + f(r), 0);
    return { written: sum((r) => r.written), skipped: sum((r) => r.skipped), skippedExternal: sum((r) => r.skippedExternal) };
  }

  async pushGroup(command: PushCommand, now: number): Promise<WriteReceipt> {
    const home = partitionForNamespace(command.namespace);
    const previous = (await this.#registered(home))
      ? ((await this.#onPartition(home, (s) => s.pushGroupMeta(command.groupKey))) as StoredPushGroup | null)
      : null;
    const byPartition = new Map<string, { objects: ObjectSample[]; externals: ExternalSample[] }>();
    const slot = (p: string) => byPartition.get(p) ?? byPartition.set(p, { objects: [], externals: [] }).get(p)!;
    for (const p of previous?.partitions ?? []) slot(p);
    for (const s of command.objects) slot(partitionForObject(s.target.namespace)).objects.push(s);
    for (const s of command.externals) slot(partitionForNamespace(s.namespace)).externals.push(s);
    slot(home);
    if (byPartition.size > this.#limits.maxNamespacesPerWrite) {
      throw new MetricsError("RequestEntityTooLarge", `a push may touch at most ${this.#limits.maxNamespacesPerWrite} namespaces; this one touches ${byPartition.size}`);
    }
    await this.#claimScopes({ objects: command.objects, externals: command.externals }, now);
    const holding = [...byPartition].filter(([p, b]) => p === home || b.objects.length + b.externals.length > 0).map(([p]) => p);
    const call = (p: string, b: { objects: ObjectSample[]; externals: ExternalSample[] }, meta?: PushCommand["meta"]) =>
      this.#onPartition(p, (s) =>
        s.pushGroup(p, {
          groupKey: command.groupKey, mode: command.mode, replaced: command.replaced, objects: b.objects, externals: b.externals,
          ...(meta === undefined ? {} : { meta: meta === null ? null : { ...meta, partitions: holding } }),
        }, command.writer ?? null, this.#limits, now));
    // The home partition goes last: its metadata then names only partitions already written.
    const others = [...byPartition].filter(([p]) => p !== home);
    const results = await Promise.all(others.map(([p, b]) => call(p, b)));
    results.push(await call(home, byPartition.get(home)!, command.meta));
    if (results.some((r) => r.catalogChanged)) this.#discoveryChanged();
    const registry = discoveryCache(this.#ns).registry;
    for (const p of holding) registry.set(p, { registered: true, at: Date.now() });
    const refusal = results.find((r) => r.refusal !== null)?.refusal;
    if (refusal) throw new MetricsError(refusal.reason, refusal.message, { retryAfterSeconds: refusal.retryAfterSeconds });
    const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((n, r) => n + f(r), 0);
    return { written: sum((r) => r.written), skipped: sum((r) => r.skipped), skippedExternal: sum((r) => r.skippedExternal) };
  }

  async listPushGroups(now: number): Promise<PushGroup[]> {
    let partitions: string[];
    try {
      partitions = await this.#catalog.call((c) => c.catalogPartitions());
    } catch (e) {
      throw storageFailure(e, "catalog");
    }
    const homes = partitions.filter((p) => p.startsWith("ns:"));
    const out: PushGroup[] = [];
    // A few at a time: each visit wakes one Durable Object.
    for (let i = 0; i < homes.length; i += 16) {
      const batch = homes.slice(i, i + 16);
      const lists = (await Promise.all(batch.map((p) => this.#onPartition(p, (s) => s.listPushGroups(now))))) as StoredPushGroup[][];
      lists.forEach((list, k) => {
        const namespace = batch[k]!.slice("ns:".length);
        for (const g of list) out.push({ namespace, grouping: g.grouping, view: g.view, pushTime: g.pushTime, expiresAt: g.expiresAt });
      });
    }
    return out;
  }

  async objectMetrics(target: ObjectTarget, now: number): Promise<ObjectMetricValue[]> {
    const partition = partitionForObject(target.namespace);
    if (!(await this.#registered(partition))) return [];
    const rows = (await this.#onPartition(partition, (s) => s.objectMetrics(target.resource.name, target.namespace, target.name, now))) as { metric: string; row: ObjectRow }[];
    return rows.map(({ metric, row }) => ({ target, metric, labels: labelTexts.parse(row.labels), value: row.value, timestamp: row.timestamp, windowSeconds: row.window }));
  }

  async explainObjectMiss(target: ObjectTarget, metric: string, now: number): Promise<MissExplanation> {
    const partition = partitionForObject(target.namespace);
    const registered = await this.#registered(partition);
    const facts = registered
      ? ((await this.#onPartition(partition, (s) => s.explainMiss(target.resource.name, target.namespace, target.name, metric, now))) as MissFacts)
      : { expired: null, otherObjects: [], otherResources: [], otherMetrics: [] };
    const [where, resources] = await this.#catalog
      .call((c) => Promise.all([c.catalogWhere("custom", target.resource.name, metric, now), c.catalogResourcesOf(metric, now)]))
      .catch(() => [[] as string[], [] as string[]] as const);
    const namespaces = (where as string[]).filter((p) => p !== partition).map((p) => (p === CLUSTER_PARTITION ? "" : p.slice("ns:".length)));
    return {
      namespaceEmpty: !registered,
      expired: facts.expired,
      otherObjects: facts.otherObjects,
      otherResources: [...new Set([...facts.otherResources, ...(resources as string[])])].filter((r) => r !== target.resource.name).slice(0, 5),
      otherNamespaces: namespaces,
      otherMetrics: facts.otherMetrics,
    };
  }

  async externalMetricNamespaces(metric: string, now: number): Promise<string[]> {
    const where = await this.#catalog.call((c) => c.catalogWhere("external", "", metric, now)).catch(() => [] as string[]);
    return where.filter((p) => p.startsWith("ns:")).map((p) => p.slice("ns:".length));
  }

  async describe(perNamespace: number): Promise<NamespaceView[]> {
    let partitions: string[];
    try {
      partitions = await this.#catalog.call((c) => c.catalogPartitions());
    } catch (e) {
      throw storageFailure(e, "catalog");
    }
    const out: NamespaceView[] = [];
    for (let i = 0; i < partitions.length; i += 16) {
      const batch = partitions.slice(i, i + 16);
      const lists = (await Promise.all(batch.map((p) => this.#onPartition(p, (s) => s.describe(perNamespace + 1))))) as SeriesDescription[][];
      lists.forEach((series, k) => {
        const p = batch[k]!;
        out.push({ namespace: p === CLUSTER_PARTITION ? "" : p.slice("ns:".length), series: series.slice(0, perNamespace), truncated: series.length > perNamespace });
      });
    }
    return out;
  }

  async namespaceStats(): Promise<NamespaceStats[]> {
    const stats = (await this.#catalog.call((c) => c.catalogStats())) as Map<string, PartitionStats>;
    return [...stats].map(([p, s]) => ({ namespace: p === CLUSTER_PARTITION ? "" : p.slice("ns:".length), series: s.series, lastWriteAt: s.lastWriteAt }));
  }

  async recordRefusal(refusal: RefusalRecord): Promise<void> {
    await this.#catalog.call((c) => c.catalogRecordRefusal(refusal));
  }

  recentRefusals(limit: number): Promise<RefusalRecord[]> {
    return this.#catalog.call((c) => c.catalogRefusals(limit)) as Promise<RefusalRecord[]>;
  }

  /** Scope claims of resources known only by name, for the whole batch, before anything is written. */
  async #claimScopes(batch: WriteBatch, now: number): Promise<void> {
    const claims = new Map<string, boolean>();
    for (const s of batch.objects) if (!s.target.resource.builtIn) claims.set(s.target.resource.name, s.target.namespace !== "");
    if (claims.size === 0) return;
    let conflicts;
    try {
      ({ conflicts } = await this.#catalog.call((c) => c.catalogClaimScopes([...claims].map(([resource, namespaced]) => ({ resource, namespaced })), this.#limits.claimHoldMs, now)));
    } catch (e) {
      throw storageFailure(e, "catalog");
    }
    if (conflicts.length === 0) return;
    const lapse = Math.max(...conflicts.map((c) => c.lapsesAt));
    throw conflict(
      conflicts
        .map((c) => `resource "${c.resource}" is claimed as ${c.namespaced ? "namespaced" : "cluster-scoped"}; a resource cannot be both ` +
          `(the claim lapses ${Math.ceil((c.lapsesAt - now) / 1000)}s after its holder's last write)`)
        .join("; ") + ` — retry after ${new Date(lapse).toISOString()} or write it with the other scope`,
    );
  }

  /** Whether the catalog has `partition` registered; without an answer from the catalog, assume so. */
  async #registered(partition: string): Promise<boolean> {
    const registry = discoveryCache(this.#ns).registry;
    const wall = Date.now();
    const hit = registry.get(partition);
    if (hit && wall - hit.at < (hit.registered ? REGISTERED_CACHE_MS : UNREGISTERED_CACHE_MS)) return hit.registered;
    let registered: boolean;
    try {
      const answer = await this.#catalog.call((c) => c.catalogIsRegistered(partition, usingReplacementCatalog()));
      // A rebuilt catalog that has not heard every partition's heartbeat yet: ask the partition, remember nothing.
      if (answer.unsure) return true;
      registered = answer.registered;
    } catch (e) {
      console.error(`edge-metrics-adapter: catalog unreachable, reading ${partition} directly: ${(e as Error).message}`);
      return true;
    }
    if (registry.size >= MAX_REGISTRY_CACHE) registry.clear();
    registry.set(partition, { registered, at: wall });
    return registered;
  }

  #discoveryChanged(): void {
    const cache = discoveryCache(this.#ns);
    cache.generation++;
    cache.lists.clear();
  }

  /** The catalog's live entries of one kind, from this isolate's copy when it is recent and nothing changed since. */
  async #catalogList(kind: MetricKind, now: number): Promise<CatalogEntry[]> {
    const cache = discoveryCache(this.#ns);
    const wall = Date.now();
    const hit = cache.lists.get(kind);
    if (hit && hit.generation === cache.generation && hit.now <= now && now - hit.now < DISCOVERY_CACHE_MS && wall - hit.wall < DISCOVERY_CACHE_MS) {
      return hit.entries.filter((e) => e.expiresAt > now);
    }
    const generation = cache.generation;
    let entries: CatalogEntry[];
    try {
      entries = await this.#catalog.call((c) => c.catalogList(kind, now));
    } catch (e) {
      // Discovery must keep answering: the last list this isolate saw (its entries' expiries still apply), or none.
      console.error(`edge-metrics-adapter: catalog unreachable, discovery answered from this isolate's last copy: ${(e as Error).message}`);
      return (hit?.entries ?? []).filter((x) => x.expiresAt > now);
    }
    if (generation === cache.generation) cache.lists.set(kind, { generation, now, wall, entries });
    return entries;
  }

  async getObjectMetric(target: ObjectTarget, metric: string, metricSelector: LabelSelector | null, now: number): Promise<ObjectMetricValue | null> {
    const partition = partitionForObject(target.namespace);
    if (!(await this.#registered(partition))) return null;
    const row = await this.#onPartition(partition, (s) =>
      s.getObjectMetric(target.resource.name, target.namespace, target.name, metric, toRequirements(metricSelector), now));
    if (row === null) return null;
    return { target, metric, labels: labelTexts.parse(row.labels), value: row.value, timestamp: row.timestamp, windowSeconds: row.window };
  }

  async listObjectMetrics(query: ObjectListQuery, now: number): Promise<ObjectMetricValue[]> {
    const { resource, namespace, metric } = query;
    const partition = partitionForObject(namespace);
    if (!(await this.#registered(partition))) return [];
    const c = await this.#onPartition(partition, (s) => s.listObjectMetricColumns(
      { resource: resource.name, namespace, metric, objectSelector: toRequirements(query.objectSelector), metricSelector: toRequirements(query.metricSelector) },
      now,
    ));
    const out: ObjectMetricValue[] = new Array(c.names.length);
    for (let i = 0; i < c.names.length; i++) {
      out[i] = {
        target: { resource, namespace, name: c.names[i]! },
        metric,
        labels: labelTexts.parse(c.labels[i]!),
        value: c.values[i]!,
        timestamp: c.timestamps[i]!,
        windowSeconds: c.windows[i]!,
      };
    }
    return out;
  }

  async listExternalMetrics(query: ExternalListQuery, now: number): Promise<ExternalMetricValue[]> {
    const partition = partitionForNamespace(query.namespace);
    if (!(await this.#registered(partition))) return [];
    return this.#onPartition(partition, (s) => s.listExternalMetrics(
      { namespace: query.namespace, metric: query.metric, metricSelector: toRequirements(query.metricSelector) },
      now,
    ));
  }

  async listCustomMetricInfos(now: number) {
    return (await this.#catalogList("custom", now)).map(({ resource, metric, namespaced }) => ({ resource, metric, namespaced }));
  }

  async listExternalMetricNames(now: number) {
    return (await this.#catalogList("external", now)).map((i) => i.metric);
  }

  async #delete(partition: string, command: DeleteCommand, now: number): Promise<number> {
    if (!(await this.#registered(partition))) return 0;
    try {
      return await this.#onPartition(partition, (s) => s.deleteSeries(partition, command, now));
    } finally {
      this.#discoveryChanged();
    }
  }

  deleteObjectMetric(target: ObjectTarget, metric: string, labels: Labels | null, now: number) {
    const { resource, namespace, name } = target;
    return this.#delete(partitionForObject(namespace), { kind: "object", resource: resource.name, namespace, name, metric, labels }, now);
  }

  deleteExternalMetric(namespace: string, metric: string, labels: Labels | null, now: number) {
    return this.#delete(partitionForNamespace(namespace), { kind: "external", namespace, metric, labels }, now);
  }

  async deleteNamespaceCustomMetrics(namespace: string, now: number) {
    const [objects, own] = await Promise.all([
      this.#delete(partitionForNamespace(namespace), { kind: "namespace-objects", namespace, namespaceObjectOnly: false }, now),
      this.#delete(CLUSTER_PARTITION, { kind: "namespace-objects", namespace, namespaceObjectOnly: true }, now),
    ]);
    return objects + own;
  }

  deleteNamespaceExternalMetrics(namespace: string, now: number) {
    return this.#delete(partitionForNamespace(namespace), { kind: "namespace-external", namespace }, now);
  }
}

/**
 * A failure of a Durable Object call as a Status: SQLite's SQLITE_FULL (the transaction was rolled back) is
 * 507 with Retry-After; an object workerd cannot start or run (`internal error; reference = …`, e.g. a
 * corrupt file) is 503 naming the partition. Anything else is ours and stays a 500.
 */
function storageFailure(e: unknown, partition: string): unknown {
  if (e instanceof MetricsError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (/SQLITE_FULL|disk is full/i.test(message)) {
    return new MetricsError("InsufficientStorage", "the metrics store is out of disk space, so nothing was stored; retry later", { retryAfterSeconds: STORAGE_RETRY_AFTER_S });
  }
  if (/internal error|SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN)/i.test(message)) {
    console.error(`edge-metrics-adapter: storage of ${partition} failed: ${message}`);
    return new MetricsError("ServiceUnavailable", `the storage of ${partition} is unavailable (${message}); the operator must repair or remove it`, { retryAfterSeconds: STORAGE_RETRY_AFTER_S });
  }
  return e;
}
