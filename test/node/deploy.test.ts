/**
 * `npm run deploy` (cli deploy) without a Cloudflare account: a stub wrangler answers `secret list` as the real
 * one does (a JSON array of {name, type}, or its error messages) and records what it was asked to run, so the
 * preflight's decisions and messages are tested against the command line the real wrangler would get.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, cli, ROOT, tempDir } from "../harness";

afterAll(cleanup);

interface Stub {
  wrangler: string;
  calls: () => string[][];
}

/** A wrangler that prints `list` (or fails with `listError`) for `secret list`, and succeeds at `deploy`. */
function stub(o: { list?: unknown; listError?: string }): Stub {
  const dir = tempDir("wrangler-stub");
  const log = join(dir, "calls.jsonl");
  const script = join(dir, "wrangler");
  writeFileSync(
    script,
    `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + "\\n");
if (args[0] === "secret" && args[1] === "list") {
  ${o.listError !== undefined ? `process.stderr.write(${JSON.stringify(o.listError)}); process.exit(1);` : `process.stdout.write(${JSON.stringify(JSON.stringify(o.list, null, "  "))} + "\\n");`}
} else if (args[0] === "deploy") {
  process.stdout.write("stub: deployed\\n");
} else { process.exit(3); }
`,
  );
  chmodSync(script, 0o755);
  return { wrangler: script, calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]) : []) };
}

const deploy = (s: Stub, ...args: string[]) => cli(["deploy", ...args], { WRANGLER: s.wrangler });
const secret = (name: string) => ({ name, type: "secret_text" });

describe("cli deploy (npm run deploy)", () => {
  it("both secrets set: runs wrangler deploy --env production with the extra arguments", async () => {
    const s = stub({ list: [secret("READ_TOKEN"), secret("WRITE_TOKENS")] });
    const r = await deploy(s, "--", "--dry-run");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^preflight: secrets READ_TOKEN, WRITE_TOKENS are set \(env production\); deploying$/m);
    expect(r.stdout).toContain("stub: deployed");
    expect(s.calls()).toEqual([["secret", "list", "--env", "production", "--format", "json"], ["deploy", "--env", "production", "--dry-run"]]);
  });

  it("WRITE_TOKENS missing: does not deploy, says why it matters and how to set it", async () => {
    const s = stub({ list: [secret("READ_TOKEN")] });
    const r = await deploy(s);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: preflight: not deploying \(env production\):\n  secret WRITE_TOKENS is not set \(without it the Worker refuses every write\); set it with:/);
    expect(r.stderr).toContain("npm run cli -- token create --name writer --namespaces default --file write-tokens.json");
    expect(r.stderr).toContain("npx wrangler secret put WRITE_TOKENS --env production < write-tokens.json");
    expect(r.stderr).not.toContain("READ_TOKEN is not set");
    expect(s.calls().map((c) => c[0])).toEqual(["secret"]);
  });

  it("no secrets at all: names both, in the order a first deployment sets them", async () => {
    const s = stub({ list: [] });
    const r = await deploy(s);
    expect(r.status).toBe(1);
    expect(r.stderr.indexOf("secret WRITE_TOKENS is not set")).toBeGreaterThan(0);
    expect(r.stderr.indexOf("secret READ_TOKEN is not set")).toBeGreaterThan(r.stderr.indexOf("secret WRITE_TOKENS is not set"));
    expect(r.stderr).toContain("npx wrangler secret put READ_TOKEN --env production < read-token");
  });

  it("READ_MTLS_ISSUER_SKI instead of READ_TOKEN is enough for reads", async () => {
    const s = stub({ list: [secret("WRITE_TOKENS"), secret("READ_MTLS_ISSUER_SKI")] });
    expect((await deploy(s)).status).toBe(0);
  });

  it("--env staging: asks about and deploys that environment", async () => {
    const s = stub({ list: [secret("READ_TOKEN")] });
    const r = await deploy(s, "--env", "staging");
    expect(r.stderr).toContain("npx wrangler secret put WRITE_TOKENS --env staging < write-tokens.json");
    expect(s.calls()[0]).toEqual(["secret", "list", "--env", "staging", "--format", "json"]);
  });

  it("not logged in (wrangler's own message): says to log in", async () => {
    const s = stub({ listError: "\u001b[31m✘ [ERROR]\u001b[0m Not logged in.\n" });
    const r = await deploy(s);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("error: preflight: wrangler is not logged in to Cloudflare: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN), then npm run deploy again\n");
  });

  it("a Worker that does not exist yet (wrangler's own message): the first-deployment steps", async () => {
    const s = stub({ listError: `✘ [ERROR] Worker "edge-metrics-adapter" (env: production) not found.\n\nIf this is a new Worker, run \`wrangler deploy\` first to create it.\n` });
    const r = await deploy(s);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not exist on this account yet\. For a first deployment, set its secrets first/);
    expect(r.stderr).toContain("npx wrangler secret put READ_TOKEN --env production < read-token");
    expect(s.calls().map((c) => c[0])).toEqual(["secret"]);
  });

  it("any other failure: shows wrangler's last lines", async () => {
    const s = stub({ listError: "something unexpected happened\ncode 12345\n" });
    const r = await deploy(s);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/wrangler secret list --env production failed:\n  something unexpected happened\n  code 12345/);
  });

  it("npm run deploy is this command, and wrangler.toml's [env.production] is what it deploys", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.deploy).toBe("tsx cli/main.ts deploy");
    expect(readFileSync(join(ROOT, "wrangler.toml"), "utf8")).toMatch(/^\[env\.production\]$/m);
  });
});
