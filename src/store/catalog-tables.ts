/**
 * The catalog's tables. One small object holds what must not fan out to every partition:
 * - the discovery index: which metric identities have a live value in which partition, and until when;
 * - the partition registry: which partitions exist, so a read of a namespace nobody wrote is answered
 *   without waking (and so creating) its Durable Object, and so their number is capped;
 * - scope claims of resources known only by name (CRDs).
 *
 * Everything here is derived from the partitions, which hold the truth: the catalog has an `epoch` (a random
 * id made when its storage is first used) that partitions compare on every report and heartbeat; a catalog
 * whose storage was lost answers with a new epoch, and every partition re-registers and re-reports in full
 * (metrics-object.ts). Answers are kept in memory until the next change.
 *
 * Scope claims (a CRD is either namespaced or cluster-scoped: kube-aggregator's discovery conversion fails for
 * the whole group when two entries of one parent resource disagree on `namespaced`, apiserver
 * pkg/endpoints/installer.go ConvertGroupVersionIntoToDiscovery): the scope of the first writer holds while
 * it has live values *and* writes of that scope keep coming; it lapses when its values are deleted or expire,
 * or SCOPE_CLAIM_HOLD_SECONDS (default 300) after the last write of that scope, whatever the TTL of the values written. Then a writer
 * of the other scope may take it; values of the old scope stay readable by path but leave discovery. So one
 * tenant's claim blocks another for at most that hold after it stops writing.
 */
import type { RefusalRecord } from "./repository";

/** `custom` identities are (resource, metric); `external` identities are (metric) with resource "". */
export type MetricKind = "custom" | "external";

export interface CatalogUpdate {
  readonly kind: MetricKind;
  readonly resource: string;
  readonly metric: string;
  readonly namespaced: boolean;
  /** null removes the partition's entry. */
  readonly expiresAt: number | null;
  /** extend: keep the later of stored and given; set: replace (after deletes, TTL reductions, resyncs). */
  readonly mode: "extend" | "set";
}

export interface CatalogEntry {
  readonly resource: string;
  readonly metric: string;
  readonly namespaced: boolean;
  /** Latest expiry of the identity over every partition that reported it. */
  readonly expiresAt: number;
}

export interface ScopeClaim {
  readonly resource: string;
  readonly namespaced: boolean;
}

export interface ScopeConflict extends ScopeClaim {
  /** When the current claim lapses if its holder writes no more. */
  readonly lapsesAt: number;
}

export interface Identity {
  readonly kind: MetricKind;
  readonly resource: string;
  readonly metric: string;
}

/** A claim lapses this long after the last write of its scope, by default. */
export const DEFAULT_CLAIM_HOLD_SECONDS = 300;
/** A claim is refreshed on disk at most this often by a steady writer. */
const CLAIM_REFRESH_MS = 30_000;
/** How long an admitted identity counts against MAX_METRICS before its partition reports it live. */
const ADMISSION_HOLD_MS = 30_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS catalog (
  kind TEXT NOT NULL, resource TEXT NOT NULL, metric TEXT NOT NULL, partition TEXT NOT NULL,
  namespaced INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (kind, resource, metric, partition)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS catalog_by_expiry ON catalog (expires_at);
CREATE TABLE IF NOT EXISTS scopes (resource TEXT PRIMARY KEY, namespaced INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS partitions (name TEXT PRIMARY KEY, generation TEXT NOT NULL, registered_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS catalog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

/**
 * Refused writes remembered for the status page: the most recent ones, in the catalog object's memory only —
 * bad input never changes stored state, and the log is for a person looking now, not for history.
 */
export const MAX_REFUSALS = 100;

export type Refusal = RefusalRecord;

/** What a partition last said about itself (in its reports and heartbeats). */
export interface PartitionStats {
  readonly series: number;
  readonly lastWriteAt: number | null;
}

const identityKey = (kind: string, resource: string, metric: string) => `${kind}\u0000${resource}\u0000${metric}`;

export class CatalogTables {
  readonly #sql: SqlStorage;
  readonly #storage: DurableObjectStorage;
  readonly epoch: string;
  /** Last list answer per kind, with the `now` it was computed for; dropped whenever the catalog changes. */
  readonly #listed = new Map<MetricKind, { at: number; entries: CatalogEntry[] }>();
  /** Registered partitions (name → generation), mirrored from the table. */
  readonly #partitions = new Map<string, string>();
  /** Live distinct identities (key → latest expiry over partitions), for the global limit. */
  #identities: Map<string, number> | null = null;
  readonly #refusals: Refusal[] = [];
  /** Per partition, from its last report: series stored and the time of its last write (memory only). */
  readonly #stats = new Map<string, PartitionStats>();
  /** When each claim's scope was last written (memory only; lost on restart, which only lengthens a hold). */
  readonly #claimWrites = new Map<string, number>();
  /** Wall-clock ms when this catalog's epoch began (0 for catalogs older than the field). */
  readonly createdAt: number;
  /** Identities admitted and not yet reported live: identity key → until when the admission holds. */
  readonly #admitted = new Map<string, number>();
  /** The hold the last claim call asked for (the alarm releases claims with it). */
  #holdMs = DEFAULT_CLAIM_HOLD_SECONDS * 1000;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#sql.exec(SCHEMA);
    const stored = this.#sql.exec<{ value: string }>("SELECT value FROM catalog_meta WHERE key = 'epoch'").toArray()[0]?.value;
    this.epoch = stored ?? crypto.randomUUID();
    if (stored === undefined) {
      this.#sql.exec("INSERT INTO catalog_meta (key, value) VALUES ('epoch', ?)", this.epoch);
      this.#sql.exec("INSERT INTO catalog_meta (key, value) VALUES ('created_at', ?) ON CONFLICT (key) DO NOTHING", String(Date.now()));
    }
    this.createdAt = Number(this.#sql.exec<{ value: string }>("SELECT value FROM catalog_meta WHERE key = 'created_at'").toArray()[0]?.value ?? 0);
    // A catalog written before it kept a registry: the partitions it indexes are the ones that exist.
    if (this.#sql.exec("SELECT 1 FROM partitions LIMIT 1").toArray().length === 0) {
      this.#sql.exec("INSERT INTO partitions (name, generation, registered_at) SELECT DISTINCT partition, '', 0 FROM catalog");
    }
    for (const p of this.#sql.exec<{ name: string; generation: string }>("SELECT name, generation FROM partitions")) this.#partitions.set(p.name, p.generation);
  }

  // ---- partition registry ---------------------------------------------------------------------------

  /**
   * Registers a partition under a generation (a partition that is emptied and retired comes back under a
   * new one). A new partition beyond `maxPartitions` is refused; one already registered always succeeds.
   */
  register(partition: string, generation: string, maxPartitions: number, now: number): { refused: string | null } {
    if (!this.#partitions.has(partition) && this.#partitions.size >= maxPartitions) {
      return { refused: `this adapter already stores metrics for ${this.#partitions.size} namespaces, its limit (MAX_NAMESPACES=${maxPartitions}); delete unused namespaces' metrics or raise the limit` };
    }
    if (this.#partitions.get(partition) !== generation) {
      this.#sql.exec(
        "INSERT INTO partitions (name, generation, registered_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET generation = excluded.generation, registered_at = excluded.registered_at",
        partition, generation, now,
      );
      this.#partitions.set(partition, generation);
    }
    return { refused: null };
  }

  /** Forgets a retired partition, unless it has registered again since (under another generation). */
  deregister(partition: string, generation: string): void {
    if (this.#partitions.get(partition) !== generation) return;
    this.#listed.clear();
    this.#identities = null;
    this.#storage.transactionSync(() => {
      this.#sql.exec("DELETE FROM partitions WHERE name = ? AND generation = ?", partition, generation);
      this.#sql.exec("DELETE FROM catalog WHERE partition = ?", partition);
    });
    this.#partitions.delete(partition);
  }

  stats(): Map<string, PartitionStats> {
    return new Map([...this.#partitions.keys()].map((p) => [p, this.#stats.get(p) ?? { series: 0, lastWriteAt: null }]));
  }

  /** Where an identity has live values: partition names, a few. */
  where(kind: MetricKind, resource: string, metric: string, now: number, limit = 5): string[] {
    return this.#sql
      .exec<{ partition: string }>(
        "SELECT partition FROM catalog WHERE kind = ? AND resource = ? AND metric = ? AND expires_at > ? ORDER BY partition LIMIT ?",
        kind, resource, metric, now, limit,
      )
      .toArray()
      .map((r) => r.partition);
  }

  /** Resources with live values of `metric` anywhere. */
  resourcesOf(metric: string, now: number): string[] {
    return this.#sql
      .exec<{ resource: string }>("SELECT DISTINCT resource FROM catalog WHERE kind = 'custom' AND metric = ? AND expires_at > ? ORDER BY resource LIMIT 5", metric, now)
      .toArray()
      .map((r) => r.resource);
  }

  recordRefusal(r: Refusal): void {
    this.#refusals.push({ ...r, path: r.path.slice(0, 512), message: r.message.slice(0, 1024) });
    if (this.#refusals.length > MAX_REFUSALS) this.#refusals.splice(0, this.#refusals.length - MAX_REFUSALS);
  }

  /** Newest first. */
  refusals(limit: number): Refusal[] {
    return this.#refusals.slice(-limit).reverse();
  }

  isRegistered(partition: string): boolean {
    return this.#partitions.has(partition);
  }

  registered(): string[] {
    return [...this.#partitions.keys()].sort();
  }

  // ---- discovery index ------------------------------------------------------------------------------

  #liveIdentities(now: number): Map<string, number> {
    if (this.#identities === null) {
      this.#identities = new Map();
      for (const r of this.#sql.exec<{ kind: string; resource: string; metric: string; e: number }>(
        "SELECT kind, resource, metric, MAX(expires_at) AS e FROM catalog GROUP BY kind, resource, metric",
      )) this.#identities.set(identityKey(r.kind, r.resource, r.metric), r.e);
    }
    for (const [k, e] of this.#identities) if (e <= now) this.#identities.delete(k);
    return this.#identities;
  }

  /**
   * Whether `identities` (new to the calling partition) may be added without passing `maxIdentities` distinct
   * live identities over all partitions. Identities already live elsewhere cost nothing.
   */
  /**
   * Admits new metric identities against MAX_METRICS. An admitted identity is held (ADMISSION_HOLD_MS) until the
   * partition's report makes it live, so concurrent writers in other partitions cannot all be admitted against
   * the same free room; a hold whose write never came lapses.
   */
  admit(identities: readonly Identity[], maxIdentities: number, now: number): { refused: string | null } {
    const live = this.#liveIdentities(now);
    for (const [k, until] of this.#admitted) if (until <= now || live.has(k)) this.#admitted.delete(k);
    const added = new Set(identities.map((i) => identityKey(i.kind, i.resource, i.metric)).filter((k) => !live.has(k) && !this.#admitted.has(k)));
    const taken = live.size + this.#admitted.size;
    if (added.size > 0 && taken + added.size > maxIdentities) {
      return {
        refused: `discovery is full: ${taken} distinct metrics are live or being written, the write would add ${added.size}, and the limit is ${maxIdentities} (MAX_METRICS); let unused metrics expire, delete them, or raise the limit`,
      };
    }
    for (const k of added) this.#admitted.set(k, now + ADMISSION_HOLD_MS);
    return { refused: null };
  }

  /** Applies a partition's updates (and registers it: a report is proof it holds data); returns the earliest expiry. */
  report(partition: string, generation: string, updates: readonly CatalogUpdate[], stats: PartitionStats | null, now: number): number {
    if (stats) this.#stats.set(partition, stats);
    if (updates.length === 0 && this.#partitions.get(partition) === generation) return Infinity;
    this.#listed.clear();
    let earliest = Infinity;
    this.#storage.transactionSync(() => {
      this.register(partition, generation, Infinity, now);
      for (const u of updates) {
        if (u.expiresAt === null) {
          this.#sql.exec("DELETE FROM catalog WHERE kind = ? AND resource = ? AND metric = ? AND partition = ?", u.kind, u.resource, u.metric, partition);
          continue;
        }
        const onConflict = u.mode === "set" ? "excluded.expires_at" : "MAX(catalog.expires_at, excluded.expires_at)";
        this.#sql.exec(
          `INSERT INTO catalog (kind, resource, metric, partition, namespaced, expires_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (kind, resource, metric, partition) DO UPDATE SET namespaced = excluded.namespaced, expires_at = ${onConflict}`,
          u.kind, u.resource, u.metric, partition, u.namespaced ? 1 : 0, u.expiresAt,
        );
        earliest = Math.min(earliest, u.expiresAt);
      }
    });
    this.#identities = null;
    return earliest;
  }

  /**
   * Live identities with their latest expiry (so a caller may keep the list and drop entries as they expire).
   * A resource known only by name is listed with the scope it is claimed under; values written under the other
   * scope before a claim changed hands stay out of discovery.
   */
  list(kind: MetricKind, now: number): CatalogEntry[] {
    const memo = this.#listed.get(kind);
    if (memo && memo.at <= now) return memo.entries.filter((e) => e.expiresAt > now);
    const entries = this.#sql
      .exec<{ resource: string; metric: string; namespaced: number; expires_at: number }>(
        `SELECT c.resource, c.metric, c.namespaced, MAX(c.expires_at) AS expires_at FROM catalog c
         LEFT JOIN scopes s ON s.resource = c.resource
         WHERE c.kind = ? AND c.expires_at > ? AND (s.resource IS NULL OR s.namespaced = c.namespaced)
         GROUP BY c.resource, c.metric, c.namespaced ORDER BY c.resource, c.metric`,
        kind, now,
      )
      .toArray()
      .map((r) => ({ resource: r.resource, metric: r.metric, namespaced: r.namespaced === 1, expiresAt: r.expires_at }));
    this.#listed.set(kind, { at: now, entries });
    return entries;
  }

  // ---- scope claims ---------------------------------------------------------------------------------

  /** Claims scopes all or nothing; a claim of the other scope is refused while the holder's hold lasts. */
  claimScopes(claims: readonly ScopeClaim[], holdMs: number, now: number): { conflicts: ScopeConflict[] } {
    this.#holdMs = holdMs;
    const conflicts: ScopeConflict[] = [];
    const toWrite: ScopeClaim[] = [];
    for (const claim of claims) {
      const existing = this.#sql.exec<{ namespaced: number }>("SELECT namespaced FROM scopes WHERE resource = ?", claim.resource).toArray()[0];
      const lastWrite = this.#claimWrites.get(claim.resource) ?? now;
      if (existing === undefined) toWrite.push(claim);
      else if ((existing.namespaced === 1) === claim.namespaced) {
        if (now - (this.#claimWrites.get(claim.resource) ?? 0) >= CLAIM_REFRESH_MS) this.#claimWrites.set(claim.resource, now);
      } else if (now - lastWrite < holdMs && this.#liveUnder(claim.resource, existing.namespaced === 1, now)) {
        if (!this.#claimWrites.has(claim.resource)) this.#claimWrites.set(claim.resource, now);
        conflicts.push({ resource: claim.resource, namespaced: existing.namespaced === 1, lapsesAt: lastWrite + holdMs });
      } else toWrite.push(claim);
    }
    if (conflicts.length > 0 || toWrite.length === 0) return { conflicts };
    this.#listed.clear();
    this.#storage.transactionSync(() => {
      for (const c of toWrite) {
        this.#sql.exec(
          "INSERT INTO scopes (resource, namespaced) VALUES (?, ?) ON CONFLICT (resource) DO UPDATE SET namespaced = excluded.namespaced",
          c.resource, c.namespaced ? 1 : 0,
        );
        this.#claimWrites.set(c.resource, now);
      }
    });
    return { conflicts };
  }

  /** Whether any live value of `resource` is held under the given scope. */
  #liveUnder(resource: string, namespaced: boolean, now: number): boolean {
    return this.#sql
      .exec("SELECT 1 FROM catalog WHERE kind = 'custom' AND resource = ? AND namespaced = ? AND expires_at > ? LIMIT 1", resource, namespaced ? 1 : 0, now)
      .toArray().length > 0;
  }

  // ---- expiry ---------------------------------------------------------------------------------------

  /** Removes expired entries and claims whose hold lapsed with nothing live under them; returns the next expiry. */
  purgeExpired(now: number): number | null {
    this.#listed.clear();
    this.#identities = null;
    this.#storage.transactionSync(() => {
      this.#sql.exec("DELETE FROM catalog WHERE expires_at <= ?", now);
      for (const { resource } of this.#sql.exec<{ resource: string }>(
        "SELECT resource FROM scopes WHERE NOT EXISTS (SELECT 1 FROM catalog c WHERE c.kind = 'custom' AND c.resource = scopes.resource)",
      ).toArray()) {
        if (now - (this.#claimWrites.get(resource) ?? 0) < this.#holdMs) continue;
        this.#sql.exec("DELETE FROM scopes WHERE resource = ?", resource);
        this.#claimWrites.delete(resource);
      }
    });
    return this.#sql.exec<{ m: number | null }>("SELECT MIN(expires_at) AS m FROM catalog").one().m;
  }
}
