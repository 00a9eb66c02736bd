/**
 * Where the CLI runs from, the Worker bundle and the workerd binary. The same code runs in two layouts:
 *  - the source tree: the bundle is built with wrangler (no login, no network) into dist/;
 *  - the release artifact (`npm run release`): the CLI is one bundled file in bin/, the prebuilt bundle is
 *    worker/index.js, and workerd is whatever `npm install` put in the artifact's node_modules.
 * Both are found from the nearest package.json named edge-metrics-adapter above this module, so neither
 * layout depends on the working directory.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const OFFLINE_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };
export const PACKAGE_NAME = "edge-metrics-adapter";

let root: string | undefined;

/** The directory of the nearest package.json named edge-metrics-adapter above this module. */
export function projectRoot(): string {
  if (root) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === PACKAGE_NAME) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`no package.json named ${PACKAGE_NAME} above ${fileURLToPath(import.meta.url)}`);
  }
}

export function bin(name: string): string {
  return join(projectRoot(), "node_modules", ".bin", name);
}

/** The prebuilt bundle of a release artifact (worker/index.js), or null in the source tree. */
export function releaseBundle(): string | null {
  const p = join(projectRoot(), "worker", "index.js");
  return existsSync(p) ? p : null;
}

/**
 * The workerd binary: $EDGE_METRICS_WORKERD, else node_modules/.bin/workerd of the project or artifact.
 * A missing binary is the usual first mistake with the artifact, so the error says how to install it.
 */
export function workerdBin(): string {
  const given = process.env.EDGE_METRICS_WORKERD;
  if (given) return given;
  const local = bin("workerd");
  if (existsSync(local)) return local;
  const pinned = (JSON.parse(readFileSync(join(projectRoot(), "package.json"), "utf8")) as { dependencies?: Record<string, string> }).dependencies?.workerd;
  throw new Error(`workerd not found in ${join(projectRoot(), "node_modules")}: run \`npm install workerd@${pinned ?? "<version>"}\` in ${projectRoot()} (or set EDGE_METRICS_WORKERD)`);
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

/** `wrangler deploy --dry-run --outdir <outdir>` (and esbuild's metafile, if asked); returns the path of the bundle. */
export function buildBundle(outdir: string, metafile?: string): string {
  const out = resolve(outdir);
  const r = spawnSync(bin("wrangler"), ["deploy", "--dry-run", "--outdir", out, ...(metafile ? ["--metafile", resolve(metafile)] : [])], {
    cwd: projectRoot(),
    env: { ...process.env, ...OFFLINE_ENV },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed (rc ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return join(out, "index.js");
}
