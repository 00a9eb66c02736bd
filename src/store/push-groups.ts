/**
 * Pushgateway groups in a partition: which stored series each group wrote (so a PUT can replace the whole group,
 * a POST the families it names, a DELETE all of it), and — in the group's home partition, its namespace — the
 * group's metadata: grouping key, the JSON view of its families for `GET /api/v1/metrics`, push time, expiry and
 * the partitions its series went to. Membership rows carry the expiry of their series, so they age out with them.
 */
import type { Labels } from "../domain/metric";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS push_members (
  grouping_key TEXT NOT NULL, metric TEXT NOT NULL, series TEXT NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (grouping_key, series)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS push_members_by_expiry ON push_members (expires_at);
CREATE TABLE IF NOT EXISTS push_groups (
  grouping_key TEXT PRIMARY KEY, grouping TEXT NOT NULL, view TEXT NOT NULL, push_time INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, partitions TEXT NOT NULL
) WITHOUT ROWID;
`;

export interface PushGroupMeta {
  readonly grouping: Labels;
  /** Family name → view (ingest/pushgateway.ts FamilyView), as JSON-able data. */
  readonly view: Record<string, unknown>;
  readonly pushTime: number;
  readonly expiresAt: number;
  /** Partitions holding the group's series. */
  readonly partitions: readonly string[];
}

export interface StoredPushGroup extends PushGroupMeta {
  readonly groupKey: string;
}

export class PushGroupTables {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.#sql.exec(SCHEMA);
  }

  /** Series keys (counter-history form: JSON of [kind, ...primary key]) of a group, all or those of `metrics`. */
  members(groupKey: string, metrics: ReadonlySet<string> | null): string[] {
    const rows = this.#sql.exec<{ metric: string; series: string }>("SELECT metric, series FROM push_members WHERE grouping_key = ?", groupKey).toArray();
    return rows.filter((r) => metrics === null || metrics.has(r.metric)).map((r) => r.series);
  }

  forget(groupKey: string, series: readonly string[]): void {
    for (const s of series) this.#sql.exec("DELETE FROM push_members WHERE grouping_key = ? AND series = ?", groupKey, s);
  }

  remember(groupKey: string, metric: string, series: string, expiresAt: number): void {
    this.#sql.exec(
      `INSERT INTO push_members (grouping_key, metric, series, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (grouping_key, series) DO UPDATE SET metric = excluded.metric, expires_at = excluded.expires_at`,
      groupKey, metric, series, expiresAt,
    );
  }

  meta(groupKey: string): StoredPushGroup | null {
    const row = this.#sql
      .exec<{ grouping: string; view: string; push_time: number; expires_at: number; partitions: string }>(
        "SELECT grouping, view, push_time, expires_at, partitions FROM push_groups WHERE grouping_key = ?", groupKey)
      .toArray()[0];
    return row ? toGroup(groupKey, row) : null;
  }

  setMeta(groupKey: string, meta: PushGroupMeta | null): void {
    if (meta === null) {
      this.#sql.exec("DELETE FROM push_groups WHERE grouping_key = ?", groupKey);
      return;
    }
    this.#sql.exec(
      `INSERT INTO push_groups (grouping_key, grouping, view, push_time, expires_at, partitions) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (grouping_key) DO UPDATE SET grouping = excluded.grouping, view = excluded.view, push_time = excluded.push_time,
         expires_at = excluded.expires_at, partitions = excluded.partitions`,
      groupKey, JSON.stringify(meta.grouping), JSON.stringify(meta.view), meta.pushTime, meta.expiresAt, JSON.stringify(meta.partitions),
    );
  }

  list(now: number): StoredPushGroup[] {
    return this.#sql
      .exec<{ grouping_key: string; grouping: string; view: string; push_time: number; expires_at: number; partitions: string }>(
        "SELECT grouping_key, grouping, view, push_time, expires_at, partitions FROM push_groups WHERE expires_at > ? ORDER BY grouping_key", now)
      .toArray()
      .map((r) => toGroup(r.grouping_key, r));
  }

  purgeExpired(now: number): void {
    this.#sql.exec("DELETE FROM push_members WHERE expires_at <= ?", now);
    this.#sql.exec("DELETE FROM push_groups WHERE expires_at <= ?", now);
  }
}

function toGroup(groupKey: string, r: { grouping: string; view: string; push_time: number; expires_at: number; partitions: string }): StoredPushGroup {
  return {
    groupKey,
    grouping: JSON.parse(r.grouping) as Labels,
    view: JSON.parse(r.view) as Record<string, unknown>,
    pushTime: r.push_time,
    expiresAt: r.expires_at,
    partitions: JSON.parse(r.partitions) as string[],
  };
}
