import { resolve } from "node:path";
import { checkServerIdentity } from "node:tls";
import { CliError, parse, readText } from "./lib/args.js";
import { describeTlsError, isLoopbackOrPrivate, isTlsRefusal, looksLikeCloudflare, probe, sniExplanation, type ProbeTarget } from "./lib/probe.js";

export const help = `
Usage: cli check <https://host:port> --ca FILE --client-cert FILE --client-key FILE [options]

Probes the endpoint exactly as kube-apiserver would reach an APIService backed by Service
<service>.<namespace>: TLS with SNI <service>.<namespace>.svc, the CA file as the only trust root (the caBundle),
the front-proxy client certificate, and GET /apis/<group>/<version> for every registered API. One verdict line
per check; exit code 0 only if every check passes.

Checks: TLS handshake; certificate chain (against --ca only); certificate name (<svc>.<ns>.svc);
client certificate accepted; client certificate demanded (a second connection WITHOUT a certificate must be
refused); per API: discovery (200, APIResourceList, right groupVersion) and latency (< 5 s).

Options:
  --ca FILE                 CA certificate = the APIService caBundle (cli pki: pki/ca.crt)
  --client-cert FILE        a client certificate signed by the cluster's front-proxy CA (dev: pki/front-proxy-client.crt)
  --client-key FILE
  --service NAME            (default: custom-metrics-apiserver)
  --namespace NS            (default: custom-metrics)
  --no-external-metrics     do not probe external.metrics.k8s.io/v1beta1
  --timeout-ms N            per request (default: 5000, kube-apiserver's discovery budget)
`;

type Verdict = "PASS" | "FAIL" | "SKIP" | "WARN";

export async function run(argv: string[]): Promise<number> {
  const a = parse(
    argv,
    {
      ca: { type: "string" },
      "client-cert": { type: "string" },
      "client-key": { type: "string" },
      service: { type: "string" },
      namespace: { type: "string" },
      "no-external-metrics": { type: "boolean" },
      "timeout-ms": { type: "string" },
    },
    help,
  );
  if (!a) return 0;
  const v = a.values;
  const endpoint = a.positionals[0];
  if (!endpoint) throw new CliError(`missing endpoint\n${help}`, 2);
  let url: URL;
  try {
    url = new URL(endpoint.includes("://") ? endpoint : `https://${endpoint}`);
  } catch {
    throw new CliError(`not a URL: ${endpoint}`, 2);
  }
  if (url.protocol !== "https:") throw new CliError("kube-apiserver only speaks HTTPS to aggregated APIs; give an https:// endpoint", 2);
  if (!v.ca || !v["client-cert"] || !v["client-key"]) throw new CliError("--ca, --client-cert and --client-key are required", 2);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port ? Number(url.port) : 443;
  const serverName = `${v.service ?? "custom-metrics-apiserver"}.${v.namespace ?? "custom-metrics"}.svc`;
  const timeoutMs = v["timeout-ms"] ? Number(v["timeout-ms"]) : 5000;
  const base: ProbeTarget = {
    host,
    port,
    serverName,
    ca: readText(resolve(v.ca), "CA file"),
    cert: readText(resolve(v["client-cert"]), "client certificate"),
    key: readText(resolve(v["client-key"]), "client key"),
    verify: false,
    timeoutMs,
  };
  const groupVersions = ["custom.metrics.k8s.io/v1beta1", "custom.metrics.k8s.io/v1beta2"];
  if (!v["no-external-metrics"]) groupVersions.push("external.metrics.k8s.io/v1beta1");

  let failures = 0;
  const line = (verdict: Verdict, check: string, detail: string) => {
    if (verdict === "FAIL") failures++;
    process.stdout.write(`${verdict.padEnd(4)}  ${check.padEnd(44)}  ${detail}\n`);
  };
  const note = (text: string) => process.stdout.write(text + "\n");
  note(`check ${url.host} as kube-apiserver: SNI ${serverName}, CA ${v.ca}, client certificate ${v["client-cert"]}`);
  const publicHost = !isLoopbackOrPrivate(host);

  // 1. Handshake with the client certificate, recording what the server presents (verification judged below).
  const first = await probe(base, `/apis/${groupVersions[0]}`);
  if (!first.handshake) {
    const why = describeTlsError(first.error);
    line("FAIL", "TLS handshake", `${why} [${first.error?.code ?? "error"}]`);
    if (isTlsRefusal(first.error) || publicHost || looksLikeCloudflare(host)) note(sniExplanation(host, serverName));
    for (const c of ["certificate chain", "certificate name", "client certificate accepted", "client certificate demanded"]) line("SKIP", c, "no handshake");
    note(`verdict: kube-apiserver could NOT use this endpoint (${failures} check(s) failed)`);
    return 1;
  }
  line("PASS", "TLS handshake", `${first.protocol} with SNI ${serverName}`);

  const subject = first.peer?.subject?.CN ?? "?";
  const issuer = first.peer?.issuer?.CN ?? "?";
  if (first.authorized) line("PASS", "certificate chain", `"${subject}" issued by "${issuer}" verifies against ${v.ca}`);
  else line("FAIL", "certificate chain", `${first.authorizationError ?? "not verified"}: "${subject}" issued by "${issuer}" does not chain to ${v.ca} (the caBundle)`);

  const nameError = first.peer ? checkServerIdentity(serverName, first.peer) : new Error("no certificate");
  if (!nameError) line("PASS", "certificate name", `valid for ${serverName}`);
  else line("FAIL", "certificate name", `not valid for ${serverName} (${first.peer?.subjectaltname ?? "no SANs"})`);
  if ((nameError || !first.authorized) && (publicHost || looksLikeCloudflare(host, first.peer))) note(sniExplanation(host, serverName));

  if (first.status !== undefined) line("PASS", "client certificate accepted", `server answered HTTP ${first.status} over the mTLS connection`);
  else line("FAIL", "client certificate accepted", `${describeTlsError(first.error)} — is the server's trusted client CA the cluster's front-proxy CA?`);

  // 2. A second connection without a client certificate must be refused during the handshake.
  const anonymous = await probe({ ...base, cert: undefined, key: undefined }, `/apis/${groupVersions[0]}`);
  if (anonymous.status !== undefined) {
    line("FAIL", "client certificate demanded", `server answered HTTP ${anonymous.status} to a client WITHOUT a certificate; anyone could forge X-Remote-User`);
  } else if (isTlsRefusal(anonymous.error) || /certificate/i.test(describeTlsError(anonymous.error))) {
    line("PASS", "client certificate demanded", `refused without a certificate: ${describeTlsError(anonymous.error)}`);
  } else {
    line("FAIL", "client certificate demanded", `inconclusive: ${describeTlsError(anonymous.error)}`);
  }

  // 3. Discovery for each registered API, verified exactly like kube-apiserver (chain + name), 5 s budget.
  for (const gv of groupVersions) {
    const r = await probe({ ...base, verify: true }, `/apis/${gv}`);
    if (r.status === undefined) {
      line("FAIL", `discovery ${gv}`, describeTlsError(r.error));
    } else if (r.status < 200 || r.status > 299) {
      line("FAIL", `discovery ${gv}`, `HTTP ${r.status} (kube-aggregator marks the APIService unavailable on any non-2xx): ${r.body?.slice(0, 200)}`);
    } else {
      let doc: { kind?: unknown; groupVersion?: unknown; resources?: unknown } | undefined;
      try {
        doc = JSON.parse(r.body ?? "");
      } catch {
        /* judged below */
      }
      if (!doc || doc.kind !== "APIResourceList") line("FAIL", `discovery ${gv}`, `HTTP ${r.status} but not an APIResourceList (content-type ${r.contentType}): ${r.body?.slice(0, 120)}`);
      else if (doc.groupVersion !== gv) line("FAIL", `discovery ${gv}`, `APIResourceList for groupVersion ${JSON.stringify(doc.groupVersion)}, expected ${gv}`);
      else if (!Array.isArray(doc.resources)) line("FAIL", `discovery ${gv}`, `APIResourceList without a resources array`);
      else line("PASS", `discovery ${gv}`, `HTTP ${r.status} APIResourceList, ${doc.resources.length} resource(s)`);
    }
    if (r.elapsedMs < 5000 && r.status !== undefined) line("PASS", `latency ${gv}`, `${r.elapsedMs} ms (< 5000 ms, new connection)`);
    else if (r.status === undefined) line(r.elapsedMs < 5000 ? "SKIP" : "FAIL", `latency ${gv}`, `${r.elapsedMs} ms, no response`);
    else line("FAIL", `latency ${gv}`, `${r.elapsedMs} ms (kube-apiserver gives up after 5000 ms)`);
  }

  note(
    failures === 0
      ? `verdict: kube-apiserver would accept this endpoint (all checks passed)`
      : `verdict: kube-apiserver could NOT use this endpoint (${failures} check(s) failed)`,
  );
  return failures === 0 ? 0 : 1;
}
