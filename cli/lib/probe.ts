/**
 * Probes an aggregated-API endpoint the way kube-apiserver does (kubernetes/kubernetes
 * staging/src/k8s.io/kube-aggregator/pkg/apiserver/handler_proxy.go for the proxied request, and
 * staging/src/k8s.io/kube-aggregator/pkg/controllers/status/remote/remote_available_controller.go for the probe):
 * TLS ≥ 1.2 with SNI `<service>.<namespace>.svc`, the caBundle as the only trust root, the front-proxy client
 * certificate, then `GET /apis/<group>/<version>` for each registered API with a 5 s budget.
 */
import { request as httpsRequest } from "node:https";
import { connect as netConnect } from "node:net";
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from "node:tls";

export interface ProbeTarget {
  host: string;
  port: number;
  serverName: string;
  ca: string;
  cert?: string;
  key?: string;
  /** Verify chain + name (true) or only record what the server presented (false). */
  verify: boolean;
  timeoutMs: number;
}

export interface ProbeResult {
  /** The TLS handshake completed from the client's side. */
  handshake: boolean;
  protocol?: string | null;
  peer?: PeerCertificate;
  /** Chain verification against `ca` only. */
  authorized?: boolean;
  authorizationError?: string;
  /** An HTTP response arrived. */
  status?: number;
  contentType?: string;
  body?: string;
  error?: NodeJS.ErrnoException;
  /** Milliseconds from connect to the complete response (or the failure). */
  elapsedMs: number;
}

export function probe(t: ProbeTarget, path: string): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const result: ProbeResult = { handshake: false, elapsedMs: 0 };
    let done = false;
    const finish = (patch: Partial<ProbeResult>) => {
      if (done) return;
      done = true;
      Object.assign(result, patch, { elapsedMs: Math.round(performance.now() - started) });
      resolve(result);
    };
    const req = httpsRequest({
      host: t.host,
      port: t.port,
      path,
      method: "GET",
      servername: t.serverName,
      ca: t.ca,
      cert: t.cert,
      key: t.key,
      minVersion: "TLSv1.2",
      rejectUnauthorized: t.verify,
      // Verify against the SNI name, as Go does with tls.Config.ServerName. Without `verify`, the name is judged
      // by the caller on its own: Node folds a name mismatch into `authorized`, which would blame the chain.
      checkServerIdentity: (_host, cert) => (t.verify ? checkServerIdentity(t.serverName, cert) : undefined),
      agent: false,
      headers: { accept: "application/json", "user-agent": "edge-metrics-adapter-check (like kube-aggregator)" },
      timeout: t.timeoutMs,
    });
    req.on("socket", (s) => {
      const sock = s as TLSSocket;
      sock.on("secureConnect", () => {
        result.handshake = true;
        result.protocol = sock.getProtocol();
        result.peer = sock.getPeerCertificate(true);
        result.authorized = sock.authorized;
        result.authorizationError = sock.authorizationError ? String(sock.authorizationError) : undefined;
      });
    });
    req.on("timeout", () => {
      req.destroy(Object.assign(new Error(`no response within ${t.timeoutMs} ms`), { code: "ETIMEDOUT" }));
    });
    req.on("error", (error: NodeJS.ErrnoException) => finish({ error }));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (error: NodeJS.ErrnoException) => finish({ error }));
      res.on("end", () =>
        finish({ status: res.statusCode, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.end();
  });
}

const ALERT = /alert|SSL|TLS|EPROTO|ECONNRESET|socket hang up|EPIPE/i;

/** Describes a TLS-level failure in one phrase, e.g. `server rejected the client certificate (unknown ca)`. */
export function describeTlsError(e: NodeJS.ErrnoException | undefined): string {
  if (!e) return "unknown error";
  const code = e.code ?? "";
  const msg = `${code} ${e.message}`;
  if (/CERTIFICATE_REQUIRED/i.test(msg)) return "server demanded a client certificate and none was sent (alert certificate required)";
  if (/UNKNOWN_CA|unknown ca/i.test(msg)) return "server rejected the client certificate: not signed by a CA it trusts (alert unknown ca)";
  if (/BAD_CERTIFICATE|bad certificate/i.test(msg)) return "server rejected the client certificate (alert bad certificate)";
  if (/HANDSHAKE_FAILURE|handshake failure/i.test(msg)) return "server aborted the handshake (alert handshake failure)";
  if (/UNRECOGNIZED_NAME|unrecognized name/i.test(msg)) return "server does not know the SNI name (alert unrecognized name)";
  if (/PROTOCOL_VERSION|WRONG_VERSION|wrong version/i.test(msg)) return "no common TLS version (is it plain HTTP, or TLS < 1.2?)";
  if (code === "ECONNREFUSED") return "connection refused (nothing listens there)";
  if (code === "ETIMEDOUT") return e.message;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `DNS lookup failed (${code})`;
  if (code === "ECONNRESET" || /socket hang up/.test(e.message)) return "connection closed by the server during or right after the handshake";
  return msg.trim();
}

export function isTlsRefusal(e: NodeJS.ErrnoException | undefined): boolean {
  return !!e && e.code !== "ECONNREFUSED" && e.code !== "ENOTFOUND" && e.code !== "EAI_AGAIN" && e.code !== "ETIMEDOUT" && ALERT.test(`${e.code ?? ""} ${e.message}`);
}

export function isLoopbackOrPrivate(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return (
    h === "localhost" ||
    h === "::1" ||
    /^127\./.test(h) ||
    /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(h) ||
    /\.(svc|local|internal|lan|cluster\.local)$/.test(h)
  );
}

export function looksLikeCloudflare(host: string, peer?: PeerCertificate): boolean {
  if (/\.workers\.dev$|\.pages\.dev$/i.test(host)) return true;
  const issuer = peer?.issuer ? JSON.stringify(peer.issuer) : "";
  return /Cloudflare|Google Trust Services|Let's Encrypt|SSL\.com/i.test(issuer);
}

/** Why a public (Cloudflare) hostname can never be the APIService backend, and what to do instead. */
export function sniExplanation(host: string, serverName: string, origin = `https://${host}`): string {
  const who = looksLikeCloudflare(host)
    ? `${host} is a Cloudflare hostname. Cloudflare's edge`
    : `If ${host} is Cloudflare (a Worker route, custom domain or workers.dev) or a similar edge:\n  such an edge`;
  return [
    `  Why: kube-apiserver always sends TLS SNI "${serverName}" (<service>.<namespace>.svc) to an aggregated API`,
    `  and verifies the certificate against that name and the APIService caBundle.`,
    `  ${who} selects certificates by SNI among public hostnames and cannot serve a .svc name, so the handshake`,
    `  fails before any HTTP (insecureSkipTLSVerify does not help). Because of this SNI limitation a Worker on`,
    `  Cloudflare cannot be the APIService backend directly.`,
    `  Fix: run the bridge (workerd holding the .svc certificate and checking the front-proxy client certificate)`,
    `  where kube-apiserver can reach it, pointed at the Worker:`,
    `    npm run cli -- serve --mode bridge --upstream ${origin} --listen 0.0.0.0 --read-token <READ_TOKEN>`,
    `  then set the ExternalName Service to the bridge's host and run \`check\` against the bridge (README.md, "Topologies").`,
  ].join("\n");
}

/**
 * Whether host:port answers a TLS ClientHello like a TLS server (a handshake, or a TLS alert), within 2 s.
 * A plain-HTTP server answers it with an HTTP error or silence instead.
 */
export function speaksTls(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host, port, servername: host.includes(":") || /^[\d.]+$/.test(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.on("secureConnect", () => done(true));
    s.on("timeout", () => done(false));
    s.on("error", (e: NodeJS.ErrnoException) => done(/alert|SSLV3_ALERT|TLSV1_ALERT/i.test(`${e.code ?? ""} ${e.message}`)));
  });
}

/**
 * The status line a plain-HTTP server answers with (e.g. `HTTP/1.1 404 Not Found`), or null: what tells a
 * user that the port they gave kube-apiserver is not TLS at all. A TLS server closes on this at once.
 */
export function plainHttpStatus(host: string, port: number, timeoutMs = 2000): Promise<string | null> {
  return new Promise((resolve) => {
    let got = "";
    const s = netConnect({ host, port, timeout: timeoutMs });
    const done = (v: string | null) => {
      s.destroy();
      resolve(v);
    };
    s.on("connect", () => s.write(`HEAD /healthz HTTP/1.1\r\nHost: ${host.includes(":") ? `[${host}]` : host}:${port}\r\nConnection: close\r\n\r\n`));
    s.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      if (got.includes("\n") || got.length > 64) done(/^HTTP\/\d(\.\d)? \d{3}/.test(got) ? got.split(/\r?\n/)[0]! : null);
    });
    s.on("timeout", () => done(null));
    s.on("error", () => done(null));
    s.on("end", () => done(/^HTTP\/\d(\.\d)? \d{3}/.test(got) ? got.split(/\r?\n/)[0]! : null));
  });
}
