#!/usr/bin/env -S npx tsx
/**
 * edge-metrics-adapter command-line tool. Run with `npm run cli -- <command>` or `npx tsx cli/main.ts <command>`
 * in the source tree, `edge-metrics <command>` from the release artifact. Every command prints its own
 * `--help`; exit codes are 0 (done), 1 (the operation failed) and 2 (a usage mistake), see lib/args.ts.
 */
import { available, commands } from "./commands.js";
import { CliError } from "./lib/args.js";

function usage(): string {
  const list = available();
  const width = Math.max(...list.map(([c]) => c.length));
  return [
    "Usage: cli <command> [options]",
    "       (source tree: npm run cli -- <command>; release artifact: edge-metrics <command>)",
    "",
    "Commands:",
    ...list.map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Options: --help, --version",
    "Run `cli <command> --help` for the options of a command. Exit codes: 0 done, 1 failed, 2 usage mistake.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage() + "\n");
    return 0;
  }
  if (name === "--version" || name === "-V") {
    const { versionLine } = await import("./lib/version.js");
    process.stdout.write(versionLine() + "\n");
    return 0;
  }
  if (!name) {
    process.stderr.write(usage() + "\n");
    return 2;
  }
  const command = available().find(([n]) => n === name)?.[1];
  if (!command) {
    const why = commands[name] ? `${name} runs from the source tree (npm run ${name})` : `unknown command: ${name}`;
    throw new CliError(`${why}\nrun \`cli --help\` for the list of commands`, 2);
  }
  try {
    return await (await command.load()).run(rest);
  } catch (e) {
    if (e instanceof CliError && e.code === 2 && !e.message.includes("--help")) e.message += `\nrun \`cli ${name} --help\` for usage`;
    throw e;
  }
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
