/**
 * MetricRepository over the Durable Object namespace: routes each command to its partition
 * (store/partition.ts), checks scope claims with the catalog before a batch writes anything (so a 409
 * leaves no trace), and writes partitions in parallel. Depends only on the structural subset of the
 * binding it uses. Selectors cross to the objects as their requirements (parsed once, at the edge).
 *
 * Discovery is cached in the isolate for at most DISCOVERY_CACHE_MS, per binding, and each entry carries its
 * expiry, so an expired metric is never listed from the cache either. Any write that changed the catalog and
 * any delete made through this isolate drop the copy at once, so on self-hosted workerd (one isolate) discovery
 * is exact. On Cloudflare, where other isolates may serve requests, a metric may appear in (or, after a delete
 * or a TTL reduction elsewhere, leave) discovery up to DISCOVERY_CACHE_MS late; never after its expiry.
 */
import type { LabelSelector } from "../apimachinery/labels";
import { conflict, MetricsError } from "../domain/errors";
import type { ExternalSample, Labels, ObjectMetricValue, ObjectSample, ObjectTarget } from "../domain/metric";
import type { CatalogEntry, MetricKind } from "./catalog-tables";
import { LabelTextMemo } from "./label-text";
import type { MetricsStore } from "./metrics-object";
import { CATALOG_PARTITION, CLUSTER_PARTITION, partitionForNamespace, partitionForObject } from "./partition";
import { toRequirements, type DeleteCommand } from "./partition-tables";
import type { ExternalListQuery, MetricRepository, ObjectListQuery, WriteBatch } from "./repository";

export type MetricsNamespace = Pick<DurableObjectNamespace<MetricsStore>, "idFromName" | "get">;

/** How long an isolate may answer discovery from its copy of the catalog's list. */
export const DISCOVERY_CACHE_MS = 1000;

interface DiscoveryCache {
  /** Bumped by every catalog-changing write and every delete made through this isolate. */
  generation: number;
  lists: Map<MetricKind, { generation: number; now: number; wall: number; entries: CatalogEntry[] }>;
}
const discoveryCaches = new WeakMap<object, DiscoveryCache>();

function discoveryCache(ns: object): DiscoveryCache {
  let cache = discoveryCaches.get(ns);
  if (!cache) discoveryCaches.set(ns, (cache = { generation: 0, lists: new Map() }));
  return cache;
}

/** Metric-label text of answers → labels, per isolate (most series have none or share a few sets). */
const labelTexts = new LabelTextMemo(10_000);

export class DurableObjectRepository implements MetricRepository {
  readonly #ns: MetricsNamespace;
  readonly #maxSeries: number;

  /** `maxSeries`: quota of stored series per namespace partition. */
  constructor(ns: MetricsNamespace, maxSeries: number) {
    this.#ns = ns;
    this.#maxSeries = maxSeries;
  }

  #stub(partition: string) {
    return this.#ns.get(this.#ns.idFromName(partition));
  }

  async write(batch: WriteBatch, now: number): Promise<void> {
    const claims = new Map<string, boolean>();
    for (const s of batch.objects) if (!s.target.resource.builtIn) claims.set(s.target.resource.name, s.target.namespace !== "");
    if (claims.size > 0) {
      const { conflicts } = await this.#stub(CATALOG_PARTITION).catalogClaimScopes(
        [...claims].map(([resource, namespaced]) => ({ resource, namespaced })),
        now,
      );
      if (conflicts.length > 0) {
        throw conflict(
          conflicts
            .map((c) => `resource "${c.resource}" already has ${c.namespaced ? "namespaced" : "cluster-scoped"} metrics; ` +
              `a resource cannot be both namespaced and cluster-scoped (delete its metrics first)`)
            .join("; "),
        );
      }
    }
    const byPartition = new Map<string, { objects: ObjectSample[]; externals: ExternalSample[] }>();
    const slot = (p: string) => byPartition.get(p) ?? byPartition.set(p, { objects: [], externals: [] }).get(p)!;
    for (const s of batch.objects) slot(partitionForObject(s.target.namespace)).objects.push(s);
    for (const s of batch.externals) slot(partitionForNamespace(s.namespace)).externals.push(s);
    const partitions = [...byPartition];
    if (partitions.length > 1) {
      // All or nothing across partitions: check every quota before any partition writes.
      const refusals = await Promise.all(partitions.map(([p, b]) => this.#stub(p).checkQuota(b.objects, b.externals, this.#maxSeries)));
      const refusal = refusals.find((r) => r !== null);
      if (refusal) throw new MetricsError("Invalid", refusal.message);
    }
    const results = await Promise.all(partitions.map(([p, b]) => this.#stub(p).write(p, b.objects, b.externals, this.#maxSeries, now)));
    if (results.some((r) => r.catalogChanged)) this.#discoveryChanged();
    const refusal = results.find((r) => r.refusal !== null)?.refusal;
    if (refusal) throw new MetricsError("Invalid", refusal.message);
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
    const entries = await this.#stub(CATALOG_PARTITION).catalogList(kind, now);
    if (generation === cache.generation) cache.lists.set(kind, { generation, now, wall, entries });
    return entries;
  }

  async getObjectMetric(target: ObjectTarget, metric: string, metricSelector: LabelSelector | null, now: number): Promise<ObjectMetricValue | null> {
    const row = await this.#stub(partitionForObject(target.namespace))
      .getObjectMetric(target.resource.name, target.namespace, target.name, metric, toRequirements(metricSelector), now);
    if (row === null) return null;
    return { target, metric, labels: labelTexts.parse(row.labels), value: row.value, timestamp: row.timestamp, windowSeconds: row.window };
  }

  async listObjectMetrics(query: ObjectListQuery, now: number): Promise<ObjectMetricValue[]> {
    const { resource, namespace, metric } = query;
    const c = await this.#stub(partitionForObject(namespace)).listObjectMetricColumns(
      { resource: resource.name, namespace, metric, objectSelector: toRequirements(query.objectSelector), metricSelector: toRequirements(query.metricSelector) },
      now,
    );
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

  listExternalMetrics(query: ExternalListQuery, now: number) {
    return this.#stub(partitionForNamespace(query.namespace)).listExternalMetrics(
      { namespace: query.namespace, metric: query.metric, metricSelector: toRequirements(query.metricSelector) },
      now,
    );
  }

  async listCustomMetricInfos(now: number) {
    return (await this.#catalogList("custom", now)).map(({ resource, metric, namespaced }) => ({ resource, metric, namespaced }));
  }

  async listExternalMetricNames(now: number) {
    return (await this.#catalogList("external", now)).map((i) => i.metric);
  }

  async #delete(partition: string, command: DeleteCommand, now: number): Promise<number> {
    try {
      return await this.#stub(partition).deleteSeries(partition, command, now);
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
