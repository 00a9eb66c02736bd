/**
 * The HPA's reads served from memory: for each metric the HPA asks about — (resource, namespace, metric) for
 * objects, (namespace, metric) for external series — a view of its rows, loaded from SQLite on first use and kept
 * in step by the writes (partition-tables.ts tells it every row it stores and every object label it sets). SQLite
 * stays the source of truth: a view is only a copy, and anything that removes rows (deletes, expiry purges,
 * staleness markers, Pushgateway replacements) simply drops the views, to be reloaded by the next read.
 *
 * Why: a 1,000-pod read spent most of its time materialising rows out of SQLite; from memory it is a walk over
 * the object names. Rows keep their expiry, so a read still never serves an expired value. Memory is bounded:
 * past MAX_ROWS rows in all views of a partition, every view is dropped and rebuilt on demand.
 */
const MAX_ROWS = 250_000;

export interface ViewRow {
  readonly value: string;
  readonly timestamp: number;
  readonly window: number | null;
  readonly expiresAt: number;
}

/** One metric of one resource in one namespace: object name → canonical metric-label text → row. */
export class ObjectMetricView {
  readonly byName = new Map<string, Map<string, ViewRow>>();
  #sorted: string[] | null = null;

  set(name: string, labels: string, row: ViewRow): boolean {
    let rows = this.byName.get(name);
    if (rows === undefined) {
      this.byName.set(name, (rows = new Map()));
      this.#sorted = null;
    }
    const added = !rows.has(labels);
    rows.set(labels, row);
    return added;
  }

  /** Object names in order (what the SQL's ORDER BY name gave). */
  names(): string[] {
    return (this.#sorted ??= [...this.byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

export class MetricViews {
  readonly #objects = new Map<string, ObjectMetricView>();
  readonly #externals = new Map<string, Map<string, ViewRow>>();
  /** Object labels text per (resource, namespace), for label selectors. */
  readonly #objectLabels = new Map<string, Map<string, string>>();
  #rows = 0;

  constructor(private readonly sql: SqlStorage) {}

  objectView(resource: string, namespace: string, metric: string): ObjectMetricView {
    const key = `${resource}\u0000${namespace}\u0000${metric}`;
    let view = this.#objects.get(key);
    if (view === undefined) {
      this.#make();
      view = new ObjectMetricView();
      for (const r of this.sql.exec<{ name: string; labels: string; value: string; timestamp: number; window: number | null; expires_at: number }>(
        "SELECT name, labels, value, timestamp, window, expires_at FROM series WHERE resource = ? AND namespace = ? AND metric = ?",
        resource, namespace, metric,
      )) {
        view.set(r.name, r.labels, { value: r.value, timestamp: r.timestamp, window: r.window, expiresAt: r.expires_at });
        this.#rows++;
      }
      this.#objects.set(key, view);
    }
    return view;
  }

  externalView(namespace: string, metric: string): Map<string, ViewRow> {
    const key = `${namespace}\u0000${metric}`;
    let view = this.#externals.get(key);
    if (view === undefined) {
      this.#make();
      view = new Map();
      for (const r of this.sql.exec<{ labels: string; value: string; timestamp: number; window: number | null; expires_at: number }>(
        "SELECT labels, value, timestamp, window, expires_at FROM external_series WHERE namespace = ? AND metric = ? ORDER BY labels",
        namespace, metric,
      )) {
        view.set(r.labels, { value: r.value, timestamp: r.timestamp, window: r.window, expiresAt: r.expires_at });
        this.#rows++;
      }
      this.#externals.set(key, view);
    }
    return view;
  }

  /** name → stored object-label text for a resource in a namespace. */
  objectLabels(resource: string, namespace: string): Map<string, string> {
    const key = `${resource}\u0000${namespace}`;
    let labels = this.#objectLabels.get(key);
    if (labels === undefined) {
      labels = new Map();
      for (const r of this.sql.exec<{ name: string; labels: string }>("SELECT name, labels FROM objects WHERE resource = ? AND namespace = ?", resource, namespace)) {
        labels.set(r.name, r.labels);
      }
      this.#objectLabels.set(key, labels);
    }
    return labels;
  }

  // ---- kept in step by the writes --------------------------------------------------------------------

  objectRowWritten(resource: string, namespace: string, metric: string, name: string, labels: string, row: ViewRow): void {
    const view = this.#objects.get(`${resource}\u0000${namespace}\u0000${metric}`);
    if (view?.set(name, labels, row)) this.#rows++;
  }

  externalRowWritten(namespace: string, metric: string, labels: string, row: ViewRow): void {
    const view = this.#externals.get(`${namespace}\u0000${metric}`);
    if (view && !view.has(labels)) this.#rows++;
    view?.set(labels, row);
  }

  objectLabelsWritten(resource: string, namespace: string, name: string, text: string): void {
    this.#objectLabels.get(`${resource}\u0000${namespace}`)?.set(name, text);
  }

  /** Rows were removed somewhere: every view is reloaded on its next read. */
  invalidate(): void {
    this.#objects.clear();
    this.#externals.clear();
    this.#objectLabels.clear();
    this.#rows = 0;
  }

  #make(): void {
    if (this.#rows > MAX_ROWS) this.invalidate();
  }
}
