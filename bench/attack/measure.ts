/**
 * What the attack suite measures about workerd and its state, and the memory limit it runs workerd under.
 *
 * Memory limit: a memory cgroup made for one workerd process, nested under the cgroup this process runs in (so
 * whatever limits and accounts for us still applies to workerd as well), removed at the end. cgroup v1 (a
 * `memory` hierarchy, as on this machine) sets `memory.limit_in_bytes`; cgroup v2 sets `memory.max`, which needs
 * the memory controller delegated to our cgroup. workerd is started inside the group by a `sh` wrapper that
 * moves itself in and then `exec`s workerd, so every page it ever touches is charged there. Anything missing is
 * an error, never a silent run without a limit. An OOM kill shows in the group's `oom_kill` counter (v1
 * `memory.oom_control`, v2 `memory.events`) and as workerd dying with SIGKILL.
 *
 * Peak RSS: the kernel's high-water mark of workerd (`VmHWM` in /proc/<pid>/status), reset before each attack by
 * writing 5 to /proc/<pid>/clear_refs, so it catches a spike between samples. Disk: allocated blocks (what `du`
 * counts) of every file under the state directory, and the number of `.sqlite` files.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = "/sys/fs/cgroup";
/** Groups made here and not yet removed: removed on exit too (after the harness has killed what ran in them). */
const made = new Set<string>();
process.on("exit", () => {
  for (const dir of made) removeGroup(dir);
});

export interface MemoryLimit {
  /** How the limit is enforced, for the report. */
  mechanism: string;
  limitBytes: number;
  /** Command prefix that starts a process inside the group. */
  wrapper: string[];
  /** OOM kills so far in the group. */
  oomKills(): number;
  /** Peak memory charged to the group (page cache included) since the last reset, where the kernel reports it. */
  peakBytes(): number | null;
  resetPeak(): void;
  remove(): void;
}

function ownCgroup(controller: string): { version: 1 | 2; dir: string } {
  const lines = readFileSync("/proc/self/cgroup", "utf8").trim().split("\n");
  if (existsSync(join(ROOT, controller, "cgroup.procs"))) {
    const line = lines.find((l) => l.split(":")[1]!.split(",").includes(controller));
    if (!line) throw new Error(`no ${controller} line in /proc/self/cgroup`);
    return { version: 1, dir: join(ROOT, controller, line.split(":")[2]!) };
  }
  if (existsSync(join(ROOT, "cgroup.controllers"))) {
    const line = lines.find((l) => l.startsWith("0::"));
    if (!line) throw new Error("no cgroup v2 line in /proc/self/cgroup");
    return { version: 2, dir: join(ROOT, line.slice(3)) };
  }
  throw new Error(`no memory cgroup controller is mounted at ${ROOT} (neither v1 ${ROOT}/memory nor v2 cgroup.controllers)`);
}

/** A memory cgroup of `limitBytes` named `name`, nested under this process's own; throws when that cannot be made. */
export function memoryLimit(name: string, limitBytes: number): MemoryLimit {
  const own = ownCgroup("memory");
  const dir = join(own.dir, name);
  mkdirSync(dir);
  made.add(dir);
  const wrapper = ["sh", "-c", `echo $$ > ${join(dir, "cgroup.procs")} && exec "$@"`, "sh"];
  if (own.version === 1) {
    writeFileSync(join(dir, "memory.limit_in_bytes"), String(limitBytes));
    const oom = () => Number(/oom_kill (\d+)/.exec(readFileSync(join(dir, "memory.oom_control"), "utf8"))?.[1] ?? 0);
    return {
      mechanism: `cgroup v1 memory controller: ${dir} memory.limit_in_bytes=${limitBytes}`,
      limitBytes,
      wrapper,
      oomKills: oom,
      peakBytes: () => Number(readFileSync(join(dir, "memory.max_usage_in_bytes"), "utf8")),
      resetPeak: () => writeFileSync(join(dir, "memory.max_usage_in_bytes"), "0"),
      remove: () => removeGroup(dir),
    };
  }
  const controllers = readFileSync(join(dir, "cgroup.controllers"), "utf8");
  if (!controllers.split(/\s+/).includes("memory")) {
    rmdirSync(dir);
    throw new Error(`cgroup v2: the memory controller is not delegated to ${own.dir} (enable it in its parent's cgroup.subtree_control)`);
  }
  writeFileSync(join(dir, "memory.max"), String(limitBytes));
  writeFileSync(join(dir, "memory.swap.max"), "0");
  const peakFile = join(dir, "memory.peak");
  return {
    mechanism: `cgroup v2: ${dir} memory.max=${limitBytes}`,
    limitBytes,
    wrapper,
    oomKills: () => Number(/oom_kill (\d+)/.exec(readFileSync(join(dir, "memory.events"), "utf8"))?.[1] ?? 0),
    peakBytes: () => (existsSync(peakFile) ? Number(readFileSync(peakFile, "utf8")) : null),
    resetPeak: () => {
      try {
        writeFileSync(peakFile, "0"); // resettable since Linux 6.12
      } catch {
        /* older kernels: the peak is since the group was made */
      }
    },
    remove: () => removeGroup(dir),
  };
}

function removeGroup(dir: string): void {
  for (let i = 0; i < 50; i++) {
    try {
      if (existsSync(dir)) rmdirSync(dir);
      made.delete(dir);
      return;
    } catch {
      // Processes leave a group asynchronously after they exit.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  console.error(`could not remove cgroup ${dir}`);
}

/** Resident set size and its high-water mark of a process, in bytes (null once it is gone). */
export function rss(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return null;
  }
}

/** Resets a process's VmHWM to its current RSS (proc(5), clear_refs value 5). */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

export interface DiskUsage {
  bytes: number;
  sqliteFiles: number;
  files: number;
}

/** Allocated bytes (st_blocks × 512, as `du` counts) of every file under `dir`, and how many are `.sqlite`. */
export function diskUsage(dir: string): DiskUsage {
  const out: DiskUsage = { bytes: 0, sqliteFiles: 0, files: 0 };
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue; // removed while walking
      }
      if (st.isDirectory()) walk(p);
      else {
        out.files++;
        out.bytes += st.blocks * 512;
        if (n.endsWith(".sqlite")) out.sqliteFiles++;
      }
    }
  };
  walk(dir);
  return out;
}

/** Samples a process's RSS every `everyMs` while an attack runs; the peak is the larger of samples and VmHWM. */
export class RssWatch {
  #timer: NodeJS.Timeout | null = null;
  #peak = 0;
  constructor(private readonly pid: () => number | null, private readonly everyMs = 50) {}

  start(): void {
    const pid = this.pid();
    if (pid !== null) {
      resetPeakRss(pid);
      const r = rss(pid);
      this.#peak = r && Number.isFinite(r.rss) ? r.rss : 0;
    }
    this.#timer = setInterval(() => {
      const p = this.pid();
      const r = p === null ? null : rss(p);
      // A process that is exiting (or a zombie after SIGKILL) has no Vm* lines: nothing to count.
      if (r && Number.isFinite(r.rss) && Number.isFinite(r.hwm)) this.#peak = Math.max(this.#peak, r.rss, r.hwm);
    }, this.everyMs);
  }

  /** Peak bytes since start (across restarts: each new process is sampled too). */
  stop(): number {
    if (this.#timer) clearInterval(this.#timer);
    const p = this.pid();
    const r = p === null ? null : rss(p);
    if (r && Number.isFinite(r.hwm)) this.#peak = Math.max(this.#peak, r.hwm);
    return this.#peak;
  }
}
