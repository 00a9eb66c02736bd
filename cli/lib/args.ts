/**
 * Tiny shared helpers for the CLI: option parsing (node:util), file output, errors that end the command.
 *
 * One convention for every command: `--help` prints the command's help on stdout and exits 0; a usage mistake
 * (unknown option, missing or extra argument) is one `error:` line on stderr, a pointer to `--help`, exit 2;
 * an operation that ran and failed (a server refused, a check failed) exits 1.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** An error whose message is shown to the user without a stack trace; `code` becomes the exit code. */
export class CliError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

/** A usage mistake: exit code 2, and main points at the command's --help. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ParseOptions {
  /** What the positional arguments are, e.g. `<url> <target> <value>`; more than this many are refused. */
  positionals?: string[];
}

export function parse<O extends Options>(argv: string[], options: O, help: string, o: ParseOptions = {}) {
  let r;
  try {
    r = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (e) {
    // node:util's messages end with advice about `--` that does not apply here.
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, "").replace(/\.$/, ""));
  }
  if ((r.values as Record<string, unknown>).help) {
    process.stdout.write(help.trim() + "\n");
    return null;
  }
  if (o.positionals && r.positionals.length > o.positionals.length) {
    const extra = r.positionals.slice(o.positionals.length);
    throw new UsageError(`unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((x) => JSON.stringify(x)).join(" ")} (expected ${o.positionals.join(" ") || "no arguments"})`);
  }
  return r as { values: { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : O[K] extends { multiple: true } ? string[] : string }; positionals: string[] };
}

export function readText(path: string, what: string): string {
  if (!existsSync(path)) throw new CliError(`${what} not found: ${path}`);
  return readFileSync(path, "utf8");
}

export function writeText(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, mode === undefined ? undefined : { mode });
}

/** Replaces a file in one step (write a sibling, then rename), so a crash never leaves half a file. */
export function writeAtomic(path: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

export function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be an integer 0-65535, got ${value}`);
  return n;
}
