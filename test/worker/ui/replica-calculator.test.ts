// The status page's HPA arithmetic against upstream's own cases: kubernetes/kubernetes
// pkg/controller/podautoscaler/replica_calculator_test.go (TestReplicaCalcPodMetric, TestReplicaCalcObjectMetric,
// TestReplicaCalcObjectPerPodMetric, TestReplicaCalcExternalMetric, TestReplicaCalcExternalPerPodMetric) and
// horizontal.go (computeReplicasForMetrics, convertDesiredReplicasWithBehaviorRate).
import { describe, expect, it } from "vitest";
import {
  combineProposals, decide, DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, defaultTolerances, externalAverageValueReplicas, externalValueReplicas,
  MAX_INT32, objectAverageValueReplicas, objectValueReplicas, podsReplicas, ReplicaCalculationError, type PodState, type Tolerances,
} from "../../../src/ui/replica-calculator";

const tol = defaultTolerances();
const onePercentUp: Tolerances = { scaleDown: 0.1, scaleUp: 0.01 };
const MAX_INT64 = 2n ** 63n - 1n;
const running = (n: number): PodState[] => Array.from({ length: n }, (_, i) => ({ name: `pod-${i}`, phase: "Running" }));
const values = (...levels: number[]) => new Map(levels.map((v, i) => [`pod-${i}`, BigInt(v)]));

describe("Pods metric (TestReplicaCalcPodMetric)", () => {
  const cases: [string, number, number[], number, number, bigint, Tolerances?][] = [
    ["scale up", 3, [20000, 10000, 30000], 15000, 4, 20000n],
    // Readiness is only looked at for CPU: the unready "hot" pods of upstream's case count like any other.
    ["scale up: unready hot-CPU pod scales less", 3, [50000, 10000, 30000], 15000, 6, 30000n],
    ["scale up: unready hot-CPU pods avoid scale-down", 3, [50000, 15000, 30000], 15000, 7, 31666n],
    ["scale down", 5, [12000, 12000, 12000, 12000, 12000], 20000, 3, 12000n],
    ["within default tolerance", 3, [20000, 21000, 21000], 20000, 3, 20666n],
    ["outside configurable 1% tolerance", 3, [20000, 21000, 21000], 20000, 4, 20666n, onePercentUp],
    ["no change: missing metrics", 5, [20000, 19000, 21000], 20000, 5, 20000n],
  ];
  for (const [name, current, levels, target, want, usage, t] of cases) {
    it(name, () => {
      const p = podsReplicas({ currentReplicas: current, metrics: values(...levels), pods: running(current), targetAverage: BigInt(target), tolerances: t ?? tol });
      expect([p.replicas, p.usage]).toEqual([want, usage]);
    });
  }

  it("rolling update with maxSurge: extra pod missing metric", () => {
    const p = podsReplicas({ currentReplicas: 2, metrics: values(10000, 10000), pods: running(3), targetAverage: 17000n, tolerances: tol });
    expect([p.replicas, p.usage]).toEqual([2, 10000n]);
  });

  it("missing pods count as 0 on a scale-up: ⌈avg′/target × len(metrics)⌉", () => {
    // 2 of 4 pods report 30000 (target 10000): r = 3; with two zeros the average is 15000, r′ = 1.5 → ⌈1.5 × 4⌉ = 6.
    const p = podsReplicas({ currentReplicas: 4, metrics: values(30000, 30000), pods: running(4), targetAverage: 10000n, tolerances: tol });
    expect(p.replicas).toBe(6);
  });

  it("Pending pods are unready: dropped, and 0 on a scale-up", () => {
    const pods: PodState[] = [...running(2), { name: "pod-2", phase: "Pending" }];
    // metrics for pods 0,1 = 30000; pod-2's value is removed; r = 3 > 1 with unready → pod-2 = 0: avg 20000, r′ = 2 → ⌈2 × 3⌉ = 6.
    const p = podsReplicas({ currentReplicas: 3, metrics: values(30000, 30000, 90000), pods, targetAverage: 10000n, tolerances: tol });
    expect(p.replicas).toBe(6);
  });

  it("values of pods the HPA does not list stay in the average (upstream keeps them)", () => {
    // 2 listed pods at 10000, a third (gone) pod still reported at 70000: avg 30000, r = 3 → ⌈3 × readyPods(2)⌉ = 6.
    const p = podsReplicas({ currentReplicas: 2, metrics: values(10000, 10000, 70000), pods: running(2), targetAverage: 10000n, tolerances: tol });
    expect(p.replicas).toBe(6);
  });

  it("fails as upstream does without pods or without values", () => {
    expect(() => podsReplicas({ currentReplicas: 1, metrics: values(1), pods: [], targetAverage: 1n, tolerances: tol })).toThrow(ReplicaCalculationError);
    expect(() => podsReplicas({ currentReplicas: 1, metrics: values(1), pods: [{ name: "pod-0", phase: "Failed" }], targetAverage: 1n, tolerances: tol }))
      .toThrow("did not receive metrics for targeted pods");
  });
});

describe("Object metric, Value (TestReplicaCalcObjectMetric)", () => {
  const cases: [string, number, number, bigint, number, number, Tolerances?][] = [
    ["scale up", 3, 3, 20000n, 15000, 4],
    ["scale up: ignores unready pods", 3, 1, 50000n, 10000, 5],
    ["scale down", 5, 5, 12000n, 20000, 3],
    ["within default tolerance", 3, 3, 20666n, 20000, 3],
    ["outside configurable 1% tolerance", 3, 3, 20666n, 20000, 4, onePercentUp],
    ["scale up: very large metric saturates replicas to MaxInt32", 3, 3, MAX_INT64, 1, MAX_INT32],
  ];
  for (const [name, spec, ready, usage, target, want, t] of cases) {
    it(name, () => {
      expect(objectValueReplicas({ specReplicas: spec, readyPods: ready, usage, target: BigInt(target), tolerances: t ?? tol }).replicas).toBe(want);
    });
  }
  it("from zero replicas: ⌈ratio⌉, tolerance not applied", () => {
    expect(objectValueReplicas({ specReplicas: 0, readyPods: 0, usage: 1050n, target: 1000n, tolerances: tol }).replicas).toBe(2);
  });
});

describe("Object metric, AverageValue (TestReplicaCalcObjectPerPodMetric)", () => {
  const cases: [string, number, bigint, number, number, bigint, Tolerances?][] = [
    ["scale up", 3, 20000n, 5000, 4, 6667n],
    ["scale down", 5, 6000n, 2000, 3, 1200n],
    ["within default tolerance", 4, 20166n, 5000, 4, 5042n],
    ["outside configurable 1% tolerance", 4, 20208n, 5000, 5, 5052n, onePercentUp],
  ];
  for (const [name, status, usage, target, want, average, t] of cases) {
    it(name, () => {
      const p = objectAverageValueReplicas({ statusReplicas: status, usage, targetAverage: BigInt(target), tolerances: t ?? tol });
      expect([p.replicas, p.usage]).toEqual([want, average]);
    });
  }
});

describe("External metric (TestReplicaCalcExternalMetric, TestReplicaCalcExternalPerPodMetric)", () => {
  it("Value: scale down ignoring unready pods, scale down, tolerance, 1% tolerance, sum saturation", () => {
    const v = (spec: number, ready: number, vals: bigint[], target: bigint, t = tol) => externalValueReplicas({ specReplicas: spec, readyPods: ready, values: vals, target, tolerances: t });
    expect(v(3, 1, [8600n], 4400n).replicas).toBe(2);
    expect(v(5, 5, [8600n], 14334n).replicas).toBe(3);
    expect(v(3, 3, [8600n], 8888n).replicas).toBe(3);
    expect(v(3, 3, [8900n], 8800n, onePercentUp).replicas).toBe(4);
    const big = MAX_INT64 / 2n + 1n;
    const sat = v(3, 3, [big, big], MAX_INT64);
    expect([sat.replicas, sat.usage]).toEqual([3, MAX_INT64]);
    expect(v(2, 2, [3000n, 4000n, 5000n], 4000n).replicas).toBe(6); // the values are summed: 12000/4000 = 3 → ⌈3 × 2⌉
  });

  it("AverageValue: scale up, scale down, tolerance, 1% tolerance, MaxInt32 saturation", () => {
    const a = (status: number, vals: bigint[], target: bigint, t = tol) => {
      const p = externalAverageValueReplicas({ statusReplicas: status, values: vals, targetAverage: target, tolerances: t });
      return [p.replicas, p.usage];
    };
    expect(a(3, [8600n], 2150n)).toEqual([4, 2867n]);
    expect(a(5, [8600n], 2867n)).toEqual([3, 1720n]);
    expect(a(3, [8600n], 2900n)).toEqual([3, 2867n]);
    expect(a(3, [8600n], 2800n, onePercentUp)).toEqual([4, 2867n]);
    expect(a(1, [MAX_INT64], 1n)).toEqual([MAX_INT32, MAX_INT64]);
    expect(a(1, [MAX_INT64], MAX_INT64)).toEqual([1, MAX_INT64]);
  });
});

describe("several metrics (computeReplicasForMetrics)", () => {
  it("the largest proposal wins", () => {
    expect(combineProposals([{ name: "a", replicas: 3 }, { name: "b", replicas: 7 }, { name: "c", replicas: 5 }], 4))
      .toEqual({ ok: true, replicas: 7, metric: "b", invalid: 0 });
  });
  it("an invalid metric blocks a scale-down but not a scale-up", () => {
    expect(combineProposals([{ name: "a", replicas: 2 }, { name: "b", error: "no metrics returned" }], 4))
      .toEqual({ ok: false, error: "invalid metrics (1 invalid out of 2), first error is: no metrics returned" });
    expect(combineProposals([{ name: "a", replicas: 6 }, { name: "b", error: "x" }], 4)).toMatchObject({ ok: true, replicas: 6, invalid: 1 });
  });
  it("all invalid fails", () => {
    expect(combineProposals([{ name: "a", error: "x" }], 1)).toMatchObject({ ok: false });
  });
});

describe("decision (reconcileAutoscaler, convertDesiredReplicasWithBehaviorRate)", () => {
  const behavior = { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN };
  it("clamps to min/max and limits the first scale-up step by the default policies: max(current + 4, 2 × current)", () => {
    expect(decide({ currentReplicas: 2, proposal: 30, minReplicas: 1, maxReplicas: 10, behavior })).toMatchObject({ desired: 10, nextStep: 6 });
    expect(decide({ currentReplicas: 8, proposal: 30, minReplicas: 1, maxReplicas: 40, behavior })).toMatchObject({ desired: 30, nextStep: 16 });
    expect(decide({ currentReplicas: 5, proposal: 0, minReplicas: 2, maxReplicas: 10, behavior })).toMatchObject({ desired: 2, nextStep: 2, scaleDownDelaySeconds: 300 });
  });
  it("without a behavior: max(2 × current, 4) per step", () => {
    expect(decide({ currentReplicas: 1, proposal: 9, minReplicas: 1, maxReplicas: 10, behavior: null })).toMatchObject({ desired: 9, nextStep: 4 });
  });
  it("zero replicas disable scaling; out-of-range counts go to the bound", () => {
    expect(decide({ currentReplicas: 0, proposal: 5, minReplicas: 1, maxReplicas: 10, behavior })).toMatchObject({ desired: 0 });
    expect(decide({ currentReplicas: 12, proposal: 11, minReplicas: 1, maxReplicas: 10, behavior })).toMatchObject({ desired: 10 });
    expect(decide({ currentReplicas: 1, proposal: 1, minReplicas: 3, maxReplicas: 10, behavior })).toMatchObject({ desired: 3 });
  });
  it("a Pods policy going down and a Disabled policy", () => {
    const down = { stabilizationWindowSeconds: 60, selectPolicy: "Max" as const, policies: [{ type: "Pods" as const, value: 2, periodSeconds: 60 }] };
    expect(decide({ currentReplicas: 10, proposal: 1, minReplicas: 1, maxReplicas: 10, behavior: { scaleUp: DEFAULT_SCALE_UP, scaleDown: down } }))
      .toMatchObject({ desired: 1, nextStep: 8, scaleDownDelaySeconds: 60 });
    const disabled = { ...DEFAULT_SCALE_UP, selectPolicy: "Disabled" as const };
    expect(decide({ currentReplicas: 3, proposal: 6, minReplicas: 1, maxReplicas: 10, behavior: { scaleUp: disabled, scaleDown: DEFAULT_SCALE_DOWN } }))
      .toMatchObject({ desired: 6, nextStep: 3 });
  });
});
