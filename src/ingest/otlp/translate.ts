/**
 * ExportMetricsServiceRequest → DecodedSeries[], translated the way Prometheus' OTLP receiver translates
 * (prometheus/prometheus storage/remote/otlptranslator/prometheusremotewrite: metrics_to_prw.go `FromMetrics`,
 * helper.go `createAttributes`, number_data_points.go, helper.go `addHistogramDataPoints`,
 * `addSummaryDataPoints`), with these choices for the adapter:
 * - every resource attribute is promoted to a label (Prometheus' `promote_all_resource_attributes`), so
 *   `k8s.namespace.name` becomes `k8s_namespace_name`; data-point attributes win on collision; `job` and
 *   `instance` come from service.namespace/service.name and service.instance.id as in Prometheus;
 * - data-point attributes are sorted by key and keys that sanitise to the same label name have their values
 *   joined with ";" (as Prometheus does); empty values drop the label;
 * - gauges → "gauge"; monotonic cumulative sums → "counter"; monotonic delta sums → "counter" whose samples
 *   carry startTimestampMs (the value is the increase over [start, time]); non-monotonic sums → "gauge";
 * - histograms and exponential histograms → `<name>_sum` (when the sum is set) and `<name>_count`;
 *   summaries → `<name>_sum`, `<name>_count` and `<name>{quantile="q"}` (quantiles are what a summary is
 *   for, e.g. p99 latency as an HPA target); all of these are type "unknown" (they are neither a plain
 *   gauge nor a plain counter);
 * - the data point flag NO_RECORDED_VALUE becomes the staleness marker, as in Prometheus.
 * Data points that cannot be used are not fatal: they are counted with their reason for OTLP's
 * partial_success (`rejected_data_points`, `error_message`): no value, a NaN or infinite value, no
 * time_unix_nano, a delta sum without start_time_unix_nano, an unspecified aggregation temporality, a
 * metric or attribute name that does not translate.
 */
import type { DecodedSample, DecodedSeries, SeriesType } from "../decoded";
import type { ExportMetricsServiceRequest } from "../gen/opentelemetry-proto/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import type { KeyValue } from "../gen/opentelemetry-proto/opentelemetry/proto/common/v1/common_pb";
import { AggregationTemporality, type Metric } from "../gen/opentelemetry-proto/opentelemetry/proto/metrics/v1/metrics_pb";
import { setLabel } from "../series-labels";
import { anyValueToString, ValueTooDeep } from "./attribute-values";
import { prometheusLabelName, prometheusMetricName, type NamerType } from "./prometheus-names";

export interface OtlpDecoded {
  readonly series: readonly DecodedSeries[];
  /** Data points received, used or not. */
  readonly dataPoints: number;
  /** For ExportMetricsPartialSuccess.rejected_data_points. */
  readonly rejectedDataPoints: number;
  /** For ExportMetricsPartialSuccess.error_message: why points were rejected; "" when none were. */
  readonly rejectionMessage: string;
}

const NO_RECORDED_VALUE = 1;
const NS_PER_MS = 1_000_000n;

class Rejected extends Error {}

interface Point {
  readonly attributes: readonly KeyValue[];
  readonly timeUnixNano: bigint;
  readonly startTimeUnixNano: bigint;
  readonly flags: number;
}

export function translateMetrics(request: ExportMetricsServiceRequest): OtlpDecoded {
  const out = new SeriesCollector();
  const rejections = new Rejections();
  let dataPoints = 0;
  const labelNames = new Map<string, { name: string } | { error: string }>();
  const labelName = (key: string) => {
    let r = labelNames.get(key);
    if (r === undefined) labelNames.set(key, (r = prometheusLabelName(key)));
    return r;
  };

  for (const rm of request.resourceMetrics) {
    const metrics = rm.scopeMetrics.flatMap((sm) => sm.metrics);
    const resourceAttributes = rm.resource?.attributes ?? [];
    let resource: ResourceLabels;
    try {
      resource = resourceLabels(resourceAttributes, labelName);
    } catch (e) {
      if (!(e instanceof Rejected || e instanceof ValueTooDeep)) throw e;
      // Prometheus drops the whole resource when one of its attributes cannot become a label.
      for (const m of metrics) {
        const n = pointCount(m);
        dataPoints += n;
        rejections.add(`a resource attribute that cannot become a label (${e.message})`, m.name, n);
      }
      continue;
    }

    for (const metric of metrics) {
      const n = pointCount(metric);
      dataPoints += n;
      const data = metric.data;
      if (data.case === undefined) continue;
      const namerType: NamerType =
        data.case === "gauge" ? "gauge"
        : data.case === "sum" ? (data.value.isMonotonic ? "monotonic-counter" : "non-monotonic-counter")
        : data.case === "histogram" ? "histogram"
        : data.case === "exponentialHistogram" ? "exponential-histogram"
        : "summary";
      const named = prometheusMetricName(metric.name, metric.unit, namerType);
      if ("error" in named) {
        rejections.add(named.error, metric.name, n);
        continue;
      }
      const name = named.name;
      if (data.case !== "gauge" && data.case !== "summary") {
        const t = data.value.aggregationTemporality;
        if (t !== AggregationTemporality.CUMULATIVE && t !== AggregationTemporality.DELTA) {
          rejections.add(`aggregation_temporality ${t === AggregationTemporality.UNSPECIFIED ? "unspecified" : t} (it must be DELTA, 1, or CUMULATIVE, 2)`, metric.name, n);
          continue;
        }
      }

      const each = <P extends Point>(points: readonly P[], emit: (p: P, labels: Record<string, string>, timestampMs: number, stale: boolean) => void) => {
        for (const p of points) {
          try {
            if (p.timeUnixNano === 0n) throw new Rejected("no time_unix_nano");
            const labels = pointLabels(p.attributes, resource, labelName);
            emit(p, labels, Number(p.timeUnixNano / NS_PER_MS), (p.flags & NO_RECORDED_VALUE) !== 0);
          } catch (e) {
            if (!(e instanceof Rejected || e instanceof ValueTooDeep)) throw e;
            rejections.add(e.message, metric.name, 1);
          }
        }
      };

      switch (data.case) {
        case "gauge":
        case "sum": {
          const isSum = data.case === "sum";
          const monotonic = isSum && data.value.isMonotonic;
          const delta = isSum && data.value.aggregationTemporality === AggregationTemporality.DELTA;
          const type: SeriesType = monotonic ? "counter" : "gauge";
          each(data.value.dataPoints, (p, labels, timestampMs, stale) => {
            const v = p.value;
            if (!stale && v.case === undefined) throw new Rejected("no value (neither as_double nor as_int is set)");
            const value = stale ? NaN : v.case === "asInt" ? Number(v.value) : (v.value as number);
            if (!stale) finite(value, "value");
            if (monotonic && delta) {
              if (p.startTimeUnixNano === 0n) throw new Rejected("a delta sum without start_time_unix_nano (the interval its value covers is unknown)");
              out.add(name, labels, type, { value, timestampMs, stale, startTimestampMs: Number(p.startTimeUnixNano / NS_PER_MS) });
            } else {
              out.add(name, labels, type, { value, timestampMs, stale });
            }
          });
          break;
        }
        case "histogram":
        case "exponentialHistogram":
          each<Point & { count: bigint; sum?: number }>(data.value.dataPoints, (p, labels, timestampMs, stale) => {
            if (!stale && p.sum !== undefined) finite(p.sum, "sum");
            if (p.sum !== undefined) out.add(`${name}_sum`, labels, "unknown", { value: stale ? NaN : p.sum, timestampMs, stale });
            out.add(`${name}_count`, labels, "unknown", { value: stale ? NaN : Number(p.count), timestampMs, stale });
          });
          break;
        case "summary":
          each(data.value.dataPoints, (p, labels, timestampMs, stale) => {
            if (!stale) {
              finite(p.sum, "sum");
              for (const q of p.quantileValues) finite(q.value, `quantile ${q.quantile} value`);
            }
            out.add(`${name}_sum`, labels, "unknown", { value: stale ? NaN : p.sum, timestampMs, stale });
            out.add(`${name}_count`, labels, "unknown", { value: stale ? NaN : Number(p.count), timestampMs, stale });
            for (const q of p.quantileValues) {
              const withQuantile = { ...labels };
              setLabel(withQuantile, "quantile", String(q.quantile));
              out.add(name, withQuantile, "unknown", { value: stale ? NaN : q.value, timestampMs, stale });
            }
          });
          break;
      }
    }
  }
  return { series: out.series(), dataPoints, rejectedDataPoints: rejections.total, rejectionMessage: rejections.message(dataPoints) };
}

function finite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new Rejected(`${Number.isNaN(value) ? "a NaN" : "an infinite"} ${what} (flag NO_RECORDED_VALUE marks a point without a value)`);
}

function pointCount(m: Metric): number {
  return m.data.case === undefined ? 0 : m.data.value.dataPoints.length;
}

interface ResourceLabels {
  readonly promoted: ReadonlyMap<string, string>;
  readonly job: string | undefined;
  readonly instance: string | undefined;
}

type LabelNamer = (key: string) => { name: string } | { error: string };

function resourceLabels(attributes: readonly KeyValue[], labelName: LabelNamer): ResourceLabels {
  const promoted = new Map<string, string>();
  let serviceName: string | undefined;
  let serviceNamespace: string | undefined;
  let instance: string | undefined;
  for (const kv of attributes) {
    if (kv.key === "" && kv.keyStrindex !== 0) continue;
    const value = anyValueToString(kv.value);
    if (kv.key === "service.name") serviceName = value;
    else if (kv.key === "service.namespace") serviceNamespace = value;
    else if (kv.key === "service.instance.id") instance = value;
    const named = labelName(kv.key);
    if ("error" in named) throw new Rejected(named.error);
    // In wire order, the last attribute that lands on a label name wins (Prometheus' builder.Set).
    if (value === "") promoted.delete(named.name);
    else promoted.set(named.name, value);
  }
  const job = serviceName === undefined ? undefined : serviceNamespace === undefined ? serviceName : `${serviceNamespace}/${serviceName}`;
  return { promoted, job, instance };
}

function pointLabels(attributes: readonly KeyValue[], resource: ResourceLabels, labelName: LabelNamer): Record<string, string> {
  const labels: Record<string, string> = {};
  const sorted = attributes.filter((kv) => kv.key !== "__name__" && !(kv.key === "" && kv.keyStrindex !== 0)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const kv of sorted) {
    const named = labelName(kv.key);
    if ("error" in named) throw new Rejected(named.error);
    const value = anyValueToString(kv.value);
    if (value === "") continue;
    const existing = Object.prototype.hasOwnProperty.call(labels, named.name) ? labels[named.name] : "";
    setLabel(labels, named.name, existing === "" ? value : `${existing};${value}`);
  }
  for (const [name, value] of resource.promoted) if (!Object.prototype.hasOwnProperty.call(labels, name)) setLabel(labels, name, value);
  if (resource.job !== undefined && resource.job !== "") labels.job = resource.job;
  if (resource.instance !== undefined && resource.instance !== "") labels.instance = resource.instance;
  return labels;
}

/** Groups samples into series by type, name and label set, in first-seen order. */
class SeriesCollector {
  private readonly byKey = new Map<string, { name: string; labels: Record<string, string>; type: SeriesType; samples: DecodedSample[] }>();

  add(name: string, labels: Record<string, string>, type: SeriesType, sample: DecodedSample): void {
    const key = JSON.stringify([type, name, Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
    let s = this.byKey.get(key);
    if (s === undefined) this.byKey.set(key, (s = { name, labels, type, samples: [] }));
    s.samples.push(sample);
  }

  series(): DecodedSeries[] {
    return [...this.byKey.values()];
  }
}

/** Rejected data points by reason, with the first metric each reason was seen on. */
class Rejections {
  total = 0;
  private readonly reasons = new Map<string, { count: number; metric: string }>();

  add(reason: string, metric: string, count: number): void {
    if (count === 0) return;
    this.total += count;
    const r = this.reasons.get(reason);
    if (r) r.count += count;
    else this.reasons.set(reason, { count, metric });
  }

  message(dataPoints: number): string {
    if (this.total === 0) return "";
    const listed = [...this.reasons].slice(0, 5).map(([reason, r]) => `${r.count} with ${reason}, first in metric ${JSON.stringify(r.metric)}`);
    const more = this.reasons.size > 5 ? `; and ${this.reasons.size - 5} more reasons` : "";
    return `${this.total} of ${dataPoints} data points were rejected: ${listed.join("; ")}${more}`;
  }
}
