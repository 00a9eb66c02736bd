/**
 * Renders a workerd capnp config for the two self-hosted ways to run the bundle:
 *  - edge:   aggregator socket (HTTPS, `<svc>.<ns>.svc` keypair, client certs required, front-proxy CA only)
 *            + public socket (writes, token reads) + SQLite Durable Objects on local disk;
 *  - bridge: the same aggregator socket; the worker forwards reads to the Worker on Cloudflare (UPSTREAM_URL).
 * Each socket injects `x-edge-metrics-socket: aggregator|public`; workerd removes any client-sent value first,
 * so the worker can tell the sockets apart without trusting the client.
 *
 * workerd resolves `embed` relative to the config file and rejects absolute paths, so `writeWorkerdDir` copies
 * the bundle and certificates next to the config it writes.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { writeText } from "./args.js";
import { projectRoot } from "./build.js";

export const SOCKET_HEADER = "x-edge-metrics-socket";

export interface WorkerdOptions {
  mode: "edge" | "bridge";
  /** Directory the config, bundle copy and certificates are written to. */
  outDir: string;
  /** Built bundle (wrangler deploy --dry-run --outdir dist → dist/index.js). */
  bundle: string;
  /** Interface both sockets listen on. */
  listen: string;
  aggregatorPort: number;
  /** Edge only; 0 disables the public socket. */
  publicPort: number;
  serverCert: string;
  serverKey: string;
  frontProxyCa: string;
  /** Optional certificate/key to serve the public socket over HTTPS. */
  publicCert?: string;
  publicKey?: string;
  /** Edge: directory holding the Durable Object SQLite files (created; must survive restarts). */
  stateDir: string;
  /** Edge: DO namespace uniqueKey. Keep it forever; the on-disk files are named after it. */
  uniqueKey: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  defaultTtlSeconds: string;
  /** READ_TOKEN: literal (written into the config) or, when absent, taken from this environment variable. */
  readToken?: string;
  readTokenEnv: string;
  /** WRITE_TOKENS (JSON array of token specs): literal, or when absent taken from this environment variable. */
  writeTokens?: string;
  writeTokensEnv: string;
  /** Extra text bindings (WRITE_RATE_LIMIT, MAX_SERIES_PER_NAMESPACE, …). */
  vars: Record<string, string>;
  /** Bridge: base URL of the Worker reads are forwarded to. */
  upstream?: string;
  upstreamTimeoutMs?: number;
  /** Bridge: extra CA the upstream's certificate chains to (e.g. a local wrangler dev); browser CAs are always trusted. */
  upstreamCa?: string;
  /** V8 flags (workerd's Config.v8Flags), for diagnosis only, e.g. `--trace-gc`. */
  v8Flags?: string[];
}

const q = (s: string) => JSON.stringify(s); // capnp text literals accept JSON's escapes

/** Network ranges the worker's fetch() may reach: public always; local/private only if the upstream lives there. */
export function networkAllow(upstream?: string): string[] {
  if (!upstream) return ["public"];
  const host = new URL(upstream).hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || /^127\./.test(host) || host === "::1") return ["public", "local"];
  if (/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.)/.test(host) || /^f[cd]/i.test(host)) return ["public", "private"];
  return ["public"];
}

export function renderConfig(o: WorkerdOptions): string {
  const tls = (keyFile: string, certFile: string, clientCa?: string) =>
    [
      `tlsOptions = (`,
      `          keypair = (privateKey = embed ${q(keyFile)}, certificateChain = embed ${q(certFile)}),`,
      ...(clientCa
        ? [`          requireClientCerts = true,`, `          trustBrowserCas = false,`, `          trustedCertificates = [embed ${q(clientCa)}],`]
        : []),
      `          minVersion = tls1Dot2,`,
      `        )`,
    ].join("\n");
  const headers = (value: string) => `injectRequestHeaders = [(name = ${q(SOCKET_HEADER)}, value = ${q(value)})]`;
  const inject = (value: string) => `options = (${headers(value)})`;

  const sockets = [
    [
      `    ( name = "aggregator", address = ${q(`${o.listen}:${o.aggregatorPort}`)}, service = "adapter",`,
      `      https = (`,
      `        ${inject("aggregator")},`,
      `        ${tls("tls/server.key", "tls/server.crt", "tls/front-proxy-ca.crt")}`,
      `      ) ),`,
    ].join("\n"),
  ];
  if (o.mode === "edge" && o.publicPort > 0) {
    sockets.push(
      o.publicCert
        ? [
            `    ( name = "public", address = ${q(`${o.listen}:${o.publicPort}`)}, service = "adapter",`,
            `      https = (`,
            `        ${inject("public")},`,
            `        ${tls("tls/public.key", "tls/public.crt")}`,
            `      ) ),`,
          ].join("\n")
        : `    ( name = "public", address = ${q(`${o.listen}:${o.publicPort}`)}, service = "adapter", http = (${headers("public")}) ),`,
    );
  }

  const bindings = [
    `(name = "DEPLOYMENT", text = ${q(o.mode)})`,
    `(name = "DEFAULT_TTL_SECONDS", text = ${q(o.defaultTtlSeconds)})`,
    o.readToken !== undefined ? `(name = "READ_TOKEN", text = ${q(o.readToken)})` : `(name = "READ_TOKEN", fromEnvironment = ${q(o.readTokenEnv)})`,
  ];
  if (o.mode === "edge") {
    bindings.push(
      o.writeTokens !== undefined
        ? `(name = "WRITE_TOKENS", text = ${q(o.writeTokens)})`
        : `(name = "WRITE_TOKENS", fromEnvironment = ${q(o.writeTokensEnv)})`,
    );
  }
  for (const [k, v] of Object.entries(o.vars)) bindings.push(`(name = ${q(k)}, text = ${q(v)})`);
  if (o.mode === "edge") bindings.unshift(`(name = "METRICS", durableObjectNamespace = "MetricsStore")`);
  if (o.mode === "bridge") {
    bindings.push(`(name = "UPSTREAM_URL", text = ${q(o.upstream ?? "")})`);
    if (o.upstreamTimeoutMs) bindings.push(`(name = "UPSTREAM_TIMEOUT_MS", text = ${q(String(o.upstreamTimeoutMs))})`);
  }

  const services = [`    (name = "adapter", worker = .adapter),`];
  const net = [`allow = [${networkAllow(o.mode === "bridge" ? o.upstream : undefined).map(q).join(", ")}]`];
  net.push(o.upstreamCa ? `tlsOptions = (trustBrowserCas = true, trustedCertificates = [embed "tls/upstream-ca.crt"])` : `tlsOptions = (trustBrowserCas = true)`);
  services.push(`    (name = "internet", network = (${net.join(", ")})),`);
  if (o.mode === "edge") services.push(`    (name = "do-disk", disk = (path = ${q(o.stateDir)}, writable = true)),`);

  const worker = [
    `  modules = [ (name = "worker.js", esModule = embed "worker.js") ],`,
    `  compatibilityDate = ${q(o.compatibilityDate)},`,
    `  compatibilityFlags = [${o.compatibilityFlags.map(q).join(", ")}],`,
    `  bindings = [`,
    ...bindings.map((b) => `    ${b},`),
    `  ],`,
  ];
  if (o.mode === "edge") {
    worker.push(
      `  durableObjectNamespaces = [ (className = "MetricsStore", uniqueKey = ${q(o.uniqueKey)}, enableSql = true) ],`,
      `  durableObjectStorage = (localDisk = "do-disk"),`,
    );
  }
  worker.push(`  globalOutbound = "internet",`);

  return [
    `# Generated by \`cli workerd-config --mode ${o.mode}\`; regenerate instead of editing.`,
    `# Run: workerd serve config.capnp   (paths below are relative to this file)`,
    `using Workerd = import "/workerd/workerd.capnp";`,
    ``,
    `const config :Workerd.Config = (`,
    `  services = [`,
    ...services,
    `  ],`,
    `  sockets = [`,
    ...sockets,
    `  ],`,
    ...(o.v8Flags?.length ? [`  v8Flags = [${o.v8Flags.map(q).join(", ")}],`] : []),
    `);`,
    ``,
    `const adapter :Workerd.Worker = (`,
    ...worker,
    `);`,
    ``,
  ].join("\n");
}

/** Writes config.capnp, worker.js and tls/* into o.outDir; returns the config path. */
export function writeWorkerdDir(o: WorkerdOptions): string {
  const out = resolve(o.outDir);
  mkdirSync(join(out, "tls"), { recursive: true });
  if (!existsSync(o.bundle)) throw new Error(`bundle not found: ${o.bundle} (build it: npm run build)`);
  copyFileSync(o.bundle, join(out, "worker.js"));
  const copy = (from: string | undefined, to: string, what: string) => {
    if (!from) return;
    if (!existsSync(from)) throw new Error(`${what} not found: ${from}`);
    copyFileSync(from, join(out, "tls", to));
  };
  copy(o.serverCert, "server.crt", "serving certificate");
  copy(o.serverKey, "server.key", "serving key");
  copy(o.frontProxyCa, "front-proxy-ca.crt", "front-proxy CA");
  copy(o.publicCert, "public.crt", "public socket certificate");
  copy(o.publicKey, "public.key", "public socket key");
  copy(o.upstreamCa, "upstream-ca.crt", "upstream CA");
  const stateDir = isAbsolute(o.stateDir) ? o.stateDir : resolve(o.stateDir);
  if (o.mode === "edge") mkdirSync(stateDir, { recursive: true });
  const path = join(out, "config.capnp");
  writeText(path, renderConfig({ ...o, stateDir }));
  return path;
}

/**
 * compatibility_date / compatibility_flags from wrangler.toml, so workerd runs the bundle like wrangler does;
 * in a release artifact (no wrangler.toml) from worker/compat.json, which the release script writes from it.
 */
export function wranglerCompat(tomlPath = join(projectRoot(), "wrangler.toml")): { date: string; flags: string[] } {
  const fallback = { date: "2026-04-20", flags: [] as string[] };
  const released = join(projectRoot(), "worker", "compat.json");
  if (!existsSync(tomlPath) && existsSync(released)) return JSON.parse(readFileSync(released, "utf8")) as { date: string; flags: string[] };
  if (!existsSync(tomlPath)) return fallback;
  const top = readFileSync(tomlPath, "utf8").split(/^\[/m)[0] ?? "";
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(top)?.[1] ?? fallback.date;
  const flagsText = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(top)?.[1] ?? "";
  const flags = [...flagsText.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  return { date, flags };
}

/** The options that have a default, shared by `cli workerd-config`/`cli serve` and the test harness. */
export type WorkerdDefaults = Pick<
  WorkerdOptions,
  | "listen" | "aggregatorPort" | "publicPort" | "uniqueKey" | "compatibilityDate" | "compatibilityFlags"
  | "defaultTtlSeconds" | "readTokenEnv" | "writeTokensEnv" | "vars" | "upstreamTimeoutMs"
>;

/**
 * Defaults: loopback only (serving a cluster is an explicit `--listen 0.0.0.0`), the uniqueKey wrangler dev uses
 * (so its state directory can be copied in; the on-disk files are named after it), and the compatibility date and
 * flags of this project's wrangler.toml (the bundle was built for them).
 */
export function defaultWorkerdOptions(): WorkerdDefaults {
  const compat = wranglerCompat();
  return {
    listen: "127.0.0.1",
    aggregatorPort: 8443,
    publicPort: 8080,
    uniqueKey: "edge-metrics-adapter-MetricsStore",
    compatibilityDate: compat.date,
    compatibilityFlags: compat.flags,
    defaultTtlSeconds: "300",
    readTokenEnv: "READ_TOKEN",
    writeTokensEnv: "WRITE_TOKENS",
    vars: {},
    upstreamTimeoutMs: 2000,
  };
}
