/** Runs the project's CLI (`tsx cli/main.ts …`) as a user would, bounded by a timeout. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { OFFLINE_ENV } from "../../cli/lib/build";
import type { Run } from "./kubectl";
import { bin, ROOT } from "./process";

export function cli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((res) => {
    const child = spawn(bin("tsx"), [join(ROOT, "cli/main.ts"), ...args], { cwd: ROOT, env: { ...process.env, ...OFFLINE_ENV, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status) => {
      clearTimeout(t);
      res({ status, stdout, stderr });
    });
  });
}
