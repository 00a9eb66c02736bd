/**
 * The Pushgateway API's model of a push (prometheus/pushgateway v1.11.1): a group, named by its grouping key,
 * holding metric families; turned into labelled series for the shared mapping, and into the JSON view
 * `GET /api/v1/metrics` answers with. Pure: the HTTP layer parses the path (pushgateway-path.ts) and the body
 * (exposition-text.ts, exposition-proto.ts), the store keeps groups.
 *
 * As the Pushgateway does it (storage/diskmetricstore.go sanitizeLabels, checkWriteRequest; api/v1/api.go):
 * - grouping-key labels override the same labels in the body and are added to every metric; a metric without an
 *   `instance` label gets `instance=""` (shown in the JSON view; an empty label is no label for the mapping, as
 *   in Prometheus);
 * - a push with any sample timestamp is refused: "pushed metrics must not have timestamps";
 * - so is a push inconsistent with itself (pushgateway-consistency.ts): the same series twice once the grouping
 *   key has overridden its labels, an invalid label name, colliding `_count`/`_sum`/`_bucket` names;
 * - every group carries `push_time_seconds` (its last successful push) and `push_failure_time_seconds`.
 * What becomes series: gauges, counters (served as rates too, by the mapping), untyped, and the `_sum`/`_count`
 * of summaries and histograms as plain series. Histogram buckets and quantiles are kept in the view only.
 *
 * Differences, by design: a group has a TTL — `?ttlSeconds=` on the push, or the grouping-key label
 * `ttl_seconds` (consumed, not stored as a label) — the expiry the Pushgateway itself refuses to have; and the
 * consistency check against what the store already holds (types and help across groups, the families a POST
 * keeps) is not made (each group's series are independent here).
 */
import { badRequest } from "../domain/errors";
import type { Labels } from "../domain/metric";
import type { DecodedSeries, FamilyMetric, FamilyType, MetricFamily } from "./decoded";
import { goFloat } from "./go-bytes";
import { consistencyProblem } from "./pushgateway-consistency";

/** The grouping-key label that sets the group's TTL in seconds. */
export const TTL_LABEL = "ttl_seconds";
export const PUSH_TIME_METRIC = "push_time_seconds";
export const PUSH_FAILURE_TIME_METRIC = "push_failure_time_seconds";

/** One family as `GET /api/v1/metrics` shows it (api/v1/api.go `metrics`). */
export interface FamilyView {
  readonly time_stamp: string;
  readonly type: string;
  readonly help?: string;
  readonly metrics: readonly Record<string, unknown>[];
}

export interface Push {
  /** The grouping key without the TTL label: what identifies the group. */
  readonly grouping: Labels;
  /** Canonical text of `grouping`: the group's identity. */
  readonly groupKey: string;
  /** Series for the mapping, timestamped at the push. */
  readonly series: DecodedSeries[];
  /** Family name → its view, push_time_seconds included. */
  readonly view: Record<string, FamilyView>;
  /** Metric names each pushed family writes (POST replaces exactly these). */
  readonly metricNames: string[];
}

/** Splits the TTL label off a grouping key; its value must be whole seconds in range. */
export function groupTtl(grouping: Labels, maxSeconds: number): { grouping: Labels; ttlSeconds: number | null } {
  const raw = grouping[TTL_LABEL];
  if (raw === undefined) return { grouping, ttlSeconds: null };
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > maxSeconds) {
    throw badRequest(`grouping-key label ${TTL_LABEL} must be a whole number of seconds from 1 to ${maxSeconds}; got ${JSON.stringify(raw)}`);
  }
  const { [TTL_LABEL]: _, ...rest } = grouping;
  return { grouping: rest, ttlSeconds: n };
}

export function groupKeyOf(grouping: Labels): string {
  return JSON.stringify(Object.keys(grouping).sort().map((k) => [k, grouping[k]]));
}

const TYPE_NAMES: Record<FamilyType, string> = {
  counter: "COUNTER", gauge: "GAUGE", untyped: "UNTYPED", summary: "SUMMARY", histogram: "HISTOGRAM", gaugehistogram: "GAUGE_HISTOGRAM",
};

/**
 * Builds the group's series and view from the pushed families. A name sent twice (only the protobuf body can)
 * keeps its last family, as handler/push.go's map of families does.
 */
export function buildPush(pushed: readonly MetricFamily[], grouping: Labels, pushTimeMs: number): Push {
  const families = [...new Map(pushed.map((f) => [f.name, f])).values()];
  for (const f of families) {
    if (f.metrics.some((m) => m.timestampMs !== null)) {
      throw badRequest("pushed metrics are invalid or inconsistent with existing metrics: pushed metrics must not have timestamps");
    }
  }
  const problem = consistencyProblem(families.map((family) => ({ family, labels: family.metrics.map((m) => sanitized(m.labels, grouping)) })));
  if (problem !== null) throw badRequest(`pushed metrics are invalid or inconsistent with existing metrics: ${problem}`);
  const stamp = new Date(pushTimeMs).toISOString();
  const series: DecodedSeries[] = [];
  const view: Record<string, FamilyView> = {};
  const metricNames: string[] = [];
  const sample = (value: number) => [{ value, timestampMs: pushTimeMs, stale: false }];
  for (const f of families) {
    const metrics: Record<string, unknown>[] = [];
    for (const m of f.metrics) {
      const labels = sanitized(m.labels, grouping);
      metrics.push(viewOf(m, f.type, labels));
      const seriesLabels = withoutEmpty(labels);
      if (m.summary || m.histogram) {
        const agg = (m.summary ?? m.histogram)!;
        series.push({ name: `${f.name}_sum`, labels: seriesLabels, type: "gauge", samples: sample(agg.sampleSum) });
        series.push({ name: `${f.name}_count`, labels: seriesLabels, type: "gauge", samples: sample(agg.sampleCount) });
      } else if (m.value !== undefined) {
        const type = f.type === "counter" ? "counter" : f.type === "gauge" ? "gauge" : "unknown";
        series.push({ name: f.name, labels: seriesLabels, type, samples: sample(m.value) });
      }
    }
    view[f.name] = { time_stamp: stamp, type: TYPE_NAMES[f.type], ...(f.help ? { help: f.help } : {}), metrics };
    metricNames.push(f.name);
    if (f.type === "summary" || f.type === "histogram" || f.type === "gaugehistogram") metricNames.push(`${f.name}_sum`, `${f.name}_count`);
  }
  const groupLabels = sanitized({}, grouping);
  view[PUSH_TIME_METRIC] = {
    time_stamp: stamp,
    type: "GAUGE",
    help: "Last Unix time when changing this group in the Pushgateway succeeded.",
    metrics: [{ labels: groupLabels, value: goFloat(pushTimeMs / 1000) }],
  };
  // A refused push is answered 4xx and changes nothing here, so no failure time is ever recorded.
  view[PUSH_FAILURE_TIME_METRIC] = {
    time_stamp: stamp,
    type: "GAUGE",
    help: "Last Unix time when changing this group in the Pushgateway failed.",
    metrics: [{ labels: groupLabels, value: "0" }],
  };
  return { grouping, groupKey: groupKeyOf(grouping), series, view, metricNames };
}

/** Grouping labels override and join the metric's own; `instance` is always present (sanitizeLabels). */
function sanitized(labels: Labels, grouping: Labels): Record<string, string> {
  const out: Record<string, string> = { ...labels, ...grouping };
  if (!("instance" in out)) out.instance = "";
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]!]));
}

function withoutEmpty(labels: Record<string, string>): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (v !== "") out[k] = v;
  return out;
}

/** api/v1/api.go makeEncodableMetrics. */
function viewOf(m: FamilyMetric, type: FamilyType, labels: Record<string, string>): Record<string, unknown> {
  if (type === "summary" && m.summary) {
    return {
      labels,
      quantiles: Object.fromEntries(m.summary.quantiles.map((q) => [goFloat(q.quantile), goFloat(q.value)])),
      count: String(m.summary.sampleCount),
      sum: goFloat(m.summary.sampleSum),
    };
  }
  if ((type === "histogram" || type === "gaugehistogram") && m.histogram) {
    return {
      labels,
      buckets: Object.fromEntries(m.histogram.buckets.map((b) => [goFloat(b.upperBound), String(b.cumulativeCount)])),
      count: String(m.histogram.sampleCount),
      sum: goFloat(m.histogram.sampleSum),
    };
  }
  return { labels, value: goFloat(m.value ?? 0) };
}
