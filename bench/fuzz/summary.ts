/** The fuzz run's report: what was sent, how it was answered, the front-end table's share, the state, the controls. */
import type { LoadStats } from "./load";
import { WORKERD_FRONT_END } from "./shapes";
import type { Dump } from "./state-dump";

export interface SummaryInput {
  seed: number;
  concurrency: number;
  load: LoadStats;
  errorLines: string[];
  before: Dump;
  after: Dump;
  idleSame: boolean;
  workerdDied: boolean;
  startTimesMs: number[];
  control: { detectsValue: boolean; detectsRow: boolean; c1: number; c2: number; valueDiff: string[]; rowsChanged: number; rowsAdded: number };
  totalSeconds: number;
}

const fmt = (n: number) => n.toLocaleString("en-US");
const sorted = <K>(m: Map<K, number>) => [...m].sort((a, b) => b[1] - a[1]);

export function printSummary(x: SummaryInput): void {
  const { load } = x;
  const out = (label: string, text: string) => console.log(`${label.padEnd(21)}${text}`);
  console.log("\n=== fuzz summary ===");
  out("seed", `${x.seed} (FUZZ_SEED=${x.seed} reproduces the request sequence)`);
  out("requests", `${fmt(load.done)} in ${load.seconds.toFixed(1)} s (${(load.done / load.seconds).toFixed(0)}/s, concurrency ${x.concurrency}, ${(load.bytesOut / 1048576).toFixed(1)} MiB sent)`);
  out("status histogram", sorted(load.histogram).map(([k, v]) => `${k}: ${fmt(v)}`).join(", "));
  console.log("by category:");
  for (const [cat, m] of [...load.byCategory].sort()) {
    const n = [...m.values()].reduce((a, b) => a + b, 0);
    console.log(`  ${cat.padEnd(24)} ${fmt(n).padStart(7)}  ${sorted(m).map(([k, v]) => `${k}:${v}`).join(" ")}`);
  }
  out("by shape", sorted(load.shapes).map(([k, v]) => `${k}: ${fmt(v)}`).join(", "));
  out("no response", `${load.noResponse} (keep-alive, well-framed requests)`);
  for (const l of load.noResponseSamples) console.log(`    ${l}`);
  const excused = [...load.frontEnd.values()].reduce((a, b) => a + b, 0);
  out("5xx", `${load.fiveXX} outside the front-end table (each one a failure)`);
  for (const l of load.fiveXXSamples) console.log(`    ${l}`);
  out("front-end table", `${fmt(excused)} answered by workerd before the Worker ran, as the table names them by request shape:`);
  for (const row of WORKERD_FRONT_END) {
    console.log(`    ${row.shape.padEnd(30)} ${row.status} × ${fmt(load.frontEnd.get(row.shape) ?? 0)} of ${fmt(load.shapes.get(row.shape) ?? 0)} sent`);
  }
  out("2xx to writes", String(load.writes2xx));
  for (const l of load.writes2xxSamples) console.log(`    ${l}`);
  out("workerd", `${x.workerdDied ? "DIED during the run" : "alive throughout"}; error lines in its log: ${x.errorLines.length}`);
  const signatures = new Map<string, number>();
  for (const l of x.errorLines) {
    const sig = (/Uncaught exception: (.*)$/.exec(l)?.[1] ?? l).replace(/;.*$/, "").replace(/\d{3,}/g, "N").slice(0, 160);
    signatures.set(sig, (signatures.get(sig) ?? 0) + 1);
  }
  for (const [sig, n] of sorted(signatures).slice(0, 12)) console.log(`    ${String(n).padStart(6)} × ${sig}`);
  out("state before", `${x.before.rows} rows in ${x.before.files - x.before.blankFiles} SQLite files, sha256 ${x.before.sha256}`);
  out("state after", `${x.after.rows} rows in ${x.after.files - x.after.blankFiles} SQLite files, sha256 ${x.after.sha256}`);
  const identical = x.before.sha256 === x.after.sha256;
  out("identical", identical ? "yes (byte-identical canonical dump)" : "NO");
  if (!identical) {
    const a = new Set(x.before.text.split("\n"));
    const b = new Set(x.after.text.split("\n"));
    for (const l of [...a].filter((l) => !b.has(l)).slice(0, 5)) console.log(`    - ${l.slice(0, 300)}`);
    for (const l of [...b].filter((l) => !a.has(l)).slice(0, 5)) console.log(`    + ${l.slice(0, 300)}`);
  }
  out("blank objects", `${x.before.blankFiles} before, ${x.after.blankFiles} after (Durable Objects instantiated by authenticated reads of unseen namespaces: identical to a never-written object, not compared)`);
  out("idle restart", x.idleSame ? "dump unchanged" : "DUMP CHANGED");
  const c = x.control;
  out("control: one value", `${c.detectsValue ? "detected" : "NOT DETECTED"} (write ${c.c1}; diff: ${c.valueDiff.map((l) => l.slice(0, 160)).join(" | ")})`);
  out("control: new series", `${c.detectsRow ? "detected" : "NOT DETECTED"} (write ${c.c2}; rows ${c.rowsChanged} → ${c.rowsAdded})`);
  out("workerd starts (ms)", x.startTimesMs.join(", "));
  out("total time", `${x.totalSeconds.toFixed(1)} s`);
}
