/**
 * "What will my HPA see?": an HPA (pasted YAML, autoscaling/v2 or v2beta2) or one metric picked in the form, turned
 * into the exact reads the HPA controller makes for it. The paths and queries are the ones k8s.io/metrics builds
 * (pkg/client/custom_metrics/versioned_client.go: GetForObject, GetForObjects with `*`, getForNamespace;
 * pkg/client/external_metrics/client.go: List) as kubernetes/kubernetes pkg/controller/podautoscaler/metrics/client.go
 * calls them: Pods → `…/pods/*\/{metric}?labelSelector=<scale target's selector>&metricLabelSelector=<metric
 * selector>`; Object → `…/{resource}/{name}/{metric}` (a Namespace object: `…/namespaces/{ns}/metrics/{metric}`);
 * External → `external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric}?labelSelector=<metric selector>`.
 * Selectors render as labels.Selector.String() after metav1.LabelSelectorAsSelector; the query is url.Values.Encode()
 * (keys sorted, `+` for spaces). Custom metrics use the preferred served version, as the HPA's client does.
 *
 * What the page cannot know is asked for: the scale target's pod selector (the HPA reads it from the scale
 * subresource) and the current replica count.
 */
import { parseDocument } from "yaml";
import { labelSelectorFromJSON, parseSelector, type LabelSelectorJSON } from "../apimachinery/labels";
import { milliValue, parseQuantity } from "../apimachinery/quantity";
import { parseGroupResource } from "../domain/group-resource";
import { SERVED_APIS } from "../k8s/apis";
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, defaultTolerances, type Behavior, type ScalingPolicy, type ScalingRules, type Tolerances } from "./replica-calculator";

export type MetricType = "Object" | "Pods" | "External";
export type TargetType = "Value" | "AverageValue";

export interface MetricCheck {
  readonly type: MetricType;
  readonly metric: string;
  /** labels.Selector.String() of metric.selector; "" when unset. */
  readonly metricSelector: string;
  readonly targetType: TargetType;
  /** The target as written, and its MilliValue(). */
  readonly target: string;
  readonly targetMilli: bigint;
  /** Object metrics: describedObject. */
  readonly object?: { readonly apiVersion: string; readonly kind: string; readonly name: string };
}

export interface HpaCheckInput {
  readonly name: string;
  readonly namespace: string;
  readonly metrics: readonly MetricCheck[];
  /** Metrics the page does not evaluate (Resource, ContainerResource: metrics.k8s.io), with why. */
  readonly skipped: readonly string[];
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: Behavior | null;
  readonly tolerances: Tolerances;
}

export class HpaInputError extends Error {}

const fail = (message: string): never => {
  throw new HpaInputError(message);
};

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === "object" && !Array.isArray(x);

function quantity(raw: unknown, what: string): { text: string; milli: bigint } {
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw : fail(`${what} must be a quantity such as "500m" or "10"`);
  try {
    return { text, milli: milliValue(parseQuantity(text)) };
  } catch (e) {
    return fail(`${what} ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
}

function selectorString(raw: unknown, what: string): string {
  if (raw === undefined || raw === null) return "";
  if (!isObj(raw)) return fail(`${what} must be a label selector (matchLabels / matchExpressions)`);
  try {
    return labelSelectorFromJSON(raw as LabelSelectorJSON).toString();
  } catch (e) {
    return fail(`${what}: ${(e as Error).message}`);
  }
}

function target(raw: unknown, type: MetricType, where: string): Pick<MetricCheck, "targetType" | "target" | "targetMilli"> {
  if (!isObj(raw)) return fail(`${where}.target is required`);
  // External: AverageValue wins when both are set (horizontal.go computeStatusForExternalMetric).
  if (type === "External" && raw.averageValue !== undefined) {
    const q = quantity(raw.averageValue, `${where}.target.averageValue`);
    return { targetType: "AverageValue", target: q.text, targetMilli: q.milli };
  }
  const t = raw.type;
  if (t === "Utilization") return fail(`${where}: target type Utilization is for Resource metrics; custom and external metrics use Value or AverageValue`);
  if (type === "Pods" && t !== "AverageValue") return fail(`${where}: a Pods metric's target type must be AverageValue`);
  if (t === "Value" && raw.value !== undefined) {
    const q = quantity(raw.value, `${where}.target.value`);
    return { targetType: "Value", target: q.text, targetMilli: q.milli };
  }
  if (t === "AverageValue" && raw.averageValue !== undefined) {
    const q = quantity(raw.averageValue, `${where}.target.averageValue`);
    return { targetType: "AverageValue", target: q.text, targetMilli: q.milli };
  }
  return fail(`${where}: neither a value target nor an average value target was set`);
}

function metricSpec(raw: unknown, i: number): MetricCheck | string {
  const where = `spec.metrics[${i}]`;
  if (!isObj(raw)) return fail(`${where} must be a mapping`);
  const type = raw.type;
  if (type === "Resource" || type === "ContainerResource") return `${where}: ${type} metrics come from metrics.k8s.io (metrics-server), not from this adapter`;
  if (type !== "Object" && type !== "Pods" && type !== "External") return fail(`${where}.type must be Object, Pods or External; got ${JSON.stringify(type)}`);
  const source = raw[type === "Object" ? "object" : type === "Pods" ? "pods" : "external"];
  if (!isObj(source)) return fail(`${where}.${type.toLowerCase()} is required`);
  const metric = isObj(source.metric) ? source.metric : fail(`${where}: metric is required`);
  const name = typeof metric.name === "string" && metric.name !== "" ? metric.name : fail(`${where}: metric.name is required`);
  const base = { type, metric: name, metricSelector: selectorString(metric.selector, `${where}.metric.selector`), ...target(source.target, type, where) } as const;
  if (type !== "Object") return base;
  const d = isObj(source.describedObject) ? source.describedObject : fail(`${where}.object.describedObject is required`);
  const str = (k: string) => (typeof d[k] === "string" && d[k] !== "" ? (d[k] as string) : fail(`${where}.object.describedObject.${k} is required`));
  return { ...base, object: { apiVersion: typeof d.apiVersion === "string" ? d.apiVersion : "v1", kind: str("kind"), name: str("name") } };
}

function rules(raw: unknown, fallback: ScalingRules, where: string): ScalingRules {
  if (raw === undefined || raw === null) return fallback;
  if (!isObj(raw)) return fail(`${where} must be a mapping`);
  const select = raw.selectPolicy ?? fallback.selectPolicy;
  if (select !== "Max" && select !== "Min" && select !== "Disabled") return fail(`${where}.selectPolicy must be Max, Min or Disabled`);
  const policies = raw.policies === undefined ? fallback.policies : Array.isArray(raw.policies) ? raw.policies.map((p: unknown, i) => {
    if (!isObj(p) || (p.type !== "Pods" && p.type !== "Percent") || !Number.isInteger(p.value) || !Number.isInteger(p.periodSeconds)) {
      return fail(`${where}.policies[${i}] must have type Pods or Percent, an integer value and periodSeconds`);
    }
    return { type: p.type as ScalingPolicy["type"], value: p.value as number, periodSeconds: p.periodSeconds as number };
  }) : fail(`${where}.policies must be a list`);
  const window = raw.stabilizationWindowSeconds;
  return { selectPolicy: select, policies, stabilizationWindowSeconds: Number.isInteger(window) ? (window as number) : fallback.stabilizationWindowSeconds };
}

function toleranceOf(raw: unknown, fallback: number): number {
  if (!isObj(raw) || raw.tolerance === undefined) return fallback;
  return Number(quantity(raw.tolerance, "behavior tolerance").milli) / 1000;
}

const replicaCount = (raw: unknown, what: string, fallback?: number): number => {
  if ((raw === undefined || raw === null) && fallback !== undefined) return fallback;
  return Number.isInteger(raw) && (raw as number) >= 0 ? (raw as number) : fail(`${what} must be a whole number`);
};

/** Parses a pasted HorizontalPodAutoscaler (the first document of that kind). */
export function parseHpaYaml(text: string, namespaceOverride: string): HpaCheckInput {
  if (text.length > 64 * 1024) fail("the pasted HPA is larger than 64 KiB");
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) fail(`the YAML does not parse: ${doc.errors[0]!.message}`);
  const hpa = doc.toJS({ maxAliasCount: 16 }) as unknown;
  if (!isObj(hpa) || hpa.kind !== "HorizontalPodAutoscaler") return fail("paste a HorizontalPodAutoscaler (kind: HorizontalPodAutoscaler)");
  if (typeof hpa.apiVersion === "string" && !/^autoscaling\/v2(beta2)?$/.test(hpa.apiVersion)) {
    fail(`apiVersion ${hpa.apiVersion}: paste the autoscaling/v2 form (kubectl get hpa NAME -o yaml prints it)`);
  }
  const meta = isObj(hpa.metadata) ? hpa.metadata : {};
  const spec = isObj(hpa.spec) ? hpa.spec : fail("spec is required");
  const namespace = namespaceOverride || (typeof meta.namespace === "string" && meta.namespace) || "default";
  const metrics: MetricCheck[] = [];
  const skipped: string[] = [];
  const list = Array.isArray(spec.metrics) ? spec.metrics : fail("spec.metrics must list the HPA's metrics");
  if (list.length > 10) fail("spec.metrics: at most 10 metrics are checked at once");
  list.forEach((m: unknown, i: number) => {
    const r = metricSpec(m, i);
    if (typeof r === "string") skipped.push(r);
    else metrics.push(r);
  });
  const behavior = isObj(spec.behavior) ? spec.behavior : null;
  return {
    name: typeof meta.name === "string" ? meta.name : "",
    namespace,
    metrics,
    skipped,
    minReplicas: replicaCount(spec.minReplicas, "spec.minReplicas", 1),
    maxReplicas: replicaCount(spec.maxReplicas, "spec.maxReplicas"),
    behavior: behavior === null ? null : {
      scaleUp: rules(behavior.scaleUp, DEFAULT_SCALE_UP, "spec.behavior.scaleUp"),
      scaleDown: rules(behavior.scaleDown, DEFAULT_SCALE_DOWN, "spec.behavior.scaleDown"),
    },
    tolerances: behavior === null ? defaultTolerances() : { scaleUp: toleranceOf(behavior.scaleUp, 0.1), scaleDown: toleranceOf(behavior.scaleDown, 0.1) },
  };
}

/** The form's one metric, as an HPA with it (the autoscaling/v2 defaults for the rest). */
export function formInput(q: Record<string, string>): HpaCheckInput {
  const type = q.type as MetricType;
  if (type !== "Object" && type !== "Pods" && type !== "External") fail("choose a metric type: Object, Pods or External");
  const namespace = q.namespace || "default";
  let metricSelector = "";
  if (q.selector) {
    try {
      metricSelector = parseSelector(q.selector).toString();
    } catch (e) {
      fail(`metric selector: ${(e as Error).message}`);
    }
  }
  const targetType: TargetType = type === "Pods" ? "AverageValue" : q.targetType === "AverageValue" ? "AverageValue" : "Value";
  const t = quantity(q.target, "target");
  const [apiVersion, kind] = [q.objectApiVersion || "apps/v1", q.objectKind || "Deployment"];
  const metric: MetricCheck = {
    type, metric: q.metric || fail("the metric name is required"), metricSelector, targetType, target: t.text, targetMilli: t.milli,
    ...(type === "Object" ? { object: { apiVersion, kind, name: q.objectName || fail("the described object's name is required") } } : {}),
  };
  return {
    name: "", namespace, metrics: [metric], skipped: [],
    minReplicas: replicaCount(q.minReplicas ? Number(q.minReplicas) : undefined, "minReplicas", 1),
    maxReplicas: replicaCount(q.maxReplicas ? Number(q.maxReplicas) : undefined, "maxReplicas", 10),
    behavior: { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN },
    tolerances: defaultTolerances(),
  };
}

/** The group-resource the HPA's RESTMapper gives a kind (built-ins from our table; others as UnsafeGuessKindToResource). */
export function resourceForKind(apiVersion: string, kind: string): string {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0]! : "";
  const lower = kind.toLowerCase();
  try {
    const builtIn = parseGroupResource(group ? `${lower}.${group}` : lower);
    if (builtIn.builtIn) return builtIn.name;
  } catch {
    // not a built-in kind: guess below
  }
  const plural = lower.endsWith("s") ? `${lower}es` : /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  return group ? `${plural}.${group}` : plural;
}

/** url.Values.Encode(): keys sorted, values query-escaped with `+` for spaces. */
function encodeQuery(params: Record<string, string>): string {
  const parts = Object.keys(params).sort().filter((k) => params[k] !== "").map((k) => `${k}=${queryEscape(params[k]!)}`);
  return parts.length ? `?${parts.join("&")}` : "";
}
const queryEscape = (s: string) => encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

const CUSTOM_VERSION = SERVED_APIS.find((a) => a.kind === "custom")!;
const EXTERNAL = SERVED_APIS.find((a) => a.kind === "external")!;

/** The request the HPA controller sends for one metric. */
export function hpaRequestPath(m: MetricCheck, namespace: string, podSelector: string): string {
  if (m.type === "External") return `${EXTERNAL.path}/namespaces/${namespace}/${m.metric}${encodeQuery({ labelSelector: m.metricSelector })}`;
  if (m.type === "Pods") {
    return `${CUSTOM_VERSION.path}/namespaces/${namespace}/pods/*/${m.metric}${encodeQuery({ labelSelector: podSelector, metricLabelSelector: m.metricSelector })}`;
  }
  const o = m.object!;
  const query = encodeQuery({ metricLabelSelector: m.metricSelector });
  if (o.kind === "Namespace" && !o.apiVersion.includes("/")) return `${CUSTOM_VERSION.path}/namespaces/${namespace}/metrics/${m.metric}${query}`;
  return `${CUSTOM_VERSION.path}/namespaces/${namespace}/${resourceForKind(o.apiVersion, o.kind)}/${o.name}/${m.metric}${query}`;
}
