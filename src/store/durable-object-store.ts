/**
 * MetricStore over the Durable Object namespace: routes each command to its partition (store/partition.ts),
 * checks scope claims with the catalog before a batch writes anything (so a 409 leaves no trace), and
 * writes partitions in parallel. Depends only on the structural subset of the binding it uses.
 */
import { conflict, MetricsError } from "../domain/errors";
import { parseGroupResource } from "../domain/group-resource";
import type { ExternalSample, Labels, ObjectSample, ObjectTarget } from "../domain/metric";
import type { ExternalListQuery, MetricStore, ObjectListQuery, WriteBatch } from "./metric-store";
import type { DeleteCommand, MetricsStore } from "./metrics-object";
import { CATALOG_PARTITION, CLUSTER_PARTITION, partitionForNamespace, partitionForObject } from "./partition";

export type MetricsNamespace = Pick<DurableObjectNamespace<MetricsStore>, "idFromName" | "get">;

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
    const refusal = results.find((r) => r !== null);
    if (refusal) throw new MetricsError("Invalid", refusal.message);
  }

  getObjectMetric(target: ObjectTarget, metric: string, metricLabelSelector: string, now: number) {
    return this.#stub(partitionForObject(target.namespace)).getObjectMetric(target, metric, metricLabelSelector, now);
  }

  listObjectMetrics(query: ObjectListQuery, now: number) {
    return this.#stub(partitionForObject(query.namespace)).listObjectMetrics(query, now);
  }

  listExternalMetrics(query: ExternalListQuery, now: number) {
    return this.#stub(partitionForNamespace(query.namespace)).listExternalMetrics(query, now);
  }

  listCustomMetricInfos(now: number) {
    return this.#stub(CATALOG_PARTITION).catalogList("custom", now);
  }

  async listExternalMetricNames(now: number) {
    return (await this.#stub(CATALOG_PARTITION).catalogList("external", now)).map((i) => i.metric);
  }

  #delete(partition: string, command: DeleteCommand): Promise<number> {
    return this.#stub(partition).deleteSeries(partition, command);
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
