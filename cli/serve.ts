/**
 * `serve`: renders the workerd config and runs workerd in the foreground, for a terminal, systemd or a
 * container. It prints exactly one `ready:` line, with the URLs, once every socket accepts connections and the Worker answers, or one
 * `error:` line: a busy port is found before workerd starts (its own report is a stack trace), and whatever
 * workerd prints before it listens is held back and shown only if it fails. After that its output (request
 * logs) passes through, and SIGINT/SIGTERM are forwarded so that a service manager stops it cleanly.
 *
 * In the source tree the bundle is built first when it is older than src/; the release artifact ships it.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { CliError, parse, UsageError } from "./lib/args.js";
import { buildBundle, bundleIsStale, releaseBundle, workerdBin } from "./lib/build.js";
import { portFree, tcpOpen } from "./lib/net.js";
import { versionInfo } from "./lib/version.js";
import { writeWorkerdDir, type WorkerdOptions } from "./lib/workerd.js";
import { help as configHelp, optionSpec, optionsFrom, type OptionValues } from "./workerd-config.js";

export const help = `
Usage: cli serve --mode edge|bridge [workerd-config options] [--read-token-file FILE] [--rebuild] [--verbose]

Renders the workerd config like \`cli workerd-config\` and runs \`workerd serve\` in the foreground (Ctrl-C or
SIGTERM stops it). Prints one line "ready: …" with the URLs once every socket listens, or one "error: …" line
(e.g. a port already in use) and exits 1. In the source tree the bundle is built first when it is missing or
older than src/; the release artifact ships it. Production: run it under systemd (deploy/systemd) or in a
container (Containerfile), with --listen 0.0.0.0.

  --read-token-file FILE  READ_TOKEN from this file (e.g. a systemd credential), passed to workerd through its
                          environment, never written into the config
  --rebuild               source tree: build the bundle even if it looks current
  --verbose               pass --verbose to workerd (logs requests' exceptions)
${configHelp.split("\n").slice(2).join("\n")}`;

export const options = { ...optionSpec, "read-token-file": { type: "string" }, rebuild: { type: "boolean" }, verbose: { type: "boolean" } } as const;
export const values = { mode: ["edge", "bridge"] };

/** A host a client on this machine can dial to reach a socket bound to `listen`. */
const dialHost = (listen: string) => (listen === "0.0.0.0" ? "127.0.0.1" : listen === "::" || listen === "[::]" ? "::1" : listen.replace(/^\[|\]$/g, ""));
const urlHost = (listen: string) => (listen.includes(":") && !listen.startsWith("[") ? `[${listen}]` : listen);

export async function run(argv: string[]): Promise<number> {
  const a = parse(argv, options, help, { positionals: [] });
  if (!a) return 0;
  const v = a.values as Record<string, string | string[] | boolean | undefined>;
  const o = optionsFrom(v as OptionValues);
  const released = releaseBundle();
  if (released && v.rebuild) throw new UsageError("--rebuild needs the source tree; the release artifact ships its bundle");
  if (!released && (v.rebuild || bundleIsStale(dirname(o.bundle)))) {
    if (resolve(o.bundle) !== resolve(dirname(o.bundle), "index.js")) throw new UsageError("--bundle must be <dir>/index.js for serve to build it");
    process.stderr.write(`building ${o.bundle} ...\n`);
    buildBundle(dirname(o.bundle));
  }

  const env: NodeJS.ProcessEnv = { ...process.env };
  if (typeof v["read-token-file"] === "string") {
    if (o.readToken !== undefined) throw new UsageError("--read-token and --read-token-file exclude each other");
    let token: string;
    try {
      token = readFileSync(v["read-token-file"], "utf8").trim();
    } catch (e) {
      throw new CliError(`cannot read --read-token-file: ${(e as Error).message}`);
    }
    if (!token) throw new CliError(`--read-token-file ${v["read-token-file"]} is empty`);
    env[o.readTokenEnv] = token;
  }

  const sockets = [{ name: "aggregator", option: "--aggregator-port", port: o.aggregatorPort }];
  if (o.mode === "edge" && o.publicPort) sockets.push({ name: "public", option: "--public-port", port: o.publicPort });
  for (const s of sockets) {
    let free: boolean;
    try {
      free = await portFree(o.listen, s.port);
    } catch (e) {
      throw new CliError(`cannot listen on ${o.listen}:${s.port} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): is --listen an address of this machine?`);
    }
    if (!free) throw new CliError(`port ${s.port} on ${o.listen} is already in use (${s.option}): stop what listens there, or choose another port`);
  }

  let config: string;
  let workerd: string;
  try {
    config = writeWorkerdDir(o);
    workerd = workerdBin();
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const child = spawn(workerd, ["serve", config, ...(v.verbose ? ["--verbose"] : [])], { stdio: ["ignore", "inherit", "pipe"], env });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on("exit", (code, signal) => res({ code, signal })));
  child.on("error", () => {}); // reported through `exited`

  let ready = false;
  const held: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (l) => (ready ? process.stderr.write(l + "\n") : held.push(l)));

  const host = dialHost(o.listen);
  const publicSocket = sockets.find((s) => s.name === "public");
  // workerd binds its sockets even when the Worker fails to load (and exits soon after), so open ports are not
  // enough: the public socket must answer /healthz; a bridge (no public socket) must outlive a short settle.
  const healthy = async () => {
    if (!publicSocket) {
      await new Promise((r) => setTimeout(r, 300));
      return child.exitCode === null && !held.some((l) => /Uncaught/.test(l));
    }
    try {
      const r = await fetch(`${o.publicCert ? "https" : "http"}://${urlHost(host)}:${publicSocket.port}/healthz`, { signal: AbortSignal.timeout(2000) });
      await r.body?.cancel();
      return r.status === 200;
    } catch {
      return false;
    }
  };
  const listening = async () => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      if ((await Promise.all(sockets.map((s) => tcpOpen(s.port, host)))).every(Boolean) && (await healthy())) return child.exitCode === null;
    }
    return false;
  };
  if (!(await listening())) {
    child.kill("SIGTERM");
    const { code } = await exited;
    const busy = held.find((l) => /address already in use|EADDRINUSE/i.test(l));
    const telling = held.find((l) => /Uncaught|error|fatal/i.test(l)) ?? held.filter((l) => l.trim()).slice(-1)[0];
    if (v.verbose) for (const l of held) process.stderr.write(l + "\n");
    throw new CliError(
      busy
        ? `a port is already in use (${sockets.map((s) => `${s.option} ${s.port}`).join(", ")}): stop what listens there, or choose another port`
        : `workerd ${code === null ? "did not become ready within 30 s" : `exited (code ${code}) before it was ready`}${telling ? `: ${telling.trim().slice(0, 300)}` : ""}${v.verbose ? "" : " (--verbose shows all of its output)"}`,
    );
  }
  ready = true;
  for (const l of held) process.stderr.write(l + "\n");
  process.stdout.write(readyLine(o, sockets) + "\n");
  const { code, signal } = await exited;
  return code ?? (signal ? 0 : 1);
}

function readyLine(o: WorkerdOptions, sockets: { name: string; port: number }[]): string {
  const h = urlHost(o.listen);
  const parts = [`aggregator https://${h}:${o.aggregatorPort}`];
  if (sockets.some((s) => s.name === "public")) parts.push(`public ${o.publicCert ? "https" : "http"}://${h}:${o.publicPort}`);
  const what = o.mode === "edge" ? `state ${o.stateDir}` : `upstream ${o.upstream}`;
  return `ready: edge-metrics-adapter ${versionInfo().version} ${o.mode === "edge" ? "edge node" : "bridge"}: ${parts.join(", ")}; ${what}`;
}
