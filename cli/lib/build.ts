/** Builds the Worker bundle with wrangler (no login, no network) and finds the workerd binary. */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const OFFLINE_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };

export function projectRoot(): string {
  return resolve(new URL("../..", import.meta.url).pathname);
}

export function bin(name: string): string {
  return join(projectRoot(), "node_modules", ".bin", name);
}

function newestMtime(dir: string): number {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** True when outdir/index.js is missing or older than src/, wrangler.toml or the dependency lock file. */
export function bundleIsStale(outdir: string): boolean {
  const f = join(outdir, "index.js");
  if (!existsSync(f)) return true;
  const root = projectRoot();
  const inputs = [join(root, "wrangler.toml"), join(root, "package-lock.json")].filter(existsSync).map((p) => statSync(p).mtimeMs);
  return statSync(f).mtimeMs < Math.max(newestMtime(join(root, "src")), ...inputs);
}

/** `wrangler deploy --dry-run --outdir <outdir>`; returns the path of the bundle. */
export function buildBundle(outdir: string): string {
  const out = resolve(outdir);
  const r = spawnSync(bin("wrangler"), ["deploy", "--dry-run", "--outdir", out], {
    cwd: projectRoot(),
    env: { ...process.env, ...OFFLINE_ENV },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed (rc ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return join(out, "index.js");
}
