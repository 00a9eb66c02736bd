/**
 * The Pushgateway's consistency check of a push against itself. prometheus/pushgateway v1.11.1
 * storage/diskmetricstore.go checkWriteRequest gathers the store as it would be after the push through
 * client_golang's prometheus.Gatherers (v1.22.0, its go.mod: prometheus/registry.go Gather,
 * checkSuffixCollisions, checkMetricConsistency) and refuses the push with the first error, which
 * handler/push.go answers with 400 "pushed metrics are invalid or inconsistent with existing metrics: <error>".
 * What can go wrong inside one push, in the order upstream finds it:
 * - a family named like another's `_count`/`_sum`/`_bucket` series (a summary `m` and a gauge `m_count`);
 * - a label name that is not a legacy Prometheus name (the Pushgateway's default validation scheme) or starts
 *   with `__`;
 * - a summary with an explicit `quantile` label (only the protobuf body can carry one);
 * - two metrics with the same name and labels once the grouping key has overridden theirs.
 * Every error is reported, as Gather collects them (two or more become prometheus.MultiError's list).
 *
 * Upstream gathers families in map order, so which of two colliding families it names first varies; here the
 * order is by name, so the answer is always the same. Upstream prints the metric with protobuf-go's prototext,
 * which inserts random spaces on purpose; the text here is that format without them. What the store holds
 * besides this push (other groups, the group's families a POST keeps) is not checked here; that is the
 * difference ingest/pushgateway.ts documents.
 */
import type { FamilyMetric, FamilyType, MetricFamily } from "./decoded";
import { goQuote, utf8ByteString } from "./go-bytes";
import { goFloat } from "./go-bytes";

/** A pushed family with each metric's labels as the grouping key made them (sanitizeLabels). */
export interface SanitizedFamily {
  readonly family: MetricFamily;
  readonly labels: readonly Readonly<Record<string, string>>[];
}

const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES = ["_count", "_sum", "_bucket"] as const;

/**
 * The push's inconsistencies in upstream's words (one error, or prometheus.MultiError's "N error(s) occurred:"
 * list), or null. As Gather does: a family that collides is skipped whole, a metric that fails is skipped alone,
 * and the check goes on.
 */
export function consistencyProblem(families: readonly SanitizedFamily[]): string | null {
  const errors: string[] = [];
  const byName = new Map<string, FamilyType>();
  const seen = new Set<string>();
  for (const { family, labels } of [...families].sort((a, b) => (a.family.name < b.family.name ? -1 : a.family.name > b.family.name ? 1 : 0))) {
    const collision = suffixCollision(family, byName);
    if (collision) {
      errors.push(collision);
      continue;
    }
    byName.set(family.name, family.type);
    for (let i = 0; i < family.metrics.length; i++) {
      const problem = metricProblem(family, family.metrics[i]!, labels[i]!, seen);
      if (problem) errors.push(problem);
    }
  }
  if (errors.length === 0) return null;
  if (errors.length === 1) return errors[0]!;
  return `${errors.length} error(s) occurred:${errors.map((e) => `\n* ${e}`).join("")}`;
}

/** checkMetricConsistency for one metric; `seen` collects the name-and-labels keys of the metrics that passed. */
function metricProblem(family: MetricFamily, metric: FamilyMetric, labels: Readonly<Record<string, string>>, seen: Set<string>): string | null {
  const names = Object.keys(labels).sort();
  const shown = () => `collected metric ${q(family.name)} { ${metricText(family.type, metric, labels)}}`;
  for (const name of names) {
    if (!LEGACY_LABEL_NAME.test(name) || name.startsWith("__")) return `${shown()} has a label with an invalid name: ${name}`;
    if (family.type === "summary" && name === "quantile") return `${shown()} must not have an explicit "quantile" label`;
  }
  const key = JSON.stringify([family.name, ...names.map((n) => [n, labels[n]])]);
  if (seen.has(key)) return `${shown()} was collected before with the same name and label values`;
  seen.add(key);
  return null;
}

function suffixCollision(family: MetricFamily, byName: ReadonlyMap<string, FamilyType>): string | null {
  const { name, type } = family;
  const suffix = SUFFIXES.find((s) => name.endsWith(s));
  const base = suffix ? name.slice(0, -suffix.length) : null;
  const existing = base === null ? undefined : byName.get(base);
  if (existing === "summary" && suffix !== "_bucket") return `collected metric named ${q(name)} collides with previously collected summary named ${q(base!)}`;
  if (existing === "histogram") return `collected metric named ${q(name)} collides with previously collected histogram named ${q(base!)}`;
  if (type === "summary" || type === "histogram") {
    for (const s of ["_count", "_sum"]) {
      if (byName.has(name + s)) return `collected histogram or summary named ${q(name)} collides with previously collected metric named ${q(name + s)}`;
    }
  }
  if (type === "histogram" && byName.has(`${name}_bucket`)) {
    return `collected histogram named ${q(name)} collides with previously collected metric named ${q(`${name}_bucket`)}`;
  }
  return null;
}

const q = (s: string) => goQuote(utf8ByteString(s));

/** prototext's float64: strconv 'g' shortest, with its own names for the specials. */
function protoFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return goFloat(v);
}

/** io.prometheus.client.Metric as prototext writes it on one line (dto.Metric.String()), without the random spaces. */
function metricText(type: FamilyType, m: FamilyMetric, labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels).sort().map((n) => `label:{name:${q(n)} value:${q(labels[n]!)}}`);
  if (m.summary) {
    const quantiles = m.summary.quantiles.map((x) => ` quantile:{quantile:${protoFloat(x.quantile)} value:${protoFloat(x.value)}}`).join("");
    parts.push(`summary:{sample_count:${m.summary.sampleCount} sample_sum:${protoFloat(m.summary.sampleSum)}${quantiles}}`);
  } else if (m.histogram) {
    const buckets = m.histogram.buckets.map((b) => ` bucket:{cumulative_count:${b.cumulativeCount} upper_bound:${protoFloat(b.upperBound)}}`).join("");
    parts.push(`histogram:{sample_count:${m.histogram.sampleCount} sample_sum:${protoFloat(m.histogram.sampleSum)}${buckets}}`);
  } else {
    parts.push(`${type === "gaugehistogram" ? "gauge_histogram" : type}:{value:${protoFloat(m.value ?? 0)}}`);
  }
  return parts.join(" ");
}
