/**
 * kubectl for tests: the control plane's own (`K8S_KUBECTL`, exported by test/k8s/control-plane.sh), or
 * `$KUBECTL`, or the first `kubectl` on PATH. Runs asynchronously (a test's in-process servers keep serving
 * while it waits) and is always bounded by a timeout.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { tempDir } from "./process";

export function kubectlBin(): string {
  const given = process.env.KUBECTL ?? process.env.K8S_KUBECTL;
  if (given) return given;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, "kubectl"))) return join(dir, "kubectl");
  }
  throw new Error("kubectl not found: put it on PATH (Debian: apt-get install kubernetes-client) or set KUBECTL");
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Path of a kubeconfig (default: $KUBECONFIG). */
  kubeconfig?: string;
  input?: string;
  /** --request-timeout (default 30s); the process itself is killed after timeoutMs. */
  requestTimeout?: string;
  timeoutMs?: number;
}

// A HOME of its own: kubectl writes its discovery cache there, not into the user's ~/.kube.
let home: string | undefined;

export function kubectl(args: string[], o: KubectlOptions = {}): Promise<Run> {
  return new Promise((resolve) => {
    home ??= tempDir("kubectl-home");
    const env = { ...process.env, HOME: home, ...(o.kubeconfig ? { KUBECONFIG: o.kubeconfig } : {}) };
    const child = spawn(kubectlBin(), [`--request-timeout=${o.requestTimeout ?? "30s"}`, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const t = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 60_000);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(o.input ?? "");
  });
}

/** A kubeconfig for one server: CA data, tls-server-name, and a client certificate or a dummy token. */
export function kubeconfig(o: { server: string; ca: string; serverName: string; cert?: string; key?: string }): string {
  const b64 = (p: string) => Buffer.from(readFileSync(p)).toString("base64");
  const user = o.cert && o.key ? `    client-certificate-data: ${b64(o.cert)}\n    client-key-data: ${b64(o.key)}` : `    token: dummy-token`;
  const text = `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster:
    server: ${o.server}
    certificate-authority-data: ${b64(o.ca)}
    tls-server-name: ${o.serverName}
users:
- name: u
  user:
${user}
contexts:
- name: c
  context: {cluster: edge, user: u}
current-context: c
`;
  const path = join(tempDir("kubeconfig"), "config");
  writeFileSync(path, text);
  return path;
}
