/**
 * Partition routing: which Durable Object holds what. Every HPA query names one namespace, so each
 * namespace gets its own object (its objects' metrics and its external metrics): one busy namespace cannot
 * starve another, and a query is answered by exactly one object. Cluster-scoped objects (nodes, and
 * namespaces themselves, i.e. namespace-level metrics) share the `cluster` object. A small catalog object
 * (catalog-client.ts) holds the discovery index, the partition registry and the scope claims of non-built-in
 * resources, so discovery never fans out.
 */
export const CLUSTER_PARTITION = "cluster";

export function partitionForNamespace(namespace: string): string {
  return `ns:${namespace}`;
}

/** Namespace "" means cluster scope. */
export function partitionForObject(namespace: string): string {
  return namespace === "" ? CLUSTER_PARTITION : partitionForNamespace(namespace);
}
