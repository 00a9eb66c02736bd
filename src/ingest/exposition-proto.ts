/**
 * The Pushgateway API's protobuf body: `io.prometheus.client.MetricFamily` messages, each preceded by its
 * length as a varint (what client_golang's `push` package sends with Content-Type
 * `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`, and what
 * prometheus/pushgateway handler/push.go reads with `pbutil.ReadDelimited`) → MetricFamily[].
 *
 * Each message is decoded with the generated code (proto/prometheus/io/prometheus/client/metrics.proto,
 * Prometheus' proto3 copy of client_model: same wire format as client_golang's proto2 messages). A length
 * prefix larger than what remains of the body is refused before anything is allocated for it. Families keep
 * the order they were sent in; a repeated family name is left for the caller (the Pushgateway keeps the
 * last). Refused, naming the family and metric: a family without a name, an unknown type, a metric without
 * the value its family's type calls for, empty or repeated label names. Native-histogram fields are ignored
 * (the model keeps classic buckets). `timestamp_ms` is proto3 here, so 0 reads as "no timestamp".
 */
import { MetricsError } from "../domain/errors";
import type { Bucket, FamilyMetric, FamilyType, MetricFamily, Quantile } from "./decoded";
import { MetricFamilySchema, MetricType, type Metric } from "./gen/prometheus/io/prometheus/client/metrics_pb";
import { parseMediaType } from "./media-type";
import { formatLabels, setLabel } from "./series-labels";
import { decodeMessage } from "./wire";

export const METRIC_FAMILY_DELIMITED_CONTENT_TYPE = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/** Whether a Content-Type announces delimited MetricFamily messages (the Pushgateway's test, handler/push.go). */
export function isDelimitedMetricFamily(contentType: string | null | undefined): boolean {
  const media = parseMediaType(contentType);
  return (
    media !== null &&
    media.essence === "application/vnd.google.protobuf" &&
    media.params.proto === "io.prometheus.client.MetricFamily" &&
    media.params.encoding === "delimited"
  );
}

const FAMILY_TYPES: Record<number, FamilyType> = {
  [MetricType.COUNTER]: "counter",
  [MetricType.GAUGE]: "gauge",
  [MetricType.SUMMARY]: "summary",
  [MetricType.UNTYPED]: "untyped",
  [MetricType.HISTOGRAM]: "histogram",
  [MetricType.GAUGE_HISTOGRAM]: "gaugehistogram",
};

export function decodeMetricFamilies(body: Uint8Array): MetricFamily[] {
  const families: MetricFamily[] = [];
  let pos = 0;
  while (pos < body.length) {
    const at = pos;
    // The length prefix: a varint of up to 10 bytes (protodelim reads a uint64).
    let length = 0;
    let shift = 0;
    for (;;) {
      if (pos >= body.length) throw bad(`the length prefix of message ${families.length} (at byte ${at}) is truncated`);
      if (shift > 63) throw bad(`the length prefix of message ${families.length} (at byte ${at}) is longer than 10 bytes`);
      const b = body[pos++];
      length += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (length > body.length - pos) {
      throw bad(`message ${families.length} (at byte ${at}) declares ${length} bytes but only ${body.length - pos} remain`);
    }
    const message = decodeMessage(MetricFamilySchema, body.subarray(pos, pos + length), `io.prometheus.client.MetricFamily (message ${families.length}, at byte ${at})`);
    pos += length;
    families.push(toFamily(message.name, message.help, message.type, message.metric, families.length));
  }
  return families;
}

function bad(message: string): MetricsError {
  return new MetricsError("BadRequest", `metric families: ${message}; send io.prometheus.client.MetricFamily messages, each preceded by its length as a varint`);
}

function toFamily(name: string, help: string, typeNumber: number, metrics: readonly Metric[], index: number): MetricFamily {
  if (name === "") throw new MetricsError("BadRequest", `metric families: message ${index} has no name: every MetricFamily needs one`);
  const type = FAMILY_TYPES[typeNumber];
  if (type === undefined) {
    throw new MetricsError("BadRequest", `metric family ${JSON.stringify(name)} has type ${typeNumber}, which io.prometheus.client.MetricType does not define`);
  }
  return { name, help, type, metrics: metrics.map((m) => toMetric(name, type, m)) };
}

function toMetric(family: string, type: FamilyType, m: Metric): FamilyMetric {
  const pairs = m.label.map((l) => ({ name: l.name, value: l.value }));
  const fail = (rule: string) => new MetricsError("BadRequest", `metric family ${JSON.stringify(family)} (${type}): metric ${formatLabels(pairs)} ${rule}`);
  const labels: Record<string, string> = {};
  const seen = new Set<string>();
  for (const l of pairs) {
    if (l.name === "") throw fail(`has a label with an empty name: label names must not be empty`);
    if (seen.has(l.name)) throw fail(`has the label name ${JSON.stringify(l.name)} more than once: label names must be unique`);
    seen.add(l.name);
    setLabel(labels, l.name, l.value);
  }
  const timestampMs = m.timestampMs === 0n ? null : Number(m.timestampMs);
  const missing = (field: string) => fail(`has no ${field} value: ${type === "untyped" ? "an" : "a"} ${type} family's metrics must carry one`);
  switch (type) {
    case "counter":
      if (!m.counter) throw missing("counter");
      return { labels, value: m.counter.value, timestampMs };
    case "gauge":
      if (!m.gauge) throw missing("gauge");
      return { labels, value: m.gauge.value, timestampMs };
    case "untyped":
      if (!m.untyped) throw missing("untyped");
      return { labels, value: m.untyped.value, timestampMs };
    case "summary": {
      if (!m.summary) throw missing("summary");
      const quantiles: Quantile[] = m.summary.quantile.map((q) => ({ quantile: q.quantile, value: q.value }));
      return { labels, summary: { sampleCount: Number(m.summary.sampleCount), sampleSum: m.summary.sampleSum, quantiles }, timestampMs };
    }
    default: {
      if (!m.histogram) throw missing("histogram");
      const h = m.histogram;
      // The *_float fields override the integer ones when positive (metrics.proto comments).
      const buckets: Bucket[] = h.bucket.map((b) => ({
        upperBound: b.upperBound,
        cumulativeCount: b.cumulativeCountFloat > 0 ? b.cumulativeCountFloat : Number(b.cumulativeCount),
      }));
      const sampleCount = h.sampleCountFloat > 0 ? h.sampleCountFloat : Number(h.sampleCount);
      return { labels, histogram: { sampleCount, sampleSum: h.sampleSum, buckets }, timestampMs };
    }
  }
}
