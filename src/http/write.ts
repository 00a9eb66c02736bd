/**
 * The write API: `/write-metrics` (object metrics; seed-compatible paths of the custom-metrics-apiserver
 * test adapter, test-adapter/provider/provider.go webService) and `/write-external-metrics`. Each path
 * takes POST (store a sample) and DELETE (remove series); the bare collection path takes a JSON array
 * (batch). Handlers validate everything before the store is touched, so a refused write changes nothing.
 */
import { Hono, type Context } from "hono";
import { parseLabelsMap } from "../apimachinery/labels";
import { formatKubeTime } from "../domain/clock";
import { badRequest, MetricsError, notFound } from "../domain/errors";
import type { ExternalSample, Labels, ObjectSample, ObjectTarget } from "../domain/metric";
import { check, metricNameProblem, namespaceProblem } from "../domain/names";
import { namespaceTarget, resolveTarget, scopeNamespace } from "../domain/targets";
import { parseBatchBody, parseSampleBody, type SampleFields } from "../ingest/json-write";
import type { WriteReceipt } from "../store/repository";
import { describedObject } from "../k8s/custom-metrics";
import { readBodyText } from "./body";
import type { AppEnv } from "./app-env";
import { authorizationProblem } from "../auth/principal";
import { authorize, authorizeOperation, writerOf } from "./auth";
import { countSamples } from "./self-metrics";

/** `?labels=k=v,k2=v2` (the custom-metrics-apiserver test adapter's form, labels.ConvertSelectorToLabelsMap) and `?objectLabels=`. */
function queryLabels(c: Context<AppEnv>, name: "labels" | "objectLabels"): Labels | null {
  const raw = c.req.query(name) ?? null;
  if (raw === null) return null;
  try {
    return parseLabelsMap(raw);
  } catch (e) {
    throw badRequest(`invalid ?${name}=: ${(e as Error).message}`);
  }
}

/** Merges query-string labels with body labels; giving the same thing twice is ambiguous, so refused. */
function mergeLabels(c: Context<AppEnv>, fields: SampleFields): { labels: Labels; objectLabels: Labels | null } {
  const qLabels = queryLabels(c, "labels");
  const qObjectLabels = queryLabels(c, "objectLabels");
  if (qLabels && fields.labels) throw badRequest("labels were given both in ?labels= and in the body; use one");
  if (qObjectLabels && fields.objectLabels) throw badRequest("objectLabels were given both in ?objectLabels= and in the body; use one");
  return { labels: fields.labels ?? qLabels ?? {}, objectLabels: fields.objectLabels ?? qObjectLabels };
}

async function readSingle(c: Context<AppEnv>): Promise<SampleFields> {
  const config = c.get("config");
  return parseSampleBody(await readBodyText(c.req.raw, config.limits.maxBodyBytes), c.get("now"), config.freshness);
}

/**
 * `written`, and `skipped` when some samples were older than the value already stored for their series: they
 * were not stored, yet the request succeeded (a late retry or a replay must not overwrite newer values, and
 * must not be retried either).
 */
function counts(receipt: WriteReceipt): { written: number; skipped?: number } {
  return receipt.skipped > 0 ? { written: receipt.written, skipped: receipt.skipped } : { written: receipt.written };
}

function ack(c: Context<AppEnv>, extra: Record<string, unknown>) {
  return c.json({ kind: "WriteResult", status: "Success", ...extra }, 200);
}

/**
 * Authorizes every sample of a batch; refuses the whole batch, naming each offending index, if any is out of
 * scope (401 if the caller has no credential at all).
 */
function authorizeBatch(c: Context<AppEnv>, scopes: { namespace: string; metric: string }[]): void {
  const problems: string[] = [];
  let unauthenticated = false;
  scopes.forEach((s, i) => {
    const problem = authorizationProblem(c.get("principal"), c.get("config"), { operation: "write", ...s });
    if (problem) {
      unauthenticated ||= problem.reason === "Unauthorized";
      problems.push(`[${i}]: ${problem.message}`);
    }
  });
  if (problems.length === 0) return;
  if (unauthenticated) authorize(c, { operation: "write", namespace: null, metric: null });
  throw new MetricsError("Forbidden", `batch refused (nothing was stored): ${problems.slice(0, 20).join("; ")}${problems.length > 20 ? `; … ${problems.length - 20} more` : ""}`);
}


async function writeObject(c: Context<AppEnv>, target: ObjectTarget, metric: string) {
  check(metricNameProblem(metric));
  authorize(c, { operation: "write", namespace: scopeNamespace(target), metric });
  const fields = await readSingle(c);
  const { labels, objectLabels } = mergeLabels(c, fields);
  const sample: ObjectSample = { target, metric, labels, objectLabels, ...valueAndTime(fields) };
  const receipt = await c.get("store").write({ objects: [sample], externals: [], writer: writerOf(c) }, c.get("now"));
  countSamples("object", receipt.written);
  return ack(c, {
    ...counts(receipt),
    describedObject: describedObject(sample),
    metric: { name: metric, labels },
    value: sample.value,
    timestamp: formatKubeTime(sample.timestamp),
    expiresAt: formatKubeTime(sample.expiresAt),
  });
}

function valueAndTime(f: SampleFields) {
  return { value: f.value, timestamp: f.timestamp, windowSeconds: f.windowSeconds, expiresAt: f.expiresAt };
}

async function deleteObject(c: Context<AppEnv>, target: ObjectTarget, metric: string) {
  check(metricNameProblem(metric));
  authorize(c, { operation: "delete", namespace: scopeNamespace(target), metric });
  const labels = queryLabels(c, "labels");
  const deleted = await c.get("store").deleteObjectMetric(target, metric, labels, c.get("now"));
  if (deleted === 0) {
    throw notFound(`no series of metric ${metric} for ${target.resource.name} ${target.name}${labels ? " with those labels" : ""}`);
  }
  return ack(c, { deleted });
}

/** Object metrics: `/write-metrics/...`. */
export function objectWriteApp() {
  const app = new Hono<AppEnv>();

  app.post("/", async (c) => {
    authorizeOperation(c, "write");
    const config = c.get("config");
    const now = c.get("now");
    const items = parseBatchBody(await readBodyText(c.req.raw, config.limits.maxBodyBytes), "object", now, config.freshness, config.limits.maxBatchSamples);
    const problems: string[] = [];
    const samples: ObjectSample[] = [];
    items.forEach((item, i) => {
      try {
        const target = resolveTarget(item.namespace, item.resource, item.name);
        samples.push({ target, metric: item.metric, labels: item.fields.labels ?? {}, objectLabels: item.fields.objectLabels, ...valueAndTime(item.fields) });
      } catch (e) {
        if (!(e instanceof MetricsError)) throw e;
        problems.push(`[${i}]: ${e.message}`);
      }
    });
    if (problems.length) throw badRequest(`invalid batch (nothing was stored): ${problems.join("; ")}`);
    authorizeBatch(c, samples.map((s) => ({ namespace: scopeNamespace(s.target), metric: s.metric })));
    const receipt = await c.get("store").write({ objects: samples, externals: [], writer: writerOf(c) }, now);
    countSamples("object", receipt.written);
    return ack(c, counts(receipt));
  });

  // Every custom metric of a namespace: its objects' and its own.
  app.delete("/namespaces/:namespace", async (c) => {
    const namespace = c.req.param("namespace");
    check(namespaceProblem(namespace));
    authorize(c, { operation: "delete", namespace, metric: null });
    return ack(c, { deleted: await c.get("store").deleteNamespaceCustomMetrics(namespace, c.get("now")) });
  });

  // A metric about the namespace itself (read back at /apis/custom.metrics.k8s.io/{v}/namespaces/{ns}/metrics/{m}).
  app.post("/namespaces/:namespace/metrics/:metric", (c) => writeObject(c, namespaceTarget(c.req.param("namespace")), c.req.param("metric")));
  app.delete("/namespaces/:namespace/metrics/:metric", (c) => deleteObject(c, namespaceTarget(c.req.param("namespace")), c.req.param("metric")));

  // A namespaced object's metric.
  app.post("/namespaces/:namespace/:resource/:name/:metric", (c) => {
    const { namespace, resource, name, metric } = c.req.param();
    return writeObject(c, resolveTarget(namespace, resource, name), metric);
  });
  app.delete("/namespaces/:namespace/:resource/:name/:metric", (c) => {
    const { namespace, resource, name, metric } = c.req.param();
    return deleteObject(c, resolveTarget(namespace, resource, name), metric);
  });

  // A cluster-scoped object's metric (`nodes`, and `namespaces/{ns}/{metric}` for namespace metrics).
  app.post("/:resource/:name/:metric", (c) => {
    const { resource, name, metric } = c.req.param();
    return writeObject(c, resolveTarget("", resource, name), metric);
  });
  app.delete("/:resource/:name/:metric", (c) => {
    const { resource, name, metric } = c.req.param();
    return deleteObject(c, resolveTarget("", resource, name), metric);
  });
  return app;
}

/** External metrics: `/write-external-metrics/...`. A series is (namespace, metric, label set). */
export function externalWriteApp() {
  const app = new Hono<AppEnv>();

  app.post("/", async (c) => {
    authorizeOperation(c, "write");
    const config = c.get("config");
    const now = c.get("now");
    const items = parseBatchBody(await readBodyText(c.req.raw, config.limits.maxBodyBytes), "external", now, config.freshness, config.limits.maxBatchSamples);
    const samples: ExternalSample[] = items.map((item) => ({
      namespace: item.namespace, metric: item.metric, labels: item.fields.labels ?? {}, ...valueAndTime(item.fields),
    }));
    authorizeBatch(c, samples.map((s) => ({ namespace: s.namespace, metric: s.metric })));
    const receipt = await c.get("store").write({ objects: [], externals: samples, writer: writerOf(c) }, now);
    countSamples("external", receipt.written);
    return ack(c, counts(receipt));
  });

  app.delete("/namespaces/:namespace", async (c) => {
    const namespace = c.req.param("namespace");
    check(namespaceProblem(namespace));
    authorize(c, { operation: "delete", namespace, metric: null });
    return ack(c, { deleted: await c.get("store").deleteNamespaceExternalMetrics(namespace, c.get("now")) });
  });

  app.post("/namespaces/:namespace/:metric", async (c) => {
    const { namespace, metric } = c.req.param();
    check(namespaceProblem(namespace), metricNameProblem(metric));
    authorize(c, { operation: "write", namespace, metric });
    const fields = await readSingle(c);
    if (fields.objectLabels) throw badRequest("objectLabels do not apply to external metrics (they describe no object)");
    const { labels } = mergeLabels(c, fields);
    const sample: ExternalSample = { namespace, metric, labels, ...valueAndTime(fields) };
    const receipt = await c.get("store").write({ objects: [], externals: [sample], writer: writerOf(c) }, c.get("now"));
    countSamples("external", receipt.written);
    return ack(c, {
      ...counts(receipt), namespace, metric: { name: metric, labels }, value: sample.value,
      timestamp: formatKubeTime(sample.timestamp), expiresAt: formatKubeTime(sample.expiresAt),
    });
  });

  app.delete("/namespaces/:namespace/:metric", async (c) => {
    const { namespace, metric } = c.req.param();
    check(namespaceProblem(namespace), metricNameProblem(metric));
    authorize(c, { operation: "delete", namespace, metric });
    const labels = queryLabels(c, "labels");
    const deleted = await c.get("store").deleteExternalMetric(namespace, metric, labels, c.get("now"));
    if (deleted === 0) throw notFound(`no series of external metric ${metric} in namespace ${namespace}${labels ? " with those labels" : ""}`);
    return ack(c, { deleted });
  });
  return app;
}
