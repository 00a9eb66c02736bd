/**
 * The one table of what this adapter serves to kube-apiserver's aggregation layer. Routing (app.ts), the
 * APIGroup document, the access policy (which paths are reads), self-metrics labels and the bridge's
 * discovery cache all derive from it, so adding or dropping a version is one line here.
 *
 * Order matters where Kubernetes reads it: versions of one group are listed newest first, and the first
 * is the preferred version (kube-aggregator and the HPA's custom-metrics client pick the preferred one
 * that has a registered APIService; k8s.io/metrics pkg/client/custom_metrics/version.go).
 */
export type ApiKind = "custom" | "external";

export interface ServedApi {
  readonly group: string;
  readonly version: string;
  readonly kind: ApiKind;
  /** `custom.metrics.k8s.io/v1beta2` */
  readonly groupVersion: string;
  /** `/apis/custom.metrics.k8s.io/v1beta2` */
  readonly path: string;
}

const api = (group: string, version: string, kind: ApiKind): ServedApi => ({
  group, version, kind, groupVersion: `${group}/${version}`, path: `/apis/${group}/${version}`,
});

export const CUSTOM_METRICS_GROUP = "custom.metrics.k8s.io";
export const EXTERNAL_METRICS_GROUP = "external.metrics.k8s.io";

export const SERVED_APIS: readonly ServedApi[] = [
  api(CUSTOM_METRICS_GROUP, "v1beta2", "custom"),
  api(CUSTOM_METRICS_GROUP, "v1beta1", "custom"),
  api(EXTERNAL_METRICS_GROUP, "v1beta1", "external"),
];

/** Liveness/readiness paths, answered without credentials on every socket. */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/livez"]);

/** The served API whose path is `pathname` or a prefix of it (at a segment boundary). */
export function servedApiOf(pathname: string): ServedApi | undefined {
  for (const a of SERVED_APIS) if (pathname === a.path || pathname.startsWith(a.path + "/")) return a;
  return undefined;
}

/** The served API whose discovery document (`/apis/<group>/<version>`, optionally with a trailing slash) this is. */
export function discoveryApiOf(pathname: string): ServedApi | undefined {
  const trimmed = pathname.replace(/\/+$/, "");
  return SERVED_APIS.find((a) => a.path === trimmed);
}

/** The groups, each with its versions in preference order. */
export function servedGroups(): { group: string; versions: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const a of SERVED_APIS) groups.set(a.group, [...(groups.get(a.group) ?? []), a.version]);
  return [...groups].map(([group, versions]) => ({ group, versions }));
}

/** Metric reads and discovery: the only requests the aggregator socket and read-only credentials may make. */
export function isReadRequest(method: string, pathname: string): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  return pathname === "/apis" || pathname === "/metrics" || pathname.startsWith("/apis/") || pathname.startsWith("/openapi/");
}
