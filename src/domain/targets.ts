/**
 * Resolves the object a write or a read is about: normalises the resource, enforces the scope of built-in
 * resources (a namespaced resource written without a namespace, or a cluster-scoped one with a namespace,
 * is a 409: the aggregator marks the whole group Stale when `namespaced` disagrees within one parent
 * resource), and validates names. Namespace-level metrics are metrics of the cluster-scoped Namespace
 * object named after the namespace.
 */
import { conflict } from "./errors";
import { NAMESPACES, parseGroupResource } from "./group-resource";
import type { ObjectTarget } from "./metric";
import { check, namespaceProblem, objectNameProblem } from "./names";

/** The namespace's own metrics (`/namespaces/{ns}/metrics/{metric}`). */
export function namespaceTarget(namespace: string): ObjectTarget {
  check(namespaceProblem(namespace));
  return { resource: NAMESPACES, namespace: "", name: namespace };
}

/**
 * `namespace` is "" on cluster-scoped paths. Writes (`mode` "write") refuse a scope that contradicts a
 * built-in resource with Conflict. Reads accept `*` as the name, and read a cluster-scoped resource named
 * under a namespace from cluster scope: the HPA's Object metric client always uses the namespaced path, even
 * for a Node (k8s.io/metrics custom_metrics client, GetForObject via NamespacedMetrics).
 */
export function resolveTarget(namespace: string, resource: string, name: string, mode: "write" | "read" = "write"): ObjectTarget {
  const allowWildcard = mode === "read";
  const groupResource = parseGroupResource(resource);
  if (mode === "read" && groupResource.namespaced === false && groupResource.name !== NAMESPACES.name) namespace = "";
  if (groupResource.name === NAMESPACES.name && namespace === "") {
    return name === "*" && allowWildcard ? { resource: NAMESPACES, namespace: "", name } : namespaceTarget(name);
  }
  if (namespace !== "") check(namespaceProblem(namespace));
  if (!(allowWildcard && name === "*")) check(objectNameProblem(name));
  if (groupResource.namespaced === false && namespace !== "") {
    throw conflict(
      `${groupResource.name} is cluster-scoped: address it without a namespace, as /${groupResource.name}/${name}/{metric}`,
    );
  }
  if (groupResource.namespaced === true && namespace === "") {
    throw conflict(`${groupResource.name} is namespaced: address it as /namespaces/{namespace}/${groupResource.name}/${name}/{metric}`);
  }
  return { resource: groupResource, namespace, name };
}

/**
 * The namespace a token scope must cover for this object: where it lives, or for a namespace's own
 * metrics, that namespace; "" for cluster-scoped objects.
 */
export function scopeNamespace(target: ObjectTarget): string {
  return target.resource.name === NAMESPACES.name && target.namespace === "" ? target.name : target.namespace;
}
