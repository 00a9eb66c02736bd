// Node wrapper around test/k8s/control-plane.sh for Vitest/tsx tests.
//
//   import { startControlPlane } from "../k8s/control-plane.ts";
//   const cp = await startControlPlane({ version: "1.37" });   // builds if the cache is cold
//   try { ... cp.env.KUBECONFIG, cp.env.K8S_FRONT_PROXY_CA_FILE, cp.kubectl(["get", "ns"]) ... }
//   finally { await cp.stop(); }
//
// start/stop run the shell script; all state is in cp.env.K8S_RUN_DIR (default test/k8s/.run/cp).
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const controlPlaneScript = join(here, "control-plane.sh");

export interface ControlPlaneEnv {
  K8S_RUN_DIR: string;
  K8S_VERSION: string; // e.g. v1.37.2
  K8S_BIN_DIR: string;
  KUBECONFIG: string; // admin (O=system:masters)
  K8S_KUBECTL: string;
  K8S_APISERVER_URL: string; // https://127.0.0.1:<port>
  K8S_CA_FILE: string; // cluster CA (apiserver serving cert, client certs)
  K8S_FRONT_PROXY_CA_FILE: string; // trust this for kube-apiserver's proxy client cert
  K8S_FRONT_PROXY_CLIENT_CERT_FILE: string; // CN=front-proxy-client
  K8S_FRONT_PROXY_CLIENT_KEY_FILE: string;
  K8S_LOG_DIR: string;
  K8S_ETCD_URL: string;
  K8S_KCM_URL: string;
}

export interface StartOptions {
  /** Kubernetes minor pinned under test/k8s/tools (e.g. "1.37", "1.35"); default: newest. */
  version?: string;
  /** Overrides K8S_RUN_DIR (use distinct dirs to run two control planes at once). */
  runDir?: string;
  /** Extra environment for the script (K8S_HPA_SYNC_PERIOD, K8S_KCM_EXTRA_ARGS, ...). */
  env?: Record<string, string>;
  /** Kill the start after this long (ms). Default 40 min: a cold build can take ~17 min per version. */
  timeoutMs?: number;
}

export interface ControlPlane {
  env: ControlPlaneEnv;
  /** Environment for child processes (process.env + the control plane's variables). */
  processEnv: NodeJS.ProcessEnv;
  kubectl(args: string[], input?: string): Promise<string>;
  /** Tail of every component log (for failure messages). */
  logs(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`bash ${args.join(" ")} exited ${code}\n${err.slice(-8000)}`));
    });
    child.stdin.end(input ?? "");
  });
}

export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...(opts.env ?? {}) };
  if (opts.runDir) baseEnv.K8S_RUN_DIR = opts.runDir;
  const args = [controlPlaneScript, "start", ...(opts.version ? [opts.version] : [])];
  const stdout = await run(args, baseEnv, opts.timeoutMs ?? 40 * 60_000);
  const runDir = /export K8S_RUN_DIR='([^']*)'/.exec(stdout)?.[1];
  if (!runDir) throw new Error(`control-plane.sh start printed no K8S_RUN_DIR:\n${stdout}`);
  const env = JSON.parse(readFileSync(join(runDir, "env.json"), "utf8")) as ControlPlaneEnv;
  const processEnv: NodeJS.ProcessEnv = { ...baseEnv, ...env };
  const stopEnv: NodeJS.ProcessEnv = { ...baseEnv, K8S_RUN_DIR: runDir };
  return {
    env,
    processEnv,
    kubectl: (kargs, input) =>
      new Promise((resolve, reject) => {
        const child = execFile(env.K8S_KUBECTL, kargs, { env: processEnv, timeout: 60_000, maxBuffer: 64 << 20 }, (e, out, err) =>
          e ? reject(new Error(`kubectl ${kargs.join(" ")}: ${e.message}\n${err}`)) : resolve(out),
        );
        child.stdin?.end(input ?? "");
      }),
    logs: (lines = 40) => run([controlPlaneScript, "logs", String(lines)], stopEnv, 30_000).catch((e: Error) => e.message),
    stop: async () => {
      await run([controlPlaneScript, "stop"], stopEnv, 60_000);
    },
  };
}
