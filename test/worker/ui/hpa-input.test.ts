// The HPA controller's requests as the status page predicts them: k8s.io/metrics pkg/client/custom_metrics/
// versioned_client.go (GetForObject, GetForObjects with `*`, getForNamespace for a Namespace object) and
// external_metrics/client.go, with url.Values.Encode() queries and labels.Selector.String() selectors.
import { describe, expect, it } from "vitest";
import { formInput, HpaInputError, hpaRequestPath, parseHpaYaml, resourceForKind, type MetricCheck } from "../../../src/ui/hpa-input";

const m = (over: Partial<MetricCheck>): MetricCheck => ({ type: "Pods", metric: "rps", metricSelector: "", targetType: "AverageValue", target: "1", targetMilli: 1000n, ...over });

describe("resourceForKind (the RESTMapper's answer)", () => {
  it("built-in kinds by group; other kinds as UnsafeGuessKindToResource", () => {
    expect(resourceForKind("apps/v1", "Deployment")).toBe("deployments.apps");
    expect(resourceForKind("v1", "Service")).toBe("services");
    expect(resourceForKind("networking.k8s.io/v1", "Ingress")).toBe("ingresses.networking.k8s.io");
    expect(resourceForKind("argoproj.io/v1alpha1", "Rollout")).toBe("rollouts.argoproj.io");
    expect(resourceForKind("example.com/v1", "Policy")).toBe("policies.example.com");
    expect(resourceForKind("example.com/v1", "Address")).toBe("addresses.example.com");
  });
});

describe("hpaRequestPath", () => {
  it("Pods: `*`, labelSelector from the scale target, metricLabelSelector, keys sorted and query-escaped", () => {
    expect(hpaRequestPath(m({ metricSelector: "verb in (GET,POST)" }), "shop", "app=web,tier!=db"))
      .toBe("/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/rps?labelSelector=app%3Dweb%2Ctier%21%3Ddb&metricLabelSelector=verb+in+%28GET%2CPOST%29");
    expect(hpaRequestPath(m({}), "shop", "")).toBe("/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/pods/*/rps");
  });
  it("Object: the namespaced form, even for a cluster-scoped kind; a Namespace object is …/namespaces/{hpa ns}/metrics/{m}", () => {
    const node = m({ type: "Object", targetType: "Value", object: { apiVersion: "v1", kind: "Node", name: "n1" } });
    expect(hpaRequestPath(node, "shop", "app=web")).toBe("/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/nodes/n1/rps");
    const ns = m({ type: "Object", targetType: "Value", metricSelector: "a=b", object: { apiVersion: "v1", kind: "Namespace", name: "ignored" } });
    expect(hpaRequestPath(ns, "shop", "")).toBe("/apis/custom.metrics.k8s.io/v1beta2/namespaces/shop/metrics/rps?metricLabelSelector=a%3Db");
  });
  it("External: the metric selector is sent as labelSelector; the pod selector is not sent", () => {
    expect(hpaRequestPath(m({ type: "External", metricSelector: "queue=orders" }), "shop", "app=web"))
      .toBe("/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/rps?labelSelector=queue%3Dorders");
  });
});

describe("reading an HPA", () => {
  it("metric selectors as LabelSelectorAsSelector renders them; External AverageValue wins over Value; behavior and tolerance", () => {
    const input = parseHpaYaml(`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  maxReplicas: 9
  behavior:
    scaleUp: {tolerance: 50m, policies: [{type: Pods, value: 1, periodSeconds: 60}]}
  metrics:
  - type: External
    external:
      metric: {name: q, selector: {matchExpressions: [{key: queue, operator: In, values: [b, a]}], matchLabels: {env: prod}}}
      target: {type: Value, value: "10", averageValue: 2}`, "");
    expect(input).toMatchObject({ namespace: "shop", minReplicas: 1, maxReplicas: 9, tolerances: { scaleUp: 0.05, scaleDown: 0.1 } });
    expect(input.metrics[0]).toMatchObject({ type: "External", metricSelector: "env=prod,queue in (a,b)", targetType: "AverageValue", targetMilli: 2000n });
    expect(input.behavior?.scaleUp.policies).toEqual([{ type: "Pods", value: 1, periodSeconds: 60 }]);
    expect(input.behavior?.scaleDown.stabilizationWindowSeconds).toBeNull();
  });
  it("refuses what the HPA would refuse, and says so", () => {
    const pods = (target: string) => `kind: HorizontalPodAutoscaler\nspec: {maxReplicas: 3, metrics: [{type: Pods, pods: {metric: {name: m}, target: ${target}}}]}`;
    expect(() => parseHpaYaml(pods("{type: Value, value: 1}"), "")).toThrow("a Pods metric's target type must be AverageValue");
    expect(() => parseHpaYaml(pods("{type: AverageValue}"), "")).toThrow("neither a value target nor an average value target was set");
    expect(() => parseHpaYaml(pods("{type: AverageValue, averageValue: 1KB}"), "")).toThrow(HpaInputError);
    expect(() => formInput({ type: "Object", metric: "m", target: "1" })).toThrow("the described object's name is required");
  });
});
