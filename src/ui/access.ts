/**
 * Who may see the status page, and what of it: exactly what their credential may read through the API, decided by
 * the same policy (auth/principal.ts authorizationProblem) the read handlers use.
 *
 * The page sits on the public side only: on the aggregator socket auth.ts refuses everything that is not a metrics
 * read before any handler runs. The read token travels as on any API read, in the Authorization header: the login
 * form keeps it in the tab's sessionStorage and the page's script sends it with fetch (ui/client-script.ts), so no
 * cookie exists to be replayed across sites and no token ever appears in a URL. Requests without a header are
 * still served to the credentials that need none: Cloudflare mTLS readers, and dev mode without READ_TOKEN,
 * where the API's reads are open as well (auth.ts authenticate).
 */
import type { Context } from "hono";
import { authorizationProblem, type Principal } from "../auth/principal";
import { CLUSTER_SCOPE } from "../auth/tokens";
import type { AppEnv } from "../http/app-env";
import type { NamespaceStats, NamespaceView, RefusalRecord } from "../store/repository";

/** The principal the page acts as; a request the API would serve as an open read counts as one here too. */
export function pagePrincipal(c: Context<AppEnv>): Principal {
  const principal = c.get("principal");
  const config = c.get("config");
  if (principal.kind === "anonymous" && config.deployment === "dev" && config.readToken === null) return { kind: "open" };
  return principal;
}

export interface Visibility {
  /** Why the page cannot be shown at all (no credential, or one that may read nothing); null if it can. */
  readonly problem: { readonly reason: "Unauthorized" | "Forbidden"; readonly message: string } | null;
  /** Whether a namespace's metric may be read ("" = cluster scope; metric null = every metric of it). */
  canRead(namespace: string, metric: string | null): boolean;
  /** A name for the credential, for the page's header. */
  readonly who: string;
}

export function visibility(c: Context<AppEnv>): Visibility {
  const principal = pagePrincipal(c);
  const config = c.get("config");
  const canRead = (namespace: string, metric: string | null) => authorizationProblem(principal, config, { operation: "read", namespace, metric }) === null;
  let problem = authorizationProblem(principal, config, { operation: "read", namespace: null, metric: null });
  if (principal.kind === "token" && principal.spec.operations.includes("read")) problem = null; // scoped: sees its namespaces
  const who =
    principal.kind === "token" ? `token "${principal.spec.name}" (namespaces ${principal.spec.namespaces.join(", ")}; metrics ${principal.spec.metrics.join(", ")})`
    : principal.kind === "reader" ? (principal.via === "mtls" ? "mTLS client certificate" : "READ_TOKEN")
    : principal.kind === "open" ? "open dev mode (no READ_TOKEN configured)"
    : "nobody";
  return { problem, canRead, who };
}

/** Series the credential may read; a namespace stays listed only if something in it is visible. */
export function visibleNamespaces(views: readonly NamespaceView[], v: Visibility): NamespaceView[] {
  return views
    .map((view) => ({ ...view, series: view.series.filter((s) => v.canRead(view.namespace, s.metric)) }))
    .filter((view) => view.series.length > 0 || v.canRead(view.namespace, null));
}

export function visibleStats(stats: readonly NamespaceStats[], v: Visibility): NamespaceStats[] {
  return stats.filter((s) => v.canRead(s.namespace, null));
}

/** The namespace a write path names (`/write-metrics/namespaces/{ns}/…`, `/namespaces/{ns}/api/v1/write`, …), if any. */
export function pathNamespace(path: string): string | null {
  const m = /\/namespaces\/([^/]+)/.exec(path);
  if (m) return decodeURIComponent(m[1]!);
  return /^\/write-(?:external-)?metrics\/(?!namespaces\/)/.test(path) ? CLUSTER_SCOPE : null;
}

/**
 * Refusals a credential may see: all of them for the operator's readers; for a scoped token, those its own name
 * caused and those whose path names a namespace it covers (others could reveal namespaces outside its scope).
 */
export function visibleRefusals(refusals: readonly RefusalRecord[], c: Context<AppEnv>, v: Visibility): RefusalRecord[] {
  const principal = pagePrincipal(c);
  if (principal.kind !== "token") return [...refusals];
  return refusals.filter((r) => {
    if (r.writer === principal.spec.name) return true;
    const ns = pathNamespace(r.path);
    return ns !== null && v.canRead(ns === CLUSTER_SCOPE ? "" : ns, null);
  });
}
