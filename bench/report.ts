/**
 * Renders a bench run (bench/results/latest.json) as a markdown table and an SVG chart, with no
 * dependencies. `npm run bench:report` re-renders latest.md and latest.svg from latest.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GcTrace } from "./gc-trace";
import type { SyncTrace } from "./sync-trace";

export interface WrkSummary {
  requests: number;
  durationUs: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyUs: { mean: number; p50: number; p90: number; p99: number; max: number };
}

export interface ScenarioResult {
  id: string;
  group: string;
  label: string;
  target: "edge" | "pushgateway" | "pushgateway-nocheck";
  connections: number;
  durationS: number;
  samplesPerRequest: number;
  reqPerS: number;
  samplesPerS: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: WrkSummary["errors"];
  /** Server CPU (user+system) in cores while measuring: 1.0 = one core busy. */
  serverCpu: number;
  /** Server CPU time per request, in µs: less sensitive than req/s to other load on a shared machine. */
  serverCpuUsPerRequest: number;
  serverRssBytes: number;
  compareTo?: string;
  wrk: WrkSummary;
  /** fsync calls of workerd during the run (BENCH_TRACE=1). */
  syncTrace?: SyncTrace;
  /** workerd's GC events during the run (BENCH_V8_FLAGS=--trace-gc). */
  gcTrace?: GcTrace;
}

export interface ScaleLevel {
  series: number;
  loadSamplesPerS: number;
  loadSeconds: number;
  write: ScenarioResult;
  read: ScenarioResult;
  objectRead: ScenarioResult;
  storageBytes: number;
  workerdRssBytes: number;
  /** At the largest level only: workerd restarted on the same state, then the first requests timed. */
  restart?: { readyMs: number; firstReadMs: number; secondReadMs: number; firstObjectReadMs: number; firstWriteMs: number; rssBytes: number };
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memBytes: number;
    os: string;
    kernel: string;
    loadavgStart: number[];
    loadavgEnd: number[];
    goBuildsStart: number;
    goBuildsEnd: number;
  };
  versions: Record<string, string>;
  knobs: Record<string, unknown>;
  commands: Record<string, string>;
  scenarios: ScenarioResult[];
  scale: ScaleLevel[];
}

/** Rows whose throughput is counted in samples (the write groups of bench/run.ts). */
const isWrite = (s: ScenarioResult) => s.group === "single" || s.group === "batch" || s.group === "pushgateway";
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0)) : "–");
const ratio = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "" : `${n >= 0.1 ? n.toFixed(2) : n.toPrecision(2)}×`);
const mib = (n: number) => (Number.isFinite(n) ? `${(n / 1048576).toFixed(1)} MiB` : "–");

/** The floor measured most recently before a row (the run re-measures it before discovery). */
function floorBefore(r: BenchResults, row: ScenarioResult): ScenarioResult | undefined {
  let floor: ScenarioResult | undefined;
  for (const s of r.scenarios) {
    if (s.id.startsWith("floor")) floor = s;
    if (s === row) break;
  }
  return floor;
}

export function renderMarkdown(r: BenchResults): string {
  const byId = new Map(r.scenarios.map((s) => [s.id, s]));
  const floorFor = (row: ScenarioResult) => floorBefore(r, row);
  const lines: string[] = [];
  lines.push(`# Benchmark results`, ``);
  lines.push(
    `Run ${r.startedAt} → ${r.finishedAt} on ${r.machine.cpus} × ${r.machine.cpuModel}, ${(r.machine.memBytes / 2 ** 30).toFixed(1)} GiB, ` +
      `${r.machine.os} (kernel ${r.machine.kernel}). Load average at start ${r.machine.loadavgStart.map((l) => l.toFixed(2)).join(" / ")}, ` +
      `at end ${r.machine.loadavgEnd.map((l) => l.toFixed(2)).join(" / ")}; \`go build\` processes running: ${r.machine.goBuildsStart} at start, ${r.machine.goBuildsEnd} at end. ` +
      `wrk, workerd and the Pushgateway share the same cores, so treat small differences as noise.`,
    ``,
  );
  lines.push(`Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} \`${v}\``).join(", ")}.`, ``);
  lines.push(`Every row: ${r.commands.wrk}. "vs Pushgateway" compares samples/s with the Pushgateway row of the same shape (Debian defaults); "vs floor" compares req/s with the constant route measured most recently before the row. Server CPU is workerd's (or the Pushgateway's) user+system time per second of the run (1.00 = one core); CPU µs/req is that time per request, which other load on a shared machine disturbs less than req/s.`, ``);
  lines.push(`| Scenario | Target | req/s | samples/s | p50 ms | p99 ms | vs Pushgateway | vs floor | server CPU | CPU µs/req | non-2xx |`);
  lines.push(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
  for (const s of r.scenarios) {
    const pg = s.compareTo ? byId.get(s.compareTo) : undefined;
    const vsPg = pg ? (s.samplesPerRequest > 0 ? s.samplesPerS / pg.samplesPerS : s.reqPerS / pg.reqPerS) : undefined;
    const floor = floorFor(s);
    const vsFloor = floor && s.target === "edge" && !s.id.startsWith("floor") ? s.reqPerS / floor.reqPerS : undefined;
    const errs = s.errors.status + s.errors.timeout + s.errors.connect;
    lines.push(
      `| ${s.label}${s.connections !== r.knobs.connections ? ` (-c${s.connections})` : ""} | ${s.target === "edge" ? "workerd" : s.target === "pushgateway" ? "Pushgateway" : "Pushgateway (no consistency check)"} | ${int(s.reqPerS)} | ` +
        `${s.samplesPerRequest > 0 ? int(s.samplesPerS) : ""} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${ratio(vsPg)} | ${ratio(vsFloor)} | ${s.serverCpu.toFixed(2)} | ${int(s.serverCpuUsPerRequest)} | ${errs || ""} |`,
    );
  }
  if (r.scale.length) {
    lines.push(``, `## Series-count scaling (one namespace = one Durable Object)`, ``);
    lines.push(
      `100 probe pods (\`app=web\`, metric \`http_requests\`) plus background pods carrying 10 metrics each (one of them \`http_requests\`), ` +
        `loaded with ${r.knobs.loadBatch}-sample batches. Write = single-sample POST to a probe pod; Pods read = \`pods/*/http_requests?labelSelector=app=web\` ` +
        `(100 items); Object read = one probe pod. ${r.knobs.scaleDuration}s per measurement at -c${r.knobs.connections}.`,
      ``,
    );
    lines.push(`| Stored series | load samples/s | write req/s | write p50 / p99 ms | Pods read req/s | Pods read p50 / p99 ms | Object read p50 / p99 ms | storage on disk | workerd RSS |`);
    lines.push(`|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
    for (const l of r.scale) {
      lines.push(
        `| ${int(l.series)} | ${int(l.loadSamplesPerS)} | ${int(l.write.reqPerS)} | ${ms(l.write.p50Ms)} / ${ms(l.write.p99Ms)} | ${int(l.read.reqPerS)} | ` +
          `${ms(l.read.p50Ms)} / ${ms(l.read.p99Ms)} | ${ms(l.objectRead.p50Ms)} / ${ms(l.objectRead.p99Ms)} | ${mib(l.storageBytes)} | ${mib(l.workerdRssBytes)} |`,
      );
    }
    const last = r.scale[r.scale.length - 1]!;
    if (last.restart) {
      const x = last.restart;
      lines.push(
        ``,
        `Restart at ${int(last.series)} series (SIGTERM, then workerd started on the same state): /healthz answered after ${int(x.readyMs)} ms; ` +
          `the first Pods read of the 100 probe pods took ${ms(x.firstReadMs)} ms (it loads the metric's view from SQLite; the next one ${ms(x.secondReadMs)} ms), ` +
          `the first Object read ${ms(x.firstObjectReadMs)} ms, the first write ${ms(x.firstWriteMs)} ms; workerd RSS then ${mib(x.rssBytes)}.`,
      );
    }
  }
  const traced = r.scenarios.filter((s) => s.syncTrace);
  if (traced.length) {
    lines.push(``, `## Durable commits (\`BENCH_TRACE=1\`: workerd's fsync calls, traced with \`perf trace\`)`, ``);
    lines.push(
      `"Blocked" is the share of the run workerd spent inside fsync; a sync on the main thread stops every request, whatever it reads or writes.`,
      ``,
    );
    lines.push(`| Scenario | fsyncs | requests per fsync | on the main thread | blocked | fsync p50 / p99 / max ms | request p99 ms |`);
    lines.push(`|---|---:|---:|---:|---:|---:|---:|`);
    for (const s of traced) {
      const t = s.syncTrace!;
      const seconds = s.wrk.durationUs / 1e6;
      lines.push(
        `| ${s.label}${s.connections !== r.knobs.connections ? ` (-c${s.connections})` : ""} | ${int(t.syncs)} | ${t.syncs ? (s.wrk.requests / t.syncs).toFixed(1) : "–"} | ` +
          `${t.syncs ? `${Math.round((100 * t.onMainThread) / t.syncs)} %` : "–"} | ${((t.blockedMs / 10) / seconds).toFixed(0)} % | ${ms(t.p50Ms)} / ${ms(t.p99Ms)} / ${ms(t.maxMs)} | ${ms(s.p99Ms)} |`,
      );
    }
  }
  const gcRows = r.scenarios.filter((s) => s.gcTrace);
  if (gcRows.length) {
    lines.push(``, `## Garbage collection (\`BENCH_V8_FLAGS=--trace-gc\`: V8's GC events in workerd)`, ``);
    lines.push(`A GC pause stops the one thread that runs every request; compare the longest pause with the row's p99.`, ``);
    lines.push(`| Scenario | scavenges | mark-compacts | longest pause ms (kind) | pauses, total ms | request p99 ms |`);
    lines.push(`|---|---:|---:|---:|---:|---:|`);
    for (const s of gcRows) {
      const g = s.gcTrace!;
      lines.push(`| ${s.label}${s.connections !== r.knobs.connections ? ` (-c${s.connections})` : ""} | ${int(g.scavenges)} | ${int(g.markCompacts)} | ${ms(g.maxPauseMs)} (${g.maxPauseKind}) | ${ms(g.totalPauseMs)} | ${ms(s.p99Ms)} |`);
    }
  }
  lines.push(``, `Commands:`, ``, ...Object.entries(r.commands).map(([k, v]) => `- ${k}: \`${v}\``), ``);
  lines.push(`Knobs: \`${JSON.stringify(r.knobs)}\``, ``);
  return lines.join("\n");
}

// ------------------------------------------------------------------------------------------- README section
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "–");

/**
 * The `## Benchmarks` section for the top-level README (paths relative to the repository root): a short table of
 * the main rows, the performance goals with their measured figures (met or not), and links to the full results
 * and to bench/results/stalls.md, where the causes of the misses are measured.
 */
export function renderReadmeSection(r: BenchResults): string {
  const id = new Map(r.scenarios.map((s) => [s.id, s]));
  const g = (k: string) => id.get(k);
  const row = (k: string, label: string, vsPg?: string, vsFloor?: string) => {
    const s = g(k);
    if (!s) return null;
    const pg = vsPg ? g(vsPg) : undefined;
    const fl = vsFloor ? g(vsFloor) : undefined;
    return `| ${label} | ${int(s.reqPerS)} | ${s.samplesPerRequest > 0 && isWrite(s) ? int(s.samplesPerS) : ""} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ` +
      `${pg ? ratio(s.samplesPerS / pg.samplesPerS) : ""} | ${fl ? ratio(s.reqPerS / fl.reqPerS) : ""} |`;
  };
  const m = r.machine;
  const lines = [
    `## Benchmarks`,
    ``,
    `\`npm run bench\` runs a real workerd edge node and Debian's \`prometheus-pushgateway\` side by side on one machine,`,
    `drives both with wrk (\`-t1 -c${r.knobs.connections} -d${r.knobs.duration}s\` after a ${r.knobs.warmup} s warm-up) and writes every row, the machine, versions and`,
    `commands to [bench/results/latest.md](bench/results/latest.md) (method: [bench/README.md](bench/README.md)). Latest run`,
    `(${r.startedAt.slice(0, 16)}Z): ${m.cpus} × ${m.cpuModel}, load average ${m.loadavgStart[0]!.toFixed(1)} at start; ${r.versions.workerd}, ${r.versions.pushgateway}. Ratios are`,
    `from the same run; wrk, workerd and the Pushgateway share the cores.`,
    ``,
    `| Scenario (${r.knobs.connections} connections unless noted) | req/s | samples/s | p50 ms | p99 ms | vs Pushgateway | vs floor |`,
    `|---|---:|---:|---:|---:|---:|---:|`,
    row("floor", "Constant route `/healthz` (floor)"),
    row("pg-single-1", "Pushgateway: push of 1 metric (Debian defaults, not durable)"),
    row("single", "Durable single-sample write", "pg-single-1", "floor"),
    row("batch-1000", "Batch, 1,000 samples per request", "pg-batch-1000"),
    row("remote-write-2000", "Remote write 1.0, 2,000 samples per request, 2 connections"),
    row("otlp-2000", "OTLP/HTTP protobuf, 2,000 points per request, 2 connections"),
    row("pg-api-1", "Pushgateway API: `PUT` of 1 metric", "pg-api-ref-1"),
    row("pods-100", "Pods read, 100 pods", undefined, "floor"),
    row("pods-1000-c1", "Pods read, 1,000 pods, 1 connection (one HPA)"),
    row("object", "Object read", undefined, "floor"),
    row("discovery", "Discovery", undefined, "floor-2"),
  ].filter((l): l is string => l !== null);

  const targets: string[] = [];
  const goal = (what: string, measured: string, met: boolean) => targets.push(`| ${what} | ${measured} | ${met ? "yes" : "**no**"} |`);
  // Tails: rows whose one request is large (≥ 1,000-sample writes, 10,000-pod reads) get p99 ≤ 3× p50; the
  // others p99 ≤ max(50 ms, 2× the p99 of the floor measured last before them).
  const large = (s: ScenarioResult) => s.samplesPerRequest >= (isWrite(s) ? 1000 : 10_000);
  const edgeRows = r.scenarios.filter((s) => s.target === "edge" && !s.id.startsWith("floor"));
  const tailMisses = edgeRows.filter((s) => {
    if (large(s)) return s.p99Ms > 3 * s.p50Ms;
    const fl = floorBefore(r, s);
    return s.p99Ms > Math.max(50, 2 * (fl?.p99Ms ?? 0));
  });
  goal(
    `Every row: p99 ≤ 50 ms or ≤ 2× the floor's p99; large requests p99 ≤ 3× p50`,
    tailMisses.length === 0 ? `all ${edgeRows.length} rows` : `${edgeRows.length - tailMisses.length} of ${edgeRows.length} rows; not: ${tailMisses.map((s) => `${s.id} (p99 ${ms(s.p99Ms)}, p50 ${ms(s.p50Ms)} ms)`).join(", ")}`,
    tailMisses.length === 0,
  );
  const single = g("single"), pg1 = g("pg-single-1");
  if (single && pg1) goal(`Durable single writes ≥ 2× Pushgateway`, `${int(single.samplesPerS)}/s vs ${int(pg1.samplesPerS)}/s (${ratio(single.samplesPerS / pg1.samplesPerS)})`, single.samplesPerS >= 2 * pg1.samplesPerS);
  const b1000 = g("batch-1000"), rw = g("remote-write-2000");
  if (b1000) goal(`Batch ingestion ≥ 200,000 samples/s (1,000 per request)`, `${int(b1000.samplesPerS)} samples/s`, b1000.samplesPerS >= 200_000);
  if (rw) goal(`Remote write ≥ 200,000 samples/s (2,000 per request)`, `${int(rw.samplesPerS)} samples/s`, rw.samplesPerS >= 200_000);
  const c1 = g("pods-1000-c1");
  if (c1) goal(`Pods read over 1,000 pods, one connection: p99 < 5 ms`, `p99 ${ms(c1.p99Ms)} ms (p50 ${ms(c1.p50Ms)})`, c1.p99Ms < 5);
  const p100 = g("pods-100"), obj = g("object"), fl = g("floor");
  if (p100 && fl) goal(`Pods read over 100 pods ≥ 0.3× the floor's rate`, ratio(p100.reqPerS / fl.reqPerS), p100.reqPerS >= 0.3 * fl.reqPerS);
  if (obj && fl) goal(`Object read ≥ 0.5× the floor's rate`, ratio(obj.reqPerS / fl.reqPerS), obj.reqPerS >= 0.5 * fl.reqPerS);
  if (r.scale.length >= 2) {
    const cost = (f: (l: ScaleLevel) => ScenarioResult) => r.scale.map((l) => f(l).serverCpuUsPerRequest);
    const flat = (xs: number[]) => Math.max(...xs) <= 1.5 * Math.min(...xs);
    const reads = cost((l) => l.read), writes = cost((l) => l.write);
    goal(
      `Read and write cost flat from ${int(r.scale[0]!.series)} to ${int(r.scale[r.scale.length - 1]!.series)} stored series (within 1.5×)`,
      `workerd CPU per Pods read ${reads.map(int).join(" / ")} µs, per write ${writes.map(int).join(" / ")} µs`,
      flat(reads) && flat(writes),
    );
    const last = r.scale[r.scale.length - 1]!;
    if (last.restart) {
      goal(
        `Memory at ${int(last.series)} series, and the first read after a restart (stated)`,
        `workerd RSS ${mib(last.workerdRssBytes)} (${mib(last.storageBytes)} on disk); after a restart ${mib(last.restart.rssBytes)}, ready in ${int(last.restart.readyMs)} ms, first Pods read ${ms(last.restart.firstReadMs)} ms, first write ${ms(last.restart.firstWriteMs)} ms`,
        true,
      );
    }
  }
  lines.push(``, `| Goal | Measured | Met? |`, `|---|---|---|`, ...targets);
  lines.push(
    ``,
    `Why the misses, measured (fsync and GC traces, profiles, experiments): [bench/results/stalls.md](bench/results/stalls.md).`,
    ``,
  );
  return lines.join("\n");
}

/** Replaces the text between the BENCHMARKS markers of the top-level README.md (no-op when the markers are absent). */
export function updateReadme(path: string, section: string): boolean {
  const text = readFileSync(path, "utf8");
  const re = /(<!-- BEGIN BENCHMARKS[^>]*-->\n)[\s\S]*?(<!-- END BENCHMARKS -->)/;
  if (!re.test(text)) return false;
  writeFileSync(path, text.replace(re, (_m, a: string, b: string) => `${a}${section}${b}`));
  return true;
}

// ------------------------------------------------------------------------------------------- SVG
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const EDGE = "#f38020";
const PG = "#5b6ee1";
const PG_FAST = "#a9b3f0";

function niceLogTicks(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

export function renderSvg(r: BenchResults): string {
  const W = 960;
  const parts: string[] = [];
  const text = (x: number, y: number, s: string, o: { anchor?: string; size?: number; weight?: string; fill?: string } = {}) =>
    `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${o.size ?? 12}" text-anchor="${o.anchor ?? "start"}"${o.weight ? ` font-weight="${o.weight}"` : ""} fill="${o.fill ?? "#222"}">${esc(s)}</text>`;

  // Panel 1: throughput bars (log scale), one bar per scenario: samples/s for writes, req/s otherwise.
  const rows = r.scenarios.filter((s) => s.group !== "scale");
  const left = 330;
  const barW = W - left - 190; // room for the value label right of the longest bar
  const rowH = 20;
  let y = 40;
  parts.push(text(16, 24, `edge-metrics-adapter vs Pushgateway — throughput (log scale), wrk -c${r.knobs.connections}, ${r.startedAt.slice(0, 16)}Z`, { size: 15, weight: "bold" }));
  const value = (s: ScenarioResult) => (isWrite(s) ? s.samplesPerS : s.reqPerS);
  const vals = rows.map(value).filter((v) => v > 0);
  const lo = Math.max(1, Math.min(...vals) / 2);
  const hi = Math.max(...vals) * 1.5;
  const xOf = (v: number) => left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * barW;
  const ticks = niceLogTicks(lo, hi).filter((t) => t >= lo && t <= hi);
  const top = y;
  const bottom = y + rows.length * rowH;
  for (const t of ticks) {
    parts.push(`<line x1="${xOf(t).toFixed(1)}" y1="${top}" x2="${xOf(t).toFixed(1)}" y2="${bottom}" stroke="#ddd"/>`);
    parts.push(text(xOf(t), bottom + 14, t >= 1e6 ? `${t / 1e6}M` : t >= 1e3 ? `${t / 1e3}k` : String(t), { anchor: "middle", size: 10, fill: "#666" }));
  }
  for (const s of rows) {
    const v = value(s);
    const unit = isWrite(s) ? "samples/s" : "req/s";
    parts.push(text(left - 8, y + 14, s.label.length > 52 ? s.label.slice(0, 50) + "…" : s.label, { anchor: "end", size: 11 }));
    parts.push(`<rect x="${left}" y="${y + 3}" width="${Math.max(1, xOf(v) - left).toFixed(1)}" height="${rowH - 6}" fill="${s.target === "edge" ? EDGE : s.target === "pushgateway" ? PG : PG_FAST}"/>`);
    parts.push(text(xOf(v) + 4, y + 14, `${Math.round(v).toLocaleString("en-US")} ${unit} · p99 ${ms(s.p99Ms)} ms`, { size: 10, fill: "#333" }));
    y += rowH;
  }
  y = bottom + 26;
  parts.push(`<rect x="${left}" y="${y - 10}" width="12" height="10" fill="${EDGE}"/>`, text(left + 16, y, "edge-metrics-adapter on workerd", { size: 11 }));
  parts.push(`<rect x="${left + 230}" y="${y - 10}" width="12" height="10" fill="${PG}"/>`, text(left + 246, y, "prometheus-pushgateway (Debian defaults)", { size: 11 }));
  parts.push(`<rect x="${left + 500}" y="${y - 10}" width="12" height="10" fill="${PG_FAST}"/>`, text(left + 516, y, "…with --push.disable-consistency-check", { size: 11 }));
  y += 20;

  // Panel 2: scale curves: p50/p99 of Pods read, Object read and write vs stored series (log x, log y).
  if (r.scale.length) {
    y += 20;
    parts.push(text(16, y, "Latency vs stored series in one namespace (log–log)", { size: 15, weight: "bold" }));
    const px = 80;
    const pw = W - px - 260;
    const ph = 220;
    const py = y + 20;
    const xs = r.scale.map((l) => l.series);
    const series = [
      { name: "Pods read p99", color: "#c0392b", get: (l: ScaleLevel) => l.read.p99Ms, dash: "" },
      { name: "Pods read p50", color: "#c0392b", get: (l: ScaleLevel) => l.read.p50Ms, dash: "4 3" },
      { name: "Object read p99", color: "#27ae60", get: (l: ScaleLevel) => l.objectRead.p99Ms, dash: "" },
      { name: "Object read p50", color: "#27ae60", get: (l: ScaleLevel) => l.objectRead.p50Ms, dash: "4 3" },
      { name: "Write p99", color: "#2c3e50", get: (l: ScaleLevel) => l.write.p99Ms, dash: "" },
      { name: "Write p50", color: "#2c3e50", get: (l: ScaleLevel) => l.write.p50Ms, dash: "4 3" },
    ];
    const all = r.scale.flatMap((l) => series.map((s) => s.get(l))).filter((v) => v > 0);
    const ylo = Math.min(...all) / 1.5;
    const yhi = Math.max(...all) * 1.5;
    const xlo = Math.min(...xs) / 1.5;
    const xhi = Math.max(...xs) * 1.5;
    const X = (v: number) => px + ((Math.log10(v) - Math.log10(xlo)) / (Math.log10(xhi) - Math.log10(xlo))) * pw;
    const Y = (v: number) => py + ph - ((Math.log10(Math.max(v, ylo)) - Math.log10(ylo)) / (Math.log10(yhi) - Math.log10(ylo))) * ph;
    parts.push(`<rect x="${px}" y="${py}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    for (const t of niceLogTicks(ylo, yhi).flatMap((d) => [d, 2 * d, 5 * d]).filter((t) => t >= ylo && t <= yhi)) {
      parts.push(`<line x1="${px}" y1="${Y(t).toFixed(1)}" x2="${px + pw}" y2="${Y(t).toFixed(1)}" stroke="#eee"/>`);
      parts.push(text(px - 6, Y(t) + 4, `${t} ms`, { anchor: "end", size: 10, fill: "#666" }));
    }
    for (const v of xs) parts.push(text(X(v), py + ph + 14, v >= 1e6 ? `${v / 1e6}M` : `${Math.round(v / 1e3)}k`, { anchor: "middle", size: 10, fill: "#666" }));
    parts.push(text(px + pw / 2, py + ph + 30, "stored series", { anchor: "middle", size: 11 }));
    series.forEach((s, i) => {
      const pts = r.scale.map((l) => `${X(l.series).toFixed(1)},${Y(s.get(l)).toFixed(1)}`).join(" ");
      parts.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`);
      for (const l of r.scale) parts.push(`<circle cx="${X(l.series).toFixed(1)}" cy="${Y(s.get(l)).toFixed(1)}" r="3" fill="${s.color}"/>`);
      const ly = py + 10 + i * 18;
      parts.push(`<line x1="${px + pw + 20}" y1="${ly}" x2="${px + pw + 44}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`);
      parts.push(text(px + pw + 50, ly + 4, s.name, { size: 11 }));
    });
    y = py + ph + 44;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Math.ceil(y)}" viewBox="0 0 ${W} ${Math.ceil(y)}" font-family="Helvetica, Arial, sans-serif">\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n${parts.join("\n")}\n</svg>\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2] ?? join(fileURLToPath(new URL(".", import.meta.url)), "results");
  const r = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as BenchResults;
  writeFileSync(join(dir, "latest.md"), renderMarkdown(r));
  writeFileSync(join(dir, "latest.svg"), renderSvg(r));
  const readme = join(fileURLToPath(new URL("..", import.meta.url)), "README.md");
  const updated = process.argv[2] === undefined && updateReadme(readme, renderReadmeSection(r));
  console.log(`rendered ${join(dir, "latest.md")} and latest.svg${updated ? `, and the Benchmarks section of ${readme}` : ""}`);
}
