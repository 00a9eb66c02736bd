/**
 * What a partition tells the catalog, and when: after a write, the latest expiry of each metric identity it
 * holds, but only when that moves by more than a slack (10% of the TTL, at most 30 s), so a steady writer costs
 * the catalog about one call per metric per slack period. The catalog's expiry is never later than the truth:
 * a metric can drop out of discovery up to one slack before its last value expires, never after. Deletes, TTL
 * reductions and staleness markers make the partition send the exact value.
 */
import type { CatalogUpdate, MetricKind } from "./catalog-tables";

const MAX_REPORT_SLACK_MS = 30_000;

export const identityKey = (kind: MetricKind, resource: string, metric: string) => `${kind}\u0000${resource}\u0000${metric}`;

/**
 * What this partition last told the catalog, per metric identity, so a steady writer reports only when an
 * expiry moves by more than the slack. Lost when the object is evicted, which only makes it report again.
 */
export class CatalogReporter {
  readonly #reported = new Map<string, number>();

  last(key: string): number | undefined {
    return this.#reported.get(key);
  }

  /** Call once the catalog has acknowledged `updates`. */
  reported(updates: readonly CatalogUpdate[]): void {
    for (const u of updates) {
      const key = identityKey(u.kind, u.resource, u.metric);
      if (u.expiresAt === null) this.#reported.delete(key);
      else this.#reported.set(key, u.mode === "set" ? u.expiresAt : Math.max(u.expiresAt, this.#reported.get(key) ?? 0));
    }
  }
}

/** Collects, during one write, the catalog updates that write makes necessary. */
export class ExpiryNotes {
  readonly #updates = new Map<string, CatalogUpdate>();
  readonly #exact = new Map<string, { kind: MetricKind; resource: string; metric: string; namespaced: boolean }>();
  constructor(
    private readonly reporter: CatalogReporter,
    private readonly now: number,
    private readonly exactMaxExpiry: (kind: MetricKind, resource: string, metric: string) => number | null,
  ) {}

  /** A write that shortens a series' expiry may lower the identity's maximum, so that case is recomputed exactly. */
  note(kind: MetricKind, resource: string, metric: string, namespaced: boolean, expiresAt: number, previousExpiresAt: number | undefined): void {
    const key = identityKey(kind, resource, metric);
    if (this.#exact.has(key)) return;
    if (previousExpiresAt !== undefined && expiresAt < previousExpiresAt) {
      this.exact(kind, resource, metric, namespaced);
      return;
    }
    const pending = this.#updates.get(key);
    if (pending) {
      // A later write in the same batch raises the pending value; for an exact ("set") one too, since it is now stored.
      if (pending.expiresAt === null || expiresAt > pending.expiresAt) this.#updates.set(key, { ...pending, expiresAt });
      return;
    }
    const reported = this.reporter.last(key);
    const slack = Math.min(MAX_REPORT_SLACK_MS, Math.max(0, expiresAt - this.now) / 10);
    if (reported === undefined || expiresAt > reported + slack) {
      this.#updates.set(key, { kind, resource, metric, namespaced, expiresAt, mode: "extend" });
    }
  }

  /**
   * After series of an identity were removed (or an expiry shortened): its exact latest expiry, null when none is
   * left. Computed once per identity when the write is done (updates()), from what is then stored: a write that
   * drops a thousand series of one metric asks SQLite once, not a thousand times.
   */
  exact(kind: MetricKind, resource: string, metric: string, namespaced: boolean): void {
    const key = identityKey(kind, resource, metric);
    this.#updates.delete(key);
    this.#exact.set(key, { kind, resource, metric, namespaced });
  }

  /** Call once the write's rows are all stored (inside or right after its transaction). */
  updates(): CatalogUpdate[] {
    const exact = [...this.#exact.values()].map((i): CatalogUpdate => ({ ...i, expiresAt: this.exactMaxExpiry(i.kind, i.resource, i.metric), mode: "set" }));
    return [...this.#updates.values(), ...exact];
  }
}

