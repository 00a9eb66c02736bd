import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CliError, int, parse, readText, UsageError } from "./lib/args.js";
import { releaseBundle } from "./lib/build.js";
import { parseTokenSpecs } from "../src/auth/tokens.js";
import { defaultWorkerdOptions, writeWorkerdDir, type WorkerdOptions } from "./lib/workerd.js";

export const help = `
Usage: cli workerd-config --mode edge|bridge [options]

Renders a workerd config (config.capnp + worker.js + tls/) into --out. Run it with
\`node_modules/.bin/workerd serve <out>/config.capnp\`, or use \`cli serve\` which also builds and starts it.

  edge    aggregator socket (HTTPS, client certs from the front-proxy CA only, read/discovery only)
          + public socket (writes; reads with Authorization: Bearer <READ_TOKEN>)
          + SQLite Durable Objects on local disk (--state; keep it across restarts)
  bridge  aggregator socket only; reads are forwarded to --upstream (the Worker on Cloudflare) with the read token;
          discovery answers from the last good copy while the upstream is down

Options:
  --mode edge|bridge         required
  --out DIR                  output directory (default: .edge-metrics/<mode>)
  --bundle FILE              built bundle (default: worker/index.js of the release artifact; in the source tree
                             dist/index.js, built with \`npm run build\`)
  --listen ADDR              interface for both sockets (default: 127.0.0.1; use 0.0.0.0 to serve a cluster)
  --aggregator-port N        (default: 8443)
  --public-port N            edge public socket, 0 = none (default: 8080)
  --pki DIR                  where \`cli pki\` wrote server.crt/.key and front-proxy-ca.crt (default: pki)
  --cert FILE --key FILE     serving certificate/key (default: <pki>/server.crt, <pki>/server.key)
  --front-proxy-ca FILE      the only CA whose client certificates are accepted (default: <pki>/front-proxy-ca.crt)
  --public-cert FILE --public-key FILE   serve the public socket over HTTPS with this keypair (default: plain HTTP)
  --state DIR                edge: Durable Object storage directory (default: <out>/state)
  --unique-key KEY           edge: DO namespace uniqueKey (default: edge-metrics-adapter-MetricsStore, the same
                             name wrangler dev uses, so its state directory can be copied in). Never change it.
  --read-token T             READ_TOKEN written into the config (default: read from env var --read-token-env at start)
  --read-token-env NAME      (default: READ_TOKEN)
  --write-tokens FILE        edge: the tokens file of \`cli token create --file FILE\` (the WRITE_TOKENS array, only
                             hashes), written into the config; default: read from env var --write-tokens-env at start
  --write-tokens-env NAME    (default: WRITE_TOKENS)
  --var KEY=VALUE            extra text binding, repeatable (e.g. WRITE_RATE_LIMIT=3000/60, MAX_SERIES_PER_NAMESPACE=200000)
  --upstream URL             bridge: base URL of the Worker (e.g. https://edge-metrics-adapter.<acct>.workers.dev)
  --upstream-timeout-ms N    bridge: per-request upstream timeout (default: 2000)
  --upstream-ca FILE         bridge: extra CA for the upstream (public CAs are always trusted)
  --compatibility-date D     (default: from wrangler.toml)
  --default-ttl-seconds N    (default: 300)
`;

export const optionSpec = {
  mode: { type: "string" },
  out: { type: "string" },
  bundle: { type: "string" },
  listen: { type: "string" },
  "aggregator-port": { type: "string" },
  "public-port": { type: "string" },
  pki: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  "front-proxy-ca": { type: "string" },
  "public-cert": { type: "string" },
  "public-key": { type: "string" },
  state: { type: "string" },
  "unique-key": { type: "string" },
  "read-token": { type: "string" },
  "read-token-env": { type: "string" },
  "write-tokens": { type: "string" },
  "write-tokens-env": { type: "string" },
  var: { type: "string", multiple: true },
  upstream: { type: "string" },
  "upstream-timeout-ms": { type: "string" },
  "upstream-ca": { type: "string" },
  "compatibility-date": { type: "string" },
  "default-ttl-seconds": { type: "string" },
} as const;

export const options = optionSpec;
export const values = { mode: ["edge", "bridge"] };

export type OptionValues = Partial<Record<Exclude<keyof typeof optionSpec, "var">, string>> & { var?: string[] };

export function optionsFrom(v: OptionValues): WorkerdOptions {
  const mode = v.mode;
  if (mode !== "edge" && mode !== "bridge") throw new UsageError("--mode must be edge or bridge");
  const out = resolve(v.out ?? join(".edge-metrics", mode));
  const pki = resolve(v.pki ?? "pki");
  const d = defaultWorkerdOptions();
  if (mode === "bridge") {
    if (!v.upstream) throw new UsageError("--mode bridge needs --upstream <URL of the Worker>");
    let u: URL;
    try {
      u = new URL(v.upstream);
    } catch {
      throw new UsageError(`--upstream is not a URL: ${v.upstream}`);
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new UsageError("--upstream must be http(s)");
    if (u.protocol === "http:" && !["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) {
      process.stderr.write(`warning: --upstream ${v.upstream} is plain HTTP; the read token would cross the network in clear\n`);
    }
  }
  const frontProxyCa = resolve(v["front-proxy-ca"] ?? join(pki, "front-proxy-ca.crt"));
  if (!existsSync(frontProxyCa)) {
    throw new CliError(
      `front-proxy CA not found: ${frontProxyCa}\n` +
        `  Give the cluster's front-proxy CA with --front-proxy-ca (kubeadm: /etc/kubernetes/pki/front-proxy-ca.crt;\n` +
        `  kubectl -n kube-system get cm extension-apiserver-authentication -o jsonpath='{.data.requestheader-client-ca-file}'),\n` +
        `  or run \`cli pki --front-proxy-ca FILE\` / \`cli pki --dev-front-proxy\`.`,
    );
  }
  if (!!v["public-cert"] !== !!v["public-key"]) throw new UsageError("--public-cert and --public-key go together");
  const timeout = v["upstream-timeout-ms"] ? Number(v["upstream-timeout-ms"]) : d.upstreamTimeoutMs!;
  if (!Number.isInteger(timeout) || timeout <= 0 || timeout > 4500) throw new UsageError("--upstream-timeout-ms must be 1..4500 (discovery must answer within 5 s)");
  const vars: Record<string, string> = {};
  for (const kv of v.var ?? []) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new UsageError(`--var expects KEY=VALUE, got ${kv}`);
    const key = kv.slice(0, eq);
    if (["DEPLOYMENT", "METRICS", "READ_TOKEN", "WRITE_TOKENS", "UPSTREAM_URL"].includes(key)) throw new UsageError(`--var ${key}: use the dedicated option`);
    vars[key] = kv.slice(eq + 1);
  }
  let writeTokens: string | undefined;
  if (v["write-tokens"]) {
    const text = readText(resolve(v["write-tokens"]), "write tokens file");
    try {
      parseTokenSpecs(text);
      writeTokens = JSON.stringify(JSON.parse(text));
    } catch (e) {
      throw new CliError(`${v["write-tokens"]} is not a valid tokens file (make it with \`cli token create --file ${v["write-tokens"]}\`): ${(e as Error).message}`);
    }
  }
  return {
    ...d,
    mode,
    outDir: out,
    bundle: resolve(v.bundle ?? releaseBundle() ?? "dist/index.js"),
    listen: v.listen ?? d.listen,
    aggregatorPort: int(v["aggregator-port"], d.aggregatorPort, "aggregator-port"),
    publicPort: mode === "edge" ? int(v["public-port"], d.publicPort, "public-port") : 0,
    serverCert: resolve(v.cert ?? join(pki, "server.crt")),
    serverKey: resolve(v.key ?? join(pki, "server.key")),
    frontProxyCa,
    publicCert: v["public-cert"] ? resolve(v["public-cert"]) : undefined,
    publicKey: v["public-key"] ? resolve(v["public-key"]) : undefined,
    stateDir: resolve(v.state ?? join(out, "state")),
    uniqueKey: v["unique-key"] ?? d.uniqueKey,
    compatibilityDate: v["compatibility-date"] ?? d.compatibilityDate,
    defaultTtlSeconds: v["default-ttl-seconds"] ?? d.defaultTtlSeconds,
    readToken: v["read-token"],
    readTokenEnv: v["read-token-env"] ?? d.readTokenEnv,
    writeTokens,
    writeTokensEnv: v["write-tokens-env"] ?? d.writeTokensEnv,
    vars,
    upstream: v.upstream?.replace(/\/+$/, ""),
    upstreamTimeoutMs: timeout,
    upstreamCa: v["upstream-ca"] ? resolve(v["upstream-ca"]) : undefined,
  };
}

export async function run(argv: string[]): Promise<number> {
  const a = parse(argv, optionSpec, help, { positionals: [] });
  if (!a) return 0;
  const o = optionsFrom(a.values as OptionValues);
  try {
    const path = writeWorkerdDir(o);
    process.stdout.write(`${path}\n`);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  return 0;
}
