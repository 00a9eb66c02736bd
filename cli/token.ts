/**
 * `token create|list|revoke` on a tokens file. The file is exactly the value of WRITE_TOKENS: a JSON array of
 * entries that hold a token's name, scope and SHA-256, never the token (see SECURITY.md). The same file feeds
 * both deployments — `--write-tokens FILE` of the edge node, and `wrangler secret put WRITE_TOKENS < FILE` on
 * Cloudflare — so there is one way to keep tokens, and the token itself is printed once and stored nowhere.
 *
 * Every write of the file is validated with the Worker's own parser (src/auth/tokens.ts) and replaces it
 * atomically with mode 0600, so a mistake here never reaches a running edge node as a half-written file.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CliError, parse, UsageError, writeAtomic } from "./lib/args.js";
import { OPERATIONS, TOKEN_PREFIX, parseTokenSpecs, sha256Hex, type Operation, type TokenSpec } from "../src/auth/tokens.js";

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

export const DEFAULT_FILE = "write-tokens.json";

export const help = `
Usage: cli token create --name NAME --namespaces NS[,NS…] [--metrics GLOB,…] [--operations OP,…] [--file FILE] [--print token|json]
       cli token list [--file FILE] [--json]
       cli token revoke NAME [--file FILE]

Keeps scoped bearer tokens in a tokens file (default ${DEFAULT_FILE}, created with mode 0600). The file is the
WRITE_TOKENS value itself: a JSON array of {name, sha256, namespaces, metrics, operations}. It holds only each
token's SHA-256; the token is printed once by \`create\` and stored nowhere.

  create   adds a token scoped to namespaces (exact names or * globs; @cluster = cluster-scoped objects such as
           nodes), metric-name globs (default *) and operations (write, delete, read; default write)
  list     one line per token: name, namespaces, metrics, operations, the first 12 hex digits of its SHA-256
  revoke   removes the token named NAME

Options:
  --file FILE          the tokens file (default: ${DEFAULT_FILE} in the current directory)
  --print token        create: print only the token and a newline (for scripts: TOKEN=$(cli token create … --print token))
  --print json         create: print {"name","token","sha256","file"} as one JSON line
  --json               list: print the file's entries as JSON

Changes take effect when the server reads the file again:
  edge node   restart it (\`cli serve … --write-tokens FILE\`; systemd: systemctl restart edge-metrics)
  Cloudflare  npx wrangler secret put WRITE_TOKENS --env production < FILE

Examples:
  npm run cli -- token create --name ci-team-a --namespaces team-a --metrics 'http_*'
  WRITE_TOKEN=$(npm run -s cli -- token create --name writer --namespaces default --print token)
  npm run cli -- token revoke ci-team-a
`;

export const options = {
  name: { type: "string" },
  namespaces: { type: "string" },
  metrics: { type: "string" },
  operations: { type: "string" },
  file: { type: "string" },
  print: { type: "string" },
  json: { type: "boolean" },
  // Removed: it took inline JSON while --write-tokens took a file. Recognised only to say what replaced it.
  append: { type: "string" },
} as const;
export const subcommands = ["create", "list", "revoke"] as const;
export const values = { print: ["token", "json"], operations: OPERATIONS };

/** The entries of a tokens file ([] when it does not exist yet), checked as the Worker would check them. */
export function readTokensFile(path: string): TokenSpec[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  try {
    return parseTokenSpecs(text);
  } catch (e) {
    throw new CliError(`${path} is not a valid tokens file: ${(e as Error).message.replace(/^WRITE_TOKENS/, "entry")}`);
  }
}

function writeTokensFile(path: string, entries: readonly TokenSpec[]): void {
  const text = JSON.stringify(entries, null, 2) + "\n";
  parseTokenSpecs(text); // what the Worker will parse
  writeAtomic(path, text, 0o600);
}

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

export async function run(argv: string[]): Promise<number> {
  const a = parse(argv, options, help, { positionals: ["create|list|revoke", "[NAME]"] });
  if (!a) return 0;
  const v = a.values;
  if (v.append !== undefined) {
    throw new UsageError(`--append was removed: tokens live in a tokens file now. Use --file FILE (default ${DEFAULT_FILE}); the file is the WRITE_TOKENS array`);
  }
  const [sub, arg] = a.positionals;
  const file = resolve(v.file ?? DEFAULT_FILE);
  const onlyFor = (what: string, names: (keyof typeof v)[]) => {
    for (const n of names) if (v[n] !== undefined) throw new UsageError(`--${String(n)} applies to \`token ${what}\` only`);
  };
  switch (sub) {
    case "create": {
      if (arg !== undefined) throw new UsageError(`token create takes no argument (got ${JSON.stringify(arg)}); give the name with --name`);
      onlyFor("list", ["json"]);
      return create(file, v);
    }
    case "list": {
      if (arg !== undefined) throw new UsageError(`token list takes no argument (got ${JSON.stringify(arg)})`);
      onlyFor("create", ["name", "namespaces", "metrics", "operations", "print"]);
      const entries = readTokensFile(file);
      if (v.json) {
        process.stdout.write(JSON.stringify(entries, null, 2) + "\n");
        return 0;
      }
      if (entries.length === 0) {
        process.stderr.write(`no tokens in ${file}${existsSync(file) ? "" : " (the file does not exist yet)"}\n`);
        return 0;
      }
      const rows = [["NAME", "NAMESPACES", "METRICS", "OPERATIONS", "SHA256"], ...entries.map((e) => [e.name, e.namespaces.join(","), e.metrics.join(","), e.operations.join(","), e.sha256.slice(0, 12)])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) process.stdout.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ") + "\n");
      return 0;
    }
    case "revoke": {
      if (arg === undefined) throw new UsageError("token revoke needs the NAME of the token to remove");
      onlyFor("create", ["name", "namespaces", "metrics", "operations", "print"]);
      onlyFor("list", ["json"]);
      if (!existsSync(file)) throw new CliError(`${file} does not exist: no token to revoke`);
      const entries = readTokensFile(file);
      const kept = entries.filter((e) => e.name !== arg);
      if (kept.length === entries.length) {
        throw new CliError(`no token named "${arg}" in ${file} (it has: ${entries.map((e) => e.name).join(", ") || "none"})`);
      }
      writeTokensFile(file, kept);
      process.stderr.write(`revoked "${arg}": ${kept.length} token(s) left in ${file}; restart the edge node (or put the file as the WRITE_TOKENS secret) for it to take effect\n`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? "token needs a subcommand: create, list or revoke" : `unknown token subcommand: ${sub} (use create, list or revoke)`);
  }
}

async function create(file: string, v: { name?: string; namespaces?: string; metrics?: string; operations?: string; print?: string }): Promise<number> {
  if (!v.name) throw new UsageError("--name is required");
  if (!v.namespaces) throw new UsageError("--namespaces is required (use '*' for every namespace)");
  if (v.print !== undefined && v.print !== "token" && v.print !== "json") throw new UsageError(`--print must be token or json, got ${v.print}`);
  const ops = list(v.operations ?? "write");
  for (const op of ops) if (!OPERATIONS.includes(op as Operation)) throw new UsageError(`--operations: unknown operation "${op}" (use ${OPERATIONS.join(", ")})`);
  const entries = readTokensFile(file);
  if (entries.some((e) => e.name === v.name)) throw new CliError(`a token named "${v.name}" is already in ${file} (revoke it first, or choose another name)`);
  const { token, entry } = await createToken({ name: v.name, namespaces: list(v.namespaces), metrics: list(v.metrics ?? "*"), operations: ops as Operation[] });
  try {
    writeTokensFile(file, [...entries, entry]);
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^WRITE_TOKENS\[\d+\]/, "the new token"));
  }
  if (v.print === "token") process.stdout.write(token + "\n");
  else if (v.print === "json") process.stdout.write(JSON.stringify({ name: entry.name, token, sha256: entry.sha256, file }) + "\n");
  else {
    process.stdout.write(`token (shown once): ${token}\n`);
    process.stderr.write(`added "${entry.name}" to ${file} (${entries.length + 1} token(s)); restart the edge node or put the file as the WRITE_TOKENS secret for it to take effect\n`);
  }
  return 0;
}
