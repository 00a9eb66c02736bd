/**
 * MetricStore over the Durable Object namespace: routes each command to its partition (store/partition.ts),
 * checks scope claims with the catalog before a batch writes anything (so a 409 leaves no trace), and
 * writes partitions in parallel. Depends only on the structural subset of the binding it uses.
 *
 * Discovery is cached in the isolate for at most DISCOVERY_CACHE_MS, per binding, and each entry carries its
 * expiry, so an expired metric is never listed from the cache either. Any write that changed the catalog and
 * any delete made through this isolate drop the copy at once, so on self-hosted workerd (one isolate) discovery
 * is exact. On Cloudflare, where other isolates may serve requests, a metric may appear in (or, after a delete
 * or a TTL reduction elsewhere, leave) discovery up to DISCOVERY_CACHE_MS late; never after its expiry.
 */
import { conflict, MetricsError } from "../domain/errors";
import { parseGroupResource } from "../domain/group-resource";
import { labelsFromCanonical, type ExternalSample, type Labels, type ObjectSample, type ObjectTarget } from "../domain/metric";
import type { ExternalListQuery, MetricStore, ObjectListQuery, WriteBatch } from "./metric-store";
import { expandObjectColumns, type CatalogEntry, type DeleteCommand, type MetricKind, type MetricsStore } from "./metrics-object";
import { CATALOG_PARTITION, CLUSTER_PARTITION, partitionForNamespace, partitionForObject } from "./partition";

export type MetricsNamespace = Pick<DurableObjectNamespace<MetricsStore>, "idFromName" | "get">;

/** How long an isolate may answer discovery from its copy of the catalog's list. */
export const DISCOVERY_CACHE_MS = 1000;

interface DiscoveryCache {
  /** Bumped by every catalog-changing write and every delete made through this isolate. */
  generation: number;
  lists: Map<MetricKind, { generation: number; now: number; wall: number; entries: CatalogEntry[] }>;
}
const discoveryCaches = new WeakMap<object, DiscoveryCache>();

/** Canonical metric-label text → labels, memoised per isolate (most series have none or share a few sets). */
const canonicalLabelsMemo = new Map<string, Labels>();
function parseCanonicalLabels(text: string): Labels {
  let labels = canonicalLabelsMemo.get(text);
  if (labels === undefined) {
    labels = labelsFromCanonical(text);
    if (canonicalLabelsMemo.size >= 10_000) canonicalLabelsMemo.clear();
    canonicalLabelsMemo.set(text, labels);
  }
  return labels;
}

function discoveryCache(ns: object): DiscoveryCache {
  let cache = discoveryCaches.get(ns);
  if (!cache) discoveryCaches.set(ns, (cache = { generation: 0, lists: new Map() }));
  return cache;
}

export class DurableObjectMetricStore implements MetricStore {
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
    for (const s of batch.objects) {
      if (!parseGroupResource(s.target.resource).builtIn) claims.set(s.target.resource, s.target.namespace !== "");
    }
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
    const results = await Promise.all(partitions.map(([p, b]) => this.#stub(p).write(p, b.objects, b.externals, this.#maxSeries)));
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

  getObjectMetric(target: ObjectTarget, metric: string, metricLabelSelector: string, now: number) {
    return this.#stub(partitionForObject(target.namespace)).getObjectMetric(target, metric, metricLabelSelector, now);
  }

  async listObjectMetrics(query: ObjectListQuery, now: number) {
    const columns = await this.#stub(partitionForObject(query.namespace)).listObjectMetricColumns(query, now);
    return expandObjectColumns(query, columns, parseCanonicalLabels);
  }

  listExternalMetrics(query: ExternalListQuery, now: number) {
    return this.#stub(partitionForNamespace(query.namespace)).listExternalMetrics(query, now);
  }

  async listCustomMetricInfos(now: number) {
    return (await this.#catalogList("custom", now)).map(({ resource, metric, namespaced }) => ({ resource, metric, namespaced }));
  }

  async listExternalMetricNames(now: number) {
    return (await this.#catalogList("external", now)).map((i) => i.metric);
  }

  async #delete(partition: string, command: DeleteCommand): Promise<number> {
    try {
      return await this.#stub(partition).deleteSeries(partition, command);
    } finally {
      this.#discoveryChanged();
    }
  }

  deleteObjectMetric(target: ObjectTarget, metric: string, labels: Labels | null) {
    return this.#delete(partitionForObject(target.namespace), { kind: "object", target, metric, labels });
  }

  deleteExternalMetric(namespace: string, metric: string, labels: Labels | null) {
    return this.#delete(partitionForNamespace(namespace), { kind: "external", namespace, metric, labels });
  }

  async deleteNamespaceCustomMetrics(namespace: string) {
    const [objects, own] = await Promise.all([
      this.#delete(partitionForNamespace(namespace), { kind: "namespace-objects", namespace, namespaceObjectOnly: false }),
      this.#delete(CLUSTER_PARTITION, { kind: "namespace-objects", namespace, namespaceObjectOnly: true }),
    ]);
    return objects + own;
  }

  deleteNamespaceExternalMetrics(namespace: string) {
    return this.#delete(partitionForNamespace(namespace), { kind: "namespace-external", namespace });
  }
}
