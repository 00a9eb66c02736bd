/** Tiny shared helpers for the CLI: option parsing (node:util), file output, errors that end the command. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** An error whose message is shown to the user without a stack trace; `code` becomes the exit code. */
export class CliError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export function parse<O extends Options>(argv: string[], options: O, help: string) {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    if ((r.values as Record<string, unknown>).help) {
      process.stdout.write(help.trimEnd() + "\n");
      return null;
    }
    return r as { values: { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : O[K] extends { multiple: true } ? string[] : string }; positionals: string[] };
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${help.trimEnd()}`, 2);
  }
}

export function readText(path: string, what: string): string {
  if (!existsSync(path)) throw new CliError(`${what} not found: ${path}`);
  return readFileSync(path, "utf8");
}

export function writeText(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, mode === undefined ? undefined : { mode });
}

export function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`--${name} must be an integer 0-65535, got ${value}`, 2);
  return n;
}
