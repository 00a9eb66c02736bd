/**
 * deploy/k8s renders with `kubectl kustomize` (the committed base and the custom-only overlay), and
 * `cli manifests` fills in the real caBundle, ExternalName host and port.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, cli, kubectl, ROOT, tempDir, testPki, type TestPki } from "../harness";

const read = (p: string) => readFileSync(p, "utf8");

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any; rules?: any[]; subjects?: any[]; roleRef?: any };

async function kustomize(dir: string): Promise<Obj[]> {
  const r = await kubectl(["kustomize", dir]);
  expect(r.status, r.stderr).toBe(0);
  return parseAllDocuments(r.stdout).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Obj;
  });
}
const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

let pki: TestPki;
beforeAll(async () => {
  pki = await testPki(tempDir("pki"));
});
afterAll(cleanup);

describe("deploy/k8s (committed base)", () => {
  const objs = () => kustomize(join(ROOT, "deploy/k8s"));

  it("renders with kubectl kustomize: Namespace, ExternalName Service, three APIServices, RBAC", async () => {
    const o = await objs();
    expect(find(o, "Namespace", "custom-metrics")).toBeTruthy();
    const svc = find(o, "Service", "custom-metrics-apiserver")!;
    expect(svc.metadata.namespace).toBe("custom-metrics");
    expect(svc.spec.type).toBe("ExternalName");
    expect(typeof svc.spec.externalName).toBe("string");

    const v1 = find(o, "APIService", "v1beta1.custom.metrics.k8s.io")!;
    const v2 = find(o, "APIService", "v1beta2.custom.metrics.k8s.io")!;
    const ext = find(o, "APIService", "v1beta1.external.metrics.k8s.io")!;
    expect(v1.spec).toMatchObject({ group: "custom.metrics.k8s.io", version: "v1beta1", versionPriority: 100, groupPriorityMinimum: 100 });
    expect(v2.spec).toMatchObject({ group: "custom.metrics.k8s.io", version: "v1beta2", versionPriority: 200, groupPriorityMinimum: 100 });
    expect(ext.spec).toMatchObject({ group: "external.metrics.k8s.io", version: "v1beta1" });
    for (const a of [v1, v2, ext]) {
      expect(a.spec.service).toMatchObject({ name: "custom-metrics-apiserver", namespace: "custom-metrics" });
      expect(a.spec.caBundle).toBeTruthy(); // placeholder until `cli manifests`
      expect(a.spec.insecureSkipTLSVerify).toBe(false);
    }

    const binding = o.find((x) => x.kind === "ClusterRoleBinding")!;
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "horizontal-pod-autoscaler", namespace: "kube-system" }]);
    const role = find(o, "ClusterRole", binding.roleRef.name)!;
    const groups = role.rules!.flatMap((r) => r.apiGroups);
    expect(groups).toEqual(expect.arrayContaining(["custom.metrics.k8s.io", "external.metrics.k8s.io"]));
    expect(role.rules!.flatMap((r) => r.verbs)).toEqual(expect.arrayContaining(["get", "list"]));
  });

  it("deploy/overlays/custom-only leaves out the external metrics APIService", async () => {
    const o = await kustomize(join(ROOT, "deploy/overlays/custom-only"));
    expect(o.filter((x) => x.kind === "APIService").map((x) => x.metadata.name).sort()).toEqual(["v1beta1.custom.metrics.k8s.io", "v1beta2.custom.metrics.k8s.io"]);
  });
});

describe("cli manifests", () => {
  it("renders the real caBundle, ExternalName host and port", async () => {
    const out = tempDir("rendered");
    const r = await cli(["manifests", "--out", out, "--ca", pki.ca, "--external-name", "edge-metrics.example.net", "--port", "9443"]);
    expect(r.status, r.stderr).toBe(0);
    const o = await kustomize(out);
    expect(find(o, "Service", "custom-metrics-apiserver")!.spec.externalName).toBe("edge-metrics.example.net");
    const apiservices = o.filter((x) => x.kind === "APIService");
    expect(apiservices).toHaveLength(3);
    for (const a of apiservices) {
      expect(Buffer.from(a.spec.caBundle, "base64").toString()).toBe(read(pki.ca));
      expect(a.spec.service.port).toBe(9443);
    }
    // all.yaml is the same set for `kubectl apply -f`
    const all = parseAllDocuments(read(join(out, "all.yaml"))).map((d) => d.toJS() as Obj);
    expect(all.map((x) => `${x.kind}/${x.metadata.name}`).sort()).toEqual(o.map((x) => `${x.kind}/${x.metadata.name}`).sort());
  });

  it("--no-external-metrics leaves out v1beta1.external.metrics.k8s.io", async () => {
    const out = tempDir("rendered-custom");
    const r = await cli(["manifests", "--out", out, "--ca", pki.ca, "--external-name", "edge-metrics.example.net", "--port", "8443", "--no-external-metrics"]);
    expect(r.status, r.stderr).toBe(0);
    const names = (await kustomize(out)).filter((x) => x.kind === "APIService").map((x) => x.metadata.name);
    expect(names.sort()).toEqual(["v1beta1.custom.metrics.k8s.io", "v1beta2.custom.metrics.k8s.io"]);
  });

  it("--service/--namespace rename the Service and every APIService reference consistently", async () => {
    const out = tempDir("rendered-renamed");
    const r = await cli(["manifests", "--out", out, "--ca", pki.ca, "--external-name", "edge.example.net", "--port", "443", "--service", "metrics-edge", "--namespace", "monitoring"]);
    expect(r.status, r.stderr).toBe(0);
    const o = await kustomize(out);
    expect(find(o, "Service", "metrics-edge")!.metadata.namespace).toBe("monitoring");
    expect(find(o, "Namespace", "monitoring")).toBeTruthy();
    for (const a of o.filter((x) => x.kind === "APIService")) expect(a.spec.service).toEqual({ name: "metrics-edge", namespace: "monitoring", port: 443 });
  });

  it("refuses an IP address as ExternalName and missing arguments", async () => {
    expect((await cli(["manifests", "--ca", pki.ca, "--external-name", "10.0.0.5", "--port", "8443"])).status).toBe(2);
    expect((await cli(["manifests", "--ca", pki.ca, "--port", "8443"])).status).toBe(2);
  });
});
