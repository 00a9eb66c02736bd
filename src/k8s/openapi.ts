/**
 * Our OpenAPI documents, built from the table of served APIs (k8s/apis.ts) once per isolate:
 * - `/openapi/v2`: one Swagger 2.0 document with every read path and its schemas. kube-aggregator downloads it per
 *   APIService and keeps the paths under `/apis/<group>/<version>/` (kube-aggregator
 *   pkg/controllers/openapi/aggregator/aggregator.go updateServiceLocked), so each version's paths carry that prefix.
 * - `/openapi/v3`: the discovery document of kube-openapi handler3 (`{"paths": {"apis/<g>/<v>": {"serverRelativeURL":
 *   "/openapi/v3/apis/<g>/<v>?hash=<ETag>"}}}`), and one OpenAPI 3.0 document per group/version. kube-aggregator
 *   merges the discovery paths into its own and proxies `/openapi/v3/apis/<g>/<v>` to us on demand
 *   (pkg/controllers/openapiv3/aggregator/aggregator.go handleGroupVersion), so the hash we publish is the one
 *   clients send back.
 * ETags are kube-openapi's: the uppercase hex SHA-512 of the JSON bytes (handler.go and handler3.go computeETag).
 *
 * The paths are the reads the HPA makes (k8s.io/metrics pkg/client/custom_metrics/versioned_client.go and
 * external_metrics/client.go); the v3 schemas are the v2 ones with `#/components/schemas/` references, a
 * reference beside other keywords wrapped in `allOf` as kube-openapi's converter does.
 */
import { SERVED_APIS, type ServedApi } from "./apis";
import { METRICS_DEFINITIONS, SHARED_DEFINITIONS, type Schema } from "./openapi-definitions";

const ALL_DEFINITIONS: Readonly<Record<string, Schema>> = { ...SHARED_DEFINITIONS, ...METRICS_DEFINITIONS };
const META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

/** The list kind each API answers reads with. */
function listModel(api: ServedApi): string {
  if (api.kind === "external") return "io.k8s.metrics.pkg.apis.external_metrics.v1beta1.ExternalMetricValueList";
  return `io.k8s.metrics.pkg.apis.custom_metrics.${api.version}.MetricValueList`;
}

/** `custom.metrics.k8s.io` → `customMetrics` (the group's words without `.k8s.io`, as Kubernetes names tags). */
const groupWords = (api: ServedApi) =>
  api.group.replace(/\.k8s\.io$/, "").split(".").map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join("");
const capitalize = (s: string) => s[0]!.toUpperCase() + s.slice(1);
/** `customMetrics_v1beta2`. */
const tag = (api: ServedApi) => `${groupWords(api)}_${api.version}`;
/** `CustomMetricsV1beta2`, the middle of operation ids (`getCustomMetricsV1beta2APIResources`). */
const opName = (api: ServedApi) => capitalize(groupWords(api)) + capitalize(api.version);

interface Param {
  readonly name: string;
  readonly in: "path" | "query";
  readonly description: string;
}

const pathParam = (name: string, description: string): Param => ({ name, in: "path", description });
const LABEL_SELECTOR: Param = { name: "labelSelector", in: "query", description: "A selector to restrict the list of returned objects by their labels. Defaults to everything." };
const METRIC_LABEL_SELECTOR: Param = { name: "metricLabelSelector", in: "query", description: "A selector to restrict the list of returned metrics by their labels" };
const NAMESPACE = pathParam("namespace", "object name and auth scope, such as for teams and projects");

interface Operation {
  readonly path: string;
  readonly operationId: string;
  readonly description: string;
  readonly params: readonly Param[];
  readonly model: string;
}

function operations(api: ServedApi): Operation[] {
  const op = opName(api);
  const resources: Operation = {
    path: `${api.path}/`, operationId: `get${op}APIResources`, description: "get available resources", params: [], model: `${META}APIResourceList`,
  };
  if (api.kind === "external") {
    return [resources, {
      path: `${api.path}/namespaces/{namespace}/{metric}`,
      operationId: `list${op}NamespacedMetricValue`,
      description: "list the values of an external metric in a namespace (labelSelector selects the metric's series)",
      params: [NAMESPACE, pathParam("metric", "name of the external metric"), LABEL_SELECTOR],
      model: listModel(api),
    }];
  }
  const resource = pathParam("resource", "the resource of the described objects, as group-resource (pods, deployments.apps)");
  const name = pathParam("name", "name of the described object, or * for every object that matches labelSelector");
  const metric = pathParam("metric", "name of the metric");
  return [
    resources,
    {
      path: `${api.path}/namespaces/{namespace}/metrics/{metric}`,
      operationId: `read${op}NamespaceMetricValue`,
      description: "read a metric of the namespace itself",
      params: [NAMESPACE, metric, METRIC_LABEL_SELECTOR],
      model: listModel(api),
    },
    {
      path: `${api.path}/namespaces/{namespace}/{resource}/{name}/{metric}`,
      operationId: `read${op}NamespacedMetricValue`,
      description: "read a metric of a namespaced object, or (name *) of every object that matches labelSelector",
      params: [NAMESPACE, resource, name, metric, LABEL_SELECTOR, METRIC_LABEL_SELECTOR],
      model: listModel(api),
    },
    {
      path: `${api.path}/{resource}/{name}/{metric}`,
      operationId: `read${op}MetricValue`,
      description: "read a metric of a cluster-scoped object, or (name *) of every object that matches labelSelector",
      params: [resource, name, metric, LABEL_SELECTOR, METRIC_LABEL_SELECTOR],
      model: listModel(api),
    },
  ];
}

const refsIn = (schema: unknown): string[] => [...JSON.stringify(schema).matchAll(/"#\/definitions\/([^"]+)"/g)].map((m) => m[1]!);

/** The definitions `roots` reference, transitively, sorted by name (as Go's encoding/json writes a map). */
function closure(roots: readonly string[]): Record<string, Schema> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    const schema = ALL_DEFINITIONS[name];
    if (!schema) throw new Error(`OpenAPI: no definition for ${name}`);
    seen.add(name);
    todo.push(...refsIn(schema));
  }
  return Object.fromEntries([...seen].sort().map((n) => [n, ALL_DEFINITIONS[n]!]));
}

const JSON_TYPES = ["application/json"];

/** The Swagger 2.0 document of every served API. */
export function openApiV2(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const models: string[] = [];
  for (const api of SERVED_APIS) {
    for (const o of operations(api)) {
      models.push(o.model);
      paths[o.path] = {
        get: {
          description: o.description,
          consumes: ["*/*"],
          produces: JSON_TYPES,
          schemes: ["https"],
          tags: [tag(api)],
          operationId: o.operationId,
          responses: { "200": { description: "OK", schema: { $ref: `#/definitions/${o.model}` } }, "401": { description: "Unauthorized" } },
        },
        parameters: o.params.map((p) => ({ uniqueItems: true, type: "string", description: p.description, name: p.name, in: p.in, ...(p.in === "path" ? { required: true } : {}) })),
      };
    }
  }
  return { swagger: "2.0", info: { title: "edge-metrics-adapter", version: "v0.1.0" }, paths, definitions: closure(models) };
}

/** A v2 schema in OpenAPI 3 form: component references, and a reference with siblings wrapped in allOf. */
function toV3(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV3);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === "$ref" ? String(v).replace("#/definitions/", "#/components/schemas/") : toV3(v);
  if ("$ref" in out && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { ...rest, allOf: [{ $ref }] };
  }
  return out;
}

/** The OpenAPI 3.0 document of one served API. */
export function openApiV3(api: ServedApi): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const ops = operations(api);
  for (const o of ops) {
    const ref = { $ref: `#/components/schemas/${o.model}` };
    paths[o.path] = {
      get: {
        tags: [tag(api)],
        description: o.description,
        operationId: o.operationId,
        responses: { "200": { description: "OK", content: { "application/json": { schema: ref } } }, "401": { description: "Unauthorized" } },
      },
      parameters: o.params.map((p) => ({ name: p.name, in: p.in, description: p.description, ...(p.in === "path" ? { required: true } : {}), schema: { type: "string", uniqueItems: true } })),
    };
  }
  const schemas = Object.fromEntries(Object.entries(closure(ops.map((o) => o.model))).map(([n, s]) => [n, toV3(s)]));
  return { openapi: "3.0.0", info: { title: "edge-metrics-adapter", version: "v0.1.0" }, paths, components: { schemas } };
}

/** `apis/custom.metrics.k8s.io/v1beta2`: the key of a group/version in the v3 discovery document. */
export const v3Key = (api: ServedApi) => api.path.slice(1);

/** kube-openapi's computeETag: uppercase hex SHA-512 of the bytes. */
export async function computeETag(bytes: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-512", new TextEncoder().encode(bytes));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

export interface ServedDocument {
  readonly body: string;
  readonly etag: string;
}

export interface OpenApiDocuments {
  readonly v2: ServedDocument;
  readonly v3Discovery: ServedDocument;
  /** By v3Key. */
  readonly v3: ReadonlyMap<string, ServedDocument>;
}

let built: Promise<OpenApiDocuments> | null = null;

/** Every document with its ETag, built once (they depend only on the code). */
export function openApiDocuments(): Promise<OpenApiDocuments> {
  built ??= (async () => {
    const doc = async (value: unknown): Promise<ServedDocument> => {
      const body = JSON.stringify(value);
      return { body, etag: await computeETag(body) };
    };
    const v3 = new Map<string, ServedDocument>();
    for (const api of SERVED_APIS) v3.set(v3Key(api), await doc(openApiV3(api)));
    const discovery = { paths: Object.fromEntries([...v3].map(([key, d]) => [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${d.etag}` }])) };
    return { v2: await doc(openApiV2()), v3Discovery: await doc(discovery), v3 };
  })();
  return built;
}
