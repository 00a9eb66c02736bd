/**
 * `deploy` (npm run deploy): the Worker on Cloudflare, `wrangler deploy --env production`, after a preflight
 * that the secrets it cannot work without exist. Deployed without WRITE_TOKENS, the Worker refuses every write;
 * without READ_TOKEN, the bridge has no credential for its reads — both deploy "successfully" and then fail
 * at the first request, which is the worst time to find out.
 *
 * The preflight asks `wrangler secret list` (names only; values never leave Cloudflare) and turns its known
 * failures — not logged in, no such Worker yet — into what to do next. `$WRANGLER` replaces the wrangler
 * binary (the tests use a stub).
 */
import { spawn } from "node:child_process";
import { CliError, parse, UsageError } from "./lib/args.js";
import { bin, OFFLINE_ENV, projectRoot } from "./lib/build.js";

export const help = `
Usage: cli deploy [--env NAME] [-- WRANGLER_DEPLOY_OPTIONS…]
       npm run deploy [-- WRANGLER_DEPLOY_OPTIONS…]

Deploys the Worker to Cloudflare with \`wrangler deploy --env production\`, after checking with
\`wrangler secret list\` that its secrets exist:
  WRITE_TOKENS   the tokens file of \`cli token create\` (without it every write is refused)
  READ_TOKEN     the credential of the bridge and other readers (not needed with READ_MTLS_ISSUER_SKI)
Needs \`npx wrangler login\` first (or CLOUDFLARE_API_TOKEN in the environment).

Options:
  --env NAME   wrangler environment (default: production, the [env.production] section of wrangler.toml)
  -- …         passed to wrangler deploy (e.g. -- --dry-run)
`;

export const options = { env: { type: "string" } } as const;

export interface Secret {
  name: string;
  type?: string;
}

/** What a missing secret means and how to set it, in the order a first deployment needs them. */
const REQUIRED: { name: string; why: string; fix: (env: string) => string[] }[] = [
  {
    name: "WRITE_TOKENS",
    why: "without it the Worker refuses every write",
    fix: (env) => [
      `npm run cli -- token create --name writer --namespaces default --file write-tokens.json`,
      `npx wrangler secret put WRITE_TOKENS --env ${env} < write-tokens.json`,
    ],
  },
  {
    name: "READ_TOKEN",
    why: "the bridge and every other reader authenticate with it",
    fix: (env) => [`openssl rand -hex 24 > read-token`, `npx wrangler secret put READ_TOKEN --env ${env} < read-token`],
  },
];

/** The preflight's verdict on a secret list: the problems, empty when the Worker can be deployed. */
export function missingSecrets(secrets: readonly Secret[], env: string): string[] {
  const have = new Set(secrets.map((s) => s.name));
  const problems: string[] = [];
  for (const r of REQUIRED) {
    if (have.has(r.name)) continue;
    if (r.name === "READ_TOKEN" && have.has("READ_MTLS_ISSUER_SKI")) continue;
    problems.push([`secret ${r.name} is not set (${r.why}); set it with:`, ...r.fix(env).map((c) => `    ${c}`)].join("\n"));
  }
  return problems;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function wrangler(args: string[], capture: boolean): Promise<Ran> {
  const cmd = process.env.WRANGLER ?? bin("wrangler");
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: projectRoot(), env: { ...process.env, ...OFFLINE_ENV }, stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit" });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => (stdout += d));
    child.stderr?.on("data", (d) => (stderr += d));
    child.on("error", (e) => rej(new CliError(`cannot run ${cmd}: ${e.message}`)));
    child.on("close", (code) => res({ code, stdout, stderr }));
  });
}

/** Turns a failed `wrangler secret list` into the next step. */
export function explainListFailure(output: string, env: string): string {
  const text = output.replace(/\x1b\[[0-9;]*m/g, "");
  if (/not logged in|not authenticated|CLOUDFLARE_API_TOKEN|Authentication error|wrangler login/i.test(text)) {
    return `wrangler is not logged in to Cloudflare: run \`npx wrangler login\` (or set CLOUDFLARE_API_TOKEN), then npm run deploy again`;
  }
  if (/Worker .* not found|workers\.api\.error\.script_not_found|\b10007\b/i.test(text)) {
    return [
      `the Worker (env ${env}) does not exist on this account yet. For a first deployment, set its secrets first —`,
      `wrangler offers to create the Worker when you do:`,
      ...REQUIRED.flatMap((r) => r.fix(env)).map((c) => `    ${c}`),
      `then npm run deploy again.`,
    ].join("\n");
  }
  const last = text.trim().split("\n").filter((l) => l.trim()).slice(-3).join("\n  ");
  return `wrangler secret list --env ${env} failed${last ? `:\n  ${last}` : ""}`;
}

export async function run(argv: string[]): Promise<number> {
  const dash = argv.indexOf("--");
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const passOn = dash < 0 ? [] : argv.slice(dash + 1);
  const a = parse(own, options, help, { positionals: [] });
  if (!a) return 0;
  const env = a.values.env ?? "production";
  if (!/^[A-Za-z0-9_-]+$/.test(env)) throw new UsageError(`--env must be a wrangler environment name, got ${env}`);

  const list = await wrangler(["secret", "list", "--env", env, "--format", "json"], true);
  if (list.code !== 0) throw new CliError(`preflight: ${explainListFailure(`${list.stderr}\n${list.stdout}`, env)}`);
  let secrets: Secret[];
  try {
    const json = list.stdout.slice(list.stdout.indexOf("["), list.stdout.lastIndexOf("]") + 1);
    secrets = JSON.parse(json) as Secret[];
    if (!Array.isArray(secrets)) throw new Error("not an array");
  } catch {
    throw new CliError(`preflight: could not read the output of wrangler secret list --env ${env}:\n${list.stdout.slice(0, 500)}`);
  }
  const problems = missingSecrets(secrets, env);
  if (problems.length) throw new CliError(`preflight: not deploying (env ${env}):\n  ${problems.join("\n  ")}`);
  process.stderr.write(`preflight: secrets ${secrets.map((s) => s.name).sort().join(", ")} are set (env ${env}); deploying\n`);
  const deploy = await wrangler(["deploy", "--env", env, ...passOn], false);
  return deploy.code ?? 1;
}
