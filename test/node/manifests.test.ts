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

describe("deploy/k8s file names", () => {
  it("deployment.yaml (kept for references made before the split) holds exactly the objects of the files it was split into", async () => {
    const objsOf = (file: string) => parseAllDocuments(read(join(ROOT, "deploy/k8s", file))).map((d) => d.toJS() as Obj).filter(Boolean);
    const split = ["namespace.yaml", "service-external-name.yaml", "custom-metrics.yaml", "hpa-rbac.yaml"].flatMap(objsOf);
    expect(objsOf("deployment.yaml")).toEqual(split);
    expect(objsOf("deployment.yaml").map((o) => o.kind)).not.toContain("Deployment");
  });

  it("deploy/overlays/endpoint-slice: a ClusterIP Service without selector and an EndpointSlice whose port name matches", async () => {
    const o = await kustomize(join(ROOT, "deploy/overlays/endpoint-slice"));
    const svc = find(o, "Service", "custom-metrics-apiserver")!;
    expect(svc.spec).toEqual({ type: "ClusterIP", ports: [{ name: "https", protocol: "TCP", port: 8443, targetPort: 8443 }] });
    const slice = o.find((x) => x.kind === "EndpointSlice") as Obj & { addressType: string; endpoints: any[]; ports: any[]; metadata: { labels: Record<string, string> } };
    expect(slice.metadata.labels["kubernetes.io/service-name"]).toBe("custom-metrics-apiserver");
    expect(slice.metadata.labels["endpointslice.kubernetes.io/managed-by"]).not.toBe("endpointslice-controller.k8s.io");
    expect(slice.ports).toEqual([{ name: "https", protocol: "TCP", port: 8443 }]);
    expect(o.filter((x) => x.kind === "APIService")).toHaveLength(3);
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

  it("refuses an IP address as ExternalName (pointing at --endpoint-ip) and missing arguments", async () => {
    const ip = await cli(["manifests", "--ca", pki.ca, "--external-name", "10.0.0.5", "--port", "8443"]);
    expect(ip.status).toBe(2);
    expect(ip.stderr).toMatch(/for an address use --endpoint-ip 10\.0\.0\.5/);
    expect((await cli(["manifests", "--ca", pki.ca, "--port", "8443"])).status).toBe(2);
  });

  it("--endpoint-ip: a Service without selector and an EndpointSlice with the address, the same shape as the overlay", async () => {
    const out = tempDir("rendered-slice");
    const r = await cli(["manifests", "--out", out, "--ca", pki.ca, "--endpoint-ip", "198.18.7.2", "--port", "9443", "--service", "edge", "--namespace", "monitoring"]);
    expect(r.status, r.stderr).toBe(0);
    const o = await kustomize(out);
    const svc = find(o, "Service", "edge")!;
    expect(svc.metadata.namespace).toBe("monitoring");
    expect(svc.spec).toEqual({ type: "ClusterIP", ports: [{ name: "https", protocol: "TCP", port: 9443, targetPort: 9443 }] });
    expect(svc.spec.selector).toBeUndefined();
    const slice = o.find((x) => x.kind === "EndpointSlice") as any;
    expect(slice.metadata).toMatchObject({ name: "edge-edge", namespace: "monitoring", labels: { "kubernetes.io/service-name": "edge" } });
    expect(slice.addressType).toBe("IPv4");
    expect(slice.endpoints).toEqual([{ addresses: ["198.18.7.2"], conditions: { ready: true } }]);
    expect(slice.ports).toEqual([{ name: "https", protocol: "TCP", port: 9443 }]);
    for (const a of o.filter((x) => x.kind === "APIService")) expect(a.spec.service).toEqual({ name: "edge", namespace: "monitoring", port: 9443 });
    expect(read(join(out, "kustomization.yaml"))).toContain("service-endpoint-slice.yaml");
    // The same objects as kustomize makes from the overlay, but for the values.
    const overlay = await kustomize(join(ROOT, "deploy/overlays/endpoint-slice"));
    const shape = (objs: Obj[]) => objs.map((x) => `${x.kind}`).sort();
    expect(shape(o)).toEqual(shape(overlay));
  });

  it("--endpoint-ip with an IPv6 address: addressType IPv6", async () => {
    const out = tempDir("rendered-slice6");
    expect((await cli(["manifests", "--out", out, "--ca", pki.ca, "--endpoint-ip", "2001:db8::7", "--port", "8443"])).status).toBe(0);
    expect(((await kustomize(out)).find((x) => x.kind === "EndpointSlice") as any).addressType).toBe("IPv6");
  });

  it("--endpoint-ip refuses what kube-apiserver refuses: loopback, link-local, unspecified; and goes with --external-name never", async () => {
    for (const [ip, why] of [["127.0.0.1", "loopback"], ["::1", "loopback"], ["::ffff:127.0.0.2", "loopback"], ["169.254.1.1", "link-local"], ["fe80::1", "link-local"], ["0.0.0.0", "unspecified"], ["edge.example", "not an IP"]]) {
      const r = await cli(["manifests", "--ca", pki.ca, "--endpoint-ip", ip!, "--port", "8443", "--out", tempDir("x")]);
      expect(r.status, ip).toBe(2);
      expect(r.stderr, ip).toContain(why);
    }
    const both = await cli(["manifests", "--ca", pki.ca, "--endpoint-ip", "198.18.0.2", "--external-name", "a.example", "--port", "8443"]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/exclude each other/);
  });
});
