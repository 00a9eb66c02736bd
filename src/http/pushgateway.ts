/**
 * The Pushgateway API (prometheus/pushgateway v1.11.1 handler/push.go, handler/delete.go, api/v1/api.go), so
 * `push_to_gateway` (prometheus_client), client_golang's `push` package and prom-client's Pushgateway push to
 * this adapter unmodified:
 * - `PUT /metrics/job/{job}{/{label}/{value}}` replaces the whole group, `POST` the pushed families, `DELETE`
 *   removes the group; also under `/namespaces/{namespace}/…` (clients take a gateway URL with a path).
 *   Pushes answer 200, deletes 202, a malformed or inconsistent push 400 — errors as plain text, as the
 *   Pushgateway writes them (http/errors.ts).
 * - Bodies: text exposition 0.0.4 (the default for any content type) or delimited protobuf MetricFamily
 *   (client_golang's default); gzip accepted.
 * - `GET /api/v1/metrics`: the groups, their families and push_time_seconds, in the Pushgateway's JSON shape.
 *
 * A group lives in one namespace, its *home*: the grouping key's `namespace` label, or the path's
 * `/namespaces/{namespace}` — so a delete, which has no body, finds it. Grouping-key labels join every series
 * (ingest/pushgateway.ts), so `namespace` and, say, `pod` in the grouping key map the whole group to that pod.
 * A group expires: `?ttlSeconds=`, else the grouping-key label `ttl_seconds`, else the deployment's default TTL.
 */
import { Hono, type Context } from "hono";
import { badRequest } from "../domain/errors";
import { check, namespaceProblem } from "../domain/names";
import { rateMetricName } from "../domain/rate";
import type { MetricFamily } from "../ingest/decoded";
import { decodeMetricFamilies, isDelimitedMetricFamily } from "../ingest/exposition-proto";
import { parseTextExposition } from "../ingest/exposition-text";
import { DEFAULT_NAMESPACE_LABELS } from "../ingest/mapping";
import { buildPush, groupKeyOf, groupTtl } from "../ingest/pushgateway";
import { parseGroupingKeyPath } from "../ingest/pushgateway-path";
import type { AppEnv } from "./app-env";
import { authorize, authorizeOperation, writerOf } from "./auth";
import { readBodyBytes } from "./body";
import { countIngested, prepareIngest, ttlParam } from "./ingest";
import { authorizationProblem } from "../auth/principal";

interface Group {
  readonly grouping: Record<string, string>;
  readonly groupKey: string;
  readonly namespace: string;
  readonly ttlSeconds: number;
}

/** The grouping key of a request path, its TTL and its home namespace. */
function groupOf(c: Context<AppEnv>, pathNamespace: string | null): Group {
  const pathname = new URL(c.req.url).pathname;
  const after = pathname.slice(pathname.indexOf("/metrics/") + "/metrics/".length);
  const key = parseGroupingKeyPath(after);
  const { freshness } = c.get("config");
  const { grouping, ttlSeconds } = groupTtl(key.labels, freshness.maxTtlSeconds);
  const fromKey = DEFAULT_NAMESPACE_LABELS.map((l) => grouping[l]).find((v) => v !== undefined && v !== "");
  if (fromKey !== undefined && pathNamespace !== null && fromKey !== pathNamespace) {
    throw badRequest(`the grouping key's namespace "${fromKey}" differs from the path's namespace "${pathNamespace}"`);
  }
  const namespace = fromKey ?? pathNamespace;
  if (namespace === null) {
    throw badRequest(
      "a group needs a namespace: add it to the grouping key (…/metrics/job/<job>/namespace/<namespace>), or push to /namespaces/<namespace>/metrics/job/<job>",
    );
  }
  check(namespaceProblem(namespace));
  const queryTtl = c.req.query("ttlSeconds") !== undefined ? ttlParam(c) : null;
  return { grouping: { ...grouping }, groupKey: groupKeyOf(grouping), namespace, ttlSeconds: queryTtl ?? ttlSeconds ?? freshness.defaultTtlSeconds };
}

function parseFamilies(c: Context<AppEnv>, body: Uint8Array): MetricFamily[] {
  return isDelimitedMetricFamily(c.req.header("content-type")) ? decodeMetricFamilies(body) : parseTextExposition(body);
}

async function push(c: Context<AppEnv>, mode: "put" | "post", pathNamespace: string | null): Promise<Response> {
  if (pathNamespace !== null) check(namespaceProblem(pathNamespace));
  const group = groupOf(c, pathNamespace);
  authorizeOperation(c, "write");
  const now = c.get("now");
  const body = await readBodyBytes(c.req.raw, c.get("config").limits.maxBodyBytes);
  const built = buildPush(parseFamilies(c, body), group.grouping, now);
  const mapped = prepareIngest(c, built.series, { protocol: "pushgateway", defaultNamespace: group.namespace, ttlSeconds: group.ttlSeconds });
  const stray = mapped.externals.find((s) => s.namespace !== group.namespace);
  if (stray) {
    throw badRequest(`metric ${stray.metric} is labelled with namespace "${stray.namespace}", but its group lives in "${group.namespace}": a group's metrics stay in its namespace`);
  }
  const replaced = built.metricNames.flatMap((n) => [n, rateMetricName(n)]);
  const receipt = await c.get("store").pushGroup(
    {
      namespace: group.namespace, groupKey: group.groupKey, mode, replaced, objects: mapped.objects, externals: mapped.externals, writer: writerOf(c),
      meta: { grouping: group.grouping, view: built.view, pushTime: now, expiresAt: now + group.ttlSeconds * 1000 },
    },
    now,
  );
  countIngested("pushgateway", mapped, receipt);
  return c.body(null, 200);
}

async function remove(c: Context<AppEnv>, pathNamespace: string | null): Promise<Response> {
  if (pathNamespace !== null) check(namespaceProblem(pathNamespace));
  const group = groupOf(c, pathNamespace);
  authorize(c, { operation: "delete", namespace: group.namespace, metric: null });
  await c.get("store").pushGroup(
    { namespace: group.namespace, groupKey: group.groupKey, mode: "delete", replaced: [], objects: [], externals: [], meta: null },
    c.get("now"),
  );
  return c.body(null, 202);
}

/** `GET /api/v1/metrics` (api/v1/api.go `metrics`): the groups this credential may read. */
async function listGroups(c: Context<AppEnv>): Promise<Response> {
  authorizeOperation(c, "read");
  const groups = await c.get("store").listPushGroups(c.get("now"));
  const principal = c.get("principal");
  const config = c.get("config");
  const data = groups
    .filter((g) => authorizationProblem(principal, config, { operation: "read", namespace: g.namespace, metric: null }) === null)
    .map((g) => ({ labels: g.grouping, last_push_successful: true, ...g.view }));
  return c.json({ status: "success", data });
}

export function pushgatewayApp() {
  const app = new Hono<AppEnv>();
  for (const prefix of ["", "/namespaces/:namespace"]) {
    const ns = (c: Context<AppEnv>) => (prefix ? c.req.param("namespace")! : null);
    for (const job of ["job", "job@base64"]) {
      const path = `${prefix}/metrics/${job}/*`;
      app.put(path, (c) => push(c, "put", ns(c)));
      app.post(path, (c) => push(c, "post", ns(c)));
      app.delete(path, (c) => remove(c, ns(c)));
    }
  }
  app.get("/api/v1/metrics", listGroups);
  return app;
}
