/**
 * The HPA's replica arithmetic for custom and external metrics, ported from kubernetes/kubernetes
 * pkg/controller/podautoscaler/replica_calculator.go (GetObjectMetricReplicas, GetObjectPerPodMetricReplicas,
 * calcPlainMetricReplicas, GetExternalMetricReplicas, GetExternalPerPodMetricReplicas),
 * pkg/controller/podautoscaler/metrics/utilization.go (GetMetricUsageRatio) and horizontal.go
 * (computeReplicasForMetrics, reconcileAutoscaler, convertDesiredReplicasWithBehaviorRate,
 * calculateScaleUpLimitWithScalingRules). Pure: the status page feeds it what the read API answered and the
 * replica counts a user typed.
 *
 * Values are milli-units (`Quantity.MilliValue()`, as the HPA's metrics client takes them) in bigint, so sums and
 * integer divisions behave as Go's int64 do, including the saturations upstream applies; ratios are float64, as
 * upstream converts them. What the page cannot know is an input: which pods are Running/Pending (the HPA lists
 * them from its informer) and ready pods for Value targets. Recommendation history (stabilization windows) is
 * not modelled: `stepLimit` is the first step after a steady state, and the page says so.
 */

export const MAX_INT32 = 2 ** 31 - 1;
const MAX_INT64 = 2n ** 63n - 1n;

/** `--horizontal-pod-autoscaler-tolerance`, default 0.1; behavior.scale{Up,Down}.tolerance overrides per direction. */
export const DEFAULT_TOLERANCE = 0.1;

export interface Tolerances {
  readonly scaleDown: number;
  readonly scaleUp: number;
}

export const defaultTolerances = (t = DEFAULT_TOLERANCE): Tolerances => ({ scaleDown: t, scaleUp: t });

/** Tolerances.isWithin: (1 − down) ≤ ratio ≤ (1 + up). */
export function isWithin(t: Tolerances, ratio: number): boolean {
  return 1.0 - t.scaleDown <= ratio && ratio <= 1.0 + t.scaleUp;
}

/** int32(math.Ceil(x)) where upstream saturates at MaxInt32 first. */
function ceilInt32(x: number): number {
  return x > MAX_INT32 ? MAX_INT32 : Math.ceil(x);
}

/** Go's int64 division: truncates toward zero. */
const div = (a: bigint, b: bigint) => a / b;

export interface Proposal {
  readonly replicas: number;
  /** What the HPA reports as the metric's current value (milli): status.currentMetrics. */
  readonly usage: bigint;
  readonly usageRatio: number;
  /** The ratio was inside the tolerance band, so the count was kept. */
  readonly withinTolerance: boolean;
}

/**
 * getUsageRatioReplicaCount: with replicas, a ratio inside the tolerance keeps them, otherwise ⌈ratio × ready
 * pods⌉; at zero replicas ⌈ratio⌉ (scale from zero).
 */
function usageRatioReplicaCount(currentReplicas: number, usageRatio: number, tolerances: Tolerances, readyPods: number): { replicas: number; within: boolean } {
  if (currentReplicas === 0) return { replicas: Math.ceil(usageRatio), within: false };
  if (isWithin(tolerances, usageRatio)) return { replicas: currentReplicas, within: true };
  return { replicas: ceilInt32(usageRatio * readyPods), within: false };
}

/** Object metric, target type Value: r = value / target; ⌈r × ready pods⌉ (spec.replicas is the current count). */
export function objectValueReplicas(a: { specReplicas: number; readyPods: number; usage: bigint; target: bigint; tolerances: Tolerances }): Proposal {
  const usageRatio = Number(a.usage) / Number(a.target);
  const { replicas, within } = usageRatioReplicaCount(a.specReplicas, usageRatio, a.tolerances, a.readyPods);
  return { replicas, usage: a.usage, usageRatio, withinTolerance: within };
}

/** Object metric, target type AverageValue: r = value / (target × status.replicas); ⌈value / target⌉; no readiness. */
export function objectAverageValueReplicas(a: { statusReplicas: number; usage: bigint; targetAverage: bigint; tolerances: Tolerances }): Proposal {
  const usageRatio = Number(a.usage) / (Number(a.targetAverage) * a.statusReplicas);
  const within = isWithin(a.tolerances, usageRatio);
  const replicas = within ? a.statusReplicas : Math.ceil(Number(a.usage) / Number(a.targetAverage));
  const usage = BigInt(Math.ceil(Number(a.usage) / a.statusReplicas));
  return { replicas, usage, usageRatio, withinTolerance: within };
}

/** External metric, target type Value: the values' sum (saturating at MaxInt64) against the target, like Object Value. */
export function externalValueReplicas(a: { specReplicas: number; readyPods: number; values: readonly bigint[]; target: bigint; tolerances: Tolerances }): Proposal {
  let usage = 0n;
  for (const v of a.values) {
    if (v > 0n && usage > MAX_INT64 - v) {
      usage = MAX_INT64;
      break;
    }
    usage += v;
  }
  const usageRatio = Number(usage) / Number(a.target);
  const { replicas, within } = usageRatioReplicaCount(a.specReplicas, usageRatio, a.tolerances, a.readyPods);
  return { replicas, usage, usageRatio, withinTolerance: within };
}

/** External metric, target type AverageValue (wins over Value when both are set): ⌈sum / target⌉. */
export function externalAverageValueReplicas(a: { statusReplicas: number; values: readonly bigint[]; targetAverage: bigint; tolerances: Tolerances }): Proposal {
  let usage = 0n;
  for (const v of a.values) {
    usage += v;
    if (usage > MAX_INT64) {
      usage = MAX_INT64; // upstream: the sum wrapped negative, then saturates
      break;
    }
  }
  const usageRatio = Number(usage) / (Number(a.targetAverage) * a.statusReplicas);
  const within = isWithin(a.tolerances, usageRatio);
  const replicas = within ? a.statusReplicas : ceilInt32(Math.ceil(Number(usage) / Number(a.targetAverage)));
  const average = Number(usage) >= Number(MAX_INT64) ? MAX_INT64 : BigInt(Math.ceil(Number(usage) / a.statusReplicas));
  return { replicas, usage: average, usageRatio, withinTolerance: within };
}

export type PodPhase = "Running" | "Pending" | "Failed" | "Succeeded";

export interface PodState {
  readonly name: string;
  readonly phase: PodPhase;
  readonly deleting?: boolean;
}

export class ReplicaCalculationError extends Error {}

/** GetMetricUsageRatio: the integer average over the pods that have a value, and its ratio to the target. */
function usageRatioOf(metrics: ReadonlyMap<string, bigint>, target: bigint): { ratio: number; usage: bigint } {
  let total = 0n;
  for (const v of metrics.values()) total += v;
  const usage = div(total, BigInt(metrics.size));
  return { ratio: Number(usage) / Number(target), usage };
}

/**
 * Pods metric (AverageValue): calcPlainMetricReplicas with groupPods for a non-CPU metric — deleted and Failed pods
 * are ignored, Pending ones unready, pods without a value missing; readiness is not looked at. Values for pods
 * the HPA does not list stay in the average, as upstream (only ignored and unready pods are removed).
 */
export function podsReplicas(a: { currentReplicas: number; metrics: ReadonlyMap<string, bigint>; pods: readonly PodState[]; targetAverage: bigint; tolerances: Tolerances }): Proposal {
  if (a.pods.length === 0) throw new ReplicaCalculationError("no pods returned by selector while calculating replica count");
  const metrics = new Map(a.metrics);
  let readyPodCount = 0;
  const unready: string[] = [];
  const missing: string[] = [];
  const ignored: string[] = [];
  for (const pod of a.pods) {
    if (pod.deleting || pod.phase === "Failed") ignored.push(pod.name);
    else if (pod.phase === "Pending") unready.push(pod.name);
    else if (!metrics.has(pod.name)) missing.push(pod.name);
    else readyPodCount++;
  }
  for (const name of [...ignored, ...unready]) metrics.delete(name);
  if (metrics.size === 0) throw new ReplicaCalculationError("did not receive metrics for targeted pods (pods might be unready)");

  const { ratio: usageRatio, usage } = usageRatioOf(metrics, a.targetAverage);
  const scaleUpWithUnready = unready.length > 0 && usageRatio > 1.0;
  if (!scaleUpWithUnready && missing.length === 0) {
    if (isWithin(a.tolerances, usageRatio)) return { replicas: a.currentReplicas, usage, usageRatio, withinTolerance: true };
    return { replicas: Math.ceil(usageRatio * readyPodCount), usage, usageRatio, withinTolerance: false };
  }
  // Missing pods count as at target on a scale-down and as 0 on a scale-up; unready ones as 0 on a scale-up.
  if (usageRatio < 1.0) for (const name of missing) metrics.set(name, a.targetAverage);
  else if (usageRatio > 1.0) for (const name of missing) metrics.set(name, 0n);
  if (scaleUpWithUnready) for (const name of unready) metrics.set(name, 0n);

  const { ratio: newUsageRatio } = usageRatioOf(metrics, a.targetAverage);
  const keep = { replicas: a.currentReplicas, usage, usageRatio, withinTolerance: isWithin(a.tolerances, newUsageRatio) };
  if (isWithin(a.tolerances, newUsageRatio) || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) return keep;
  const newReplicas = Math.ceil(newUsageRatio * metrics.size);
  if ((newUsageRatio < 1.0 && newReplicas > a.currentReplicas) || (newUsageRatio > 1.0 && newReplicas < a.currentReplicas)) return keep;
  return { replicas: newReplicas, usage, usageRatio, withinTolerance: false };
}

export type MetricOutcome = { readonly name: string; readonly replicas: number } | { readonly name: string; readonly error: string };

export type Combined =
  | { readonly ok: true; readonly replicas: number; readonly metric: string; readonly invalid: number }
  | { readonly ok: false; readonly error: string };

/**
 * computeReplicasForMetrics: the largest proposal wins. Invalid metrics make the whole computation fail when all
 * are invalid, or when some are and the valid ones would scale below spec.replicas (no scale-down on partial data).
 */
export function combineProposals(outcomes: readonly MetricOutcome[], specReplicas: number): Combined {
  let replicas = 0;
  let metric = "";
  let invalid = 0;
  let firstError = "";
  for (const o of outcomes) {
    if ("error" in o) {
      if (invalid === 0) firstError = o.error;
      invalid++;
      continue;
    }
    if (replicas === 0 || o.replicas > replicas) [replicas, metric] = [o.replicas, o.name];
  }
  if (outcomes.length === 0) return { ok: false, error: "the HPA has no metrics" };
  if (invalid >= outcomes.length || (invalid > 0 && replicas < specReplicas)) {
    return { ok: false, error: `invalid metrics (${invalid} invalid out of ${outcomes.length}), first error is: ${firstError}` };
  }
  return { ok: true, replicas, metric, invalid };
}

export interface ScalingPolicy {
  readonly type: "Pods" | "Percent";
  readonly value: number;
  readonly periodSeconds: number;
}

export interface ScalingRules {
  /** null: kube-controller-manager's --horizontal-pod-autoscaler-downscale-stabilization (scale-down only). */
  readonly stabilizationWindowSeconds: number | null;
  readonly selectPolicy: "Max" | "Min" | "Disabled";
  readonly policies: readonly ScalingPolicy[];
}

/** autoscaling/v2 defaults (kubernetes/kubernetes pkg/apis/autoscaling/v2/defaults.go). */
export const DEFAULT_SCALE_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [{ type: "Pods", value: 4, periodSeconds: 15 }, { type: "Percent", value: 100, periodSeconds: 15 }],
};
export const DEFAULT_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: null,
  selectPolicy: "Max",
  policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
};

/**
 * calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors with no scale events in the
 * period: the replica limit the policies allow from `current` (Percent rounds up going up, truncates going down).
 */
function policyLimit(current: number, rules: ScalingRules, up: boolean): number {
  if (rules.selectPolicy === "Disabled") return current;
  // Max picks the largest change: the largest limit going up, the smallest going down.
  const largest = (rules.selectPolicy === "Max") === up;
  let result = largest ? -(2 ** 31) : MAX_INT32;
  for (const p of rules.policies) {
    const proposed = up
      ? p.type === "Pods" ? current + p.value : Math.ceil(current * (1 + p.value / 100))
      : p.type === "Pods" ? current - p.value : Math.trunc(current * (1 - p.value / 100));
    result = largest ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

export interface Behavior {
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

export interface Decision {
  /** What the metrics ask for, clamped to [minReplicas, maxReplicas] (where the HPA settles if values hold). */
  readonly desired: number;
  /** The next step the rate limits allow (no earlier scale events assumed). */
  readonly nextStep: number;
  /** Why `desired` differs from the metrics' proposal, or null. */
  readonly limitedBy: string | null;
  /** Scale-downs wait this long after the proposal first drops (the stabilization window). */
  readonly scaleDownDelaySeconds: number;
}

/** horizontal.go's fallback when spec.behavior is null: at most max(2 × current, 4) per sync. */
const legacyScaleUpLimit = (current: number) => Math.max(2 * current, 4);

/**
 * reconcileAutoscaler's decision around the metric proposal: zero replicas disable scaling, out-of-range counts
 * go straight to the bound, otherwise the proposal is clamped to [min, max] and rate-limited
 * (convertDesiredReplicasWithBehaviorRate with a behavior — which an autoscaling/v2 HPA that sets any has in
 * full after defaulting — or convertDesiredReplicasWithRules without one). `downscaleWindowSeconds` is
 * kube-controller-manager's --horizontal-pod-autoscaler-downscale-stabilization (default 5m), used when the
 * behavior names no window.
 */
export function decide(a: {
  currentReplicas: number; proposal: number | null; minReplicas: number; maxReplicas: number; behavior: Behavior | null; downscaleWindowSeconds?: number;
}): Decision {
  const downWindow = a.behavior?.scaleDown.stabilizationWindowSeconds ?? a.downscaleWindowSeconds ?? 300;
  const base = { scaleDownDelaySeconds: downWindow };
  const c = a.currentReplicas;
  if (c === 0) return { ...base, desired: 0, nextStep: 0, limitedBy: "scaling is disabled since the replica count of the target is zero" };
  if (c > a.maxReplicas) return { ...base, desired: a.maxReplicas, nextStep: a.maxReplicas, limitedBy: "current number of replicas above maxReplicas" };
  if (c < a.minReplicas) return { ...base, desired: a.minReplicas, nextStep: a.minReplicas, limitedBy: "current number of replicas below minReplicas" };
  if (a.proposal === null) return { ...base, desired: c, nextStep: c, limitedBy: "no replica count could be computed from the metrics" };
  let desired = a.proposal;
  let limitedBy: string | null = null;
  if (desired > a.maxReplicas) [desired, limitedBy] = [a.maxReplicas, "the desired replica count is more than the maximum replica count"];
  if (desired < a.minReplicas) [desired, limitedBy] = [a.minReplicas, "the desired replica count is less than the minimum replica count"];
  let nextStep = desired;
  if (desired > c) {
    const limit = a.behavior ? Math.max(policyLimit(c, a.behavior.scaleUp, true), c) : legacyScaleUpLimit(c);
    nextStep = Math.min(desired, limit);
  } else if (desired < c && a.behavior) {
    nextStep = Math.max(desired, Math.min(policyLimit(c, a.behavior.scaleDown, false), c));
  }
  return { ...base, desired, nextStep, limitedBy };
}
