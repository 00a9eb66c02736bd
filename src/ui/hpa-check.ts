/**
 * Runs "What will my HPA see?": each metric's request goes through the read API's own handlers (http/read.ts, with
 * the page's principal, store and clock), so the answer — including every miss explanation — is exactly what the
 * aggregator would relay to the HPA; then the HPA's own checks and arithmetic (replica-calculator.ts) turn the
 * answers into a replica count for the replica counts the user typed.
 *
 * Assumptions the page states next to the result: the current replica count is both spec.replicas and
 * status.replicas; those pods are Running (for Pods metrics, the pods with values first, the rest "missing");
 * ready pods default to the current count.
 */
import { Hono, type Context } from "hono";
import { parseSelector } from "../apimachinery/labels";
import { milliValue, parseQuantity } from "../apimachinery/quantity";
import { MetricsError } from "../domain/errors";
import type { AppEnv } from "../http/app-env";
import { customMetricsApp, externalMetricsApp } from "../http/read";
import { SERVED_APIS } from "../k8s/apis";
import type { CustomMetricsVersion } from "../k8s/custom-metrics";
import { failureStatus, STATUS_CODES } from "../k8s/status";
import { hpaRequestPath, type HpaCheckInput, type MetricCheck } from "./hpa-input";
import {
  combineProposals, decide, externalAverageValueReplicas, externalValueReplicas, objectAverageValueReplicas, objectValueReplicas, podsReplicas,
  ReplicaCalculationError, type Combined, type Decision, type MetricOutcome, type PodState, type Proposal,
} from "./replica-calculator";

export interface MetricResult {
  readonly check: MetricCheck;
  readonly request: string;
  readonly status: number;
  /** The answer's JSON (a MetricValueList, an ExternalMetricValueList or a Status). */
  readonly answer: unknown;
  /** What the HPA concludes: an error (as its condition would say), or a proposal with its arithmetic. */
  readonly outcome: { readonly error: string } | { readonly proposal: Proposal; readonly explanation: string };
}

export interface CheckResult {
  readonly input: HpaCheckInput;
  readonly podSelector: string;
  readonly currentReplicas: number;
  readonly readyPods: number;
  readonly results: readonly MetricResult[];
  readonly combined: Combined;
  readonly decision: Decision;
  readonly notes: readonly string[];
}

/** The read API, mounted as app.ts mounts it, acting for the page's request. */
function readApi(c: Context<AppEnv>): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.onError((err) => {
    if (!(err instanceof MetricsError)) throw err;
    return Response.json(failureStatus(err.reason, err.message), { status: STATUS_CODES[err.reason] });
  });
  api.use(async (inner, next) => {
    for (const key of ["config", "store", "now", "socket", "principal"] as const) inner.set(key, c.get(key) as never);
    await next();
  });
  for (const a of SERVED_APIS) api.route(a.path, a.kind === "custom" ? customMetricsApp(a.version as CustomMetricsVersion) : externalMetricsApp());
  return api;
}

const milli = (value: string) => milliValue(parseQuantity(value));
const fmt = (m: bigint) => (m % 1000n === 0n ? `${m / 1000n}` : `${m}m`);
const ratio = (r: number) => (Number.isFinite(r) ? r.toFixed(3).replace(/\.?0+$/, "") : String(r));

function evaluate(m: MetricCheck, status: number, answer: any, current: number, ready: number, input: HpaCheckInput): MetricResult["outcome"] {
  const api = m.type === "External" ? "external metrics API" : "custom metrics API";
  if (status !== 200) return { error: `unable to fetch metrics from ${api}: ${answer?.message ?? `status ${status}`}` };
  const items: any[] = Array.isArray(answer?.items) ? answer.items : [];
  const t = input.tolerances;
  const band = `[${ratio(1 - t.scaleDown)}, ${ratio(1 + t.scaleUp)}]`;
  const verdict = (p: Proposal, formula: string) => (p.withinTolerance ? `r within ${band} → keep ${p.replicas}` : `${formula} = ${p.replicas}`);
  try {
    if (m.type === "Object") {
      if (items.length !== 1) return { error: `the custom metrics API server returned ${items.length} results when we asked for exactly one` };
      const usage = milli(items[0].value);
      if (m.targetType === "Value") {
        const p = objectValueReplicas({ specReplicas: current, readyPods: ready, usage, target: m.targetMilli, tolerances: t });
        return { proposal: p, explanation: `Value: r = ${fmt(usage)} / ${fmt(m.targetMilli)} = ${ratio(p.usageRatio)}; ${verdict(p, current === 0 ? `⌈r⌉` : `⌈r × ${ready} ready pods⌉`)}` };
      }
      const p = objectAverageValueReplicas({ statusReplicas: current, usage, targetAverage: m.targetMilli, tolerances: t });
      return { proposal: p, explanation: `AverageValue: r = ${fmt(usage)} / (${fmt(m.targetMilli)} × ${current}) = ${ratio(p.usageRatio)}; ${verdict(p, `⌈${fmt(usage)} / ${fmt(m.targetMilli)}⌉`)}` };
    }
    if (m.type === "External") {
      if (items.length === 0) return { error: "no metrics returned from external metrics API" };
      const values = items.map((i) => milli(i.value));
      const sum = values.reduce((a, b) => a + b, 0n);
      if (m.targetType === "AverageValue") {
        const p = externalAverageValueReplicas({ statusReplicas: current, values, targetAverage: m.targetMilli, tolerances: t });
        return { proposal: p, explanation: `AverageValue: sum of ${values.length} = ${fmt(sum)}; r = ${fmt(sum)} / (${fmt(m.targetMilli)} × ${current}) = ${ratio(p.usageRatio)}; ${verdict(p, `⌈${fmt(sum)} / ${fmt(m.targetMilli)}⌉`)}` };
      }
      const p = externalValueReplicas({ specReplicas: current, readyPods: ready, values, target: m.targetMilli, tolerances: t });
      return { proposal: p, explanation: `Value: sum of ${values.length} = ${fmt(sum)}; r = ${fmt(sum)} / ${fmt(m.targetMilli)} = ${ratio(p.usageRatio)}; ${verdict(p, current === 0 ? `⌈r⌉` : `⌈r × ${ready} ready pods⌉`)}` };
    }
    if (items.length === 0) return { error: "no metrics returned from custom metrics API" };
    // Keyed by describedObject.name only, later items overwriting earlier ones (metrics/client.go GetRawMetric).
    const metrics = new Map<string, bigint>(items.map((i) => [String(i.describedObject?.name), milli(i.value)]));
    const names = [...metrics.keys()];
    const pods: PodState[] = Array.from({ length: current }, (_, k) => ({ name: names[k] ?? `(pod without a value ${k + 1 - names.length})`, phase: "Running" }));
    const p = podsReplicas({ currentReplicas: current, metrics, pods, targetAverage: m.targetMilli, tolerances: t });
    const missing = Math.max(0, current - names.length);
    const extra = Math.max(0, names.length - current);
    const detail = missing > 0 ? `; ${missing} pod(s) without a value count as ${p.usageRatio < 1 ? "the target" : "0"}` : extra > 0 ? `; ${extra} value(s) for pods beyond the ${current} current ones still count in the average` : "";
    return { proposal: p, explanation: `AverageValue over ${metrics.size} pods: average ${fmt(p.usage)}; r = ${ratio(p.usageRatio)}${detail}; ${verdict(p, `replicas`)}` };
  } catch (e) {
    if (e instanceof ReplicaCalculationError) return { error: e.message };
    throw e;
  }
}

export async function runCheck(c: Context<AppEnv>, input: HpaCheckInput, podSelectorText: string, currentReplicas: number, readyPods: number | null): Promise<CheckResult> {
  const notes: string[] = [];
  let podSelector = "";
  if (podSelectorText.trim() !== "") podSelector = parseSelector(podSelectorText).toString();
  if (podSelector === "" && input.metrics.some((m) => m.type === "Pods")) {
    notes.push("No pod selector given: the HPA always sends labelSelector (the scale target's status.selector), so the Pods read here counts every pod that has the metric.");
  }
  const ready = readyPods ?? currentReplicas;
  const api = readApi(c);
  const results: MetricResult[] = [];
  for (const check of input.metrics) {
    const request = hpaRequestPath(check, input.namespace, podSelector);
    const res = await api.fetch(new Request(`http://status-page.internal${request}`), c.env);
    const answer = await res.json().catch(() => null);
    results.push({ check, request, status: res.status, answer, outcome: evaluate(check, res.status, answer, currentReplicas, ready, input) });
  }
  const outcomes: MetricOutcome[] = results.map((r) =>
    "error" in r.outcome ? { name: r.check.metric, error: r.outcome.error } : { name: r.check.metric, replicas: r.outcome.proposal.replicas });
  const combined = combineProposals(outcomes, currentReplicas);
  const decision = decide({
    currentReplicas, proposal: combined.ok ? combined.replicas : null, minReplicas: input.minReplicas, maxReplicas: input.maxReplicas, behavior: input.behavior,
  });
  return { input, podSelector, currentReplicas, readyPods: ready, results, combined, decision, notes };
}
