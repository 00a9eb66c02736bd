// The grouping key from the push path, against prometheus/pushgateway v1.11.1 (handler/push.go splitLabels
// and decodeBase64, routes in main.go, README.md "URL" examples) and against the paths the three client
// libraries build. Every expectation below is what that Pushgateway answers for the same path.
import { describe, expect, it } from "vitest";
import { MetricsError } from "../../../src/domain/errors";
import { parseGroupingKeyPath } from "../../../src/ingest/pushgateway-path";

function failure(path: string): { reason: string; message: string } {
  try {
    parseGroupingKeyPath(path);
  } catch (e) {
    expect(e).toBeInstanceOf(MetricsError);
    return { reason: (e as MetricsError).reason, message: (e as MetricsError).message };
  }
  throw new Error(`expected ${path} to be refused`);
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const base64url = (s: string) => btoa(String.fromCharCode(...utf8(s))).replace(/\+/g, "-").replace(/\//g, "_");

/** Python urllib.parse.quote_plus(s) with safe='' and Go's url.QueryEscape(s): the same set, space as '+'. */
const queryEscape = (s: string) =>
  Array.from(utf8(s), (b) => {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9_.~-]/.test(c)) return c;
    return b === 0x20 ? "+" : "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }).join("");

type Encoder = (name: string, value: string) => string;
/** prometheus/client_python prometheus_client/exposition.py _escape_grouping_key, release 0.26.0. */
const python: Encoder = (k, v) =>
  v === "" ? `${k}@base64/=` : v.includes("/") || v.includes(" ") ? `${k}@base64/${base64url(v)}` : `${k}/${queryEscape(v)}`;
/** The same function before it sent values with spaces as base64. */
const pythonEarlier: Encoder = (k, v) =>
  v === "" ? `${k}@base64/=` : v.includes("/") ? `${k}@base64/${base64url(v)}` : `${k}/${queryEscape(v)}`;
/** prometheus/client_golang prometheus/push/push.go encodeComponent (RawURLEncoding: no padding). */
const golang: Encoder = (k, v) =>
  v === "" ? `${k}@base64/=` : v.includes("/") ? `${k}@base64/${base64url(v).replace(/=+$/, "")}` : `${k}/${queryEscape(v)}`;
/** siimon/prom-client lib/pushgateway.js generateGroupings. */
const promClient: Encoder = (k, v) => `${encodeURIComponent(k)}/${encodeURIComponent(v)}`;

describe("prometheus/pushgateway README.md URL examples", () => {
  it("reads job and label pairs", () => {
    expect(parseGroupingKeyPath("job/some_job/instance/some_instance")).toEqual({
      job: "some_job",
      labels: { instance: "some_instance", job: "some_job" },
    });
  });

  it("decodes @base64 values: a value with '/', the empty value, and the Greek example both ways", () => {
    expect(parseGroupingKeyPath("job/directory_cleaner/path@base64/L3Zhci90bXA").labels).toEqual({
      path: "/var/tmp",
      job: "directory_cleaner",
    });
    expect(parseGroupingKeyPath("job/example/first_label@base64/=/second_label/foobar").labels).toEqual({
      first_label: "",
      second_label: "foobar",
      job: "example",
    });
    const greek = { name: "Προμηθεύς", job: "titan" };
    expect(parseGroupingKeyPath("job/titan/name/%CE%A0%CF%81%CE%BF%CE%BC%CE%B7%CE%B8%CE%B5%CF%8D%CF%82").labels).toEqual(greek);
    expect(parseGroupingKeyPath("job/titan/name@base64/zqDPgc6_zrzOt864zrXPjc-C").labels).toEqual(greek);
  });

  it("takes a base64 job (padding optional, '%40' for '@' too)", () => {
    expect(parseGroupingKeyPath("job@base64/L3Zhci90bXA=").job).toBe("/var/tmp");
    expect(parseGroupingKeyPath("job%40base64/YQ").job).toBe("a");
  });
});

describe("what each client sends for awkward values, read as the Pushgateway reads it", () => {
  const cases: [string, Encoder, string, string | { error: string }][] = [
    ["prometheus_client", python, "a/b", "a/b"],
    ["prometheus_client", python, "", ""],
    ["prometheus_client", python, "a b", "a b"],
    ["prometheus_client", python, "  ", "  "],
    ["prometheus_client", python, "ünïcødé €", "ünïcødé €"],
    ["prometheus_client", python, "a+b", "a+b"],
    ["prometheus_client", python, "100%", "100%"],
    ["prometheus_client", python, "a%2Fb", "a%2Fb"],
    ["prometheus_client", python, "é/ü", "é/ü"],
    ["prometheus_client", python, "?#&=@", "?#&=@"],
    ["prometheus_client (earlier)", pythonEarlier, "a b", "a+b"],
    ["prometheus_client (earlier)", pythonEarlier, "ünïcødé €", "ünïcødé+€"],
    ["client_golang", golang, "a/b", "a/b"],
    ["client_golang", golang, "/", "/"],
    ["client_golang", golang, "", ""],
    ["client_golang", golang, "a b", "a+b"],
    ["client_golang", golang, "a+b", "a+b"],
    ["client_golang", golang, "100%", "100%"],
    ["client_golang", golang, "Προμηθεύς", "Προμηθεύς"],
    ["prom-client", promClient, "a b", "a b"],
    ["prom-client", promClient, "", ""],
    ["prom-client", promClient, "100%", "100%"],
    ["prom-client", promClient, "a/b", { error: 'odd number of components in label string "/instance/a/b"' }],
    ["prom-client", promClient, "/", { error: 'odd number of components in label string "/instance//"' }],
  ];
  it.each(cases)("%s: %j", (_client, encode, value, expected) => {
    const path = `job/j/${encode("instance", value)}`;
    if (typeof expected === "object") {
      expect(failure(path)).toEqual({ reason: "BadRequest", message: expected.error });
    } else {
      expect(parseGroupingKeyPath(path)).toEqual({ job: "j", labels: { instance: expected, job: "j" } });
    }
  });

  it("round-trips a job the same way (prometheus_client and client_golang base64 a job with '/')", () => {
    expect(parseGroupingKeyPath(python("job", "nightly/backup")).job).toBe("nightly/backup");
    expect(parseGroupingKeyPath(golang("job", "nightly/backup")).job).toBe("nightly/backup");
    expect(parseGroupingKeyPath(promClient("job", "nightly backup")).job).toBe("nightly backup");
  });
});

describe("prometheus/pushgateway handler/push.go: what it accepts silently", () => {
  it("keeps the last of a repeated label, and the job over a job label in the path", () => {
    expect(parseGroupingKeyPath("job/a/x/1/x@base64/Mg").labels).toEqual({ x: "2", job: "a" });
    expect(parseGroupingKeyPath("job/a/job/b").labels).toEqual({ job: "a" });
  });

  it("splits at a percent-encoded slash, keeps '+', ignores a trailing slash, reads '.' and '..' as values", () => {
    expect(parseGroupingKeyPath("job/a%2Fb/c").labels).toEqual({ b: "c", job: "a" });
    expect(parseGroupingKeyPath("job/a+b/i/c+d").labels).toEqual({ i: "c+d", job: "a+b" });
    expect(parseGroupingKeyPath("job/a/").labels).toEqual({ job: "a" });
    expect(parseGroupingKeyPath("job/a/x/../y/.").labels).toEqual({ x: "..", y: ".", job: "a" });
  });

  it("ignores newlines inside base64 and takes a plain value that looks like an escaped name", () => {
    expect(parseGroupingKeyPath("job@base64/YW%0AJj").job).toBe("abc");
    expect(parseGroupingKeyPath("job/a/U__foo_2e_bar/baz").labels).toEqual({ U__foo_2e_bar: "baz", job: "a" });
  });
});

describe("prometheus/pushgateway handler/push.go: what it refuses, in its words", () => {
  const cases: [string, string][] = [
    ["job/a/b", 'odd number of components in label string "/b"'],
    ["job/a/x/y/z", 'odd number of components in label string "/x/y/z"'],
    ["job/a//", 'improper label name ""'],
    ["job/a/__x/y", 'improper label name "__x"'],
    ["job/a/1x/y", 'improper label name "1x"'],
    ["job/a/x-y/z", 'improper label name "x-y"'],
    ["job/a/@base64/x", 'improper label name ""'],
    ["job/a/x@base64@base64/YQ", 'improper label name "x@base64"'],
    ["job/a/n%C3%A4me/v", 'improper label name "näme"'],
    ["job/a/x@base64/Y", 'invalid base64 encoding for label x="Y": illegal base64 data at input byte 0'],
    ["job/a/x@base64/Y=Q", 'invalid base64 encoding for label x="Y=Q": illegal base64 data at input byte 1'],
    ["job/a/x@base64/YWJj!!", 'invalid base64 encoding for label x="YWJj!!": illegal base64 data at input byte 4'],
    // The message quotes what was decoded before the bad quantum.
    ["job@base64/YWJjZA!", 'invalid base64 encoding in job name "abc": illegal base64 data at input byte 6'],
    ["job@base64/Y", 'invalid base64 encoding in job name "": illegal base64 data at input byte 0'],
    ["job@base64/=", "job name is required"],
    ["job//x/y", "job name is required"],
    // Labels are checked before the job.
    ["job//x", 'odd number of components in label string "/x"'],
  ];
  it.each(cases)("%s", (path, message) => {
    expect(failure(path)).toEqual({ reason: "BadRequest", message });
  });

  it("refuses a malformed percent escape with net/url's words", () => {
    expect(failure("job/a%zz")).toEqual({ reason: "BadRequest", message: 'invalid URL escape "%zz"' });
    expect(failure("job/a/x/%")).toEqual({ reason: "BadRequest", message: 'invalid URL escape "%"' });
  });

  it("refuses values that are not UTF-8 once decoded", () => {
    expect(failure("job/a/x/%FF").message).toBe(
      'value of label x "\\xff" is not valid UTF-8; percent-encode or base64-encode the UTF-8 bytes of the text',
    );
    expect(failure("job@base64/_w").message).toMatch(/^job name "\\xff" is not valid UTF-8/);
  });

  // The Pushgateway's router redirects "job/" (to "/metrics/job", a 404) and "JOB/a" (to "job/a").
  it("has no route for paths that do not start with job/<job>", () => {
    for (const path of ["jobs/a", "job", "job/", "job@base64/", "JOB/a", ""]) {
      expect(failure(path).reason, path).toBe("NotFound");
    }
  });
});
