/**
 * Group-resource normalisation: what kubectl users and the HPA write (`po`, `pod`, `pods`, `deploy`,
 * `deployments.apps`, `hpa`) becomes the string the HPA sends in metric paths (`pods`, `deployments.apps`),
 * the way custom-metrics-apiserver's `CustomMetricInfo.Normalized` does it with a RESTMapper
 * (kubernetes-sigs/custom-metrics-apiserver pkg/provider/interfaces.go). We have no cluster RESTMapper, so
 * built-in resources come from the static table below (kinds, groups and short names as `kubectl
 * api-resources` prints them), and anything else follows one documented rule:
 *
 * - `<resource>.<group>` is taken literally (`widgets.example.com` → resource `widgets`, group `example.com`);
 * - a resource without a group must be a built-in one: the core group has no others, and a custom resource
 *   always has a group. Anything else (`deploymnets`, `Deployment`) is refused with the nearest built-in name;
 * - kind = the singular of the resource in PascalCase (`widgets` → `Widget`, `policies` → `Policy`);
 * - apiVersion = `<group>/v1` (`v1` for the core group); scope is whatever the first write declared.
 */
import { isDNS1123Label, isDNS1123Subdomain } from "../apimachinery/validation";
import { badRequest, MetricsError } from "./errors";

export interface GroupResource {
  /** Plural resource name, e.g. `deployments`. */
  readonly resource: string;
  /** API group, "" for the core group. */
  readonly group: string;
  /** `resource` or `resource.group`: the form used in metric paths and discovery names. */
  readonly name: string;
  readonly kind: string;
  /** describedObject.apiVersion: `v1`, `apps/v1`, … */
  readonly apiVersion: string;
  /** Known scope for built-in resources; undefined for resources we only know by name. */
  readonly namespaced: boolean | undefined;
  readonly builtIn: boolean;
}

interface BuiltIn {
  resource: string;
  singular: string;
  shortNames: string[];
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
}

const b = (resource: string, singular: string, shortNames: string[], group: string, version: string, kind: string, namespaced: boolean): BuiltIn =>
  ({ resource, singular, shortNames, group, version, kind, namespaced });

/** Built-in resources an HPA can point at or a user is likely to describe (`kubectl api-resources`, v1.34). */
const BUILT_INS: readonly BuiltIn[] = [
  b("pods", "pod", ["po"], "", "v1", "Pod", true),
  b("services", "service", ["svc"], "", "v1", "Service", true),
  b("nodes", "node", ["no"], "", "v1", "Node", false),
  b("namespaces", "namespace", ["ns"], "", "v1", "Namespace", false),
  b("persistentvolumeclaims", "persistentvolumeclaim", ["pvc"], "", "v1", "PersistentVolumeClaim", true),
  b("persistentvolumes", "persistentvolume", ["pv"], "", "v1", "PersistentVolume", false),
  b("replicationcontrollers", "replicationcontroller", ["rc"], "", "v1", "ReplicationController", true),
  b("configmaps", "configmap", ["cm"], "", "v1", "ConfigMap", true),
  b("endpoints", "endpoints", ["ep"], "", "v1", "Endpoints", true),
  b("serviceaccounts", "serviceaccount", ["sa"], "", "v1", "ServiceAccount", true),
  b("deployments", "deployment", ["deploy"], "apps", "v1", "Deployment", true),
  b("statefulsets", "statefulset", ["sts"], "apps", "v1", "StatefulSet", true),
  b("daemonsets", "daemonset", ["ds"], "apps", "v1", "DaemonSet", true),
  b("replicasets", "replicaset", ["rs"], "apps", "v1", "ReplicaSet", true),
  b("jobs", "job", [], "batch", "v1", "Job", true),
  b("cronjobs", "cronjob", ["cj"], "batch", "v1", "CronJob", true),
  b("horizontalpodautoscalers", "horizontalpodautoscaler", ["hpa"], "autoscaling", "v2", "HorizontalPodAutoscaler", true),
  b("ingresses", "ingress", ["ing"], "networking.k8s.io", "v1", "Ingress", true),
  b("ingressclasses", "ingressclass", [], "networking.k8s.io", "v1", "IngressClass", false),
  b("networkpolicies", "networkpolicy", ["netpol"], "networking.k8s.io", "v1", "NetworkPolicy", true),
  b("poddisruptionbudgets", "poddisruptionbudget", ["pdb"], "policy", "v1", "PodDisruptionBudget", true),
  b("endpointslices", "endpointslice", [], "discovery.k8s.io", "v1", "EndpointSlice", true),
  b("storageclasses", "storageclass", ["sc"], "storage.k8s.io", "v1", "StorageClass", false),
  b("priorityclasses", "priorityclass", ["pc"], "scheduling.k8s.io", "v1", "PriorityClass", false),
  b("leases", "lease", [], "coordination.k8s.io", "v1", "Lease", true),
  b("customresourcedefinitions", "customresourcedefinition", ["crd", "crds"], "apiextensions.k8s.io", "v1", "CustomResourceDefinition", false),
];

const BY_ALIAS = new Map<string, BuiltIn[]>();
for (const entry of BUILT_INS) {
  for (const alias of new Set([entry.resource, entry.singular, ...entry.shortNames])) {
    BY_ALIAS.set(alias, [...(BY_ALIAS.get(alias) ?? []), entry]);
  }
}

const fromBuiltIn = (e: BuiltIn): GroupResource => ({
  resource: e.resource,
  group: e.group,
  name: e.group ? `${e.resource}.${e.group}` : e.resource,
  kind: e.kind,
  apiVersion: e.group ? `${e.group}/${e.version}` : e.version,
  namespaced: e.namespaced,
  builtIn: true,
});

/** `policies` → `Policy`, `ingresses` → `Ingress`, `widgets` → `Widget`, `foo-bars` → `FooBar`. */
export function kindForResource(resource: string): string {
  let singular = resource;
  if (/[^aeiou]ies$/.test(singular)) singular = singular.slice(0, -3) + "y";
  else if (/(s|x|z|ch|sh)es$/.test(singular)) singular = singular.slice(0, -2);
  else if (/[^s]s$/.test(singular)) singular = singular.slice(0, -1);
  return singular
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
}

/**
 * Normalises a resource as written in a path or a batch sample. Throws BadRequest for a string that cannot
 * be a Kubernetes resource name. `namespaces` always normalises to the cluster-scoped Namespace resource.
 */
export function parseGroupResource(input: string): GroupResource {
  const raw = input.trim();
  if (raw === "") throw badRequest("resource must not be empty");
  if (raw === "*") throw badRequest(`resource "*" is not supported: name one resource, such as pods or deployments.apps`);
  const dot = raw.indexOf(".");
  const head = dot < 0 ? raw : raw.slice(0, dot);
  const rest = dot < 0 ? "" : raw.slice(dot + 1);

  const candidates = BY_ALIAS.get(head);
  if (candidates) {
    // `deployments`, `deploy.apps`, `deployments.v1.apps`: accept an optional version before the group.
    const group = rest.replace(/^v\d+((alpha|beta)\d+)?\./, "");
    const match = candidates.find((c) => rest === "" || c.group === group || (c.group === "" && /^v\d+$/.test(rest)));
    if (match) return fromBuiltIn(match);
  }

  if (rest === "") throw new UnknownResourceError(raw, nearestBuiltIn(raw));
  const resourceErrors = isDNS1123Label(head);
  if (resourceErrors.length > 0) {
    throw badRequest(`invalid resource "${input}": ${resourceErrors.join("; ")}`);
  }
  if (rest !== "") {
    const groupErrors = isDNS1123Subdomain(rest);
    if (groupErrors.length > 0) throw badRequest(`invalid API group "${rest}" in resource "${input}": ${groupErrors.join("; ")}`);
  }
  return {
    resource: head,
    group: rest,
    name: rest ? `${head}.${rest}` : head,
    kind: kindForResource(head),
    apiVersion: rest ? `${rest}/v1` : "v1",
    namespaced: undefined,
    builtIn: false,
  };
}

/** A resource name Kubernetes does not have; reads answer it as NotFound, writes as BadRequest. */
export class UnknownResourceError extends MetricsError {
  constructor(readonly resource: string, readonly suggestion: string | null) {
    super(
      "BadRequest",
      `resource "${resource}" is not a Kubernetes resource` +
        (suggestion ? `: did you mean "${suggestion}"?` : "") +
        ` (a resource without a group must be a built-in one; a custom resource names its group, e.g. widgets.example.com)`,
    );
  }
}

/** Damerau-Levenshtein distance with adjacent transpositions (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The built-in resource a mistyped or capitalised name most likely meant, if one is close enough. */
export function nearestBuiltIn(input: string): string | null {
  const wanted = input.toLowerCase();
  let best: { name: string; distance: number } | null = null;
  for (const e of BUILT_INS) {
    for (const alias of [e.resource, e.singular, e.kind.toLowerCase(), ...e.shortNames]) {
      const distance = editDistance(wanted, alias);
      if (best === null || distance < best.distance) best = { name: fromBuiltIn(e).name, distance };
    }
  }
  return best !== null && best.distance <= Math.max(1, Math.floor(wanted.length / 3)) ? best.name : null;
}

/** The Namespace resource: namespace-level metrics are metrics of this cluster-scoped object. */
export const NAMESPACES: GroupResource = parseGroupResourceUnchecked("namespaces");

function parseGroupResourceUnchecked(name: string): GroupResource {
  return fromBuiltIn(BY_ALIAS.get(name)![0]);
}

