/**
 * The Prometheus text exposition format 0.0.4, parsed into the client_model MetricFamily model, as the
 * Pushgateway parses a pushed body. A port of prometheus/common expfmt/text_parse.go
 * (TextParser.TextToMetricFamilies) at v0.63.0, the version prometheus/pushgateway v1.11.1 builds with
 * (its go.mod); the Pushgateway answers a parse failure with 400 and err.Error() as the body
 * (prometheus/pushgateway handler/push.go), so the messages here are upstream's, byte for byte, including
 * the "text format parsing error in line N: " prefix. That version already reads quoted UTF-8 names
 * (`{"my.metric","label.name"="v"}`, `# TYPE "my.metric" counter`); whether such names are acceptable is
 * for the caller (the Pushgateway only takes them with --push.enable-utf8-names).
 *
 * The port is literal: the same state machine over bytes, the same parser state carried between lines,
 * and so the same acceptance rules, quirks included (a trailing blank after the value is read as an empty
 * timestamp and refused; `\r` is not a line end; a sample line `{a="b"} 1` after another family's sample
 * adds to that family; summary and histogram lines fold into one metric per label set, `quantile` and
 * `le` kept out of its labels; a `gauge_histogram` TYPE is accepted and its samples carry no value).
 * Deliberate departures, each where upstream has no answer to give:
 * - Where upstream dereferences a nil metric or writes to a nil map (a label set with no metric name in
 *   front of it, in a few state combinations) the Go handler panics and the connection drops; here that
 *   is a BadRequest naming the line.
 * - Summary and histogram lines are grouped by their exact label bytes, not by a 64-bit hash of them, so
 *   two label sets never merge by a hash collision.
 * - Names are Go strings of any bytes; the model holds JS strings, so a metric or label name that is not
 *   UTF-8 is refused once parsing succeeded (the Pushgateway refuses it later too, when it checks the
 *   push). HELP text that is not UTF-8 is decoded with U+FFFD.
 * - Counts are floats truncated toward zero; Go's uint64() of a negative, NaN or too-large float depends
 *   on the CPU, so such counts are kept as the truncated float for the caller to refuse.
 *
 * Cost: one pass over the input, with work per byte bounded by a constant except the per-line label
 * sorting of summary/histogram lines (label count × log). Duplicate label names are found with a set,
 * where upstream rescans the line's labels for each label (quadratic on a long label set). Everything
 * built is proportional to the input; metrics that appear in several places of the result share one
 * converted object. The caller bounds the input size.
 *
 * Three files: exposition-text-lexer.ts reads bytes and tokens, exposition-text-parser.ts is the state
 * machine, and this one turns what it built into the decoded model.
 */
import { MetricsError } from "../domain/errors";
import type { FamilyMetric, FamilyType, MetricFamily } from "./decoded";
import { decodeByteString, goQuote, isValidUtf8 } from "./go-bytes";
import { type GoType, type LabelPair, type Metric, TextParser } from "./exposition-text-parser";

/**
 * Parses a text exposition body (bytes as received, or text) into metric families, in the order their
 * names first appeared; families without samples are dropped, as upstream does. Throws
 * MetricsError("BadRequest") with upstream's message for input the Pushgateway refuses.
 */
export function parseTextExposition(body: Uint8Array | string): MetricFamily[] {
  const families = new TextParser(typeof body === "string" ? utf8.encode(body) : body).parse();
  return families.map((family) => {
    if (!isValidUtf8(family.name)) throw notUtf8(`metric name ${goQuote(family.name)}`);
    // dto's GetType() of a family without a TYPE is COUNTER (reachable through upstream's quirks only).
    const type = FAMILY_TYPE[family.type ?? "COUNTER"];
    const metrics = family.metrics.map((m) => {
      // A metric object can sit in several places (upstream appends the same pointer); convert it once.
      if (m.converted === undefined || m.converted.type !== type) {
        m.labelsOut ??= labelsRecord(m.labels, family.name);
        m.converted = { type, metric: convertMetric(m, type, m.labelsOut) };
      }
      return m.converted.metric;
    });
    return { name: decodeByteString(family.name), help: decodeByteString(family.help ?? ""), type, metrics };
  });
}

const utf8 = new TextEncoder();

const FAMILY_TYPE: Record<GoType, FamilyType> = {
  COUNTER: "counter",
  GAUGE: "gauge",
  SUMMARY: "summary",
  UNTYPED: "untyped",
  HISTOGRAM: "histogram",
  GAUGE_HISTOGRAM: "gaugehistogram",
};

function notUtf8(what: string): MetricsError {
  return new MetricsError("BadRequest", `${what} is not valid UTF-8; names must be UTF-8 text`);
}

function labelsRecord(pairs: LabelPair[], familyName: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const { name, value } of pairs) {
    if (!isValidUtf8(name)) throw notUtf8(`label name ${goQuote(name)} of metric ${goQuote(familyName)}`);
    const key = decodeByteString(name);
    // A later pair with the same name wins, as when the Pushgateway builds a label map from the pairs.
    if (key === "__proto__") Object.defineProperty(labels, key, { value: decodeByteString(value), enumerable: true, writable: true, configurable: true });
    else labels[key] = decodeByteString(value);
  }
  return labels;
}

/** Go's uint64(f) for the counts of a summary or histogram, where it is defined; see the header. */
const toCount = (f: number | undefined) => Math.trunc(f ?? 0);

function convertMetric(m: Metric, type: FamilyType, labels: Record<string, string>): FamilyMetric {
  const timestampMs = m.timestampMs ?? null;
  switch (type) {
    case "counter":
      return { labels, value: m.counter, timestampMs };
    case "gauge":
      return { labels, value: m.gauge, timestampMs };
    case "untyped":
      return { labels, value: m.untyped, timestampMs };
    case "summary": {
      const s = m.summary;
      if (s === undefined) return { labels, timestampMs };
      return { labels, summary: { sampleCount: toCount(s.count), sampleSum: s.sum ?? 0, quantiles: s.quantiles }, timestampMs };
    }
    case "histogram": {
      const h = m.histogram;
      if (h === undefined) return { labels, timestampMs };
      const buckets = h.buckets.map((b) => ({ upperBound: b.upperBound, cumulativeCount: toCount(b.cumulativeCount) }));
      return { labels, histogram: { sampleCount: toCount(h.count), sampleSum: h.sum ?? 0, buckets }, timestampMs };
    }
    case "gaugehistogram":
      return { labels, timestampMs };
  }
}
