/**
 * The read API kube-apiserver proxies to us: `custom.metrics.k8s.io` (one sub-app per served version) and
 * `external.metrics.k8s.io/v1beta1`. Paths are the ones custom-metrics-apiserver installs
 * (pkg/apiserver/installer/cmhandlers.go): namespaced objects, root-scoped objects, and
 * `/namespaces/{ns}/metrics/{metric}` for the namespace itself; `*` (or `%2A`) lists every object that
 * matches `labelSelector`; `/{resource}/{name}/` lists one object's metrics (as the custom-metrics-apiserver test
 * adapter documents it). An empty answer is a 404 Status in both groups (the HPA reports "no metrics returned"
 * either way; a Status says why): the message keeps custom-metrics-apiserver's wording and adds what the store
 * knows — expired when, other objects, namespaces or resources that have it, a mistyped resource — so an HPA
 * showing `<unknown>` points at its fix.
 */
import { Hono, type Context } from "hono";
import { parseSelector, toLabelSelectorJSON, type LabelSelector } from "../apimachinery/labels";
import { formatKubeTime } from "../domain/clock";
import { badRequest, MetricsError, notFound } from "../domain/errors";
import { UnknownResourceError } from "../domain/group-resource";
import type { ObjectTarget } from "../domain/metric";
import { check, namespaceProblem } from "../domain/names";
import { namespaceTarget, resolveTarget, scopeNamespace } from "../domain/targets";
import type { MetricRepository, MissExplanation } from "../store/repository";
import { encodeCustomMetricsResourceList, encodeMetricValueList, type CustomMetricsVersion, type ItemSelector } from "../k8s/custom-metrics";
import { encodeExternalMetricsResourceList, encodeExternalMetricValueList } from "../k8s/external-metrics";
import { metricNotFoundForMessage, metricNotFoundForSelectorMessage, metricNotFoundMessage } from "../k8s/status";
import type { AppEnv } from "./app-env";
import { authorize } from "./auth";

interface QuerySelector {
  /** As the query gave it. */
  readonly text: string;
  /** Null when it selects everything. */
  readonly parsed: LabelSelector | null;
}

/** A query parameter, decoded as kube-apiserver re-encodes it (`+` is a space: `k+in+%28a%2Cb%29`), parsed once. */
function selectorParam(c: Context<AppEnv>, name: "labelSelector" | "metricLabelSelector"): QuerySelector {
  const url = c.req.url;
  const query = url.indexOf("?");
  const text = query < 0 ? "" : (new URLSearchParams(url.slice(query + 1)).get(name) ?? "");
  try {
    const parsed = parseSelector(text);
    return { text, parsed: parsed.isEmpty() ? null : parsed };
  } catch (e) {
    throw badRequest(`invalid ${name} ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
}

/** metav1.ParseToLabelSelector of the query's metric selector, as items carry it; null when none. */
function itemSelector(parsed: LabelSelector | null): ItemSelector {
  if (parsed === null) return null;
  try {
    return toLabelSelectorJSON(parsed);
  } catch {
    return null; // gt/lt have no metav1.LabelSelector form; the item then carries no selector.
  }
}

/** Resolves a read's object; an unknown resource is a NotFound for a read (nothing can be stored under it). */
function readTarget(namespace: string, resource: string, name: string): ObjectTarget {
  try {
    return resolveTarget(namespace, resource, name, "read");
  } catch (e) {
    if (e instanceof UnknownResourceError) throw notFound(e.message);
    throw e;
  }
}

const list = (names: readonly string[]) => names.map((n) => `"${n || "@cluster"}"`).join(", ");

/** The store's facts about a miss, in words (the most telling first). */
export function explainMiss(target: ObjectTarget, metric: string, why: MissExplanation): string {
  const where = target.namespace === "" ? "cluster scope" : `namespace "${target.namespace}"`;
  const parts: string[] = [];
  if (why.expired) {
    parts.push(`its last value, ${why.expired.value} (written ${formatKubeTime(why.expired.timestamp)}), expired at ${formatKubeTime(why.expired.expiresAt)}: nothing has written it since`);
  } else if (why.namespaceEmpty) {
    parts.push(`no metric is stored in ${where}: nothing was written there, or everything written there expired`);
  }
  if (why.otherObjects.length > 0) parts.push(`it exists for other ${target.resource.name} in ${where}: ${list(why.otherObjects)}`);
  if (why.otherNamespaces.length > 0) parts.push(`${target.resource.name}/${metric} exists in ${why.otherNamespaces.some((n) => n === "") ? "" : "namespaces "}${list(why.otherNamespaces)}`);
  if (why.otherResources.length > 0) parts.push(`metric ${metric} exists for ${why.otherResources.join(", ")}, not for ${target.resource.name}`);
  if (why.otherMetrics.length > 0) parts.push(`${target.resource.name} ${target.name} has ${list(why.otherMetrics)}`);
  if (parts.length === 0) parts.push(`metric ${metric} was never written for ${target.resource.name} in ${where} (or it expired more than an hour ago)`);
  return parts.join("; ");
}

async function notFoundWithWhy(store: MetricRepository, target: ObjectTarget, metric: string, now: number, base: string): Promise<MetricsError> {
  const why = await store.explainObjectMiss(target, metric, now).catch(() => null);
  return notFound(why ? `${base}: ${explainMiss(target, metric, why)}` : base);
}

async function readObjectMetric(c: Context<AppEnv>, version: CustomMetricsVersion, target: ObjectTarget, metric: string) {
  authorize(c, { operation: "read", namespace: scopeNamespace(target), metric });
  const store = c.get("store");
  const now = c.get("now");
  const metricSelector = selectorParam(c, "metricLabelSelector");
  const selectorJSON = itemSelector(metricSelector.parsed);

  if (target.name === "*") {
    const labelSelector = selectorParam(c, "labelSelector");
    const values = await store.listObjectMetrics(
      { resource: target.resource, namespace: target.namespace, metric, objectSelector: labelSelector.parsed, metricSelector: metricSelector.parsed },
      now,
    );
    if (values.length === 0) {
      const base = metricNotFoundMessage(target.resource.name, metric);
      if (labelSelector.parsed !== null || metricSelector.parsed !== null) {
        // Something may be stored; the selectors matched none of it.
        const all = await store.listObjectMetrics({ resource: target.resource, namespace: target.namespace, metric, objectSelector: null, metricSelector: null }, now);
        if (all.length > 0) {
          throw notFound(`${base}: ${all.length} ${target.resource.name} have it, none matching ${[labelSelector.parsed && `labelSelector ${labelSelector.parsed}`, metricSelector.parsed && `metricLabelSelector ${metricSelector.parsed}`].filter(Boolean).join(" and ")}`);
        }
      }
      throw await notFoundWithWhy(store, target, metric, now, base);
    }
    return c.json(encodeMetricValueList(version, values, selectorJSON));
  }
  const value = await store.getObjectMetric(target, metric, metricSelector.parsed, now);
  if (value === null) {
    if (metricSelector.parsed !== null) {
      throw notFound(metricNotFoundForSelectorMessage(target.resource.name, metric, target.name, metricSelector.parsed.toString()));
    }
    throw await notFoundWithWhy(store, target, metric, now, metricNotFoundForMessage(target.resource.name, metric, target.name));
  }
  return c.json(encodeMetricValueList(version, [value], selectorJSON));
}

async function readObjectMetrics(c: Context<AppEnv>, version: CustomMetricsVersion, target: ObjectTarget) {
  if (target.name === "*") throw badRequest(`list the metrics of one object: name it instead of "*"`);
  authorize(c, { operation: "read", namespace: scopeNamespace(target), metric: null });
  const values = await c.get("store").objectMetrics(target, c.get("now"));
  if (values.length === 0) {
    const where = target.namespace === "" ? "" : ` in namespace "${target.namespace}"`;
    throw notFound(`the server could not find any metric for ${target.resource.name} ${target.name}${where}`);
  }
  return c.json(encodeMetricValueList(version, values, null));
}

export function customMetricsApp(version: CustomMetricsVersion) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    authorize(c, { operation: "read", namespace: null, metric: null });
    return c.json(encodeCustomMetricsResourceList(version, await c.get("store").listCustomMetricInfos(c.get("now"))));
  });
  app.get("/namespaces/:namespace/metrics/:metric", (c) =>
    readObjectMetric(c, version, namespaceTarget(c.req.param("namespace")), c.req.param("metric")),
  );
  // One object's metrics: `…/{resource}/{name}/` (the trailing slash is an empty metric segment).
  app.get("/namespaces/:namespace/:resource/:name/", (c) => {
    const { namespace, resource, name } = c.req.param();
    return readObjectMetrics(c, version, readTarget(namespace, resource, name));
  });
  app.get("/:resource/:name/", (c) => {
    const { resource, name } = c.req.param();
    return readObjectMetrics(c, version, readTarget("", resource, name));
  });
  app.get("/namespaces/:namespace/:resource/:name/:metric", (c) => {
    const { namespace, resource, name, metric } = c.req.param();
    return readObjectMetric(c, version, readTarget(namespace, resource, name), metric);
  });
  app.get("/:resource/:name/:metric", (c) => {
    const { resource, name, metric } = c.req.param();
    return readObjectMetric(c, version, readTarget("", resource, name), metric);
  });
  return app;
}

export function externalMetricsApp() {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    authorize(c, { operation: "read", namespace: null, metric: null });
    return c.json(encodeExternalMetricsResourceList(await c.get("store").listExternalMetricNames(c.get("now"))));
  });
  app.get("/namespaces/:namespace/:metric", async (c) => {
    const { namespace, metric } = c.req.param();
    // As for custom metrics (resolveTarget): a name that cannot hold metrics is refused before any store lookup.
    check(namespaceProblem(namespace));
    authorize(c, { operation: "read", namespace, metric });
    // The external client sends the metric's selector as `labelSelector` (HPA: metric.selector).
    const selector = selectorParam(c, "labelSelector");
    const store = c.get("store");
    const now = c.get("now");
    const values = await store.listExternalMetrics({ namespace, metric, metricSelector: selector.parsed }, now);
    if (values.length === 0) {
      const base = `the server could not find the external metric ${metric} in namespace ${namespace}` +
        (selector.parsed === null ? "" : ` with selector ${selector.parsed.toString()}`);
      const all = selector.parsed === null ? [] : await store.listExternalMetrics({ namespace, metric, metricSelector: null }, now);
      if (all.length > 0) throw notFound(`${base}: ${all.length} series of it exist in the namespace, none matching the selector`);
      const elsewhere = (await store.externalMetricNamespaces(metric, now)).filter((n) => n !== namespace);
      throw notFound(elsewhere.length > 0 ? `${base}: it exists in namespaces ${list(elsewhere)}` : `${base}: it was never written there (or it expired)`);
    }
    return c.json(encodeExternalMetricValueList(values));
  });
  return app;
}
