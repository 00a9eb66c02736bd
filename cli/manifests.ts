/**
 * `manifests`: renders the committed kustomize base (deploy/k8s) with the values only the user knows: the
 * caBundle, where the edge node or bridge is, and its port. Two ways to say where:
 *  - `--external-name HOST`: an ExternalName Service (the base as committed);
 *  - `--endpoint-ip IP`: a Service without selector plus an EndpointSlice with that address, taken from
 *    deploy/overlays/endpoint-slice. Clusters with aggregator routing on (k3s, RKE2) refuse ExternalName:
 *    kube-apiserver resolves the Service to an endpoint itself (k8s.io/apiserver pkg/util/proxy/proxy.go
 *    ResolveEndpoint accepts only ClusterIP, NodePort and LoadBalancer Services, and picks the EndpointSlice
 *    port named like the Service port).
 * The overlay's files are the template, so `kubectl kustomize deploy/overlays/endpoint-slice` and this command
 * cannot disagree about the shape.
 */
import { readFileSync, readdirSync, rmSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { isIP } from "node:net";
import { parseAllDocuments, stringify } from "yaml";
import { CliError, int, parse, readText, UsageError, writeText } from "./lib/args.js";
import { projectRoot } from "./lib/build.js";

export const help = `
Usage: cli manifests --ca FILE --external-name HOST --port N [options]
       cli manifests --ca FILE --endpoint-ip IP --port N [options]

Renders the committed kustomize base deploy/k8s into --out with the real values:
  caBundle        base64 of --ca (the CA that signed the serving certificate: pki/ca.crt)
  port            --port, the aggregator socket's port (APIService spec.service.port)
and where kube-apiserver finds the edge node or bridge, one of:
  --external-name HOST   an ExternalName Service naming HOST (a DNS name; ExternalName cannot hold an IP address)
  --endpoint-ip IP       a Service without selector plus an EndpointSlice holding IP (deploy/overlays/endpoint-slice).
                         Needed where aggregator routing is on (k3s and RKE2 by default), which refuses ExternalName;
                         works everywhere else too. Not a loopback or link-local address (the API server refuses those).
Writes one file per source file (namespace.yaml, service-external-name.yaml or service-endpoint-slice.yaml,
custom-metrics.yaml, external-metrics.yaml unless --no-external-metrics, hpa-rbac.yaml), kustomization.yaml and
all.yaml. Apply with \`kubectl apply -k <out>\` (or -f <out>/all.yaml).

Options:
  --out DIR                 (default: deploy/rendered)
  --ca FILE                 required
  --external-name HOST      see above (e.g. edge-metrics.example.com, or <ip>.nip.io for a test)
  --endpoint-ip IP          see above
  --port N                  required (e.g. 8443)
  --service NAME            Service name (default: custom-metrics-apiserver; must match \`cli pki --service\`)
  --namespace NS            Service namespace (default: custom-metrics; must match \`cli pki --namespace\`)
  --no-external-metrics     leave out the v1beta1.external.metrics.k8s.io APIService
  --source DIR              base to render (default: deploy/k8s)
`;

export const options = {
  out: { type: "string" },
  ca: { type: "string" },
  "external-name": { type: "string" },
  "endpoint-ip": { type: "string" },
  port: { type: "string" },
  service: { type: "string" },
  namespace: { type: "string" },
  "no-external-metrics": { type: "boolean" },
  source: { type: "string" },
} as const;

type Doc = { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, any>; [k: string]: any };

export type Backend = { externalName: string } | { endpointIp: string };

export interface RenderOptions {
  caPem: string;
  backend: Backend;
  port: number;
  service: string;
  namespace: string;
  externalMetrics: boolean;
  source: string;
  /** The EndpointSlice variant's files (default deploy/overlays/endpoint-slice). */
  endpointSliceSource?: string;
}

const readDocs = (path: string, file: string): Doc[] =>
  parseAllDocuments(readFileSync(path, "utf8"))
    .map((d) => {
      if (d.errors.length) throw new CliError(`${file}: ${d.errors[0]!.message}`);
      return d.toJS() as Doc;
    })
    .filter(Boolean);

/** The Service and EndpointSlice of the EndpointSlice variant, filled in. */
function endpointSliceDocs(o: RenderOptions, ip: string): Doc[] {
  const dir = o.endpointSliceSource ?? join(projectRoot(), "deploy/overlays/endpoint-slice");
  const [svc] = readDocs(join(dir, "service.yaml"), "service.yaml");
  const [slice] = readDocs(join(dir, "endpoint-slice.yaml"), "endpoint-slice.yaml");
  if (!svc?.spec || !slice) throw new CliError(`${dir} does not hold the EndpointSlice variant (service.yaml, endpoint-slice.yaml)`);
  delete svc.spec.$patch; // a kustomize directive, not part of the object
  svc.metadata = { ...svc.metadata, name: o.service, namespace: o.namespace };
  const portName = svc.spec.ports[0].name as string;
  svc.spec.ports = [{ ...svc.spec.ports[0], port: o.port, targetPort: o.port }];
  slice.metadata = {
    ...slice.metadata,
    name: `${o.service}-edge`,
    namespace: o.namespace,
    labels: { ...slice.metadata?.labels, "kubernetes.io/service-name": o.service },
  };
  slice.addressType = isIP(ip) === 6 ? "IPv6" : "IPv4";
  slice.endpoints = [{ ...slice.endpoints[0], addresses: [ip] }];
  slice.ports = [{ ...slice.ports[0], name: portName, port: o.port }];
  return [svc, slice];
}

/** Returns file name → YAML text for the rendered kustomization. */
export function render(o: RenderOptions): Map<string, string> {
  const files = new Map<string, string>();
  const caBundle = Buffer.from(o.caPem).toString("base64");
  const kustomization = readDocs(join(o.source, "kustomization.yaml"), "kustomization.yaml")[0] as { resources: string[] };
  const resources: string[] = [];
  for (const file of kustomization.resources) {
    let name = file;
    const out: Doc[] = [];
    for (const doc of readDocs(join(o.source, file), file)) {
      if (doc.kind === "Namespace" && doc.metadata) doc.metadata.name = o.namespace;
      if (doc.kind === "Service" && doc.metadata && doc.spec) {
        if ("endpointIp" in o.backend) {
          out.push(...endpointSliceDocs(o, o.backend.endpointIp));
          name = "service-endpoint-slice.yaml";
          continue;
        }
        doc.metadata.name = o.service;
        doc.metadata.namespace = o.namespace;
        doc.spec.externalName = o.backend.externalName;
      }
      if (doc.kind === "APIService" && doc.spec) {
        if (!o.externalMetrics && doc.spec.group === "external.metrics.k8s.io") continue;
        doc.spec.caBundle = caBundle;
        doc.spec.service = { name: o.service, namespace: o.namespace, port: o.port };
      }
      out.push(doc);
    }
    if (out.length === 0) continue;
    resources.push(name);
    files.set(name, out.map((d) => stringify(d)).join("---\n"));
  }
  files.set("kustomization.yaml", stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources }));
  files.set("all.yaml", resources.map((r) => files.get(r)!).join("---\n"));
  return files;
}

/** Why kube-apiserver would refuse this EndpointSlice address (kubernetes/kubernetes pkg/apis/core/validation ValidateEndpointIP). */
export function endpointIpProblem(ip: string): string | null {
  let v4 = isIP(ip) === 4 ? ip : null;
  if (isIP(ip) === 0) return "is not an IP address";
  if (!v4) {
    const low = new URL(`http://[${ip}]`).hostname.slice(1, -1); // canonical: "::", "::1", "::ffff:7f00:1" whatever the spelling
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(low); // Go treats IPv4-mapped addresses as IPv4
    if (mapped) {
      const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
      v4 = [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
    } else {
      if (low === "::") return "is unspecified";
      if (low === "::1") return "is a loopback address (::1)";
      if (/^fe[89ab]/.test(low)) return "is link-local (fe80::/10)";
      if (/^ff02:/.test(low)) return "is link-local multicast (ff02::/16)";
      return null;
    }
  }
  const [a, b, c] = v4.split(".").map(Number) as [number, number, number];
  if (v4 === "0.0.0.0") return "is unspecified";
  if (a === 127) return "is a loopback address (127.0.0.0/8)";
  if (a === 169 && b === 254) return "is link-local (169.254.0.0/16)";
  if (a === 224 && b === 0 && c === 0) return "is link-local multicast (224.0.0.0/24)";
  return null;
}

export async function run(argv: string[]): Promise<number> {
  const a = parse(argv, options, help, { positionals: [] });
  if (!a) return 0;
  const v = a.values;
  if (!v.ca || !v.port || (!v["external-name"] && !v["endpoint-ip"])) throw new UsageError("--ca, --port and one of --external-name or --endpoint-ip are required");
  if (v["external-name"] && v["endpoint-ip"]) throw new UsageError("--external-name and --endpoint-ip exclude each other (one Service type or the other)");
  let backend: Backend;
  if (v["endpoint-ip"]) {
    const ip = v["endpoint-ip"];
    const problem = endpointIpProblem(ip);
    if (problem) throw new UsageError(`--endpoint-ip ${ip} ${problem}; kube-apiserver refuses such EndpointSlice addresses. Give the address kube-apiserver reaches the edge node or bridge at`);
    backend = { endpointIp: ip };
  } else {
    const host = v["external-name"]!;
    if (isIP(host)) throw new UsageError(`--external-name must be a DNS name, not an IP address (${host}); for an address use --endpoint-ip ${host}`);
    if (!/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i.test(host)) {
      throw new UsageError(`--external-name is not a valid DNS name: ${host}`);
    }
    backend = { externalName: host };
  }
  const port = int(v.port, 0, "port");
  if (port === 0) throw new UsageError("--port must be 1-65535");
  const caPem = readText(resolve(v.ca), "CA certificate");
  if (!caPem.includes("BEGIN CERTIFICATE")) throw new CliError(`${v.ca} is not a PEM certificate`);
  const out = resolve(v.out ?? "deploy/rendered");
  const files = render({
    caPem,
    backend,
    port,
    service: v.service ?? "custom-metrics-apiserver",
    namespace: v.namespace ?? "custom-metrics",
    externalMetrics: !v["no-external-metrics"],
    source: resolve(v.source ?? join(projectRoot(), "deploy/k8s")),
  });
  if (existsSync(out)) for (const f of readdirSync(out)) if (f.endsWith(".yaml")) rmSync(join(out, f));
  for (const [name, text] of files) writeText(join(out, name), text);
  process.stdout.write(`rendered ${[...files.keys()].map((f) => join(out, f)).join(", ")}\n`);
  process.stdout.write(`apply:   kubectl apply -k ${out}\n`);
  return 0;
}
