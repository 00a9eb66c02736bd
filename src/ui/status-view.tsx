/** @jsxImportSource hono/jsx */
/**
 * What is stored, as the HPA would find it: namespaces with their series count and last write, each namespace's
 * metrics by resource, every series with its value, labels, object labels, when it was written, when it expires
 * (fresh / expiring / expired at a glance) and which token wrote it; then the recent refusals of writes.
 *
 * "Expiring" is the last quarter of a value's freshness: a writer that keeps to its interval never gets there, so a
 * value in that state means its writer is late. Expired values are still listed until the store purges them,
 * because "it expired two minutes ago" is the usual reason an HPA shows `<unknown>`.
 */
import { formatKubeTime } from "../domain/clock";
import type { Labels } from "../domain/metric";
import type { NamespaceStats, NamespaceView, RefusalRecord, SeriesView } from "../store/repository";

export type Freshness = "fresh" | "expiring" | "expired";

export function freshnessOf(s: Pick<SeriesView, "timestamp" | "expiresAt">, now: number): Freshness {
  if (now >= s.expiresAt) return "expired";
  const ttl = s.expiresAt - s.timestamp;
  return s.expiresAt - now <= ttl / 4 ? "expiring" : "fresh";
}

/** `4m 10s`, `2h 5m`, `12s`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

const nsName = (ns: string) => (ns === "" ? "(cluster scope)" : ns);

function LabelList(props: { labels: Labels | null }) {
  const entries = Object.entries(props.labels ?? {});
  if (entries.length === 0) return <span class="muted">—</span>;
  return <span class="labels">{entries.map(([k, v]) => <span>{k}={v}</span>)}</span>;
}

function Expiry(props: { s: SeriesView; now: number }) {
  const state = freshnessOf(props.s, props.now);
  const left = props.s.expiresAt - props.now;
  return (
    <span>
      <span class={`badge ${state}`} data-state={state}>{state}</span>{" "}
      <span class="muted" title={formatKubeTime(props.s.expiresAt)}>{left > 0 ? `in ${duration(left)}` : `${duration(-left)} ago`}</span>
    </span>
  );
}

function SeriesTable(props: { series: readonly SeriesView[]; now: number; external: boolean }) {
  return (
    <table>
      <thead>
        <tr>
          {props.external ? null : <th>object</th>}
          <th>value</th><th>labels</th>{props.external ? null : <th>object labels</th>}<th>written</th><th>expires</th><th>written by</th>
        </tr>
      </thead>
      <tbody>
        {props.series.map((s) => (
          <tr data-series={`${s.resource}/${s.name}/${s.metric}`}>
            {props.external ? null : <td class="mono">{s.name}</td>}
            <td class="mono" data-value={s.value}>{s.value}</td>
            <td><LabelList labels={s.labels} /></td>
            {props.external ? null : <td><LabelList labels={s.objectLabels} /></td>}
            <td class="muted" title={formatKubeTime(s.timestamp)}>{duration(props.now - s.timestamp)} ago</td>
            <td><Expiry s={s} now={props.now} /></td>
            <td>{s.writer ?? <span class="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One namespace: its resources, each with its metrics, each with its series. */
export function NamespaceSection(props: { view: NamespaceView; now: number; perNamespace: number }) {
  const byResource = new Map<string, Map<string, SeriesView[]>>();
  for (const s of props.view.series) {
    const key = s.kind === "external" ? "external metrics" : s.resource;
    const metrics = byResource.get(key) ?? new Map<string, SeriesView[]>();
    metrics.set(s.metric, [...(metrics.get(s.metric) ?? []), s]);
    byResource.set(key, metrics);
  }
  const id = `ns-${props.view.namespace || "cluster"}`;
  return (
    <section id={id} data-namespace={props.view.namespace}>
      <h3>{nsName(props.view.namespace)}</h3>
      {props.view.truncated ? <p class="note">Showing the first {props.perNamespace} series of this namespace; it holds more.</p> : null}
      {props.view.series.length === 0 ? <p class="muted">No series stored.</p> : null}
      {[...byResource].map(([resource, metrics]) => (
        <div>
          {[...metrics].map(([metric, series]) => (
            <div data-metric={metric}>
              <h4>{resource === "external metrics" ? `external: ${metric}` : `${resource} / ${metric}`}</h4>
              <SeriesTable series={series} now={props.now} external={resource === "external metrics"} />
            </div>
          ))}
        </div>
      ))}
    </section>
  );
}

export function StatsTable(props: { stats: readonly NamespaceStats[]; now: number }) {
  if (props.stats.length === 0) return <p class="muted">No namespace holds metrics yet.</p>;
  return (
    <table id="namespace-stats">
      <thead><tr><th>namespace</th><th>series (as last reported, at most a minute old)</th><th>last write</th></tr></thead>
      <tbody>
        {props.stats.map((s) => (
          <tr data-namespace={s.namespace}>
            <td><a href={`#ns-${s.namespace || "cluster"}`}>{nsName(s.namespace)}</a></td>
            <td data-series-count={String(s.series)}>{s.series}</td>
            <td class="muted">{s.lastWriteAt === null ? "—" : `${duration(props.now - s.lastWriteAt)} ago (${formatKubeTime(s.lastWriteAt)})`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RefusalsTable(props: { refusals: readonly RefusalRecord[]; now: number }) {
  if (props.refusals.length === 0) return <p class="muted">No write was refused recently.</p>;
  return (
    <table id="refusals">
      <thead><tr><th>when</th><th>request</th><th>status</th><th>by</th><th>why</th></tr></thead>
      <tbody>
        {props.refusals.map((r) => (
          <tr>
            <td class="muted" title={formatKubeTime(r.at)}>{duration(props.now - r.at)} ago</td>
            <td class="mono">{r.method} {r.path}</td>
            <td>{r.status} {r.reason}</td>
            <td>{r.writer ?? <span class="muted">—</span>}</td>
            <td>{r.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
