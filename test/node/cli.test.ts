/**
 * The CLI as a user meets it: one convention for --help, usage mistakes and failures across every command,
 * --version, `push` refusing what it would otherwise ignore and explaining a write sent to the aggregator
 * socket, and the bash and zsh completion scripts driven in real shells.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands } from "../../cli/commands";
import { cleanup, cli, freePort, ROOT, WorkerdNode } from "../harness";

afterAll(cleanup);

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };

describe("conventions shared by every command", () => {
  for (const name of Object.keys(commands)) {
    it(`${name}: --help on stdout, exit 0; an unknown option is one error line and a pointer to --help, exit 2`, async () => {
      const h = await cli([name, "--help"]);
      expect(h.status).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`^Usage: cli ${name}\\b`));
      expect(h.stderr).toBe("");
      const bad = await cli([name, "--no-such-option"]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toBe(`error: Unknown option '--no-such-option'\nrun \`cli ${name} --help\` for usage\n`);
      expect(bad.stdout).toBe("");
    });
  }

  it("no command: the usage on stderr, exit 2; an unknown command: exit 2", async () => {
    const none = await cli([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^Usage: cli <command>/);
    const unknown = await cli(["frobnicate"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command: frobnicate\n/);
  });

  it("--version names this package's version and the pinned workerd", async () => {
    const r = await cli(["--version"]);
    expect(r.status).toBe(0);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/); // a semantic version
    expect(r.stdout).toBe(`edge-metrics-adapter ${pkg.version} (workerd ${pkg.dependencies.workerd}, compatibility date ${/compatibility_date = "([^"]+)"/.exec(readFileSync(join(ROOT, "wrangler.toml"), "utf8"))![1]})\n`);
  });

  it("commands that take no arguments refuse one", async () => {
    for (const args of [["pki", "extra"], ["manifests", "extra"], ["workerd-config", "--mode", "edge", "extra"], ["serve", "--mode", "edge", "extra"]]) {
      const r = await cli(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^error: unexpected argument "extra"/);
    }
  });
});

describe("cli push", () => {
  it("refuses extra values instead of silently writing only the first", async () => {
    const r = await cli(["push", "http://127.0.0.1:9", "default/pods/web-0/http_requests", "42", "43"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: unexpected argument "43" \(expected <url> <target> <value>\)/);
  });

  describe("against an edge node", () => {
    let node: WorkerdNode;
    beforeAll(async () => {
      node = await WorkerdNode.create({ name: "push-workerd" });
      await node.start();
    });

    it("writes to the public socket", async () => {
      const r = await cli(["push", node.base, "default/pods/web-0/http_requests", "42", "--token", node.tokens.writer!]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^200 OK\s+POST /);
    });

    it("http:// to the aggregator socket: says it is the aggregator socket and where writes go", async () => {
      const r = await cli(["push", `http://127.0.0.1:${node.aggregatorPort}`, "default/pods/web-0/http_requests", "42", "--token", node.tokens.writer!]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/speaks TLS, not plain HTTP: this looks like the edge node's aggregator socket/);
      expect(r.stderr).toMatch(/Writes go to the public socket: the port given with --public-port \(default 8080\)/);
      expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    });

    it("https:// to the aggregator socket: the same explanation", async () => {
      const r = await cli(["push", `https://127.0.0.1:${node.aggregatorPort}`, "default/pods/web-0/http_requests", "42"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/aggregator socket.*Writes go to the public socket/);
    });

    it("a port where nothing listens: says so", async () => {
      const r = await cli(["push", `http://127.0.0.1:${await freePort()}`, "default/pods/web-0/http_requests", "42"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/nothing listens on 127\.0\.0\.1:\d+; is the edge node running/);
    });
  });
});

describe("cli completion", () => {
  const script = async (shell: string) => {
    const r = await cli(["completion", shell]);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };

  /** Candidates bash offers for the words typed so far (the last one is being completed). */
  const bash = (text: string, words: string[]) => {
    const program = `${text}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _edge_metrics_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync("bash", ["--norc", "-c", program], { encoding: "utf8", cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split("\n").filter(Boolean);
  };
  /** The same in zsh, with compadd and _files recording what would be offered. */
  const zsh = (text: string, words: string[]) => {
    const program = `compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@" }; _files() { print -r -- '<files>' }\n${text}\nwords=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _edge_metrics_complete`;
    const r = spawnSync("zsh", ["-f", "-c", program], { encoding: "utf8", cwd: ROOT });
    expect(r.error, "zsh must be installed (.ci/run installs it)").toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split("\n").filter(Boolean);
  };

  it("bash: commands, subcommands, options, option values; registered for edge-metrics", async () => {
    const text = await script("bash");
    expect(text).toMatch(/^complete -o filenames -F _edge_metrics_complete edge-metrics$/m);
    expect(bash(text, ["edge-metrics", "to"])).toEqual(["token"]);
    expect(bash(text, ["edge-metrics", "token", ""])).toEqual(["create", "list", "revoke"]);
    expect(bash(text, ["edge-metrics", "token", "create", "--pr"])).toEqual(["--print"]);
    expect(bash(text, ["edge-metrics", "token", "create", "--print", ""])).toEqual(["token", "json"]);
    expect(bash(text, ["edge-metrics", "serve", "--mode", "b"])).toEqual(["bridge"]);
    expect(bash(text, ["edge-metrics", "manifests", "--endpoint"])).toEqual(["--endpoint-ip"]);
    expect(bash(text, ["edge-metrics", "check", "--no-c"])).toEqual(["--no-client-cert"]);
    expect(bash(text, ["edge-metrics", "token", "create", "--file", "packag"]).sort()).toEqual(["package-lock.json", "package.json"]);
  });

  it("zsh: the same answers", async () => {
    const text = await script("zsh");
    expect(text.split("\n")[0]).toBe("#compdef edge-metrics");
    expect(zsh(text, ["edge-metrics", ""])).toEqual(expect.arrayContaining(["token", "serve", "completion", "--version"]));
    expect(zsh(text, ["edge-metrics", "token", ""])).toEqual(["create", "list", "revoke"]);
    expect(zsh(text, ["edge-metrics", "token", "create", "--print", ""])).toEqual(["token", "json"]);
    expect(zsh(text, ["edge-metrics", "serve", "--mode", ""])).toEqual(["edge", "bridge"]);
    expect(zsh(text, ["edge-metrics", "check", "-"])).toContain("--no-client-cert");
    expect(zsh(text, ["edge-metrics", "token", "create", "--file", ""])).toEqual(["<files>"]);
  });

  it("--name registers another command name; an unknown shell is a usage mistake", async () => {
    const r = await cli(["completion", "bash", "--name", "emcli"]);
    expect(r.stdout).toMatch(/^complete -o filenames -F _emcli_complete emcli$/m);
    const fish = await cli(["completion", "fish"]);
    expect(fish.status).toBe(2);
    expect(fish.stderr).toMatch(/^error: unsupported shell: fish/);
  });
});
