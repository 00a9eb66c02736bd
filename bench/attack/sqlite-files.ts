/**
 * Finding a Durable Object's SQLite file in a stopped edge node's state directory, and damaging it. workerd names
 * the files after the object id (a hash of the name), so the role is read from the file itself with Debian's
 * `sqlite3` shell (.ci/run installs it): the catalog has a `catalog_meta` table, a partition a `meta` row `name`.
 */
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readdirSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

function sqliteFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) sqliteFiles(join(dir, e.name), out);
    else if (e.name.endsWith(".sqlite")) out.push(join(dir, e.name));
  }
  return out.sort();
}

function query(file: string, sql: string): string {
  const r = spawnSync("sqlite3", ["-readonly", "-bail", file, sql], { encoding: "utf8", timeout: 30_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") throw new Error("sqlite3 not found: install Debian's sqlite3 (apt-get install sqlite3)");
  return r.status === 0 ? r.stdout.trim() : "";
}

/** Files of the catalog (every slot: `catalog`, `catalog.1`, …). */
export function catalogFiles(stateDir: string): string[] {
  return sqliteFiles(stateDir).filter((f) => query(f, "SELECT count(*) FROM sqlite_master WHERE name = 'catalog_meta'") === "1");
}

/** The file of the partition named `partition` (`ns:<namespace>` or `cluster`). */
export function partitionFile(stateDir: string, partition: string): string {
  const hits = sqliteFiles(stateDir).filter((f) => query(f, "SELECT value FROM meta WHERE key = 'name'") === partition);
  if (hits.length !== 1) throw new Error(`expected one file for partition ${partition}, found ${hits.length}`);
  return hits[0]!;
}

/** Overwrites a file with zeros, keeping its length (what a torn or wiped disk block leaves). */
export function zeroFile(file: string): number {
  const size = statSync(file).size;
  const fd = openSync(file, "r+");
  try {
    const zeros = Buffer.alloc(64 * 1024);
    for (let off = 0; off < size; off += zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, size - off), off);
  } finally {
    closeSync(fd);
  }
  return size;
}
