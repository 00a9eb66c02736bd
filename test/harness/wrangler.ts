/**
 * `wrangler dev` (local, offline) standing in for the Worker on Cloudflare: a bridge's upstream, or the HTTPS
 * endpoint kubectl reads. Supervised like every other process (./process.ts); wrangler's own workerd children
 * live in its process group and stop with it.
 */
import { freePort } from "../../cli/lib/net";
import { bin, startProcess, type Proc } from "./process";
import { waitFor } from "./wait";
import type { ProcessOptions } from "./workerd";

export interface WranglerDevOptions extends ProcessOptions {
  name?: string;
  port: number;
  persistTo: string;
  /** `--var KEY:VALUE` bindings (DEPLOYMENT, READ_TOKEN, WRITE_TOKENS …). */
  vars?: Record<string, string>;
  https?: { key: string; cert: string };
  /** Readiness check (default: GET http://127.0.0.1:<port>/healthz answers 200). */
  healthy?: () => Promise<boolean>;
  timeoutMs?: number;
}

export interface WranglerDev {
  proc: Proc;
  port: number;
  base: string;
  startMs: number;
}

export async function startWranglerDev(o: WranglerDevOptions): Promise<WranglerDev> {
  const t0 = performance.now();
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(o.port), "--persist-to", o.persistTo, "--inspector-port", String(await freePort()),
    "--log-level", "warn", "--show-interactive-dev-session=false"];
  for (const [k, v] of Object.entries(o.vars ?? {})) args.push("--var", `${k}:${v}`);
  if (o.https) args.push("--local-protocol", "https", "--https-key-path", o.https.key, "--https-cert-path", o.https.cert);
  const proc = startProcess(bin("wrangler"), args, { ...o, name: o.name ?? "wrangler-dev" });
  const base = `${o.https ? "https" : "http"}://127.0.0.1:${o.port}`;
  const healthy = o.healthy ?? (async () => (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) })).status === 200);
  await waitFor(`wrangler dev on ${o.port}`, healthy, o.timeoutMs ?? 120_000, { proc, everyMs: 200 });
  return { proc, port: o.port, base, startMs: Math.round(performance.now() - t0) };
}
