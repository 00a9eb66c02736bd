/**
 * `cli token create|list|revoke` on a tokens file, and that the file is what an edge node takes: a token made
 * here writes, a revoked one is refused after a restart.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseTokenSpecs, sha256Hex } from "../../src/auth/tokens";
import { bundle, cleanup, cli, freePorts, startWorkerd, tempDir, testPki } from "../harness";

afterAll(cleanup);

const create = (file: string, name: string, ...extra: string[]) => cli(["token", "create", "--file", file, "--name", name, "--namespaces", "default", ...extra]);

describe("cli token", () => {
  it("create makes the file (mode 0600) as the WRITE_TOKENS array; --print token prints the token alone", async () => {
    const file = join(tempDir("tokens"), "write-tokens.json");
    const r = await create(file, "ci", "--metrics", "http_*", "--print", "token");
    expect(r.status, r.stderr).toBe(0);
    const token = r.stdout.trim();
    expect(r.stdout).toBe(`${token}\n`);
    expect(token).toMatch(/^ema_[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const specs = parseTokenSpecs(readFileSync(file, "utf8"));
    expect(specs).toEqual([{ name: "ci", sha256: await sha256Hex(token), namespaces: ["default"], metrics: ["http_*"], operations: ["write"] }]);
    expect(readFileSync(file, "utf8")).not.toContain(token);
  });

  it("create appends; a second token of the same name is refused; --print json is one parseable line", async () => {
    const file = join(tempDir("tokens"), "t.json");
    expect((await create(file, "a")).status).toBe(0);
    const r = await create(file, "b", "--operations", "write,delete", "--print", "json");
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { name: string; token: string; sha256: string; file: string };
    expect(out).toMatchObject({ name: "b", file });
    expect(out.sha256).toBe(await sha256Hex(out.token));
    expect(parseTokenSpecs(readFileSync(file, "utf8")).map((s) => [s.name, s.operations])).toEqual([["a", ["write"]], ["b", ["write", "delete"]]]);
    const dup = await create(file, "a");
    expect(dup.status).toBe(1);
    expect(dup.stderr).toMatch(/^error: a token named "a" is already in .*t\.json/);
  });

  it("the default output says where the entry went; the token is on stdout only", async () => {
    const dir = tempDir("tokens");
    const r = await cli(["token", "create", "--file", join(dir, "w.json"), "--name", "human", "--namespaces", "*"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^token \(shown once\): ema_\S+\n$/);
    expect(r.stderr).toMatch(/added "human" to .*w\.json \(1 token\(s\)\)/);
  });

  it("list prints one row per token and never a token; --json prints the entries", async () => {
    const file = join(tempDir("tokens"), "t.json");
    const t = (await create(file, "reader", "--operations", "read", "--print", "token")).stdout.trim();
    await create(file, "writer");
    const r = await cli(["token", "list", "--file", file]);
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^NAME\s+NAMESPACES\s+METRICS\s+OPERATIONS\s+SHA256$/);
    expect(rows.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ["reader", "default", "*", "read", (await sha256Hex(t)).slice(0, 12)],
      ["writer", "default", "*", "write", expect.stringMatching(/^[0-9a-f]{12}$/)],
    ]);
    expect(r.stdout).not.toContain(t);
    const j = await cli(["token", "list", "--file", file, "--json"]);
    expect(JSON.parse(j.stdout).map((e: { name: string }) => e.name)).toEqual(["reader", "writer"]);
  });

  it("revoke removes the named token; an unknown name fails and lists the names", async () => {
    const file = join(tempDir("tokens"), "t.json");
    await create(file, "keep");
    await create(file, "drop");
    const r = await cli(["token", "revoke", "drop", "--file", file]);
    expect(r.status, r.stderr).toBe(0);
    expect(parseTokenSpecs(readFileSync(file, "utf8")).map((s) => s.name)).toEqual(["keep"]);
    const again = await cli(["token", "revoke", "drop", "--file", file]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/no token named "drop" in .* \(it has: keep\)/);
  });

  it("--append (inline JSON, the old way) is refused with what replaced it, not a stack trace", async () => {
    const dir = tempDir("tokens");
    writeFileSync(join(dir, "write-tokens.json"), "[]");
    const r = await cli(["token", "create", "--name", "x", "--namespaces", "default", "--append", join(dir, "write-tokens.json")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: --append was removed: .*--file FILE/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a file that is not a tokens file is named in a one-line error", async () => {
    const file = join(tempDir("tokens"), "broken.json");
    writeFileSync(file, '{"not": "an array"}');
    const r = await cli(["token", "list", "--file", file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*broken\.json is not a valid tokens file: .*array/);
  });

  it("usage mistakes exit 2: no subcommand, unknown subcommand, missing --namespaces, revoke without a name", async () => {
    for (const args of [["token"], ["token", "rotate"], ["token", "create", "--name", "x"], ["token", "revoke"], ["token", "list", "extra"]]) {
      const r = await cli(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/^error: .*\nrun `cli token --help` for usage\n$/s);
    }
  });
});

describe("the tokens file on a real edge node", () => {
  it("a created token writes; after revoke and a restart it is refused", async () => {
    const dir = tempDir("token-edge");
    const file = join(dir, "write-tokens.json");
    const token = (await create(file, "edge-writer", "--print", "token")).stdout.trim();
    await create(file, "other");
    const pki = await testPki(join(dir, "pki"));
    const [agg, pub] = await freePorts(2);
    const render = async () => {
      const r = await cli(["workerd-config", "--mode", "edge", "--out", join(dir, "workerd"), "--bundle", bundle(), "--pki", pki.dir, "--state", join(dir, "state"),
        "--aggregator-port", String(agg), "--public-port", String(pub), "--read-token", "unused-read-token", "--write-tokens", file]);
      expect(r.status, r.stderr).toBe(0);
      return startWorkerd(r.stdout.trim(), [agg!, pub!], { name: "token-file-workerd" });
    };
    const write = () => fetch(`http://127.0.0.1:${pub}/write-metrics/namespaces/default/pods/p/m`, { method: "POST", body: '"1"', headers: { authorization: `Bearer ${token}` } });
    let workerd = await render();
    expect((await write()).status).toBe(200);
    expect((await cli(["token", "revoke", "edge-writer", "--file", file])).status).toBe(0);
    await workerd.stop();
    workerd = await render();
    expect((await write()).status).toBe(401);
    await workerd.stop();
  });
});
