/**
 * The recent points of each counter series a partition holds, so its per-second rate can be computed the way
 * PromQL's rate() does (domain/rate.ts) when a new point arrives. Points live in their own table, keyed by the
 * series' identity, and are pruned by time: anything older than twice the longest rate window is of no use.
 * A staleness marker drops its series' points at once; points of series removed otherwise (deletes, expiry)
 * age out with the alarm's pruning.
 */
import { promRate, type Point, type RateResult } from "../domain/rate";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS counter_points (
  series TEXT NOT NULL, t INTEGER NOT NULL, v REAL NOT NULL,
  PRIMARY KEY (series, t)
) WITHOUT ROWID;
`;

/** The longest rate window a point is kept for (RATE_WINDOW_SECONDS is capped to this). */
export const MAX_RATE_WINDOW_MS = 30 * 60_000;

export class CounterHistory {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.#sql.exec(SCHEMA);
  }

  /**
   * Adds `points` to `series`' history (a point at a time already held is replaced) and returns the rate at the
   * newest of them over `windowMs`, or null when the window holds fewer than two points.
   */
  record(series: string, points: readonly Point[], windowMs: number): RateResult | null {
    if (points.length === 0) return null;
    for (const [t, v] of points) {
      this.#sql.exec("INSERT INTO counter_points (series, t, v) VALUES (?, ?, ?) ON CONFLICT (series, t) DO UPDATE SET v = excluded.v", series, t, v);
    }
    const at = points[points.length - 1]![0];
    this.#sql.exec("DELETE FROM counter_points WHERE series = ? AND t <= ?", series, at - 2 * windowMs);
    const held = this.#sql
      .exec<{ t: number; v: number }>("SELECT t, v FROM counter_points WHERE series = ? AND t > ? AND t <= ? ORDER BY t", series, at - windowMs, at)
      .toArray()
      .map((r) => [r.t, r.v] as const);
    return promRate(held, at, windowMs);
  }

  drop(series: string): void {
    this.#sql.exec("DELETE FROM counter_points WHERE series = ?", series);
  }

  /** Removes points no window can use any more. */
  prune(now: number): void {
    this.#sql.exec("DELETE FROM counter_points WHERE t <= ?", now - 2 * MAX_RATE_WINDOW_MS);
  }
}
