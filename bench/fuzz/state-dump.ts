/**
 * A canonical dump of an edge node's storage: every table of every SQLite file under the (stopped) state
 * directory, every row, with typed values, sorted, so that two dumps are equal exactly when the stored data is.
 *
 * Read with Debian's `sqlite3` command-line shell (apt-get install sqlite3; .ci/run installs it): Node 20 has no
 * node:sqlite, and better-sqlite3 needs a native binary that a fresh machine could only download from outside
 * the package registries or compile with Node's headers. Values go through SQLite's own `quote()`, which keeps the
 * type (42 vs 42.0 vs '42' vs X'3432' vs NULL), inside `json_array()` so that text with newlines stays on one line.
 * The shell reads a copy of the state directory, never the live files. Left out: workerd's alarm times (an
 * object's `_cf_METADATA` key 1 and its row in metadata.sqlite's `_cf_ALARM` index), which say when an object
 * next wakes, not what it holds — a partition with data re-arms its heartbeat alarm every minute
 * (src/store/metrics-object.ts HEARTBEAT_MS), so they move during any long run.
 */
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import { tempDir } from "../../test/harness";

export interface Dump {
  /** SQLite files under the state dir. */
  files: number;
  /** Durable Objects that hold exactly what a never-written object holds (instantiated by a read), left out of `text`. */
  blankFiles: number;
  /** Data rows in `text`. */
  rows: number;
  sha256: string;
  /** `file<TAB>table<TAB>typed row` and `file<TAB>#schema<TAB>…` lines, sorted; blank objects left out. */
  text: string;
}

function sqlite(file: string, sql: string): Record<string, string>[] {
  const r = spawnSync("sqlite3", ["-bail", "-json", file, sql], { encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 30 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") throw new Error("sqlite3 not found: install Debian's sqlite3 (apt-get install sqlite3)");
  if (r.status !== 0) throw new Error(`sqlite3 ${file}: ${r.stderr || r.error?.message}`);
  return r.stdout.trim() === "" ? [] : (JSON.parse(r.stdout) as Record<string, string>[]);
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Dump lines of one SQLite file (`rel` is its name in the dump). */
function dumpFile(path: string, rel: string): string[] {
  const lines = [`${rel}\t#file\t`];
  for (const m of sqlite(path, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name")) {
    lines.push(`${rel}\t#schema\t${JSON.stringify([m.type, m.name, m.sql ?? null])}`);
  }
  const columns = new Map<string, string[]>();
  const cols = sqlite(path, "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid");
  for (const { t, c } of cols) (columns.get(t!) ?? columns.set(t!, []).get(t!)!).push(c!);
  if (columns.size === 0) return lines;
  const selects = [...columns].map(([t, cs]) => `SELECT ${literal(t)} AS t, json_array(${cs.map((c) => `quote(${ident(c)})`).join(", ")}) AS r FROM ${ident(t)}`);
  for (const { t, r } of sqlite(path, selects.join(" UNION ALL "))) {
    if ((t === "_cf_METADATA" && r!.startsWith('["1",')) || t === "_cf_ALARM") continue; // alarm times: see the header
    lines.push(`${rel}\t${t}\t${r}`);
  }
  return lines;
}

function sqliteFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) sqliteFiles(join(dir, e.name), out);
    else if (e.name.endsWith(".sqlite")) out.push(join(dir, e.name));
  }
  return out.sort();
}

/** A file's dump lines without the file name. */
const contentOf = (lines: string[]) => lines.map((l) => l.slice(l.indexOf("\t") + 1)).sort().join("\n");

/**
 * Dumps a copy of `stateDir`. `blank` is the content of a never-written object (its lines without the file name):
 * such objects, created by reads of unseen namespaces, hold no data and are counted but not compared.
 */
export function dumpState(stateDir: string, blank?: string): Dump {
  const tmp = tempDir("state-dump");
  const copy = join(tmp, "state");
  let blankFiles = 0;
  let files = 0;
  const kept: string[] = [];
  try {
    cpSync(stateDir, copy, { recursive: true });
    for (const f of sqliteFiles(copy)) {
      files++;
      const rel = relative(copy, f);
      const lines = dumpFile(f, rel);
      if (blank !== undefined && !rel.endsWith("metadata.sqlite") && contentOf(lines) === blank) blankFiles++;
      else kept.push(...lines);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const text = `${kept.sort().join("\n")}\n`;
  const rows = kept.filter((l) => !/\t#(schema|file)\t/.test(l)).length;
  return { files, blankFiles, rows, sha256: createHash("sha256").update(text).digest("hex"), text };
}

/** The content of an object that was only read, from a state dir holding just that one object. */
export function blankContent(stateDir: string): string {
  const d = dumpState(stateDir);
  const byFile = new Map<string, string[]>();
  for (const line of d.text.split("\n")) {
    if (!line) continue;
    const f = line.slice(0, line.indexOf("\t"));
    (byFile.get(f) ?? byFile.set(f, []).get(f)!).push(line);
  }
  const objects = [...byFile].filter(([f]) => !f.endsWith("metadata.sqlite"));
  if (objects.length !== 1) throw new Error(`expected one Durable Object after a single read, found ${objects.length}`);
  return contentOf(objects[0]![1]);
}

/** Lines only in `a` (-) or only in `b` (+), at most `max`. */
export function diffLines(a: Dump, b: Dump, max = 6): string[] {
  const A = new Set(a.text.split("\n"));
  const B = new Set(b.text.split("\n"));
  const out: string[] = [];
  for (const l of A) if (!B.has(l)) out.push(`- ${l}`);
  for (const l of B) if (!A.has(l)) out.push(`+ ${l}`);
  return out.slice(0, max).map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
}
