/**
 * What the ingestion decoders produce: series as their wire format carried them, before any Kubernetes
 * meaning is given to them. Each protocol (Prometheus remote-write 1.0/2.0, the Pushgateway API's text and
 * protobuf bodies, OTLP/HTTP) has a decoder that knows its wire format and nothing about Kubernetes; the
 * mapping (labels → described object or external series, counters → rates) and the one write path take it
 * from here.
 *
 * Two shapes, because the protocols carry two kinds of data:
 * - DecodedSeries: one labelled time series with its samples (remote-write, OTLP data points);
 * - MetricFamily: the Prometheus exposition model (client_model io.prometheus.client.MetricFamily), which
 *   the Pushgateway API takes as text 0.0.4 or delimited protobuf and keeps per grouping key.
 */

/** The type a sender declared for a series; "unknown" when it declared none (remote-write 1.0 without metadata). */
export type SeriesType = "gauge" | "counter" | "unknown";

export interface DecodedSample {
  /** float64 as sent. NaN only when `stale` is true is meaningful; other NaN/±Inf are refused by the mapping. */
  readonly value: number;
  /** Milliseconds since the epoch. */
  readonly timestampMs: number;
  /** Prometheus' staleness marker (the NaN with bit pattern 0x7ff0000000000002): the series ended. */
  readonly stale: boolean;
  /**
   * Start of the interval the value covers, for OTLP delta sums (the value is the increase over
   * [startTimestampMs, timestampMs]); absent otherwise.
   */
  readonly startTimestampMs?: number;
}

export interface DecodedSeries {
  /** The metric name (`__name__` in Prometheus terms). */
  readonly name: string;
  /** Every other label, as sent (no `__name__`). */
  readonly labels: Readonly<Record<string, string>>;
  /** Declared type. OTLP delta sums are "counter" with samples that carry startTimestampMs. */
  readonly type: SeriesType;
  /** In the order the request carried them. */
  readonly samples: readonly DecodedSample[];
}

/** What one request decoded to, with what was received but is not stored (counted for protocol answers). */
export interface DecodedRequest {
  readonly series: readonly DecodedSeries[];
  /** Native histogram samples received (remote-write 2.0 reports them as written only if stored). */
  readonly histograms: number;
  readonly exemplars: number;
}

/** io.prometheus.client.MetricType, lower-case as the text format writes it. */
export type FamilyType = "counter" | "gauge" | "untyped" | "summary" | "histogram" | "gaugehistogram";

export interface Quantile {
  readonly quantile: number;
  readonly value: number;
}

export interface Bucket {
  /** Upper bound (`le`), +Inf for the last bucket. */
  readonly upperBound: number;
  readonly cumulativeCount: number;
}

/** io.prometheus.client.Metric: one labelled member of a family. Exactly one value field is set for its type. */
export interface FamilyMetric {
  readonly labels: Readonly<Record<string, string>>;
  /** counter, gauge and untyped. */
  readonly value?: number;
  readonly summary?: { readonly sampleCount: number; readonly sampleSum: number; readonly quantiles: readonly Quantile[] };
  readonly histogram?: { readonly sampleCount: number; readonly sampleSum: number; readonly buckets: readonly Bucket[] };
  /** timestamp_ms when the sender gave one (the Pushgateway refuses pushes that carry timestamps). */
  readonly timestampMs: number | null;
}

/** io.prometheus.client.MetricFamily. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: FamilyType;
  readonly metrics: readonly FamilyMetric[];
}
