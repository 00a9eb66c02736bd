import { readFileSync, readdirSync, rmSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { isIP } from "node:net";
import { parseAllDocuments, stringify } from "yaml";
import { CliError, int, parse, readText, writeText } from "./lib/args.js";
import { projectRoot } from "./lib/build.js";

export const help = `
Usage: cli manifests --ca FILE --external-name HOST --port N [options]

Renders the committed kustomize base deploy/k8s into --out with the real values:
  caBundle        base64 of --ca (the CA that signed the serving certificate: pki/ca.crt)
  externalName    --external-name, the DNS name kube-apiserver uses to reach the edge node or bridge
  port            --port, the aggregator socket's port (APIService spec.service.port)
Writes <out>/deployment.yaml, <out>/external-metrics.yaml (unless --no-external-metrics), <out>/kustomization.yaml
and <out>/all.yaml. Apply with \`kubectl apply -k <out>\` (or -f <out>/all.yaml).

Options:
  --out DIR                 (default: deploy/rendered)
  --ca FILE                 required
  --external-name HOST      required; a DNS name (ExternalName cannot hold an IP address — use a DNS record, or
                            e.g. <ip>.nip.io for a test)
  --port N                  required (e.g. 8443)
  --service NAME            Service name (default: custom-metrics-apiserver; must match \`cli pki --service\`)
  --namespace NS            Service namespace (default: custom-metrics; must match \`cli pki --namespace\`)
  --no-external-metrics     leave out the v1beta1.external.metrics.k8s.io APIService
  --source DIR              base to render (default: deploy/k8s)
`;

type Doc = { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: Record<string, any>; subjects?: unknown };

export interface RenderOptions {
  caPem: string;
  externalName: string;
  port: number;
  service: string;
  namespace: string;
  externalMetrics: boolean;
  source: string;
}

/** Returns file name → YAML text for the rendered kustomization. */
export function render(o: RenderOptions): Map<string, string> {
  const files = new Map<string, string>();
  const caBundle = Buffer.from(o.caPem).toString("base64");
  const kustomization = parseAllDocuments(readFileSync(join(o.source, "kustomization.yaml"), "utf8"))[0]!.toJS() as { resources: string[] };
  const resources = kustomization.resources.filter((r) => o.externalMetrics || r !== "external-metrics.yaml");
  for (const file of resources) {
    const docs = parseAllDocuments(readFileSync(join(o.source, file), "utf8")).map((d) => {
      if (d.errors.length) throw new CliError(`${file}: ${d.errors[0]!.message}`);
      return d.toJS() as Doc;
    });
    const out: Doc[] = [];
    for (const doc of docs) {
      if (!doc) continue;
      if (doc.kind === "Namespace" && doc.metadata) doc.metadata.name = o.namespace;
      if (doc.kind === "Service" && doc.metadata && doc.spec) {
        doc.metadata.name = o.service;
        doc.metadata.namespace = o.namespace;
        doc.spec.externalName = o.externalName;
      }
      if (doc.kind === "APIService" && doc.spec) {
        doc.spec.caBundle = caBundle;
        doc.spec.service = { name: o.service, namespace: o.namespace, port: o.port };
      }
      out.push(doc);
    }
    files.set(file, out.map((d) => stringify(d)).join("---\n"));
  }
  files.set(
    "kustomization.yaml",
    stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources }),
  );
  files.set("all.yaml", resources.map((r) => files.get(r)!).join("---\n"));
  return files;
}

export async function run(argv: string[]): Promise<number> {
  const a = parse(
    argv,
    {
      out: { type: "string" },
      ca: { type: "string" },
      "external-name": { type: "string" },
      port: { type: "string" },
      service: { type: "string" },
      namespace: { type: "string" },
      "no-external-metrics": { type: "boolean" },
      source: { type: "string" },
    },
    help,
  );
  if (!a) return 0;
  const v = a.values;
  if (!v.ca || !v["external-name"] || !v.port) throw new CliError(`--ca, --external-name and --port are required\n${help}`, 2);
  const host = v["external-name"];
  if (isIP(host)) throw new CliError(`--external-name must be a DNS name, not an IP address (${host}); kube-apiserver resolves ExternalName via DNS`, 2);
  if (!/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i.test(host)) {
    throw new CliError(`--external-name is not a valid DNS name: ${host}`, 2);
  }
  const port = int(v.port, 0, "port");
  if (port === 0) throw new CliError("--port must be 1-65535", 2);
  const caPem = readText(resolve(v.ca), "CA certificate");
  if (!caPem.includes("BEGIN CERTIFICATE")) throw new CliError(`${v.ca} is not a PEM certificate`);
  const out = resolve(v.out ?? "deploy/rendered");
  const files = render({
    caPem,
    externalName: host,
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
