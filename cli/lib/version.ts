/**
 * What `cli --version` reports: this package's semantic version, the workerd version it is pinned to (the
 * one the edge node and bridge were tested on) and the one actually installed, which can differ in a
 * hand-made install of the release artifact; a mismatch is shown rather than refused.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./build.js";
import { wranglerCompat } from "./workerd.js";

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

const readJson = <T>(path: string): T | undefined => (existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : undefined);

export interface VersionInfo {
  version: string;
  workerdPinned: string | undefined;
  workerdInstalled: string | undefined;
  compatibilityDate: string;
}

export function versionInfo(): VersionInfo {
  const root = projectRoot();
  const pkg = readJson<PackageJson>(join(root, "package.json"))!;
  return {
    version: pkg.version,
    // `npm install workerd@X` in an unpacked artifact rewrites the pin as ^X: the version is what matters.
    workerdPinned: pkg.dependencies?.workerd?.replace(/^[\^~=]+/, ""),
    workerdInstalled: readJson<PackageJson>(join(root, "node_modules", "workerd", "package.json"))?.version,
    compatibilityDate: wranglerCompat().date,
  };
}

/** One line, e.g. `edge-metrics-adapter 0.1.0 (workerd 1.20261117.1, compatibility date 2026-04-20)`. */
export function versionLine(v = versionInfo()): string {
  const workerd =
    v.workerdInstalled === undefined
      ? `workerd ${v.workerdPinned} not installed`
      : v.workerdInstalled === v.workerdPinned
        ? `workerd ${v.workerdInstalled}`
        : `workerd ${v.workerdInstalled}, but this release is tested with ${v.workerdPinned}`;
  return `edge-metrics-adapter ${v.version} (${workerd}, compatibility date ${v.compatibilityDate})`;
}
