/**
 * The catalog's tables: the discovery index (which metric identities have a live value in which partition,
 * and until when) and the scope claims of resources known only by name. One small object holds them so
 * discovery never fans out to every partition. Partitions report to it (partition-tables.ts explains when);
 * it keeps its last answer in memory until its next change.
 */

/** `custom` identities are (resource, metric); `external` identities are (metric) with resource "". */
export type MetricKind = "custom" | "external";

export interface CatalogUpdate {
  readonly kind: MetricKind;
  readonly resource: string;
  readonly metric: string;
  readonly namespaced: boolean;
  /** null removes the partition's entry. */
  readonly expiresAt: number | null;
  /** extend: keep the later of stored and given; set: replace (after deletes and TTL reductions). */
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS catalog (
  kind TEXT NOT NULL, resource TEXT NOT NULL, metric TEXT NOT NULL, partition TEXT NOT NULL,
  namespaced INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (kind, resource, metric, partition)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS catalog_by_expiry ON catalog (expires_at);
CREATE TABLE IF NOT EXISTS scopes (resource TEXT PRIMARY KEY, namespaced INTEGER NOT NULL) WITHOUT ROWID;
`;

export class CatalogTables {
  readonly #sql: SqlStorage;
  readonly #storage: DurableObjectStorage;
  /** Last list answer per kind, with the `now` it was computed for; dropped whenever the catalog changes. */
  readonly #listed = new Map<MetricKind, { at: number; entries: CatalogEntry[] }>();

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#sql.exec(SCHEMA);
  }

  /** Applies a partition's updates; returns the earliest expiry written (for the alarm). */
  report(partition: string, updates: readonly CatalogUpdate[]): number {
    this.#listed.clear();
    let earliest = Infinity;
    this.#storage.transactionSync(() => {
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
    return earliest;
  }

  /**
   * Live identities with their latest expiry (so a caller may keep the list and drop entries as they expire).
   * Served from memory until the catalog changes; an entry is returned only while its expiry is ahead of `now`.
   */
  list(kind: MetricKind, now: number): CatalogEntry[] {
    const memo = this.#listed.get(kind);
    if (memo && memo.at <= now) return memo.entries.filter((e) => e.expiresAt > now);
    const entries = this.#sql
      .exec<{ resource: string; metric: string; namespaced: number; expires_at: number }>(
        `SELECT resource, metric, namespaced, MAX(expires_at) AS expires_at FROM catalog WHERE kind = ? AND expires_at > ?
         GROUP BY resource, metric, namespaced ORDER BY resource, metric`,
        kind, now,
      )
      .toArray()
      .map((r) => ({ resource: r.resource, metric: r.metric, namespaced: r.namespaced === 1, expiresAt: r.expires_at }));
    this.#listed.set(kind, { at: now, entries });
    return entries;
  }

  /**
   * Records the scope of resources we only know by name, all or nothing. A resource cannot be both
   * namespaced and cluster-scoped while it has live values: kube-aggregator's discovery conversion fails
   * for the whole group when two entries of one parent resource disagree on `namespaced`
   * (apiserver pkg/endpoints/installer.go ConvertGroupVersionIntoToDiscovery).
   */
  claimScopes(claims: readonly ScopeClaim[], now: number): { conflicts: ScopeClaim[] } {
    const conflicts: ScopeClaim[] = [];
    this.#storage.transactionSync(() => {
      const toWrite: ScopeClaim[] = [];
      for (const claim of claims) {
        const existing = this.#sql.exec<{ namespaced: number }>("SELECT namespaced FROM scopes WHERE resource = ?", claim.resource).toArray()[0];
        if (existing === undefined) toWrite.push(claim);
        else if ((existing.namespaced === 1) !== claim.namespaced) {
          const live = this.#sql
            .exec("SELECT 1 FROM catalog WHERE kind = 'custom' AND resource = ? AND expires_at > ? LIMIT 1", claim.resource, now)
            .toArray().length > 0;
          if (live) conflicts.push({ resource: claim.resource, namespaced: existing.namespaced === 1 });
          else toWrite.push(claim);
        }
      }
      if (conflicts.length === 0) {
        for (const c of toWrite) {
          this.#sql.exec(
            "INSERT INTO scopes (resource, namespaced) VALUES (?, ?) ON CONFLICT (resource) DO UPDATE SET namespaced = excluded.namespaced",
            c.resource, c.namespaced ? 1 : 0,
          );
        }
      }
    });
    return { conflicts };
  }

  /** Removes expired entries and the claims nothing live holds any more; returns the next expiry, or null. */
  purgeExpired(now: number): number | null {
    this.#listed.clear();
    this.#storage.transactionSync(() => {
      this.#sql.exec("DELETE FROM catalog WHERE expires_at <= ?", now);
      this.#sql.exec("DELETE FROM scopes WHERE NOT EXISTS (SELECT 1 FROM catalog c WHERE c.kind = 'custom' AND c.resource = scopes.resource)");
    });
    return this.#sql.exec<{ m: number | null }>("SELECT MIN(expires_at) AS m FROM catalog").one().m;
  }
}
