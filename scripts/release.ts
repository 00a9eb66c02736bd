/**
 * `npm run release [-- --out DIR]`: the edge node (and bridge) as one self-contained artifact,
 * dist/release/edge-metrics-adapter-<version>.tar.gz, that a host runs with Node 20 and the pinned `workerd`
 * npm package only — no source tree, no tsx, no wrangler:
 *
 *   edge-metrics-adapter-<version>/
 *     bin/edge-metrics.mjs      the whole CLI as one plain-JavaScript ES module (esbuild), `serve` included
 *     worker/index.js           the Worker bundle (wrangler deploy --dry-run), worker/compat.json its
 *                               compatibility date and flags from wrangler.toml
 *     package.json              version, `bin`, and the one dependency: workerd, pinned
 *     deploy/                   kustomize base and overlays (for `manifests`), systemd units
 *     README.md LICENSE CHANGELOG.md THIRD-PARTY-LICENSES
 *
 * The CLI finds its files from its own location (cli/lib/build.ts), so the same code runs in both layouts.
 * The archive is reproducible from a commit: entries sorted, owned by 0:0, dated at the last commit, gzip
 * without a timestamp.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { build } from "esbuild";
import { buildBundle, projectRoot } from "../cli/lib/build";
import { wranglerCompat } from "../cli/lib/workerd";

interface Pkg {
  name: string;
  version: string;
  description: string;
  license: string;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
}

const root = projectRoot();
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Pkg;

function sh(cmd: string, args: string[], cwd = root): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The license texts of the npm packages esbuild put into the CLI and Worker bundles (paths from the metafiles). */
function thirdPartyLicenses(cliInputs: string[], workerInputs: string[]): string {
  const packages = new Map<string, string>();
  for (const input of [...cliInputs, ...workerInputs]) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!m) continue;
    const dir = resolve(root, m[1]!);
    packages.set(relative(root, dir), relative(join(root, "node_modules"), dir));
  }
  const sections: string[] = [];
  for (const [dir, name] of [...packages].sort((a, b) => a[1].localeCompare(b[1]))) {
    const meta = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as { version: string; license?: string };
    const file = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license", "LICENCE"].map((f) => join(root, dir, f)).find(existsSync);
    sections.push(`${name} ${meta.version} (${meta.license ?? "see its package"})\n\n${file ? readFileSync(file, "utf8").trim() : "(no license file in the package)"}`);
  }
  return `bin/edge-metrics.mjs and worker/index.js contain these npm packages, under their licenses:\n\n${sections.join(`\n\n${"-".repeat(78)}\n\n`)}\n`;
}

function readme(version: string, workerd: string): string {
  return `# edge-metrics-adapter ${version}

The edge node and bridge of edge-metrics-adapter, ready to run: Node 20 and the workerd npm package are all a
host needs.

    tar xzf edge-metrics-adapter-${version}.tar.gz && cd edge-metrics-adapter-${version}
    npm install --omit=dev            # installs workerd ${workerd}, the version this release is tested with
    node bin/edge-metrics.mjs --help  # or: npm link, then edge-metrics --help

An edge node on one host (see \`node bin/edge-metrics.mjs <command> --help\`):

    node bin/edge-metrics.mjs pki --out pki --front-proxy-ca front-proxy-ca.crt
    node bin/edge-metrics.mjs token create --file write-tokens.json --name writer --namespaces default
    node bin/edge-metrics.mjs serve --mode edge --listen 0.0.0.0 --pki pki --write-tokens write-tokens.json \\
      --state /var/lib/edge-metrics/state --out /run/edge-metrics

Under systemd: deploy/systemd/edge-metrics.service (edge node) and edge-metrics-bridge.service (bridge) expect
this directory at /opt/edge-metrics-adapter; each unit's header says which files it reads. Kubernetes
manifests: \`node bin/edge-metrics.mjs manifests --help\`. Changes: CHANGELOG.md. License: LICENSE (MIT);
bundled packages: THIRD-PARTY-LICENSES.
`;
}

async function main(): Promise<void> {
  const outArg = process.argv.indexOf("--out");
  const out = resolve(outArg > 0 ? process.argv[outArg + 1]! : join(root, "dist", "release"));
  const name = `${pkg.name}-${pkg.version}`;
  const stage = join(out, name);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, "worker"), { recursive: true });

  // 1. The Worker bundle, as `npm run build` makes it.
  const built = join(out, ".worker-build");
  rmSync(built, { recursive: true, force: true });
  const workerMeta = join(built, "meta.json");
  cpSync(buildBundle(built, workerMeta), join(stage, "worker", "index.js"));
  const workerInputs = Object.keys((JSON.parse(readFileSync(workerMeta, "utf8")) as { inputs: object }).inputs);
  rmSync(built, { recursive: true, force: true });
  writeFileSync(join(stage, "worker", "compat.json"), JSON.stringify(wranglerCompat(), null, 2) + "\n");

  // 2. The CLI as one ES module for Node 20. CommonJS dependencies get a `require` of their own.
  const result = await build({
    entryPoints: [join(root, "cli", "main.ts")],
    outfile: join(stage, "bin", "edge-metrics.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    legalComments: "none", // the licenses are in THIRD-PARTY-LICENSES
    metafile: true,
    logLevel: "warning",
    banner: { js: `// edge-metrics-adapter ${pkg.version} command line, bundled by npm run release.\nimport { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);` },
  });
  // esbuild keeps cli/main.ts's `#!/usr/bin/env -S npx tsx` as the first line; the artifact runs on plain Node.
  const launcher = join(stage, "bin", "edge-metrics.mjs");
  writeFileSync(launcher, "#!/usr/bin/env node\n" + readFileSync(launcher, "utf8").replace(/^#!.*\n/, ""), { mode: 0o755 });
  writeFileSync(join(stage, "THIRD-PARTY-LICENSES"), thirdPartyLicenses(Object.keys(result.metafile.inputs), workerInputs));

  // 3. What the CLI reads at run time, and what a person installing it reads.
  for (const dir of ["deploy/k8s", "deploy/overlays", "deploy/systemd"]) {
    if (existsSync(join(root, dir))) cpSync(join(root, dir), join(stage, dir), { recursive: true });
  }
  for (const f of ["LICENSE", "CHANGELOG.md", "SECURITY.md"]) cpSync(join(root, f), join(stage, f));
  writeFileSync(join(stage, "README.md"), readme(pkg.version, pkg.dependencies.workerd!));
  const manifest = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    private: true,
    type: "module",
    bin: { "edge-metrics": "bin/edge-metrics.mjs" },
    engines: pkg.engines,
    dependencies: { workerd: pkg.dependencies.workerd },
  };
  writeFileSync(join(stage, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

  // 4. A reproducible archive and its checksum.
  const epoch = process.env.SOURCE_DATE_EPOCH ?? sh("git", ["log", "-1", "--format=%ct"]).trim();
  const tarball = join(out, `${name}.tar.gz`);
  const tar = spawnSync("bash", ["-o", "pipefail", "-c",
    `tar --sort=name --mtime=@${epoch} --owner=0 --group=0 --numeric-owner --mode=u+rw,go+r,go-w -cf - -C "$1" "$2" | gzip -9n > "$3"`, "_", out, name, tarball]);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  const sha = createHash("sha256").update(readFileSync(tarball)).digest("hex");
  writeFileSync(`${tarball}.sha256`, `${sha}  ${name}.tar.gz\n`);
  process.stdout.write(`${tarball}\n  ${(statSync(tarball).size / 1024).toFixed(0)} KiB, sha256 ${sha}\n  needs Node ${pkg.engines.node} and workerd ${pkg.dependencies.workerd} (npm install --omit=dev in the unpacked directory)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`release failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
