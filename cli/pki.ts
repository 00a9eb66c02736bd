import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CliError, parse, readText, UsageError, writeText } from "./lib/args.js";
import { createCA, daysLeft, dnsNamesOf, issue, issuedBy, loadSigner, serviceDnsNames } from "./lib/pki.js";

export const help = `
Usage: cli pki [options]

Creates (idempotently) the PKI the aggregator-facing endpoint needs, in --out:
  ca.crt, ca.key           project CA; ca.crt is the APIService caBundle (never overwritten without --force)
  server.crt, server.key   serving certificate for <service>.<namespace>.svc (SANs: also .svc.cluster.local,
                           <service>.<namespace>, <service>); reissued when missing, for other names, not signed
                           by ca.crt, or expiring within 30 days
  front-proxy-ca.crt       the cluster's front-proxy (requestheader) CA, copied from --front-proxy-ca
With --dev-front-proxy (local testing only, stands in for a cluster):
  front-proxy-ca.crt/.key, front-proxy-client.crt/.key (CN front-proxy-client, clientAuth)

Options:
  --out DIR                 output directory (default: pki)
  --service NAME            Service name (default: custom-metrics-apiserver)
  --namespace NS            Service namespace (default: custom-metrics)
  --front-proxy-ca FILE     the cluster's front-proxy CA certificate (on kubeadm: /etc/kubernetes/pki/front-proxy-ca.crt;
                            also in ConfigMap kube-system/extension-apiserver-authentication, key requestheader-client-ca-file)
  --dev-front-proxy         generate a stand-in front-proxy CA and client certificate (kept unless --force)
  --days N                  serving certificate lifetime in days (default: 825)
  --force                   regenerate everything, including the CA
`;

export const options = {
  out: { type: "string" },
  service: { type: "string" },
  namespace: { type: "string" },
  "front-proxy-ca": { type: "string" },
  "dev-front-proxy": { type: "boolean" },
  days: { type: "string" },
  force: { type: "boolean" },
} as const;

export async function run(argv: string[]): Promise<number> {
  const a = parse(argv, options, help, { positionals: [] });
  if (!a) return 0;
  const v = a.values;
  const out = resolve(v.out ?? "pki");
  const service = v.service ?? "custom-metrics-apiserver";
  const namespace = v.namespace ?? "custom-metrics";
  const force = !!v.force;
  const days = v.days ? Number(v.days) : 825;
  if (!Number.isFinite(days) || days <= 0) throw new UsageError("--days must be a positive number");
  const p = (f: string) => join(out, f);
  const say = (s: string) => process.stdout.write(s + "\n");

  // 1. Project CA.
  if (!force && existsSync(p("ca.crt")) && existsSync(p("ca.key"))) {
    say(`kept      ${p("ca.crt")} (existing CA; --force replaces it and invalidates the caBundle)`);
  } else {
    if (!force && (existsSync(p("ca.crt")) || existsSync(p("ca.key")))) {
      throw new CliError(`${out} holds only half of a CA (ca.crt/ca.key); restore it or pass --force`);
    }
    const ca = await createCA(`edge-metrics-adapter-ca (${service}.${namespace})`);
    writeText(p("ca.key"), ca.keyPem, 0o600);
    writeText(p("ca.crt"), ca.certPem);
    say(`created   ${p("ca.crt")}`);
  }
  const caPem = readText(p("ca.crt"), "CA certificate");
  const signer = await loadSigner(caPem, readText(p("ca.key"), "CA key"));

  // 2. Serving certificate.
  const names = serviceDnsNames(service, namespace);
  let reason = force ? "--force" : "";
  if (!reason) {
    if (!existsSync(p("server.crt")) || !existsSync(p("server.key"))) reason = "missing";
    else {
      const pem = readText(p("server.crt"), "server certificate");
      if (dnsNamesOf(pem).join(",") !== names.join(",")) reason = "names changed";
      else if (!issuedBy(pem, caPem)) reason = "not issued by ca.crt";
      else if (daysLeft(pem) < 30) reason = "expires within 30 days";
    }
  }
  if (reason) {
    const leaf = await issue(signer, { commonName: names[0]!, dnsNames: names, usage: "server", days });
    writeText(p("server.key"), leaf.keyPem, 0o600);
    writeText(p("server.crt"), leaf.certPem);
    say(`created   ${p("server.crt")} for ${names.join(", ")} (${reason})`);
  } else {
    say(`kept      ${p("server.crt")} for ${names.join(", ")}`);
  }

  // 3. Front-proxy CA: the cluster's, or a stand-in for local tests.
  if (v["front-proxy-ca"]) {
    const pem = readText(resolve(v["front-proxy-ca"]), "front-proxy CA");
    if (!pem.includes("BEGIN CERTIFICATE")) throw new CliError(`${v["front-proxy-ca"]} is not a PEM certificate`);
    writeText(p("front-proxy-ca.crt"), pem);
    say(`copied    ${p("front-proxy-ca.crt")} from ${v["front-proxy-ca"]}`);
  } else if (v["dev-front-proxy"]) {
    if (!force && existsSync(p("front-proxy-ca.crt")) && existsSync(p("front-proxy-ca.key"))) {
      say(`kept      ${p("front-proxy-ca.crt")} (dev stand-in)`);
    } else {
      const fp = await createCA("edge-metrics-adapter dev front-proxy-ca");
      writeText(p("front-proxy-ca.key"), fp.keyPem, 0o600);
      writeText(p("front-proxy-ca.crt"), fp.certPem);
      say(`created   ${p("front-proxy-ca.crt")} (dev stand-in; use the cluster's in production)`);
    }
    const fpPem = readText(p("front-proxy-ca.crt"), "front-proxy CA");
    if (force || !existsSync(p("front-proxy-client.crt")) || !issuedBy(readText(p("front-proxy-client.crt"), "client cert"), fpPem)) {
      const fpSigner = await loadSigner(fpPem, readText(p("front-proxy-ca.key"), "front-proxy CA key"));
      const client = await issue(fpSigner, { commonName: "front-proxy-client", usage: "client", days: 365 });
      writeText(p("front-proxy-client.key"), client.keyPem, 0o600);
      writeText(p("front-proxy-client.crt"), client.certPem);
      say(`created   ${p("front-proxy-client.crt")} (CN front-proxy-client)`);
    } else {
      say(`kept      ${p("front-proxy-client.crt")}`);
    }
  } else if (!existsSync(p("front-proxy-ca.crt"))) {
    say(`note      no front-proxy CA yet: pass --front-proxy-ca <cluster front-proxy-ca.crt> (or --dev-front-proxy to test locally)`);
  }
  return 0;
}
