/**
 * The state machine of the text exposition parser: prometheus/common expfmt/text_parse.go v0.63.0
 * (TextParser.TextToMetricFamilies), state for state, over the lexer in exposition-text-lexer.ts. What it
 * builds mirrors the client_model dto messages (byte strings, undefined for nil fields), including the
 * pointer sharing upstream produces; exposition-text.ts turns that into the decoded model. See there for
 * the acceptance rules and the few departures.
 */
import { MetricsError } from "../domain/errors";
import { parseInt64 } from "../apimachinery/go";
import type { FamilyMetric, FamilyType } from "./decoded";
import { goParseFloat, goQuote, goQuoteByte, goToUpper, isValidUtf8 } from "./go-bytes";
import { EOF, isBlankOrTab, TextLexer } from "./exposition-text-lexer";

/** dto.MetricType names, which TYPE lines are matched against after strings.ToUpper. */
export type GoType = "COUNTER" | "GAUGE" | "SUMMARY" | "UNTYPED" | "HISTOGRAM" | "GAUGE_HISTOGRAM";
const METRIC_TYPES: Record<string, GoType> = {
  COUNTER: "COUNTER",
  GAUGE: "GAUGE",
  SUMMARY: "SUMMARY",
  UNTYPED: "UNTYPED",
  HISTOGRAM: "HISTOGRAM",
  GAUGE_HISTOGRAM: "GAUGE_HISTOGRAM",
};

// Mutable mirrors of the dto messages, holding byte strings; undefined stands for a nil field.
export interface LabelPair { name: string; value: string }
export interface Summary { count?: number; sum?: number; quantiles: { quantile: number; value: number }[] }
export interface Histogram { count?: number; sum?: number; buckets: { upperBound: number; cumulativeCount: number }[] }
export interface Metric {
  labels: LabelPair[];
  counter?: number;
  gauge?: number;
  untyped?: number;
  summary?: Summary;
  histogram?: Histogram;
  timestampMs?: number;
  /** The result's view of this metric, filled in by exposition-text.ts. */
  labelsOut?: Record<string, string>;
  converted?: { type: FamilyType; metric: FamilyMetric };
}
export interface Family { name: string; help?: string; type?: GoType; metrics: Metric[] }

/** Where upstream would panic (nil pointer or nil map); turned into a ParseError by parse(). */
class NilDereference extends Error {}

function must<T>(x: T | null): T {
  if (x === null) throw new NilDereference();
  return x;
}

type State = (() => State) | null;

const isCount = (name: string) => name.length > 6 && name.endsWith("_count");
const isSum = (name: string) => name.length > 4 && name.endsWith("_sum");
const isBucket = (name: string) => name.length > 7 && name.endsWith("_bucket");
const summaryMetricName = (name: string) =>
  isCount(name) ? name.slice(0, -6) : isSum(name) ? name.slice(0, -4) : name;
const histogramMetricName = (name: string) =>
  isCount(name) ? name.slice(0, -6) : isSum(name) ? name.slice(0, -4) : isBucket(name) ? name.slice(0, -7) : name;

/**
 * The label bytes model.LabelsToSignature hashes (sorted names, each name and value followed by 0xFF),
 * used as the key itself. A nil map has the empty signature.
 */
function labelsSignature(labels: Map<string, string> | null): string {
  if (labels === null || labels.size === 0) return "";
  let key = "";
  for (const name of [...labels.keys()].sort()) key += name + "\xff" + labels.get(name) + "\xff";
  return key;
}

export class TextParser extends TextLexer {
  private readonly families = new Map<string, Family>();
  private currentMF: Family | null = null;
  private currentMetric: Metric | null = null;
  private currentLabelPair: LabelPair | null = null;
  private currentLabelPairs: LabelPair[] = [];
  /** Names in currentLabelPairs, kept alongside it for the duplicate check. */
  private currentLabelNames = new Set<string>();
  private currentLabels: Map<string, string> | null = null;
  private readonly summaries = new Map<string, Metric>();
  private currentQuantile = NaN;
  private readonly histograms = new Map<string, Metric>();
  private currentBucket = NaN;
  private currentIsSummaryCount = false;
  private currentIsSummarySum = false;
  private currentIsHistogramCount = false;
  private currentIsHistogramSum = false;
  private currentMetricIsInsideBraces = false;
  private currentMetricInsideBracesIsPresent = false;

  /**
   * TextToMetricFamilies: the families with samples, in the order their names first appeared. Throws
   * MetricsError("BadRequest") with upstream's error text.
   */
  parse(): Family[] {
    try {
      for (let state: State = this.startOfLine; state !== null; state = state.call(this)) {
        // Each state reads what it needs and names the next one.
      }
    } catch (e) {
      if (!(e instanceof NilDereference)) throw e;
      this.parseError("label set without a metric name in front of it; write the metric name before '{'");
    }
    if (this.err === EOF) this.parseError("unexpected end of input stream");
    if (this.err !== null) throw new MetricsError("BadRequest", (this.err as Error).message);
    return [...this.families.values()].filter((f) => f.metrics.length > 0);
  }

  private getType(): GoType {
    return this.currentMF?.type ?? "COUNTER"; // dto's GetType() on a nil family or type
  }

  private getName(): string {
    return this.currentMF?.name ?? "";
  }

  private clearLabelPairs() {
    this.currentLabelPairs = [];
    this.currentLabelNames = new Set();
  }

  private appendLabelPairsToMetric() {
    const labels = must(this.currentMetric).labels;
    for (const pair of this.currentLabelPairs) labels.push(pair);
    this.clearLabelPairs();
  }

  // --- states ---

  private startOfLine(): State {
    this.lineCount++;
    this.currentMetricIsInsideBraces = false;
    this.currentMetricInsideBracesIsPresent = false;
    this.skipBlankTab();
    if (this.err !== null) {
      // The only place where the end of input is the expected end.
      if (this.err === EOF) this.err = null;
      return null;
    }
    switch (this.byte()) {
      case 0x23: // '#'
        return this.startComment;
      case 0x0a:
        return this.startOfLine;
      case 0x7b: // '{'
        this.currentMetricIsInsideBraces = true;
        return this.readingLabels;
    }
    return this.readingMetricName;
  }

  private startComment(): State {
    this.skipBlankTab();
    if (this.err !== null) return null;
    if (this.byte() === 0x0a) return this.startOfLine;
    this.readTokenUntilWhitespace();
    if (this.err !== null) return null;
    // A comment that ends after its first word is not a syntax error.
    if (this.byte() === 0x0a) return this.startOfLine;
    const keyword = this.currentToken.toString();
    if (keyword !== "HELP" && keyword !== "TYPE") {
      while (this.byte() !== 0x0a) {
        this.readByte();
        if (this.err !== null) return null;
      }
      return this.startOfLine;
    }
    this.skipBlankTab();
    if (this.err !== null) return null;
    this.readTokenAsMetricName();
    if (this.err !== null) return null;
    if (this.byte() === 0x0a) return this.startOfLine;
    if (!isBlankOrTab(this.byte())) {
      this.parseError("invalid metric name in comment");
      return null;
    }
    this.setOrCreateCurrentMF();
    this.skipBlankTab();
    if (this.err !== null) return null;
    if (this.byte() === 0x0a) return this.startOfLine;
    return keyword === "HELP" ? this.readingHelp : this.readingType;
  }

  private readingMetricName(): State {
    this.readTokenAsMetricName();
    if (this.err !== null) return null;
    if (this.currentToken.length === 0) {
      this.parseError("invalid metric name");
      return null;
    }
    this.setOrCreateCurrentMF();
    const mf = must(this.currentMF);
    mf.type ??= "UNTYPED";
    // Not appended to the family yet: a summary or histogram line may belong to an existing metric.
    this.currentMetric = { labels: [] };
    this.skipBlankTabIfCurrentBlankTab();
    if (this.err !== null) return null;
    return this.readingLabels;
  }

  private readingLabels(): State {
    const type = this.getType();
    if (type === "SUMMARY" || type === "HISTOGRAM") {
      this.currentLabels = new Map([["__name__", this.getName()]]);
      this.currentQuantile = NaN;
      this.currentBucket = NaN;
    }
    if (this.byte() !== 0x7b) return this.readingValue;
    return this.startLabelName;
  }

  private startLabelName(): State {
    this.skipBlankTab();
    if (this.err !== null) return null;
    if (this.byte() === 0x7d) { // '}'
      this.appendLabelPairsToMetric();
      this.skipBlankTab();
      if (this.err !== null) return null;
      return this.readingValue;
    }
    this.readTokenAsLabelName();
    if (this.err !== null) return null;
    if (this.currentToken.length === 0) {
      this.parseError(`invalid label name for metric ${goQuote(this.getName())}`);
      return null;
    }
    this.skipBlankTabIfCurrentBlankTab();
    if (this.err !== null) return null;
    if (this.byte() !== 0x3d) { // '='
      if (this.currentMetricIsInsideBraces) {
        // The token was the metric name, quoted inside the braces.
        if (this.currentMetricInsideBracesIsPresent) {
          this.parseError(`multiple metric names for metric ${goQuote(this.getName())}`);
          return null;
        }
        switch (this.byte()) {
          case 0x2c: // ','
            this.setOrCreateCurrentMF();
            must(this.currentMF).type ??= "UNTYPED";
            this.currentMetric = { labels: [] };
            this.currentMetricInsideBracesIsPresent = true;
            return this.startLabelName;
          case 0x7d: // '}'
            this.setOrCreateCurrentMF();
            must(this.currentMF).type ??= "UNTYPED";
            this.currentMetric = { labels: [] };
            this.appendLabelPairsToMetric();
            this.skipBlankTab();
            if (this.err !== null) return null;
            return this.readingValue;
          default:
            this.parseError(`unexpected end of metric name ${goQuoteByte(this.byte())}`);
            return null;
        }
      }
      this.parseError(`expected '=' after label name, found ${goQuoteByte(this.byte())}`);
      this.clearLabelPairs();
      return null;
    }
    const pair: LabelPair = { name: this.currentToken.toString(), value: "" };
    this.currentLabelPair = pair;
    if (pair.name === "__name__") {
      this.parseError(`label name "__name__" is reserved`);
      return null;
    }
    // quantile and le are not labels of a summary or histogram: they select a quantile or bucket.
    const type = this.getType();
    if (!(type === "SUMMARY" && pair.name === "quantile") && !(type === "HISTOGRAM" && pair.name === "le")) {
      if (this.currentLabelNames.has(pair.name)) {
        this.parseError(`duplicate label names for metric ${goQuote(this.getName())}`);
        this.clearLabelPairs();
        return null;
      }
      this.currentLabelNames.add(pair.name);
      this.currentLabelPairs.push(pair);
    }
    return this.startLabelValue;
  }

  private startLabelValue(): State {
    this.skipBlankTab();
    if (this.err !== null) return null;
    if (this.byte() !== 0x22) {
      this.parseError(`expected '"' at start of label value, found ${goQuoteByte(this.byte())}`);
      return null;
    }
    this.readTokenAsLabelValue();
    if (this.err !== null) return null;
    const value = this.currentToken.toString();
    if (!isValidUtf8(value)) {
      this.parseError(`invalid label value ${goQuote(value)}`);
      return null;
    }
    const pair = must(this.currentLabelPair);
    pair.value = value;
    if (this.getType() === "SUMMARY") {
      if (pair.name === "quantile") {
        const q = goParseFloat(value);
        if (q === null) {
          this.parseError(`expected float as value for 'quantile' label, got ${goQuote(value)}`);
          this.clearLabelPairs();
          return null;
        }
        this.currentQuantile = q;
      } else {
        must(this.currentLabels).set(pair.name, value);
      }
    }
    if (this.getType() === "HISTOGRAM") {
      if (pair.name === "le") {
        const le = goParseFloat(value);
        if (le === null) {
          this.parseError(`expected float as value for 'le' label, got ${goQuote(value)}`);
          return null;
        }
        this.currentBucket = le;
      } else {
        must(this.currentLabels).set(pair.name, value);
      }
    }
    this.skipBlankTab();
    if (this.err !== null) return null;
    switch (this.byte()) {
      case 0x2c: // ','
        return this.startLabelName;
      case 0x7d: // '}'
        if (this.currentMF === null) {
          this.parseError("invalid metric name");
          return null;
        }
        this.appendLabelPairsToMetric();
        this.skipBlankTab();
        if (this.err !== null) return null;
        return this.readingValue;
      default:
        this.parseError(`unexpected end of label value ${goQuote(pair.value)}`);
        this.clearLabelPairs();
        return null;
    }
  }

  private readingValue(): State {
    // All labels are read, so a summary or histogram line can be matched to its metric now.
    const type = this.getType();
    if (type === "SUMMARY" || type === "HISTOGRAM") {
      const index = type === "SUMMARY" ? this.summaries : this.histograms;
      const signature = labelsSignature(this.currentLabels);
      const existing = index.get(signature);
      if (existing !== undefined) {
        this.currentMetric = existing;
      } else {
        index.set(signature, must(this.currentMetric));
        must(this.currentMF).metrics.push(must(this.currentMetric));
      }
    } else {
      must(this.currentMF).metrics.push(must(this.currentMetric));
    }
    this.readTokenUntilWhitespace();
    if (this.err !== null) return null;
    const token = this.currentToken.toString();
    const value = goParseFloat(token);
    if (value === null) {
      this.parseError(`expected float as value, got ${goQuote(token)}`);
      return null;
    }
    const metric = must(this.currentMetric);
    switch (this.getType()) {
      case "COUNTER":
        metric.counter = value;
        break;
      case "GAUGE":
        metric.gauge = value;
        break;
      case "UNTYPED":
        metric.untyped = value;
        break;
      case "SUMMARY": {
        const summary = (metric.summary ??= { quantiles: [] });
        if (this.currentIsSummaryCount) summary.count = value;
        else if (this.currentIsSummarySum) summary.sum = value;
        else if (!Number.isNaN(this.currentQuantile)) {
          summary.quantiles.push({ quantile: this.currentQuantile, value });
        }
        break;
      }
      case "HISTOGRAM": {
        const histogram = (metric.histogram ??= { buckets: [] });
        if (this.currentIsHistogramCount) histogram.count = value;
        else if (this.currentIsHistogramSum) histogram.sum = value;
        else if (!Number.isNaN(this.currentBucket)) {
          histogram.buckets.push({ upperBound: this.currentBucket, cumulativeCount: value });
        }
        break;
      }
      default:
        // Upstream sets this error and reads on; the next read replaces it, so it never surfaces there.
        this.err = new Error(`unexpected type for metric name ${goQuote(this.getName())}`);
    }
    if (this.byte() === 0x0a) return this.startOfLine;
    return this.startTimestamp;
  }

  private startTimestamp(): State {
    this.skipBlankTab();
    if (this.err !== null) return null;
    this.readTokenUntilWhitespace();
    if (this.err !== null) return null;
    const token = this.currentToken.toString();
    const timestamp = parseInt64(token);
    if (timestamp === null) {
      this.parseError(`expected integer as timestamp, got ${goQuote(token)}`);
      return null;
    }
    must(this.currentMetric).timestampMs = Number(timestamp);
    this.readTokenUntilNewline(false);
    if (this.err !== null) return null;
    if (this.currentToken.length > 0) {
      this.parseError(`spurious string after timestamp: ${goQuote(this.currentToken.toString())}`);
      return null;
    }
    return this.startOfLine;
  }

  private readingHelp(): State {
    const mf = must(this.currentMF);
    if (mf.help !== undefined) {
      this.parseError(`second HELP line for metric name ${goQuote(mf.name)}`);
      return null;
    }
    this.readTokenUntilNewline(true);
    if (this.err !== null) return null;
    mf.help = this.currentToken.toString();
    return this.startOfLine;
  }

  private readingType(): State {
    const mf = must(this.currentMF);
    if (mf.type !== undefined) {
      this.parseError(`second TYPE line for metric name ${goQuote(mf.name)}, or TYPE reported after samples`);
      return null;
    }
    this.readTokenUntilNewline(false);
    if (this.err !== null) return null;
    const token = this.currentToken.toString();
    const type = Object.hasOwn(METRIC_TYPES, goToUpper(token)) ? METRIC_TYPES[goToUpper(token)] : undefined;
    if (type === undefined) {
      this.parseError(`unknown metric type ${goQuote(token)}`);
      return null;
    }
    mf.type = type;
    return this.startOfLine;
  }

  /** The family the current token names: itself, or the summary/histogram its _sum/_count/_bucket belongs to. */
  private setOrCreateCurrentMF() {
    this.currentIsSummaryCount = false;
    this.currentIsSummarySum = false;
    this.currentIsHistogramCount = false;
    this.currentIsHistogramSum = false;
    const name = this.currentToken.toString();
    const own = this.families.get(name);
    if (own !== undefined) {
      this.currentMF = own;
      return;
    }
    const summary = this.families.get(summaryMetricName(name)) ?? null;
    this.currentMF = summary;
    if (summary !== null && summary.type === "SUMMARY") {
      this.currentIsSummaryCount = isCount(name);
      this.currentIsSummarySum = isSum(name);
      return;
    }
    const histogram = this.families.get(histogramMetricName(name)) ?? null;
    this.currentMF = histogram;
    if (histogram !== null && histogram.type === "HISTOGRAM") {
      this.currentIsHistogramCount = isCount(name);
      this.currentIsHistogramSum = isSum(name);
      return;
    }
    const created: Family = { name, metrics: [] };
    this.families.set(name, created);
    this.currentMF = created;
  }
}
