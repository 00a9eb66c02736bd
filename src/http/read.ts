/**
 * The read API kube-apiserver proxies to us: `custom.metrics.k8s.io` (one sub-app per served version) and
 * `external.metrics.k8s.io/v1beta1`. Paths are the ones custom-metrics-apiserver installs
 * (pkg/apiserver/installer/cmhandlers.go): namespaced objects, root-scoped objects, and
 * `/namespaces/{ns}/metrics/{metric}` for the namespace itself; `*` (or `%2A`) lists every object that
 * matches `labelSelector`. An empty answer is a 404 Status in both groups (the HPA reports "no metrics
 * returned" either way; a Status says why).
 */
import { Hono, type Context } from "hono";
import { parseSelector, toLabelSelectorJSON, type LabelSelector } from "../apimachinery/labels";
import { badRequest, notFound } from "../domain/errors";
import type { ObjectTarget } from "../domain/metric";
import { check, namespaceProblem } from "../domain/names";
import { namespaceTarget, resolveTarget, scopeNamespace } from "../domain/targets";
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
  const text = new URL(c.req.url).searchParams.get(name) ?? "";
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
    if (values.length === 0) throw notFound(metricNotFoundMessage(target.resource.name, metric));
    return c.json(encodeMetricValueList(version, values, selectorJSON));
  }
  const value = await store.getObjectMetric(target, metric, metricSelector.parsed, now);
  if (value === null) {
    throw notFound(
      metricSelector.parsed === null
        ? metricNotFoundForMessage(target.resource.name, metric, target.name)
        : metricNotFoundForSelectorMessage(target.resource.name, metric, target.name, metricSelector.parsed.toString()),
    );
  }
  return c.json(encodeMetricValueList(version, [value], selectorJSON));
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
  app.get("/namespaces/:namespace/:resource/:name/:metric", (c) => {
    const { namespace, resource, name, metric } = c.req.param();
    return readObjectMetric(c, version, resolveTarget(namespace, resource, name, "read"), metric);
  });
  app.get("/:resource/:name/:metric", (c) => {
    const { resource, name, metric } = c.req.param();
    return readObjectMetric(c, version, resolveTarget("", resource, name, "read"), metric);
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
    const values = await c.get("store").listExternalMetrics({ namespace, metric, metricSelector: selector.parsed }, c.get("now"));
    if (values.length === 0) {
      throw notFound(
        `the server could not find the external metric ${metric} in namespace ${namespace}` +
          (selector.parsed === null ? "" : ` with selector ${selector.parsed.toString()}`),
      );
    }
    return c.json(encodeExternalMetricValueList(values));
  });
  return app;
}
