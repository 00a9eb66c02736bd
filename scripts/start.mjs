#!/usr/bin/env node
// `npm start`: wrangler dev on 127.0.0.1:8787, offline, state persisted in .wrangler/state. Warns loudly when
// the local server runs without authentication (no WRITE_TOKENS in .dev.vars), which is the convenient default.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const devVars = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
if (!/^\s*WRITE_TOKENS\s*=/m.test(devVars)) {
  const line = "!".repeat(78);
  console.warn(`${line}\n  edge-metrics-adapter is running WITHOUT AUTHENTICATION (dev mode, no WRITE_TOKENS in .dev.vars).\n  Anyone who can reach 127.0.0.1:8787 can write and read metrics. Fine for a laptop; never expose it.\n${line}`);
}
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };
const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", process.env.PORT ?? "8787", ...process.argv.slice(2)];
const child = spawn("npx", args, { stdio: "inherit", env });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
