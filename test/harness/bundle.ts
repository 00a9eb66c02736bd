/**
 * The Worker bundle (wrangler deploy --dry-run), built once and kept in node_modules/.cache while src/ and
 * wrangler.toml are unchanged, so that test files, benchmarks and the fuzz do not each spend seconds building.
 * A build goes to a fresh directory and is renamed into place, so concurrent runs never read half a file.
 * EDGE_METRICS_BUNDLE names a prebuilt bundle instead (A/B comparisons of two builds).
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildBundle, bundleIsStale } from "../../cli/lib/build";
import { ROOT } from "./process";

const CACHE = join(ROOT, "node_modules", ".cache", "edge-metrics-adapter", "bundle");

/** Path of a bundle built from the current sources. */
export function bundle(): string {
  if (process.env.EDGE_METRICS_BUNDLE) return process.env.EDGE_METRICS_BUNDLE;
  if (bundleIsStale(CACHE)) {
    mkdirSync(CACHE, { recursive: true });
    const fresh = mkdtempSync(join(CACHE, "..", "build-"));
    try {
      renameSync(buildBundle(fresh), join(CACHE, "index.js"));
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }
  return join(CACHE, "index.js");
}
