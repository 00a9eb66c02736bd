// The text exposition parser against upstream: the scenarios and error cases of prometheus/common
// expfmt/text_parse_test.go (v0.63.0, the version prometheus/pushgateway v1.11.1 builds with), with the
// complete messages upstream produces (its test compares prefixes only), then behaviour Pushgateway users
// meet that upstream's tests leave implicit.
import { describe, expect, it } from "vitest";
import { MetricsError } from "../../../src/domain/errors";
import type { FamilyMetric, MetricFamily } from "../../../src/ingest/decoded";
import { parseTextExposition } from "../../../src/ingest/exposition-text";

const m = (labels: Record<string, string>, value: number, timestampMs: number | null = null): FamilyMetric => ({
  labels,
  value,
  timestampMs,
});

function parseError(input: string | Uint8Array): string {
  try {
    parseTextExposition(input);
  } catch (e) {
    expect(e).toBeInstanceOf(MetricsError);
    expect((e as MetricsError).reason).toBe("BadRequest");
    return (e as MetricsError).message;
  }
  throw new Error("expected a parse error");
}

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...new TextEncoder().encode(p)] : p)));

describe("prometheus/common expfmt/text_parse_test.go TestTextParse", () => {
  it("0: empty lines as input", () => {
    expect(parseTextExposition("\n\n")).toEqual([]);
  });

  it("1: minimal case (a HELP line without samples makes no family)", () => {
    const input = `
minimal_metric 1.234
another_metric -3e3 103948
# Even that:
no_labels{} 3
# HELP line for non-existing metric will be ignored.
`;
    expect(parseTextExposition(input)).toEqual<MetricFamily[]>([
      { name: "minimal_metric", help: "", type: "untyped", metrics: [m({}, 1.234)] },
      { name: "another_metric", help: "", type: "untyped", metrics: [m({}, -3e3, 103948)] },
      { name: "no_labels", help: "", type: "untyped", metrics: [m({}, 3)] },
    ]);
  });

  it("2: counters & gauges, docstrings, various whitespace, escape sequences", () => {
    const input = String.raw`
# A normal comment.
#
# TYPE name counter
name{labelname="val1",basename="basevalue"} NaN
name {labelname="val2",basename="base\"v\\al\nue"} 0.23 1234567890
# HELP name two-line\n doc  str\\ing

 # HELP  name2  	doc str"ing 2
  #    TYPE    name2 gauge
name2{labelname="val2"	,basename   =   "basevalue2"		} +Inf 54321
name2{ labelname = "val1" , }-Inf
`;
    expect(parseTextExposition(input)).toEqual<MetricFamily[]>([
      {
        name: "name",
        help: "two-line\n doc  str\\ing",
        type: "counter",
        metrics: [
          m({ labelname: "val1", basename: "basevalue" }, NaN),
          m({ labelname: "val2", basename: 'base"v\\al\nue' }, 0.23, 1234567890),
        ],
      },
      {
        name: "name2",
        help: 'doc str"ing 2',
        type: "gauge",
        metrics: [m({ labelname: "val2", basename: "basevalue2" }, Infinity, 54321), m({ labelname: "val1" }, -Infinity)],
      },
    ]);
  });

  it("3: the evil summary, mixed with other types and funny comments", () => {
    const input = `
# TYPE my_summary summary
my_summary{n1="val1",quantile="0.5"} 110
decoy -1 -2
my_summary{n1="val1",quantile="0.9"} 140 1
my_summary_count{n1="val1"} 42
# Latest timestamp wins in case of a summary.
my_summary_sum{n1="val1"} 4711 2
fake_sum{n1="val1"} 2001
# TYPE another_summary summary
another_summary_count{n2="val2",n1="val1"} 20
my_summary_count{n2="val2",n1="val1"} 5 5
another_summary{n1="val1",n2="val2",quantile=".3"} -1.2
my_summary_sum{n1="val2"} 08 15
my_summary{n1="val3", quantile="0.2"} 4711
  my_summary{n1="val1",n2="val2",quantile="-12.34",} NaN
# some
# funny comments
# HELP 
# HELP
# HELP my_summary
# HELP my_summary 
`;
    const summary = (sampleCount: number, sampleSum: number, quantiles: [number, number][]) => ({
      sampleCount,
      sampleSum,
      quantiles: quantiles.map(([quantile, value]) => ({ quantile, value })),
    });
    expect(parseTextExposition(input)).toEqual<MetricFamily[]>([
      {
        name: "my_summary",
        help: "",
        type: "summary",
        metrics: [
          { labels: { n1: "val1" }, summary: summary(42, 4711, [[0.5, 110], [0.9, 140]]), timestampMs: 2 },
          { labels: { n2: "val2", n1: "val1" }, summary: summary(5, 0, [[-12.34, NaN]]), timestampMs: 5 },
          { labels: { n1: "val2" }, summary: summary(0, 8, []), timestampMs: 15 },
          { labels: { n1: "val3" }, summary: summary(0, 0, [[0.2, 4711]]), timestampMs: null },
        ],
      },
      { name: "decoy", help: "", type: "untyped", metrics: [m({}, -1, -2)] },
      { name: "fake_sum", help: "", type: "untyped", metrics: [m({ n1: "val1" }, 2001)] },
      {
        name: "another_summary",
        help: "",
        type: "summary",
        metrics: [{ labels: { n2: "val2", n1: "val1" }, summary: summary(20, 0, [[0.3, -1.2]]), timestampMs: null }],
      },
    ]);
  });

  it("4: the histogram", () => {
    const input = `
# HELP request_duration_microseconds The response latency.
# TYPE request_duration_microseconds histogram
request_duration_microseconds_bucket{le="100"} 123
request_duration_microseconds_bucket{le="120"} 412
request_duration_microseconds_bucket{le="144"} 592
request_duration_microseconds_bucket{le="172.8"} 1524
request_duration_microseconds_bucket{le="+Inf"} 2693
request_duration_microseconds_sum 1.7560473e+06
request_duration_microseconds_count 2693
`;
    const buckets: [number, number][] = [[100, 123], [120, 412], [144, 592], [172.8, 1524], [Infinity, 2693]];
    expect(parseTextExposition(input)).toEqual<MetricFamily[]>([
      {
        name: "request_duration_microseconds",
        help: "The response latency.",
        type: "histogram",
        metrics: [
          {
            labels: {},
            histogram: {
              sampleCount: 2693,
              sampleSum: 1756047.3,
              buckets: buckets.map(([upperBound, cumulativeCount]) => ({ upperBound, cumulativeCount })),
            },
            timestampMs: null,
          },
        ],
      },
    ]);
  });

  it("5: quoted metric name and quoted label name with dots", () => {
    const input = `
# HELP "my.noncompliant.metric" help text
# TYPE "my.noncompliant.metric" counter
{"my.noncompliant.metric","label.name"="value"} 1
`;
    expect(parseTextExposition(input)).toEqual<MetricFamily[]>([
      { name: "my.noncompliant.metric", help: "help text", type: "counter", metrics: [m({ "label.name": "value" }, 1)] },
    ]);
  });

  it("6: metric family with dots in name", () => {
    const input = `
# HELP "name.with.dots" boring help
# TYPE "name.with.dots" counter
{"name.with.dots",labelname="val1",basename="basevalue"} 42.0
{"name.with.dots",labelname="val2",basename="basevalue"} 0.23 1234567890
`;
    expect(parseTextExposition(input)).toEqual<MetricFamily[]>([
      {
        name: "name.with.dots",
        help: "boring help",
        type: "counter",
        metrics: [
          m({ labelname: "val1", basename: "basevalue" }, 42),
          m({ labelname: "val2", basename: "basevalue" }, 0.23, 1234567890),
        ],
      },
    ]);
  });

  it("7: metric family with dots in name, no labels", () => {
    const input = `
				# HELP "name.with.dots" boring help
				# TYPE "name.with.dots" counter
				{"name.with.dots"} 42.0
				{"name.with.dots"} 0.23 1234567890
				`;
    expect(parseTextExposition(input)).toEqual<MetricFamily[]>([
      { name: "name.with.dots", help: "boring help", type: "counter", metrics: [m({}, 42), m({}, 0.23, 1234567890)] },
    ]);
  });

  it("8: quoted names with dots and asterisks, special characters in label values", () => {
    const input = String.raw`# HELP "gauge.name" gauge\ndoc\nstr\"ing
# TYPE "gauge.name" gauge
{"gauge.name","name.1"="val with\nnew line","name*2"="val with \\backslash and \"quotes\""} +Inf
{"gauge.name","name.1"="Björn","name*2"="佖佥"} 3.14e+42
`;
    expect(parseTextExposition(input)).toEqual<MetricFamily[]>([
      {
        name: "gauge.name",
        help: 'gauge\ndoc\nstr"ing',
        type: "gauge",
        metrics: [
          m({ "name.1": "val with\nnew line", "name*2": 'val with \\backslash and "quotes"' }, Infinity),
          m({ "name.1": "Björn", "name*2": "佖佥" }, 3.14e42),
        ],
      },
    ]);
  });

  it("9: various escaped special characters in metric and label names", () => {
    const input = String.raw`
# HELP "my\"noncompliant\nmetric\\" help text
# TYPE "my\"noncompliant\nmetric\\" counter
{"my\"noncompliant\nmetric\\","label\"name\n"="value"} 1
`;
    expect(parseTextExposition(input)).toEqual<MetricFamily[]>([
      { name: 'my"noncompliant\nmetric\\', help: "help text", type: "counter", metrics: [m({ 'label"name\n': "value" }, 1)] },
    ]);
  });

  it("10: quoted metric name, not the first element in the label set", () => {
    const input = `
# HELP "my.noncompliant.metric" help text
# TYPE "my.noncompliant.metric" counter
{labelname="value", "my.noncompliant.metric"} 1
`;
    expect(parseTextExposition(input)).toEqual<MetricFamily[]>([
      { name: "my.noncompliant.metric", help: "help text", type: "counter", metrics: [m({ labelname: "value" }, 1)] },
    ]);
  });

  it("11: multiple minimal metrics with quoted metric names", () => {
    expect(parseTextExposition('\n{"name.1"} 1\n{"name.2"} 1\n{"name.3"} 1\n')).toEqual<MetricFamily[]>(
      ["name.1", "name.2", "name.3"].map((name) => ({ name, help: "", type: "untyped", metrics: [m({}, 1)] })),
    );
  });
});

describe("prometheus/common expfmt/text_parse_test.go TestTextParseError, with upstream's complete messages", () => {
  const P = "text format parsing error in line";
  const cases: [string, string | Uint8Array, string][] = [
    ["0: no new-line at end of input", "\nbla 3.14\nblubber 42", `${P} 3: unexpected end of input stream`],
    ["1: invalid escape sequence in label value", 'metric{label="\\t"} 3.14', `${P} 1: invalid escape sequence '\\t'`],
    ["2: newline in label value", '\nmetric{label="new\nline"} 3.14\n', `${P} 2: label value "new" contains unescaped new-line`],
    ["3", 'metric{@="bla"} 3.14', `${P} 1: invalid label name for metric "metric"`],
    ["4", 'metric{__name__="bla"} 3.14', `${P} 1: label name "__name__" is reserved`],
    ["5", 'metric{label+="bla"} 3.14', `${P} 1: expected '=' after label name, found '+'`],
    ["6", "metric{label=bla} 3.14", `${P} 1: expected '"' at start of label value, found 'b'`],
    ["7", '\n# TYPE metric summary\nmetric{quantile="bla"} 3.14\n', `${P} 3: expected float as value for 'quantile' label, got "bla"`],
    ["8", 'metric{label="bla"+} 3.14', `${P} 1: unexpected end of label value "bla"`],
    ["9", 'metric{label="bla"} 3.14 2.72\n', `${P} 1: expected integer as timestamp, got "2.72"`],
    ["10", 'metric{label="bla"} 3.14 2 3\n', `${P} 1: spurious string after timestamp: " 3"`],
    ["11", 'metric{label="bla"} blubb\n', `${P} 1: expected float as value, got "blubb"`],
    ["12", "\n# HELP metric one\n# HELP metric two\n", `${P} 3: second HELP line for metric name "metric"`],
    ["13", "\n# TYPE metric counter\n# TYPE metric untyped\n", `${P} 3: second TYPE line for metric name "metric", or TYPE reported after samples`],
    ["14", "\nmetric 4.12\n# TYPE metric counter\n", `${P} 3: second TYPE line for metric name "metric", or TYPE reported after samples`],
    ["14 (second)", "\n# TYPE metric bla\n", `${P} 2: unknown metric type "bla"`],
    ["15", "\n# TYPE met-ric\n", `${P} 2: invalid metric name in comment`],
    ["16", '@invalidmetric{label="bla"} 3.14 2', `${P} 1: invalid metric name`],
    ["17", '{label="bla"} 3.14 2', `${P} 1: invalid metric name`],
    ["18", '\n# TYPE metric histogram\nmetric_bucket{le="bla"} 3.14\n', `${P} 3: expected float as value for 'le' label, got "bla"`],
    ["19: invalid UTF-8 in label value", bytes('metric{l="', [0xbd], '"} 3.14\n'), `${P} 1: invalid label value "\\xbd"`],
    ["20: underscores in numbers", "foo 1_2\n", `${P} 1: expected float as value, got "1_2"`],
    ["21: hex floating point", "foo 0x1p-3\n", `${P} 1: expected float as value, got "0x1p-3"`],
    ["22", "foo 0x1P-3\n", `${P} 1: expected float as value, got "0x1P-3"`],
    ["23", "foo 0B1\n", `${P} 1: expected float as value, got "0B1"`],
    ["24", "foo 0O1\n", `${P} 1: expected float as value, got "0O1"`],
    ["25", "foo 0X1\n", `${P} 1: expected float as value, got "0X1"`],
    ["26", "foo 0x1\n", `${P} 1: expected float as value, got "0x1"`],
    ["27", "foo 0b1\n", `${P} 1: expected float as value, got "0b1"`],
    ["28", "foo 0o1\n", `${P} 1: expected float as value, got "0o1"`],
    ["31: histogram label", '\n# TYPE metric histogram\nmetric_bucket{le="0x1p-3"} 3.14\n', `${P} 3: expected float as value for 'le' label, got "0x1p-3"`],
    ["32: quantile label", '\n# TYPE metric summary\nmetric{quantile="0x1p-3"} 3.14\n', `${P} 3: expected float as value for 'quantile' label, got "0x1p-3"`],
    ["33: duplicate label", 'metric{label="bla",label="bla"} 3.14', `${P} 1: duplicate label names for metric "metric"`],
    ["34: multiple quoted metric names", '{"one.name","another.name"} 3.14', `${P} 1: multiple metric names for metric "one.name"`],
    ["35: invalid escape sequence in quoted metric name", '{"a\\xc5z",label="bla"} 3.14', `${P} 1: invalid escape sequence '\\x'`],
    ["36: unexpected end of quoted metric name", '{"metric.name".label="bla"} 3.14', `${P} 1: unexpected end of metric name '.'`],
    ["37: invalid escape sequence in quoted metric name", '\n# TYPE "metric.name\\t" counter\n{"metric.name\\t",label="bla"} 3.14\n', `${P} 2: invalid escape sequence '\\t'`],
    ["38: newline in quoted metric name", '\n# TYPE "metric\nname" counter\n{"metric\nname",label="bla"} 3.14\n', `${P} 2: metric name "metric" contains unescaped new-line`],
    ["39: newline in quoted label name", '\n{"metric.name","new\nline"="bla"} 3.14\n', `${P} 2: label name "new" contains unescaped new-line`],
  ];
  it.each(cases)("%s", (_name, input, message) => {
    expect(parseError(input)).toBe(message);
  });
});

describe("what pushers send and the Pushgateway's answers to it", () => {
  it("reads a prometheus_client (Python) body: counter with _total and _created, help escapes", () => {
    const input = `# HELP jobs_processed_total Jobs processed by the nightly batch
# TYPE jobs_processed_total counter
jobs_processed_total{queue="default"} 1234.0
# HELP jobs_processed_created Jobs processed by the nightly batch
# TYPE jobs_processed_created gauge
jobs_processed_created{queue="default"} 1.7000000001234e+09
`;
    const families = parseTextExposition(input);
    expect(families.map((f) => [f.name, f.type, f.metrics[0].value])).toEqual([
      ["jobs_processed_total", "counter", 1234],
      ["jobs_processed_created", "gauge", 1.7000000001234e9],
    ]);
  });

  it("bytes and text give the same families, a BOM is data (and not a metric name)", () => {
    const text = '# TYPE q gauge\nq{path="/srv/é"} 7\n';
    expect(parseTextExposition(new TextEncoder().encode(text))).toEqual(parseTextExposition(text));
    expect(parseError("\ufeffq 1\n")).toBe("text format parsing error in line 1: invalid metric name");
  });

  it("refuses a blank after the value (read as an empty timestamp) and CRLF line ends", () => {
    expect(parseError("foo 1 \n")).toBe('text format parsing error in line 1: expected integer as timestamp, got ""');
    expect(parseError("foo 1\r\n")).toBe('text format parsing error in line 1: expected float as value, got "1\\r"');
    expect(parseError("# TYPE foo gauge\r\nfoo 1\n")).toBe('text format parsing error in line 1: unknown metric type "gauge\\r"');
  });

  it("accepts Go's float spellings and refuses overflow, not underflow", () => {
    const values = parseTextExposition("a Inf\nb +inf\nc -Infinity\nd nan\ne .5\nf 5.\ng 1e-400\nh -0\n").map((f) => f.metrics[0].value);
    expect(values).toEqual([Infinity, Infinity, -Infinity, NaN, 0.5, 5, 0, -0]);
    expect(parseError("a 1e400\n")).toBe('text format parsing error in line 1: expected float as value, got "1e400"');
    expect(parseError("a +nan\n")).toBe('text format parsing error in line 1: expected float as value, got "+nan"');
    expect(parseError("a infin\n")).toBe('text format parsing error in line 1: expected float as value, got "infin"');
  });

  it("reads timestamps as int64 milliseconds (signs allowed) and refuses out-of-range ones", () => {
    const [f] = parseTextExposition("a 1 -5\na 2 +7\na 3 9223372036854775807\n");
    expect(f.metrics.map((x) => x.timestampMs)).toEqual([-5, 7, 9223372036854775807]);
    expect(parseError("a 1 9223372036854775808\n")).toBe(
      'text format parsing error in line 1: expected integer as timestamp, got "9223372036854775808"',
    );
  });

  it("matches TYPE names with Go's strings.ToUpper, and takes gauge_histogram with no values", () => {
    const families = parseTextExposition("# TYPE a COUNTER\na 1\n# TYPE b hıstogram\nb_count 3\n# TYPE c gauge_histogram\nc 2\n");
    expect(families.map((f) => f.type)).toEqual(["counter", "histogram", "gaugehistogram"]);
    expect(families[2].metrics).toEqual([{ labels: {}, timestampMs: null }]);
    expect(parseError("# TYPE a hiﬅogram\n")).toBe('text format parsing error in line 1: unknown metric type "hiﬅogram"');
  });

  it("answers the inputs upstream crashes on with a parse error naming the line", () => {
    const message = "label set without a metric name in front of it; write the metric name before '{'";
    expect(parseError('# TYPE foo gauge\n{a="b"} 1\n')).toBe(`text format parsing error in line 2: ${message}`);
    expect(parseError("{} 1\n")).toBe(`text format parsing error in line 1: ${message}`);
    expect(parseError('# TYPE s summary\n# TYPE g gauge\n{"s",a="x"} 1\n')).toBe(`text format parsing error in line 3: ${message}`);
  });

  it("refuses metric and label names that are not UTF-8", () => {
    expect(parseError(bytes('{"a', [0xff], '"} 1\n'))).toBe('metric name "a\\xff" is not valid UTF-8; names must be UTF-8 text');
    expect(parseError(bytes('a{"l', [0xc3], '"="v"} 1\n'))).toBe(
      'label name "l\\xc3" of metric "a" is not valid UTF-8; names must be UTF-8 text',
    );
  });

  it("adds a nameless label set to the previous sample's metric, as upstream does", () => {
    const [foo] = parseTextExposition('foo 1\n{a="b"} 2\n');
    expect(foo.metrics).toEqual([m({ a: "b" }, 2), m({ a: "b" }, 2)]);
    expect(foo.metrics[0]).toBe(foo.metrics[1]);
  });
});

describe("bounded work", () => {
  it("finds a duplicate at the end of a 100 000-label set in linear time", () => {
    const labels = Array.from({ length: 100_000 }, (_, i) => `l${i}="v"`).join(",");
    expect(parseError(`big{${labels},l99999="again"} 1\n`)).toBe('text format parsing error in line 1: duplicate label names for metric "big"');
    const [family] = parseTextExposition(`big{${labels}} 1\n`);
    expect(Object.keys(family.metrics[0].labels)).toHaveLength(100_000);
  });

  it("converts a metric shared by 50 000 lines once", () => {
    const input = "foo 1\n" + '{a="b"} 2\n'.repeat(50_000);
    const [foo] = parseTextExposition(input);
    expect(foo.metrics).toHaveLength(50_001);
    expect(new Set(foo.metrics).size).toBe(1);
    expect(foo.metrics[0].labels).toEqual({ a: "b" });
  });
});
