/**
 * The attack suite's results: one record per attack (what ran, what came back, the memory, disk and HPA figures,
 * each check and the verdict), the machine it ran on, and their rendering as bench/results/attack.md. The JSON
 * holds everything the markdown shows.
 */
import { spawnSync } from "node:child_process";
import { cpus, release, totalmem } from "node:os";
import { bin, ROOT } from "../../test/harness";
import type { ReadStats } from "./hpa-watch";
import type { Check } from "./types";

export interface AttackRecord {
  id: string;
  title: string;
  seconds: number;
  requests: number;
  statuses: Record<string, number>;
  fiveXX: number;
  designed5xx: Record<string, number>;
  /** The first answer of each designed kind. */
  designedSamples: Record<string, string>;
  unexpected5xx: number;
  unexpectedSamples: string[];
  /** Which workerd the memory figures are of. */
  subject: string;
  rssPeakBytes: number;
  rssBoundBytes: number;
  cgroupPeakBytes: number | null;
  oomKills: number;
  crashed: boolean;
  disk: { bytes: number; sqliteFiles: number };
  diskBoundBytes: number;
  hpa: ReadStats;
  /** The machine's 1-minute load average when the attack started and ended (the suite shares the cores). */
  loadAverage: [number, number];
  figures: Record<string, number | string>;
  checks: Check[];
  pass: boolean;
  failures: string[];
}

export interface Machine {
  date: string;
  commit: string;
  cpu: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  node: string;
  workerd: string;
  memoryLimit: string;
}

export function machineFacts(memoryLimit: string): Machine {
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8" }).stdout?.trim() ?? "";
  const dirty = run("git", ["status", "--porcelain", "--", "src", "bench", "test", ":!bench/results"]) !== "";
  return {
    date: new Date().toISOString(),
    commit: `${run("git", ["rev-parse", "--short", "HEAD"])}${dirty ? " (with uncommitted changes)" : ""}`,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryBytes: totalmem(),
    kernel: release(),
    node: process.version,
    workerd: run(bin("workerd"), ["--version"]),
    memoryLimit,
  };
}

const mib = (b: number | null) => (b === null ? "—" : `${(b / 1048576).toFixed(b < 10 * 1048576 ? 1 : 0)} MiB`);
const ms = (n: number) => (Number.isNaN(n) ? "—" : `${n < 10 ? n.toFixed(1) : n.toFixed(0)} ms`);

export function renderMarkdown(machine: Machine, records: AttackRecord[], seconds: number): string {
  const pass = records.every((r) => r.pass);
  const lines = [
    "# Attack suite results",
    "",
    `\`npm run attack\` on ${machine.date.slice(0, 10)}: ${pass ? "**PASS**" : "**FAIL**"} (${records.length} attacks, ${seconds.toFixed(0)} s). ` +
      `Commit ${machine.commit}; ${machine.workerd}; Node ${machine.node}; ${machine.cpu}, ${machine.cores} cores, ${mib(machine.memoryBytes)} RAM; Linux ${machine.kernel}.`,
    "",
    `workerd ran under a memory limit: ${machine.memoryLimit}. Peak RSS is workerd's VmHWM (reset before each attack); ` +
      "disk is the state directory's allocated bytes after the attack; HPA reads are discovery and a 50-pod Pods read through the aggregator socket " +
      "(TLS, front-proxy client certificate), each every 200 ms from a separate process; reads while workerd was deliberately restarted are not in the latency figures.",
    "",
    "| Attack | Requests | 5xx (designed / unexpected) | Peak RSS (bound) | Disk, .sqlite files (bound) | HPA reads p50 / p99, errors | Result |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of records) {
    const designed = Object.entries(r.designed5xx).map(([k, v]) => `${v}× ${k}`).join("; ");
    lines.push(
      `| ${r.id}. ${r.title} | ${r.requests.toLocaleString("en-US")} | ${r.fiveXX} (${designed || "0"} / ${r.unexpected5xx}) | ${mib(r.rssPeakBytes)} (≤ ${mib(r.rssBoundBytes)}) | ` +
        `${mib(r.disk.bytes)}, ${r.disk.sqliteFiles} (≤ ${mib(r.diskBoundBytes)}) | ${ms(r.hpa.p50Ms)} / ${ms(r.hpa.p99Ms)}, ${r.hpa.errors} of ${r.hpa.reads}` +
        `${r.hpa.designedErrors ? ` (+${r.hpa.designedErrors} designed 503)` : ""}${r.hpa.duringDowntime ? ` (+${r.hpa.duringDowntime} while restarting)` : ""} | ${r.pass ? "pass" : "**FAIL**"} |`,
    );
  }
  lines.push("", "Pass means: workerd neither crashed nor was OOM-killed, no 5xx other than the designed storage answers, HPA reads p99 < 1 s with no wrong answers, peak RSS and disk within the bounds, and every check below.", "");
  for (const r of records) {
    lines.push(`## ${r.id}. ${r.title}`, "");
    lines.push(`${r.seconds.toFixed(1)} s (load average ${r.loadAverage.map((l) => l.toFixed(1)).join(" → ")}); statuses ${Object.entries(r.statuses).sort().map(([k, v]) => `${k}×${v}`).join(" ")}; memory of ${r.subject}` +
      `${r.cgroupPeakBytes !== null ? ` (cgroup peak incl. page cache ${mib(r.cgroupPeakBytes)})` : ""}; OOM kills ${r.oomKills}.`, "");
    for (const c of r.checks) lines.push(`- ${c.ok ? "✓" : "✗"} ${c.name} — ${c.detail}`);
    const figures = Object.entries(r.figures);
    if (figures.length) lines.push(`- figures: ${figures.map(([k, v]) => `${k} ${typeof v === "number" ? v.toLocaleString("en-US") : v}`).join("; ")}`);
    for (const f of r.failures) lines.push(`- **failure:** ${f}`);
    for (const [k, v] of Object.entries(r.designedSamples)) lines.push(`- designed ${k}: \`${v.replace(/`/g, "'").slice(0, 300)}\``);
    for (const s of r.unexpectedSamples) lines.push(`- unexpected: \`${s.replace(/`/g, "'").slice(0, 300)}\``);
    for (const e of r.hpa.errorSamples) lines.push(`- HPA error: \`${e.replace(/`/g, "'").slice(0, 300)}\``);
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}
