/**
 * `npm run release`: the artifact, unpacked in an empty directory with nothing but `npm install workerd@<pinned>`,
 * runs an edge node with its own CLI (plain Node, no tsx, no source tree, no wrangler on PATH): it makes its
 * PKI and a token, serves /healthz, takes a write on the public socket and serves it on the aggregator socket
 * to a client presenting the front-proxy certificate.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, cleanup, freePorts, ROOT, startProcess, tempDir, tlsRequest, waitFor, type Proc } from "../harness";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string; dependencies: { workerd: string } };
const NAME = `edge-metrics-adapter-${pkg.version}`;
// Only Node itself and the system: the repository's node_modules/.bin (tsx, wrangler, workerd) is not reachable.
const HOST_ENV = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: process.env.HOME ?? "/root", NODE_PATH: "" };

let out: string;
let dir: string;
let releaseStdout: string;
const figures: Record<string, number> = {};

function run(cmd: string, args: string[], cwd: string, timeoutMs = 120_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: HOST_ENV, encoding: "utf8", timeout: timeoutMs });
}
const edgeMetrics = (...args: string[]) => run(process.execPath, [join(dir, "bin", "edge-metrics.mjs"), ...args], dir);

/**
 * A unit's ExecStart as argv, with systemd's specifiers and the listed words replaced, for this host: the
 * artifact where the unit expects /opt/edge-metrics-adapter, this Node, and loopback instead of every interface.
 */
function unitCommand(unit: string, replace: Record<string, string>): string[] {
  const text = readFileSync(join(ROOT, "deploy/systemd", unit), "utf8").replace(/\\\n\s*/g, " ");
  let line = /^ExecStart=(.*)$/m.exec(text)![1]!;
  line = line.replace("/usr/bin/node", process.execPath).replace("/opt/edge-metrics-adapter", dir).replace("--listen 0.0.0.0", "--listen 127.0.0.1");
  for (const [from, to] of Object.entries(replace)) line = line.split(from).join(to);
  expect(line, "every specifier replaced").not.toMatch(/%[a-zA-Z]|\$\{/);
  return line.trim().split(/\s+/);
}

beforeAll(async () => {
  out = tempDir("release");
  let t0 = performance.now();
  const r = spawnSync(bin("tsx"), [join(ROOT, "scripts/release.ts"), "--out", out], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  releaseStdout = r.stdout;
  figures.releaseMs = Math.round(performance.now() - t0);
  const unpack = tempDir("release-host");
  expect(run("tar", ["xzf", join(out, `${NAME}.tar.gz`), "-C", unpack], unpack).status).toBe(0);
  dir = join(unpack, NAME);
  t0 = performance.now();
  const npm = run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", `workerd@${pkg.dependencies.workerd}`], dir, 600_000);
  expect(npm.status, npm.stderr).toBe(0);
  figures.npmInstallWorkerdMs = Math.round(performance.now() - t0);
}, 900_000);

afterAll(async () => {
  console.log(`release figures: ${JSON.stringify(figures)}`);
  await cleanup();
});

describe("npm run release", () => {
  it("writes the tarball and its checksum, and says what a host needs", () => {
    const tarball = join(out, `${NAME}.tar.gz`);
    const sha = readFileSync(`${tarball}.sha256`, "utf8");
    expect(sha).toMatch(new RegExp(`^[0-9a-f]{64}  ${NAME}\\.tar\\.gz\\n$`));
    expect(run("sha256sum", ["-c", `${NAME}.tar.gz.sha256`], out).status).toBe(0);
    expect(releaseStdout).toContain(`workerd ${pkg.dependencies.workerd}`);
  });

  it("holds the launcher, the Worker bundle, the licenses and the manifests; its only dependency is the pinned workerd", () => {
    for (const f of ["bin/edge-metrics.mjs", "worker/index.js", "worker/compat.json", "LICENSE", "CHANGELOG.md", "THIRD-PARTY-LICENSES", "README.md",
      "deploy/k8s/kustomization.yaml", "deploy/overlays/endpoint-slice/endpoint-slice.yaml", "deploy/systemd/edge-metrics.service", "deploy/systemd/edge-metrics-bridge.service"]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    // As shipped (npm install rewrites the dependency in the unpacked copy).
    const manifest = JSON.parse(run("tar", ["xzOf", join(out, `${NAME}.tar.gz`), `${NAME}/package.json`], out).stdout);
    expect(manifest).toMatchObject({ name: "edge-metrics-adapter", version: pkg.version, license: "MIT", bin: { "edge-metrics": "bin/edge-metrics.mjs" } });
    expect(manifest.dependencies).toEqual({ workerd: pkg.dependencies.workerd });
    expect(readdirSync(join(dir, "node_modules")).filter((f) => !f.startsWith(".")).sort()).toEqual(["@cloudflare", "workerd"]);
    expect(readFileSync(join(dir, "bin/edge-metrics.mjs"), "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("--version: the release's version and the installed workerd", () => {
    const r = edgeMetrics("--version");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^edge-metrics-adapter ${pkg.version.replace(/\./g, "\\.")} \\(workerd ${pkg.dependencies.workerd.replace(/\./g, "\\.")}, compatibility date \\d{4}-\\d\\d-\\d\\d\\)\\n$`));
  });

  it("unpacked with only workerd installed: an edge node serves /healthz, takes a write, serves it on the aggregator socket", async () => {
    expect(edgeMetrics("pki", "--out", "pki", "--dev-front-proxy").status).toBe(0);
    const token = edgeMetrics("token", "create", "--file", "write-tokens.json", "--name", "release-writer", "--namespaces", "default", "--print", "token");
    expect(token.status, token.stderr).toBe(0);
    const [agg, pub] = await freePorts(2);
    const lines: string[] = [];
    let serve: Proc | undefined;
    const t0 = performance.now();
    serve = startProcess(process.execPath, [join(dir, "bin/edge-metrics.mjs"), "serve", "--mode", "edge", "--pki", "pki", "--write-tokens", "write-tokens.json",
      "--aggregator-port", String(agg), "--public-port", String(pub), "--state", "state", "--out", "run"],
    { name: "release-edge", cwd: dir, env: { ...HOST_ENV, READ_TOKEN: "release-read-token" }, onLine: (l) => lines.push(l) });
    const ready = await waitFor("the ready line", async () => lines.find((l) => l.startsWith("ready:")), 60_000, { proc: serve });
    figures.serveReadyMs = Math.round(performance.now() - t0);
    expect(ready).toContain(`edge-metrics-adapter ${pkg.version} edge node: aggregator https://127.0.0.1:${agg}, public http://127.0.0.1:${pub}; state ${join(dir, "state")}`);

    const health = await fetch(`http://127.0.0.1:${pub}/healthz`);
    expect(health.status).toBe(200);
    const push = edgeMetrics("push", `http://127.0.0.1:${pub}`, "default/pods/web-0/http_requests", "42", "--token", token.stdout.trim());
    expect(push.status, push.stderr).toBe(0);

    const tls = { ca: readFileSync(join(dir, "pki/ca.crt"), "utf8"), cert: readFileSync(join(dir, "pki/front-proxy-client.crt"), "utf8"), key: readFileSync(join(dir, "pki/front-proxy-client.key"), "utf8") };
    const r = await tlsRequest({ port: agg!, path: "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/web-0/http_requests", ...tls });
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body!).items).toEqual([expect.objectContaining({ describedObject: expect.objectContaining({ kind: "Pod", name: "web-0" }), value: "42" })]);
    // The request log reached the operator, with the token's name.
    await waitFor("the write in the request log", async () => lines.some((l) => / 200 \d+ms public who=token:release-writer$/.test(l)), 10_000);
    await serve.stop();
    serve = undefined;
  });

  it("the systemd units' command lines, with their specifiers filled in, run an edge node and a bridge in front of it", async () => {
    // What systemd would do before ExecStart: credentials copied into %d, the environment file read.
    const creds = join(tempDir("credentials"), "edge-metrics");
    mkdirSync(creds, { recursive: true });
    for (const f of ["server.crt", "server.key", "front-proxy-ca.crt"]) copyFileSync(join(dir, "pki", f), join(creds, f));
    writeFileSync(join(creds, "read-token"), "unit-read-token\n");
    copyFileSync(join(dir, "write-tokens.json"), join(creds, "write-tokens.json"));
    const [agg, pub, bridgeAgg] = await freePorts(3);
    const state = tempDir("var-lib");
    const runtime = tempDir("run");
    const edge = unitCommand("edge-metrics.service", { "%d": creds, "%S": state, "%t": runtime, "--aggregator-port 8443": `--aggregator-port ${agg}`, "--public-port 8080": `--public-port ${pub}` });
    const edgeLines: string[] = [];
    const edgeProc = startProcess(edge[0]!, edge.slice(1), { name: "unit-edge", cwd: "/", env: HOST_ENV, onLine: (l) => edgeLines.push(l) });
    await waitFor("the edge unit's ready line", async () => edgeLines.find((l) => l.startsWith("ready:")), 60_000, { proc: edgeProc });
    expect(existsSync(join(state, "edge-metrics/state"))).toBe(true);

    const bridge = unitCommand("edge-metrics-bridge.service", {
      "%d": creds, "%t": runtime, "--aggregator-port 8443": `--aggregator-port ${bridgeAgg}`, "${EDGE_METRICS_UPSTREAM}": `http://127.0.0.1:${pub}`,
    });
    const bridgeLines: string[] = [];
    const bridgeProc = startProcess(bridge[0]!, bridge.slice(1), { name: "unit-bridge", cwd: "/", env: HOST_ENV, onLine: (l) => bridgeLines.push(l) });
    await waitFor("the bridge unit's ready line", async () => bridgeLines.find((l) => l.startsWith("ready:")), 60_000, { proc: bridgeProc });

    // The read token from the credential reached both: the bridge reads through the edge node's public socket.
    const token = edgeMetrics("token", "list", "--file", join(creds, "write-tokens.json"), "--json");
    expect(JSON.parse(token.stdout).map((e: { name: string }) => e.name)).toContain("release-writer");
    const tls = { ca: readFileSync(join(dir, "pki/ca.crt"), "utf8"), cert: readFileSync(join(dir, "pki/front-proxy-client.crt"), "utf8"), key: readFileSync(join(dir, "pki/front-proxy-client.key"), "utf8") };
    const r = await tlsRequest({ port: bridgeAgg!, path: "/apis/custom.metrics.k8s.io/v1beta1", ...tls });
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body!)).toMatchObject({ kind: "APIResourceList", groupVersion: "custom.metrics.k8s.io/v1beta1" });
    await waitFor("the bridge's read in the edge node's log", async () => edgeLines.some((l) => /^GET \/apis\/custom\.metrics\.k8s\.io\/v1beta1 200 \d+ms public who=read-token$/.test(l)), 10_000);
    await bridgeProc.stop();
    await edgeProc.stop();
  });

  it("the Containerfile's ENTRYPOINT and CMD, with the image's paths mapped here, run an edge node", async () => {
    const text = readFileSync(join(ROOT, "Containerfile"), "utf8");
    const etc = tempDir("etc-edge-metrics");
    mkdirSync(join(etc, "pki"));
    for (const f of ["server.crt", "server.key", "front-proxy-ca.crt"]) copyFileSync(join(dir, "pki", f), join(etc, "pki", f));
    copyFileSync(join(dir, "write-tokens.json"), join(etc, "write-tokens.json"));
    writeFileSync(join(etc, "read-token"), "image-read-token\n");
    const [agg, pub] = await freePorts(2);
    const paths: Record<string, string> = {
      "/opt/edge-metrics-adapter": dir, "/etc/edge-metrics": etc, "/var/lib/edge-metrics": tempDir("volume"), "/tmp/edge-metrics": join(tempDir("tmp"), "edge-metrics"),
      "0.0.0.0": "127.0.0.1", "8443": String(agg), "8080": String(pub), node: process.execPath,
    };
    const argv = [/^ENTRYPOINT (.*)$/m, /^CMD (.*)$/m]
      .flatMap((re) => JSON.parse(re.exec(text)![1]!) as string[])
      .map((a) => Object.entries(paths).reduce((x, [from, to]) => (x === from || x.startsWith(`${from}/`) ? to + x.slice(from.length) : x), a));
    const lines: string[] = [];
    const proc = startProcess(argv[0]!, argv.slice(1), { name: "image-edge", cwd: dir, env: HOST_ENV, onLine: (l) => lines.push(l) });
    const ready = await waitFor("the image's ready line", async () => lines.find((l) => l.startsWith("ready:")), 60_000, { proc });
    expect(ready).toContain(`public http://127.0.0.1:${pub}`);
    // The HEALTHCHECK's own command, against this port.
    const health = /^HEALTHCHECK [^\n]*\\\n\s*CMD (.*)$/m.exec(text)![1]!;
    const check = (JSON.parse(health) as string[]).map((a) => a.replace("127.0.0.1:8080", `127.0.0.1:${pub}`));
    expect(run(process.execPath, check.slice(1), dir).status).toBe(0);
    await proc.stop();
  });

  it("the release hides commands that need the source tree", () => {
    const r = edgeMetrics("deploy");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: deploy runs from the source tree \(npm run deploy\)/);
  });
});
