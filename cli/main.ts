#!/usr/bin/env -S npx tsx
/**
 * edge-metrics-adapter command-line tool. Run with `npm run cli -- <command>` or `npx tsx cli/main.ts <command>`.
 * Every command prints its own `--help`.
 */
import { CliError } from "./lib/args.js";

const commands: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  pki: { summary: "create the CA, the <svc>.<ns>.svc serving certificate (and a dev front-proxy CA)", load: () => import("./pki.js") },
  manifests: { summary: "render deploy/k8s with the real caBundle, ExternalName host and port", load: () => import("./manifests.js") },
  "workerd-config": { summary: "render the edge-node or bridge workerd config from the built bundle", load: () => import("./workerd-config.js") },
  serve: { summary: "build if needed, render the workerd config and run workerd in the foreground", load: () => import("./serve.js") },
  check: { summary: "probe an endpoint exactly as kube-apiserver does (SNI, caBundle, client cert, discovery)", load: () => import("./check.js") },
  token: { summary: "create a scoped write token (prints the token once, keeps only its SHA-256 in WRITE_TOKENS)", load: () => import("./token.js") },
  push: { summary: "write a metric value to the public write API", load: () => import("./push.js") },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    "Usage: cli <command> [options]     (npm run cli -- <command> ... | npx tsx cli/main.ts <command> ...)",
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `cli <command> --help` for the options of a command.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage() + "\n");
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) throw new CliError(`unknown command: ${name}\n\n${usage()}`, 2);
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(e.code);
    }
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
