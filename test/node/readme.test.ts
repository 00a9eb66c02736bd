/**
 * README.md's shell blocks, run the way a newcomer pastes them, so the README cannot drift from the code.
 *
 * Every ```sh (or bash/shell) block carries a marker on the line before it: `<!-- doc-test: run -->`, or
 * `<!-- doc-test: skip — <reason> -->` for what needs a cluster, root, systemd or a Cloudflare account. The
 * runnable blocks run in README order in one bash session (`set -euo pipefail`, sourced one after the other, so
 * variables and background jobs carry over), in a throw-away copy of the repository (tracked and untracked-but-not-
 * ignored files, node_modules symlinked) so that pki/, write-tokens.json, edge-state/ and deploy/rendered/ vanish
 * with it. The README's `npm start` is started by the test itself, as `npm start` in the copy (PORT set, plus a
 * free `--inspector-port`: wrangler's default one clashes with any other wrangler dev on the machine).
 *
 * It also checks that README.md's relative links name existing files and headings.
 *
 * Trade-offs:
 * - Ports: every 8787, 8443 and 8080 in a runnable block (and in the copy's examples/kubeconfig-local.yaml) is
 *   replaced by a free port, so the test runs beside other servers; the README keeps the ports a user sees.
 * - Expected output: a `# → text` comment (`…` separating fragments that must appear in order) is checked against
 *   what its block printed, stdout and stderr together. Blocks without one are checked only for exit status 0.
 * - A block that starts a background process must wait for it itself (as a user would); the session's process group
 *   lives under `timeout` and is killed when the test ends, background jobs included.
 * - Missing tools fail the test with the command that installs them; nothing is skipped.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, freePort, kubectlBin, ROOT, startProcess, tempDir, waitFor, type Proc } from "../harness";

afterAll(cleanup);

const README = join(ROOT, "README.md");
const SHELL_LANGS = new Set(["sh", "bash", "shell"]);
/** Ports a user sees in the README, replaced by free ones in runnable blocks. */
const PORTS = ["8787", "8443", "8080"] as const;
/** Tools the runnable blocks call, and how CI (.ci/run) installs them on Debian. */
const TOOLS: Record<string, string> = {
  bash: "apt-get install bash",
  curl: "apt-get install curl",
  openssl: "apt-get install openssl",
  sqlite3: "apt-get install sqlite3",
  timeout: "apt-get install coreutils",
  npm: "install Node >= 20.3 with npm",
};

interface Block {
  /** 1-based position among the README's shell blocks. */
  n: number;
  /** 1-based line of the opening fence. */
  line: number;
  marker: { kind: "run" } | { kind: "skip"; reason: string } | { kind: "missing" } | { kind: "malformed"; text: string };
  code: string;
}

const MARKER = /^<!--\s*doc-test:\s*(\S+)\s*(?:[—–-]+\s*(.*?))?\s*-->$/;

/** The README's shell blocks with the marker on the last non-blank line before each. */
function shellBlocks(text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^\\s*${fence![0]}{${fence!.length},}\\s*$`).test(lines[end]!)) end++;
    if (SHELL_LANGS.has(lang!.toLowerCase())) {
      let prev = i - 1;
      while (prev >= 0 && lines[prev]!.trim() === "") prev--;
      const before = prev >= 0 ? lines[prev]!.trim() : "";
      let marker: Block["marker"] = { kind: "missing" };
      const m = MARKER.exec(before);
      if (m && m[1] === "run" && !m[2]) marker = { kind: "run" };
      else if (m && m[1] === "skip" && m[2]?.trim()) marker = { kind: "skip", reason: m[2].trim() };
      else if (before.includes("doc-test")) marker = { kind: "malformed", text: before };
      const code = lines.slice(i + 1, end).map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l)).join("\n");
      blocks.push({ n: blocks.length + 1, line: i + 1, marker, code });
    }
    i = end;
  }
  return blocks;
}

/** `# → a … b` comments: the fragments each must appear, in order, in the block's output. */
function expectations(code: string): string[][] {
  const out: string[][] = [];
  for (const l of code.split("\n")) {
    const at = l.indexOf("# → ");
    if (at < 0) continue;
    out.push(l.slice(at + "# → ".length).split("…").map((f) => f.trim()).filter(Boolean));
  }
  return out;
}

/** The anchors of a markdown text: GitHub's heading slugs (outside code blocks) and `<a id="…">`. */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const l of text.split("\n")) {
    if (/^\s*(`{3,}|~{3,})/.test(l)) fenced = !fenced;
    const h = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(l);
    if (h) out.add(h[1]!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-"));
    for (const [, id] of l.matchAll(/<a id="([^"]+)">/g)) out.add(id!);
  }
  return out;
}

function containsInOrder(haystack: string, fragments: string[]): boolean {
  let from = 0;
  for (const f of fragments) {
    const at = haystack.indexOf(f, from);
    if (at < 0) return false;
    from = at + f.length;
  }
  return true;
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

/** A copy of the repository's files (tracked, and untracked ones git does not ignore) with node_modules linked. */
function copyRepository(): string {
  const dir = tempDir("readme");
  let listed: string;
  try {
    listed = execFileSync("git", ["-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { encoding: "utf8", maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`the README test copies the repository's files with git ls-files; git failed: ${(e as Error).message}`);
  }
  for (const file of listed.split("\0").filter(Boolean)) {
    const from = join(ROOT, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(from, join(dir, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const readme = readFileSync(README, "utf8");
const blocks = shellBlocks(readme);

describe("README.md shell blocks", () => {
  it("every shell block is marked run, or skip with a reason", () => {
    expect(blocks.length).toBeGreaterThan(0);
    const problems = blocks
      .filter((b) => b.marker.kind === "missing" || b.marker.kind === "malformed")
      .map((b) =>
        b.marker.kind === "malformed"
          ? `README.md:${b.line}: malformed marker ${JSON.stringify(b.marker.text)} (a skip needs a reason: <!-- doc-test: skip — why -->)`
          : `README.md:${b.line}: no <!-- doc-test: run --> or <!-- doc-test: skip — reason --> on the line before this block`,
      );
    expect(problems).toEqual([]);
  });

  it("every relative link names a file of the repository, and every #anchor a heading", () => {
    const broken: string[] = [];
    for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue;
      const [path, anchor] = target!.split("#") as [string, string | undefined];
      const file = path === "" ? README : join(ROOT, path);
      if (!existsSync(file)) broken.push(`${target}: no such file`);
      else if (anchor !== undefined && file.endsWith(".md") && !anchors(readFileSync(file, "utf8")).has(anchor)) broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  it("the parser sees markers, reasons and expectations as written", () => {
    const sample = ["<!-- doc-test: skip — needs root -->", "```sh", "x", "```", "", "<!-- doc-test: skip -->", "```bash", "y", "```", "```sh", "z # → a … b", "```"].join("\n");
    const parsed = shellBlocks(sample);
    expect(parsed.map((b) => b.marker)).toEqual([{ kind: "skip", reason: "needs root" }, { kind: "malformed", text: "<!-- doc-test: skip -->" }, { kind: "missing" }]);
    expect(expectations(parsed[2]!.code)).toEqual([["a", "b"]]);
  });

  it("the runnable blocks run in order, in one shell, against npm start", async () => {
    const missing = Object.entries(TOOLS).filter(([cmd]) => !onPath(cmd)).map(([cmd, how]) => `${cmd} (${how})`);
    try {
      kubectlBin();
    } catch {
      missing.push("kubectl (apt-get install kubernetes-client)");
    }
    if (missing.length) throw new Error(`README blocks need tools that are not on PATH: ${missing.join(", ")}; bash .ci/run installs them`);

    const runnable = blocks.filter((b) => b.marker.kind === "run");
    expect(runnable.length).toBeGreaterThan(0);
    const ports = new Map<string, string>();
    for (const p of PORTS) ports.set(p, String(await freePort()));
    const portPattern = new RegExp(`(?<![0-9])(${PORTS.join("|")})(?![0-9])`, "g");
    const localise = (text: string) => text.replace(portPattern, (p) => ports.get(p)!);

    const copy = copyRepository();
    const kubeconfig = join(copy, "examples", "kubeconfig-local.yaml");
    writeFileSync(kubeconfig, localise(readFileSync(kubeconfig, "utf8")));

    // npm start, in the copy: wrangler dev with its state in the copy's .wrangler/state.
    const server = startProcess("npm", ["start", "--", "--inspector-port", String(await freePort())], {
      name: "npm-start", cwd: copy, env: { PORT: ports.get("8787") }, lifetimeSeconds: 900,
    });
    await waitFor("npm start to answer /healthz", async () => (await fetch(`http://127.0.0.1:${ports.get("8787")}/healthz`)).ok, 120_000, { proc: server, everyMs: 250 });

    // One session: each block is a file, sourced in README order; markers delimit each block's output.
    const scripts = tempDir("readme-blocks");
    const driver = [
      "set -Eeuo pipefail",
      "exec 2>&1", // one stream: each block's stderr stays between its markers
      `cd ${JSON.stringify(copy)}`,
      `export KUBECACHEDIR=${JSON.stringify(join(scripts, "kube-cache"))}`,
      `trap 'printf "\\n@@doc-test: exit %s at line %s: %s\\n" "$?" "$LINENO" "$BASH_COMMAND"' ERR`,
    ];
    // Markers start on a line of their own: curl's answers end without a newline.
    const mark = (what: string) => `printf '\\n@@doc-test: ${what}\\n'`;
    for (const b of runnable) {
      const file = join(scripts, `block-${String(b.n).padStart(2, "0")}.sh`);
      writeFileSync(file, localise(b.code) + "\n");
      driver.push(mark(`begin ${b.n}`), `source ${JSON.stringify(file)}`, mark(`end ${b.n}`));
    }
    // Keep the session (and so `timeout`, which bounds its process group) alive until the test stops it.
    driver.push(mark("done"), "exec sleep 900");
    writeFileSync(join(scripts, "session.sh"), driver.join("\n") + "\n");

    const lines: string[] = [];
    const session: Proc = startProcess("bash", [join(scripts, "session.sh")], {
      name: "readme-session", cwd: copy, lifetimeSeconds: 900, onLine: (l) => lines.push(l),
    });
    try {
      // The session stays alive once done (see above); exiting before that is a failed block.
      await waitFor("the README blocks to finish", async () => lines.includes("@@doc-test: done"), 600_000, { proc: session, everyMs: 200 }).catch((e: Error) => {
        const begun = lines.filter((l) => l.startsWith("@@doc-test: begin ")).pop();
        const n = begun ? Number(begun.slice("@@doc-test: begin ".length)) : NaN;
        const block = runnable.find((b) => b.n === n);
        const from = begun ? lines.lastIndexOf(begun) + 1 : 0;
        const logs = readdirSync(copy).filter((f) => f.endsWith(".log")).map((f) => `--- ${f} (last lines)\n${readFileSync(join(copy, f), "utf8").split("\n").slice(-20).join("\n")}`);
        throw new Error(
          `README.md:${block?.line ?? "?"} (shell block ${n}) failed:\n${block ? localise(block.code) : ""}\n--- its output\n${lines.slice(from).join("\n")}\n` +
            `${logs.join("\n")}\n--- npm start (last lines)\n${server.tail(20)}\n--- ${e.message.split("\n")[0]}`,
        );
      });

      const problems: string[] = [];
      for (const b of runnable) {
        const start = lines.indexOf(`@@doc-test: begin ${b.n}`);
        const end = lines.indexOf(`@@doc-test: end ${b.n}`);
        const output = lines.slice(start + 1, end).join("\n");
        for (const fragments of expectations(localise(b.code))) {
          if (!containsInOrder(output, fragments)) {
            problems.push(`README.md:${b.line}: expected ${JSON.stringify(fragments.join(" … "))} in the output:\n${output}`);
          }
        }
      }
      expect(problems.join("\n\n")).toBe("");
    } finally {
      await session.stop(5_000);
      await server.stop(5_000);
    }
  }, 780_000);
});
