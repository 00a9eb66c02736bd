/**
 * `check`: what kube-apiserver will think of an APIService backend, before registering it. One verdict per
 * check, and when a check fails, the likely mistake in the user's terms: a plain-HTTP port, a `--service` that
 * does not match the certificate, a Cloudflare hostname. Managed control planes (EKS, GKE, AKS) never hand
 * out the front-proxy client certificate, so `--no-client-cert` checks everything else and lists what it
 * could not check.
 */
import { resolve } from "node:path";
import { checkServerIdentity } from "node:tls";
import { parse, readText, UsageError } from "./lib/args.js";
import {
  describeTlsError, isLoopbackOrPrivate, isTlsRefusal, looksLikeCloudflare, plainHttpStatus, probe, sniExplanation, type ProbeTarget,
} from "./lib/probe.js";

export const help = `
Usage: cli check <https://host:port> --ca FILE --client-cert FILE --client-key FILE [options]
       cli check <https://host:port> --ca FILE --no-client-cert [options]

Probes the endpoint exactly as kube-apiserver would reach an APIService backed by Service
<service>.<namespace>: TLS with SNI <service>.<namespace>.svc, the CA file as the only trust root (the caBundle),
the front-proxy client certificate, and GET /apis/<group>/<version> for every registered API. One verdict line
per check; exit code 0 only if every check passes.

Checks: TLS handshake; certificate chain (against --ca only); certificate name (<svc>.<ns>.svc);
client certificate accepted; client certificate demanded (a second connection WITHOUT a certificate must be
refused); per API: discovery (200, APIResourceList, right groupVersion) and latency (< 5 s).

With --no-client-cert (EKS, GKE, AKS and other managed control planes, where the front-proxy client certificate
cannot be had): every check that needs no client certificate, and SKIP lines for the rest (client certificate
accepted, discovery, latency). After registering, \`kubectl get apiservice\` (AVAILABLE) is the check of those.

Options:
  --ca FILE                 CA certificate = the APIService caBundle (cli pki: pki/ca.crt)
  --client-cert FILE        a client certificate signed by the cluster's front-proxy CA (dev: pki/front-proxy-client.crt)
  --client-key FILE
  --no-client-cert          check without a client certificate (see above)
  --service NAME            (default: custom-metrics-apiserver)
  --namespace NS            (default: custom-metrics)
  --no-external-metrics     do not probe external.metrics.k8s.io/v1beta1
  --timeout-ms N            per request (default: 5000, kube-apiserver's discovery budget)
`;

type Verdict = "PASS" | "FAIL" | "SKIP" | "WARN";

export const options = {
  ca: { type: "string" },
  "client-cert": { type: "string" },
  "client-key": { type: "string" },
  "no-client-cert": { type: "boolean" },
  service: { type: "string" },
  namespace: { type: "string" },
  "no-external-metrics": { type: "boolean" },
  "timeout-ms": { type: "string" },
} as const;

export async function run(argv: string[]): Promise<number> {
  const a = parse(argv, options, help, { positionals: ["<https://host:port>"] });
  if (!a) return 0;
  const v = a.values;
  const endpoint = a.positionals[0];
  if (!endpoint) throw new UsageError("missing endpoint (e.g. https://edge-metrics.example.com:8443)");
  let url: URL;
  try {
    url = new URL(endpoint.includes("://") ? endpoint : `https://${endpoint}`);
  } catch {
    throw new UsageError(`not a URL: ${endpoint}`);
  }
  if (url.protocol !== "https:") throw new UsageError("kube-apiserver only speaks HTTPS to aggregated APIs; give an https:// endpoint");
  const noClientCert = !!v["no-client-cert"];
  if (!v.ca) throw new UsageError("--ca is required (the APIService caBundle: pki/ca.crt)");
  if (noClientCert && (v["client-cert"] || v["client-key"])) throw new UsageError("--no-client-cert and --client-cert/--client-key exclude each other");
  if (!noClientCert && (!v["client-cert"] || !v["client-key"])) {
    throw new UsageError(
      "--client-cert and --client-key are required (a certificate from the cluster's front-proxy CA); on EKS, GKE or AKS, " +
        "where it cannot be had, use --no-client-cert to check everything else",
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port ? Number(url.port) : 443;
  const serverName = `${v.service ?? "custom-metrics-apiserver"}.${v.namespace ?? "custom-metrics"}.svc`;
  const timeoutMs = v["timeout-ms"] ? Number(v["timeout-ms"]) : 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout-ms must be a positive integer, got ${v["timeout-ms"]}`);
  const base: ProbeTarget = {
    host,
    port,
    serverName,
    ca: readText(resolve(v.ca), "CA file"),
    cert: noClientCert ? undefined : readText(resolve(v["client-cert"]!), "client certificate"),
    key: noClientCert ? undefined : readText(resolve(v["client-key"]!), "client key"),
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
  note(`check ${url.host} as kube-apiserver: SNI ${serverName}, CA ${v.ca}, client certificate ${noClientCert ? "none (--no-client-cert)" : v["client-cert"]}`);
  const publicHost = !isLoopbackOrPrivate(host);
  // The Worker's address with its port, for the bridge's --upstream in the explanation.
  const origin = url.origin;
  const noHandshake = (verdict: string) => {
    for (const c of ["certificate chain", "certificate name", "client certificate accepted", "client certificate demanded"]) line("SKIP", c, "no handshake");
    note(`verdict: kube-apiserver could NOT use this endpoint (${verdict})`);
    return 1;
  };

  // 0. A plain-HTTP port (typically the edge node's public socket) would otherwise look like a silent TLS server.
  const httpStatus = await plainHttpStatus(host, port, Math.min(timeoutMs, 2000));
  if (httpStatus) {
    line("FAIL", "TLS handshake", `this is plain HTTP, not TLS: ${url.host} answered "${httpStatus}" to an HTTP request`);
    note(
      `  kube-apiserver speaks only TLS to an aggregated API. If this is the edge node's public socket (writes, default port 8080),
` +
        `  check its aggregator socket instead: the port given with --aggregator-port (default 8443).`,
    );
    return noHandshake(`${failures} check(s) failed`);
  }

  // 1. Handshake (with the client certificate unless --no-client-cert), recording what the server presents;
  //    chain and name are judged separately below.
  const first = await probe(base, `/apis/${groupVersions[0]}`);
  if (!first.handshake) {
    const why = describeTlsError(first.error);
    if (noClientCert && /certificate required|demanded a client certificate/i.test(why)) {
      // TLS 1.2: the server refuses before the client sees its certificate; that refusal is what kube-apiserver relies on.
      line("PASS", "TLS handshake", `server demanded a client certificate before completing the handshake`);
      line("SKIP", "certificate chain", "not visible before the server refused the missing client certificate (TLS 1.2)");
      line("SKIP", "certificate name", "as above");
      line("SKIP", "client certificate accepted", "needs a front-proxy client certificate (--no-client-cert)");
      line("PASS", "client certificate demanded", why);
      return skipped(groupVersions, line, note, failures);
    }
    line("FAIL", "TLS handshake", `${why} [${first.error?.code ?? "error"}]`);
    if (isTlsRefusal(first.error) || publicHost || looksLikeCloudflare(host)) note(sniExplanation(host, serverName, origin));
    return noHandshake(`${failures} check(s) failed`);
  }
  line("PASS", "TLS handshake", `${first.protocol} with SNI ${serverName}`);

  const subject = first.peer?.subject?.CN ?? "?";
  const issuer = first.peer?.issuer?.CN ?? "?";
  if (first.authorized) line("PASS", "certificate chain", `"${subject}" issued by "${issuer}" verifies against ${v.ca}`);
  else line("FAIL", "certificate chain", `${first.authorizationError ?? "not verified"}: "${subject}" issued by "${issuer}" does not chain to ${v.ca} (the caBundle)`);

  const nameError = first.peer ? checkServerIdentity(serverName, first.peer) : new Error("no certificate");
  if (!nameError) line("PASS", "certificate name", `valid for ${serverName}`);
  else {
    line("FAIL", "certificate name", `not valid for ${serverName} (${first.peer?.subjectaltname ?? "no SANs"})`);
    const svc = /DNS:([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:,|$)/.exec(first.peer?.subjectaltname ?? "");
    if (svc && first.authorized) {
      note(
        `  The certificate is for the Service ${svc[1]} in namespace ${svc[2]}. If that is the Service the APIService names, check with
` +
          `  --service ${svc[1]} --namespace ${svc[2]}; otherwise reissue it for this name: cli pki --service ${v.service ?? "custom-metrics-apiserver"} --namespace ${v.namespace ?? "custom-metrics"}`,
      );
    }
  }
  if ((nameError || !first.authorized) && (publicHost || looksLikeCloudflare(host, first.peer))) note(sniExplanation(host, serverName, origin));

  if (noClientCert) {
    line("SKIP", "client certificate accepted", "needs a front-proxy client certificate (--no-client-cert)");
    const demanded = first.status === undefined && (isTlsRefusal(first.error) || /certificate/i.test(describeTlsError(first.error)));
    if (first.status !== undefined) line("FAIL", "client certificate demanded", `server answered HTTP ${first.status} to a client WITHOUT a certificate; anyone could forge X-Remote-User`);
    else if (demanded) line("PASS", "client certificate demanded", `refused without a certificate: ${describeTlsError(first.error)}`);
    else line("FAIL", "client certificate demanded", `inconclusive: ${describeTlsError(first.error)}`);
    return skipped(groupVersions, line, note, failures);
  }

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

/** The end of a --no-client-cert run: what could not be checked, and the verdict on the rest. */
function skipped(groupVersions: string[], line: (v: Verdict, c: string, d: string) => void, note: (t: string) => void, failed: number): number {
  for (const gv of groupVersions) {
    line("SKIP", `discovery ${gv}`, "needs a front-proxy client certificate (--no-client-cert)");
    line("SKIP", `latency ${gv}`, "as above");
  }
  note(
    failed === 0
      ? `verdict: the server side is as kube-apiserver needs it; NOT checked: client certificate accepted, discovery, latency.\n` +
          `  After \`kubectl apply\`, \`kubectl get apiservice v1beta1.custom.metrics.k8s.io\` shows AVAILABLE True when they pass.`
      : `verdict: kube-apiserver could NOT use this endpoint (${failed} check(s) failed; client certificate, discovery and latency NOT checked)`,
  );
  return failed === 0 ? 0 : 1;
}
