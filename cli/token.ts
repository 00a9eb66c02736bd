/**
 * `token create`: a new scoped bearer token. Prints the token once (it is never stored) and the entry to add
 * to WRITE_TOKENS, which holds only its SHA-256 (see SECURITY.md).
 */
import { randomBytes } from "node:crypto";
import { CliError, parse } from "./lib/args.js";
import { OPERATIONS, TOKEN_PREFIX, parseTokenSpecs, sha256Hex, type Operation } from "../src/auth/tokens.js";

export interface NewToken {
  /** The bearer token, to hand to the writer once. */
  token: string;
  /** Its WRITE_TOKENS entry (only the SHA-256 of the token). */
  entry: { name: string; sha256: string; namespaces: string[]; metrics: string[]; operations: Operation[] };
}

/** A fresh random token and its entry; the one way tokens are made (the CLI and the test harness use it). */
export async function createToken(o: { name: string; namespaces: string[]; metrics?: string[]; operations?: Operation[] }): Promise<NewToken> {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const entry = { name: o.name, sha256: await sha256Hex(token), namespaces: o.namespaces, metrics: o.metrics ?? ["*"], operations: o.operations ?? ["write"] };
  return { token, entry };
}

export const help = `
Usage: cli token create --name NAME --namespaces NS[,NS…] [--metrics GLOB[,GLOB…]] [--operations write[,delete,read]]
                        [--append WRITE_TOKENS_JSON]

Creates a bearer token scoped to namespaces (exact names or * globs; @cluster = cluster-scoped objects such as
nodes), metric-name globs (default *), and operations (default write). Prints:
  1. the token, once: hand it to the writer (it is not stored anywhere);
  2. the JSON entry for WRITE_TOKENS (holds only the SHA-256), or with --append the whole new array.

Examples:
  npm run cli -- token create --name ci-team-a --namespaces team-a --metrics 'http_*'
  npm run cli -- token create --name bridge-reader --namespaces '*' --operations read
Then: wrangler secret put WRITE_TOKENS (Cloudflare), or --write-tokens for workerd-config (edge node).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    name: { type: "string" },
    namespaces: { type: "string" },
    metrics: { type: "string" },
    operations: { type: "string" },
    append: { type: "string" },
  }, help);
  if (!args) return 0;
  const [sub] = args.positionals;
  if (sub !== "create") throw new CliError(`unknown token subcommand: ${sub ?? "(none)"}\n${help}`, 2);
  const { name, namespaces, metrics = "*", operations = "write", append } = args.values;
  if (!name) throw new CliError("--name is required", 2);
  if (!namespaces) throw new CliError("--namespaces is required (use '*' for all namespaces)", 2);
  const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
  const ops = list(operations);
  for (const op of ops) if (!OPERATIONS.includes(op as Operation)) throw new CliError(`--operations: unknown operation "${op}" (use ${OPERATIONS.join(", ")})`, 2);

  const { token, entry } = await createToken({ name, namespaces: list(namespaces), metrics: list(metrics), operations: ops as Operation[] });
  let existing: unknown[] = [];
  if (append !== undefined) {
    parseTokenSpecs(append); // validates
    existing = JSON.parse(append) as unknown[];
    if (existing.some((e) => (e as { name?: string }).name === name)) throw new CliError(`a token named "${name}" is already in --append`, 2);
  }
  // Validate what we print exactly as the Worker will.
  parseTokenSpecs(JSON.stringify([...existing, entry]));
  process.stdout.write(`token (shown once): ${token}\n`);
  process.stdout.write(append === undefined ? `WRITE_TOKENS entry: ${JSON.stringify(entry)}\n` : `WRITE_TOKENS=${JSON.stringify([...existing, entry])}\n`);
  return 0;
}
